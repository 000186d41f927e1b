"""Run whole interviews against simulated candidates, in memory."""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from evals.candidate import TestCandidate
from evals.simulated_candidate import ScriptedCandidate
from graph.builder import build_graph
from graph.config import Context
from graph.state import AnswerEvaluation, FinalReport
from graph.store import list_evaluations, load_report

# A guard against a graph that never reaches the report (18 questions x 4 probes is far less).
MAX_TURNS = 200

# Answers a question from its interrupt payload; an LLM-simulated candidate answers async.
Answerer = Callable[[dict[str, Any]], str | Awaitable[str]]


@dataclass
class InterviewRun:
    """One finished interview: the report, what the candidate was asked, and the graph's path."""

    candidate_id: str
    report: FinalReport
    payloads: list[dict[str, Any]]
    # The nodes run between one answer and the next, per turn (agentevals' GraphTrajectory steps).
    steps: list[list[str]] = field(default_factory=list)
    seconds: float = 0.0
    # Every evaluation the grader stored, one per graded turn, in order.
    evaluations: list[AnswerEvaluation] = field(default_factory=list)
    # The thread's final state (what the candidate's client can read).
    state: dict[str, Any] = field(default_factory=dict)

    def outputs(self) -> dict[str, Any]:
        """The run as the evaluators (and a LangSmith experiment) read it: plain JSON."""
        return {
            "candidate_id": self.candidate_id,
            "level": self.report.level,
            "overall": self.report.overall,
            "recommendation": self.report.recommendation,
            "scores": dict(self.report.scores),
            "flags": list(self.report.flags),
            "questions": [
                {
                    "id": q.id,
                    "phase": phase.phase,
                    "topic": q.topic,
                    "follow_ups": len(q.follow_ups),
                    "evaluation": q.evaluation.model_dump(mode="json") if q.evaluation else None,
                }
                for phase in self.report.phases
                for q in phase.questions
            ],
            "payloads": [{k: v for k, v in p.items() if k != "message"} for p in self.payloads],
            "transcript": [line.model_dump(mode="json") for line in self.report.transcript],
            "turn_evaluations": [e.model_dump(mode="json") for e in self.evaluations],
            "trajectory": {"inputs": None, "results": [], "steps": self.steps},
            "seconds": round(self.seconds, 3),
        }


def candidate_context(
    candidate: TestCandidate, context: Context | None, vary_questions: bool = False
) -> Context:
    """The settings an interview with `candidate` runs under: the given ones, with the mode and
    target level the file sets. Question variants stay off unless asked for: the test
    candidates' answers were written for each topic's first variant."""
    chosen = {k: getattr(candidate.settings, k) for k in candidate.settings.model_fields_set}
    return replace(context or Context(), **chosen, vary_questions=vary_questions)


async def interview(
    candidate: TestCandidate,
    context: Context | None = None,
    answer: Answerer | None = None,
    thread_id: str | None = None,
    vary_questions: bool = False,
) -> InterviewRun:
    """Interview `candidate` to the end and keep everything an evaluator looks at."""
    started = time.perf_counter()
    store = InMemoryStore()
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=store)
    context = candidate_context(candidate, context, vary_questions)
    answer = answer or ScriptedCandidate(candidate).answer
    thread_id = thread_id or f"sim-{candidate.id}-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread_id}}
    payloads: list[dict[str, Any]] = []
    run_input: Any = {"candidate": candidate.profile_input()}
    steps: list[list[str]] = []
    for _ in range(MAX_TURNS):
        steps.append(await _run_turn(graph, run_input, config, context))
        snapshot = await graph.aget_state(config)
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if not interrupts:
            break
        payload = interrupts[0].value
        payloads.append(payload)
        reply = answer(payload)
        if inspect.isawaitable(reply):
            reply = await reply
        run_input = Command(resume=reply)
    else:
        raise RuntimeError(f"interview with {candidate.id} did not finish in {MAX_TURNS} turns")
    report = await load_report(store, thread_id)
    if report is None:
        raise RuntimeError(f"interview with {candidate.id} finished without a report")
    return InterviewRun(
        candidate_id=candidate.id,
        report=report.model_copy(update={"candidate_id": candidate.id}),
        payloads=payloads,
        steps=steps,
        seconds=time.perf_counter() - started,
        evaluations=await list_evaluations(store, thread_id),
        state=(await graph.aget_state(config)).values,
    )


async def _run_turn(
    graph: CompiledStateGraph, run_input: Any, config: dict[str, Any], context: Context
) -> list[str]:
    """Run the graph up to its next pause; returns the nodes that ran, step by step.

    The trajectory is recorded from the task events as the graph runs, in agentevals'
    GraphTrajectory step format. agentevals' own extractor re-reads every checkpoint of the
    thread afterwards, which doubled the time of an evaluation. Nodes of one superstep (grader,
    difficulty and follow_up run in parallel) are listed by name, so the order is stable.
    """
    finished: list[tuple[int, str]] = []
    paused = False
    async for event in graph.astream(run_input, config, context=context, stream_mode="debug"):
        if event["type"] == "task_result":
            finished.append((event["step"], event["payload"]["name"]))
            paused = paused or bool(event["payload"].get("interrupts"))
    return [name for _, name in sorted(finished)] + (["__interrupt__"] if paused else [])


async def run_interview(
    candidate: TestCandidate,
    context: Context | None = None,
    answer: Answerer | None = None,
    thread_id: str | None = None,
    vary_questions: bool = False,
) -> tuple[FinalReport, list[dict[str, Any]]]:
    """Interview `candidate` to the end; returns the report and the interrupt payloads seen."""
    run = await interview(candidate, context, answer, thread_id, vary_questions)
    return run.report, run.payloads
