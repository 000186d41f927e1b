"""The benchmark suite: every latency figure, its goal, and whether it holds.

Each `measure_*` function takes the run's `BenchSettings` and returns a dict of figures (the
headline figure under its name in the JSON, the rest as details). `run_suite` runs them in an order
that warms the process up before the latency-sensitive measures.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bench.fake_model import LatencyChatModel
from bench.server_load import (
    MAX_TURNS,
    ServerError,
    ServerInterview,
    fake_openai,
    langgraph_dev,
    load_test,
    served_calls,
)
from bench.turn_timing import (
    median,
    percentile,
    time_bare_loop,
    time_sophia,
    time_turn_skeleton,
)
from evals.candidate import CANDIDATES_DIR, load_candidates
from evals.harness import evaluate_candidates
from graph.config import Context


@dataclass(frozen=True)
class Goal:
    """A bound a figure should respect (`max`: at most `value`)."""

    bound: Literal["min", "max"]
    value: float

    def holds(self, actual: float | None) -> bool:
        """Whether `actual` respects the bound (an unmeasured figure does not)."""
        if actual is None or actual != actual:  # None or NaN
            return False
        return actual <= self.value if self.bound == "max" else actual >= self.value

    def text(self) -> str:
        """`≤ 2.2`, `≥ 0.9`."""
        return f"{'≤' if self.bound == 'max' else '≥'} {self.value:g}"


# The goals: the candidate's wait for Sophia's first words and for her whole turn, what a
# turn costs beside a bare LangGraph loop, prompt growth, and the server under load (both
# brains). The other figures are measured for information.
GOALS: dict[str, Goal] = {
    "turn_latency_ratio": Goal("max", 2.1),
    "first_token_ratio": Goal("max", 1.1),
    "critical_path_calls": Goal("max", 2),
    "tokens_per_turn_growth": Goal("max", 1.3),
    "overhead_ratio_vs_bare": Goal("max", 2.0),
    "server_p95_ratio": Goal("max", 1.5),
    "server_p95_ratio_llm": Goal("max", 1.5),
}

# Every figure the JSON reports at its top level, in table order, with what it means.
FIGURES: dict[str, str] = {
    "turn_latency_ratio": "median wait after an answer / L (L = model latency; 2 = two calls)",
    "first_token_ratio": "median wait for Sophia's first streamed words / L",
    "critical_path_calls": "model calls one after another in the worst turn (overlaps count once)",
    "tokens_per_turn_growth": "model input tokens per turn, last quarter / first quarter",
    "overhead_ms": "median turn with L = 0, SQLite checkpointer and Store",
    "overhead_ratio_vs_bare": "overhead_ms / the same for a bare two-node interrupt loop",
    "server_p95_ratio": "p95 wait on langgraph dev, 20 candidates at once / one at a time",
    "server_p95_ratio_llm": "server_p95_ratio on the LLM path, fake OpenAI server (full run)",
    "server_first_words_p50_s": "langgraph dev, SDK client: Send to Sophia's first words, p50",
    "server_first_words_p95_s": "the same, p95 (the dev server's run queue adds 0.5-1.0 s)",
    "eval_seconds": "a full `sophia eval` of evals/candidates, rubric brain, in-process",
}
EXTRA_FIGURES: dict[str, str] = {
    "skeleton_turn_latency_ratio": "turn_latency_ratio of Sophia's turn with no work: its steps "
    "and model calls alone (the design's floor)",
    "skeleton_ratio_vs_bare": "overhead_ratio_vs_bare of Sophia's turn with no work: its steps "
    "and five model calls alone (the design's floor)",
    "turn_latency_ratio_sqlite": "turn_latency_ratio on the CLI's SQLite checkpointer and Store",
}
# The model name Sophia asks the fake OpenAI-compatible server for.
FAKE_OPENAI_MODEL = "bench"


@dataclass(frozen=True)
class BenchSettings:
    """How big each measure is: `QUICK` fits in a minute on two cores, `FULL` is steadier."""

    name: str
    latency: float = 0.1
    # The timed interviews (L = latency): questions per phase (0: the pack's budgets), how many
    # in memory, and the questions per phase of the one on SQLite.
    turn_questions_per_phase: int = 0
    turn_interviews: int = 1
    sqlite_questions_per_phase: int = 2
    # The long interview (L = 0) for tokens and overhead: 10 per phase and probes give 59 answers.
    long_questions_per_phase: int = 10
    # The server: settings of each interview, the crowd's size, and the one-at-a-time baseline.
    server_questions_per_phase: int = 2
    server_candidates: int = 20
    server_baseline_interviews: int = 3
    # Answers each server candidate gives (0: the whole interview).
    server_answers: int = 4
    # Also load the server with Sophia on the LLM path (the fake OpenAI-compatible server).
    server_llm: bool = False
    eval_concurrency: int = 4
    # Candidates in the eval (0: every file in evals/candidates, as `sophia eval` does).
    eval_limit: int = 0


QUICK = BenchSettings(name="quick", server_llm=True)
FULL = BenchSettings(
    name="full",
    turn_interviews=3,
    sqlite_questions_per_phase=0,
    server_baseline_interviews=4,
    server_answers=0,
    server_llm=True,
)


def _round(value: float, digits: int = 3) -> float:
    return round(value, digits) if value == value else value


async def measure_long_interview(settings: BenchSettings) -> dict[str, Any]:
    """A 40+ answer interview with L = 0 on SQLite: tokens per turn and Sophia's own overhead."""
    model = LatencyChatModel(latency=0.0)
    timing = await time_sophia(
        model, questions_per_phase=settings.long_questions_per_phase, persistence="sqlite"
    )
    turns = timing.normal_turns()
    quarter = max(1, len(turns) // 4)
    first = sum(t.input_tokens for t in turns[:quarter]) / quarter
    last = sum(t.input_tokens for t in turns[-quarter:]) / quarter
    bare = await time_bare_loop(len(timing.turns), persistence="sqlite")
    skeleton = await time_turn_skeleton(model, len(timing.turns), persistence="sqlite")
    overhead = median([t.seconds for t in turns]) * 1000
    # SQLite checkpoints hold the whole state, so a turn costs more as the interview grows.
    early = median([t.seconds for t in turns[:quarter]]) * 1000
    late = median([t.seconds for t in turns[-quarter:]]) * 1000
    bare_ms = median([t.seconds for t in bare.turns]) * 1000
    skeleton_ms = median([t.seconds for t in skeleton.turns]) * 1000
    return {
        "tokens_per_turn_growth": _round(last / first if first else float("nan")),
        "overhead_ms": _round(overhead, 2),
        "overhead_ratio_vs_bare": _round(overhead / bare_ms if bare_ms else float("nan"), 2),
        "skeleton_ratio_vs_bare": _round(skeleton_ms / bare_ms if bare_ms else float("nan"), 2),
        "long_interview": {
            "answers": len(timing.turns),
            "finished": timing.finished,
            "input_tokens_per_turn_first_quarter": round(first),
            "input_tokens_per_turn_last_quarter": round(last),
            "model_calls_per_turn": _round(sum(t.model_calls for t in turns) / len(turns), 2),
            "bare_loop_ms": _round(bare_ms, 2),
            "skeleton_ms": _round(skeleton_ms, 2),
            "overhead_ms_first_quarter": _round(early, 2),
            "overhead_ms_last_quarter": _round(late, 2),
        },
    }


async def measure_turn_latency(settings: BenchSettings, persistence: str) -> dict[str, Any]:
    """Turns with model latency L: the wait after each answer and for the first token, over L.

    In memory (the graph's own overhead, as on the server) `turn_interviews` interviews; on the
    CLI's SQLite persistence, one.
    """
    latency = settings.latency
    waits: list[float] = []
    first_tokens: list[float] = []
    calls: list[int] = []
    sequential: list[int] = []
    call_seconds: list[float] = []
    skeleton_waits: list[float] = []
    memory = persistence == "memory"
    for _ in range(settings.turn_interviews if memory else 1):
        model = LatencyChatModel(latency=latency)
        timing = await time_sophia(
            model,
            questions_per_phase=settings.turn_questions_per_phase
            if memory
            else settings.sqlite_questions_per_phase,
            persistence=persistence,
        )
        if memory:
            # The floor, right after each interview, so both see the same machine.
            skeleton = await time_turn_skeleton(
                LatencyChatModel(latency=latency), len(timing.turns), persistence=persistence
            )
            skeleton_waits += [turn.seconds for turn in skeleton.turns]
        for turn in timing.normal_turns():
            waits.append(turn.seconds)
            calls.append(turn.model_calls)
            sequential.append(turn.sequential_calls)
            if turn.first_token is not None:
                first_tokens.append(turn.first_token)
        call_seconds += [c.ended - c.started for c in model.calls]
    figures: dict[str, Any] = {
        "persistence": persistence,
        "latency_ms": latency * 1000,
        "turns": len(waits),
        "median_ms": _round(median(waits) * 1000, 1),
        "p95_ms": _round(percentile(waits, 0.95) * 1000, 1),
        "first_token_median_ms": _round(median(first_tokens) * 1000, 1),
        "turn_latency_ratio": _round(median(waits) / latency, 3),
        "first_token_ratio": _round(median(first_tokens) / latency, 3),
        "model_calls_per_turn": _round(sum(calls) / len(calls), 2) if calls else None,
        # How long one model call took as the fake model saw it: L, unless its timer is late.
        "model_call_median_ms": _round(median(call_seconds) * 1000, 2),
        # The most model calls any turn made one after another (the goal's "two").
        "sequential_calls_per_turn_max": max(sequential, default=None),
    }
    if memory:
        figures["skeleton_turn_latency_ratio"] = _round(median(skeleton_waits) / latency, 3)
    return figures


async def measure_eval(settings: BenchSettings) -> dict[str, Any]:
    """`sophia eval` of evals/candidates with the rubric brain, as the CLI runs it."""
    candidates = await asyncio.to_thread(load_candidates, CANDIDATES_DIR)
    if settings.eval_limit:
        candidates = candidates[: settings.eval_limit]
    started = time.perf_counter()
    result = await evaluate_candidates(
        candidates, Context(model="rubric"), concurrency=settings.eval_concurrency
    )
    seconds = time.perf_counter() - started
    return {
        "eval_seconds": _round(seconds, 2),
        "eval": {
            "candidates": len(candidates),
            "concurrency": settings.eval_concurrency,
            "metrics": {k: v for k, v in result.metric_values().items() if v is not None},
        },
    }


def _crowd_versus_one(
    url: str, settings: BenchSettings, interview: dict[str, Any]
) -> dict[str, Any]:
    """p95 wait per turn for one candidate at a time, then for the crowd at once.

    Two short interviews warm the server up first (imports, the first model client), and are
    not counted: they would slow the one-at-a-time turns and flatter the ratio.
    """
    answers = settings.server_answers or MAX_TURNS
    asyncio.run(load_test(url, 2, interview, answers=2))
    alone = asyncio.run(
        load_test(url, 1, interview, rounds=settings.server_baseline_interviews, answers=answers)
    )
    crowd = asyncio.run(load_test(url, settings.server_candidates, interview, answers=answers))
    alone_turns = [s for i in alone for s in i.normal_turns()]
    crowd_turns = [s for i in crowd for s in i.normal_turns()]
    alone_p95, crowd_p95 = percentile(alone_turns, 0.95), percentile(crowd_turns, 0.95)
    runs = [*alone, *crowd]

    def waits(interviews: list[ServerInterview]) -> dict[str, float]:
        words = [s for i in interviews for s in i.normal_first_words()]
        starts = [s for i in interviews for s in i.normal_run_starts()]
        return {
            "first_words_p50_s": _round(median(words)),
            "first_words_p95_s": _round(percentile(words, 0.95)),
            "run_start_p50_s": _round(median(starts)),
            "run_start_p95_s": _round(percentile(starts, 0.95)),
        }

    return {
        "p95_ratio": _round(crowd_p95 / alone_p95 if alone_p95 else float("nan")),
        "settings": interview,
        "answers_per_candidate": settings.server_answers or "all",
        "one_at_a_time": {
            "interviews": len(alone),
            "turns": len(alone_turns),
            "median_s": _round(median(alone_turns)),
            "p95_s": _round(alone_p95),
            **waits(alone),
        },
        "at_once": {
            "interviews": len(crowd),
            "turns": len(crowd_turns),
            "median_s": _round(median(crowd_turns)),
            "p95_s": _round(crowd_p95),
            **waits(crowd),
        },
        "model_calls": sum(i.model_calls for i in runs),
        # Agents that fell back to the rubric brain on a turn (the report's are not turns).
        "turn_fallbacks": sum(1 for i in runs for f in i.fallbacks if not f.startswith("report:")),
        "fallbacks": [f for i in runs for f in i.fallbacks][:5],
    }


def measure_server(settings: BenchSettings) -> dict[str, Any]:
    """p95 wait per turn on `langgraph dev`: the crowd at once over one candidate at a time.

    The server may run as many runs at once as there are candidates (`--n-jobs-per-worker`):
    `langgraph dev` runs one at a time by default, and a server that runs turns one by one
    cannot show whether a node blocks the others. The headline figure is on the rubric brain.
    With `server_llm`, Sophia also runs on the LLM path against `bench/fake_openai.py` (latency
    L, in its own process, reached through `OPENAI_BASE_URL` as vLLM or Ollama would be).
    """
    started = time.perf_counter()
    base = {"questions_per_phase": settings.server_questions_per_phase, "max_follow_ups": 0}
    details: dict[str, Any] = {
        "candidates_at_once": settings.server_candidates,
        "runs_at_once_allowed": settings.server_candidates,
    }
    figures: dict[str, Any] = {}
    with ExitStack() as stack:
        openai_url = ""
        if settings.server_llm:
            openai_url = stack.enter_context(fake_openai(settings.latency))
        env = {"OPENAI_BASE_URL": openai_url} if openai_url else {}
        url = stack.enter_context(langgraph_dev(env, jobs=settings.server_candidates))
        rubric = _crowd_versus_one(url, settings, {**base, "model": "rubric"})
        details["rubric"] = rubric
        figures["server_p95_ratio"] = rubric["p95_ratio"]
        # What a candidate waits for on their own: the server's queue, then Sophia's part.
        figures["server_first_words_p50_s"] = rubric["one_at_a_time"]["first_words_p50_s"]
        figures["server_first_words_p95_s"] = rubric["one_at_a_time"]["first_words_p95_s"]
        if settings.server_llm:
            llm = _crowd_versus_one(url, settings, {**base, "model": f"openai:{FAKE_OPENAI_MODEL}"})
            llm["served_by_fake_openai"] = served_calls(openai_url)
            details["llm"] = llm
            # A call that fell back to the rubric brain: the LLM path was not what was measured.
            measured = llm["model_calls"] and not llm["turn_fallbacks"]
            figures["server_p95_ratio_llm"] = llm["p95_ratio"] if measured else None
    details["seconds"] = _round(time.perf_counter() - started, 1)
    return {**figures, "server": details}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        # Other work on the machine stretches every figure; this says how busy it was.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def run_suite(
    settings: BenchSettings,
    server: bool = True,
    progress: Callable[[str], None] | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run every measure; returns the figures, details, goals and pass/fail (the JSON).

    A server that will not start leaves the server figures unmeasured (their goal fails) and
    says why in `details.server.error`; the other figures are still reported.
    """
    say = progress or (lambda _message: None)
    host = machine()  # before the run, so the load average is the machine's, not ours
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    details: dict[str, Any] = {}

    async def in_process() -> None:
        # The long interview first: it also warms up imports and caches for the timed turns.
        say("long interview (L = 0, SQLite), the bare loop and the turn skeleton")
        long = await measure_long_interview(settings)
        details["long_interview"] = long.pop("long_interview")
        figures.update(long)
        say(f"timed turns (L = {settings.latency * 1000:.0f} ms, in memory)")
        memory = await measure_turn_latency(settings, "memory")
        figures["turn_latency_ratio"] = memory["turn_latency_ratio"]
        figures["first_token_ratio"] = memory["first_token_ratio"]
        figures["critical_path_calls"] = memory["sequential_calls_per_turn_max"]
        figures["skeleton_turn_latency_ratio"] = memory.pop("skeleton_turn_latency_ratio")
        details["turns_memory"] = memory
        say(f"timed turns (L = {settings.latency * 1000:.0f} ms, SQLite)")
        sqlite = await measure_turn_latency(settings, "sqlite")
        figures["turn_latency_ratio_sqlite"] = sqlite["turn_latency_ratio"]
        details["turns_sqlite"] = sqlite
        say("sophia eval (rubric brain)")
        evaluation = await measure_eval(settings)
        details["eval"] = evaluation.pop("eval")
        figures.update(evaluation)

    asyncio.run(in_process())
    if server:
        say(f"langgraph dev: 1, then {settings.server_candidates} candidates at once")
        try:
            result = measure_server(settings)
        except ServerError as exc:
            result = {"server": {"error": str(exc)[-2000:]}}
        details["server"] = result.pop("server")
        figures.update(result)
    goals = {key: {"bound": g.bound, "value": g.value} for key, g in GOALS.items()}
    passed = {key: g.holds(figures.get(key)) for key, g in GOALS.items()}
    return {
        **{key: figures.get(key) for key in FIGURES},
        **{key: figures.get(key) for key in EXTRA_FIGURES},
        "goals": goals,
        "pass": passed,
        "all_goals_hold": all(passed.values()),
        "details": details,
        "settings": asdict(settings) | {"server": server},
        "machine": host,
        "command": command,
        "seconds": round(time.perf_counter() - started, 1),
    }
