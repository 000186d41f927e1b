"""Time every turn of an interview run in this process, on the SQLite persistence the CLI uses.

A turn starts when the client resumes with an answer and ends when the next question is ready
(the `__interrupt__` update arrives). Along the way it records when Sophia's first streamed
words arrived and what the model was asked for (from `LatencyChatModel.calls`).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command, Durability

from bench.bare_loop import build_bare_loop
from bench.fake_model import LatencyChatModel, ModelCall
from bench.turn_skeleton import build_turn_skeleton
from cli.storage import open_sqlite_files
from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.simulated_candidate import ScriptedCandidate
from graph.builder import build_graph
from graph.config import Context
from graph.llm import register_model

# The candidate whose scripted answers the in-process benchmarks give (answers of usual length).
BENCH_CANDIDATE = "mid-solid-priya"
MAX_TURNS = 200
# The nodes whose streamed words are Sophia's: her acknowledgement, then the rest of her turn.
SPEAKING_NODES = frozenset({"acknowledge", "interviewer"})


@dataclass
class TurnTiming:
    """One turn: how long the candidate waited, and what the model was asked."""

    index: int
    kind: str  # the kind of question that was answered (`question`, `follow_up`, ...)
    seconds: float
    first_token: float | None
    model_calls: int
    input_tokens: int
    agents: list[str] = field(default_factory=list)
    # Model calls one after another (calls that overlap in time count once): the critical path.
    sequential_calls: int = 0


@dataclass
class InterviewTiming:
    """Every turn of one interview; the first (no answer yet) and last (the report) apart."""

    start: TurnTiming
    turns: list[TurnTiming]
    finished: bool

    def normal_turns(self) -> list[TurnTiming]:
        """Turns that answer a question and end at the next one (not the report's turn)."""
        return self.turns[:-1] if self.finished else list(self.turns)


@asynccontextmanager
async def sqlite_persistence(folder: Path) -> AsyncIterator[tuple[Any, Any]]:
    """A SQLite checkpointer and Store in `folder`, opened as the CLI opens them."""
    async with AsyncExitStack() as stack:
        yield await open_sqlite_files(stack, folder)


@asynccontextmanager
async def memory_persistence(folder: Path) -> AsyncIterator[tuple[InMemorySaver, InMemoryStore]]:
    """An in-memory checkpointer and Store, as `evals/runner.py` uses (`folder` is unused)."""
    yield InMemorySaver(), InMemoryStore()


PERSISTENCE = {"sqlite": sqlite_persistence, "memory": memory_persistence}
# The CLI writes each step's checkpoint before the next step starts (`cli/interview_session.py`);
# in memory, LangGraph's default ("async") applies, as in `evals/runner.py` and on the server.
DURABILITY: dict[str, Durability | None] = {"sqlite": "sync", "memory": None}


async def timed_turn(
    graph: CompiledStateGraph,
    run_input: Any,
    config: dict[str, Any],
    context: Context | None,
    index: int,
    kind: str,
    model: LatencyChatModel | None,
    durability: Durability | None = None,
) -> tuple[TurnTiming, dict[str, Any] | None]:
    """Run the graph to its next pause; returns the timing and the new interrupt payload."""
    calls_before = len(model.calls) if model else 0
    payload: dict[str, Any] | None = None
    first_token: float | None = None
    ready: float | None = None
    started = time.perf_counter()
    async for mode, data in graph.astream(
        run_input,
        config,
        context=context,
        stream_mode=["messages", "updates"],
        durability=durability,
    ):
        if mode == "messages":
            chunk, metadata = data
            spoken = (
                metadata.get("langgraph_node") in SPEAKING_NODES
                and chunk.type in ("ai", "AIMessageChunk")
                and chunk.text
            )
            if first_token is None and spoken:
                first_token = time.perf_counter() - started
        elif "__interrupt__" in data:
            ready = time.perf_counter() - started
            payload = data["__interrupt__"][0].value
    seconds = ready if ready is not None else time.perf_counter() - started
    calls = model.calls[calls_before:] if model else []
    timing = TurnTiming(
        index=index,
        kind=kind,
        seconds=seconds,
        first_token=first_token,
        model_calls=len(calls),
        input_tokens=sum(c.input_tokens for c in calls),
        agents=sorted(c.agent for c in calls),
        sequential_calls=sequential_calls(calls),
    )
    return timing, payload


def sequential_calls(calls: list[ModelCall]) -> int:
    """How many model calls ran one after another: overlapping calls are one step."""
    steps = 0
    step_end = float("-inf")
    for call in sorted(calls, key=lambda c: c.started):
        if call.started >= step_end:
            steps += 1
            step_end = call.ended
        else:
            step_end = max(step_end, call.ended)
    return steps


async def drive(
    graph: CompiledStateGraph,
    first_input: Any,
    answer: Callable[[dict[str, Any]], str],
    context: Context | None = None,
    model: LatencyChatModel | None = None,
    max_answers: int = MAX_TURNS,
    durability: Durability | None = None,
) -> InterviewTiming:
    """Run an interview to its end (or `max_answers` answers) and time every turn."""
    config = {"configurable": {"thread_id": f"bench-{uuid.uuid4().hex[:8]}"}}
    start, payload = await timed_turn(
        graph, first_input, config, context, 0, "start", model, durability
    )
    turns: list[TurnTiming] = []
    while payload is not None and len(turns) < max_answers:
        reply = answer(payload)
        timing, payload = await timed_turn(
            graph,
            Command(resume=reply),
            config,
            context,
            len(turns) + 1,
            payload.get("kind", "question"),
            model,
            durability,
        )
        turns.append(timing)
    return InterviewTiming(start=start, turns=turns, finished=payload is None)


async def time_sophia(
    model: LatencyChatModel,
    questions_per_phase: int = 0,
    max_follow_ups: int = 1,
    persistence: str = "sqlite",
) -> InterviewTiming:
    """A whole interview on the LLM path with `model`, on `sqlite` (as the CLI) or `memory`.

    `sqlite` is the CLI's persistence: SQLite files for checkpoints and Store, each step's
    checkpoint written before the next step starts.
    """
    name = f"bench-{uuid.uuid4().hex[:8]}"
    register_model(name, model)
    context = Context(
        model=f"fake:{name}",
        questions_per_phase=questions_per_phase,
        max_follow_ups=max_follow_ups,
    )
    candidate = load_candidate(CANDIDATES_DIR / f"{BENCH_CANDIDATE}.yaml")
    with tempfile.TemporaryDirectory(prefix="sophia-bench-") as tmp:
        async with PERSISTENCE[persistence](Path(tmp)) as (saver, store):
            graph = build_graph().compile(checkpointer=saver, store=store)
            return await drive(
                graph,
                {"candidate": candidate.profile_input()},
                ScriptedCandidate(candidate).answer,
                context,
                model,
                durability=DURABILITY[persistence],
            )


async def time_bare_loop(answers: int, persistence: str = "sqlite") -> InterviewTiming:
    """`answers` turns of the bare two-node interrupt loop on the same kind of checkpointer."""
    return await _time_loop(build_bare_loop(), answers, persistence)


async def time_turn_skeleton(
    model: LatencyChatModel, answers: int, persistence: str = "sqlite"
) -> InterviewTiming:
    """`answers` turns of the skeleton of Sophia's turn (`turn_skeleton.py`) with `model`."""
    return await _time_loop(build_turn_skeleton(model), answers, persistence, model)


async def _time_loop(
    builder: StateGraph, answers: int, persistence: str, model: LatencyChatModel | None = None
) -> InterviewTiming:
    """`answers` turns of a loop that never ends and uses no Store, each answered alike."""
    with tempfile.TemporaryDirectory(prefix="sophia-bench-") as tmp:
        async with PERSISTENCE[persistence](Path(tmp)) as (saver, _store):
            graph = builder.compile(checkpointer=saver)
            return await drive(
                graph,
                {"messages": []},
                lambda payload: "An answer of ordinary length, about what I would do next.",
                model=model,
                max_answers=answers,
                durability=DURABILITY[persistence],
            )


def median(values: list[float]) -> float:
    """The median, or NaN for no values (a figure that could not be measured)."""
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    """The `share` (0-1) percentile, by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]
