"""The benchmark suite, in miniature: its fake model, its timings and its JSON cannot rot.

Everything runs in memory or on SQLite in a temporary folder with a zero-latency model; the
`langgraph dev` load test is left out (`python -m bench` runs it).
"""

from __future__ import annotations

import itertools
import json
import time
from types import SimpleNamespace

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from bench import fake_model
from bench.__main__ import figures_table
from bench.fake_model import LatencyChatModel, ModelCall, agent_of, estimate_tokens
from bench.fake_openai import build_app
from bench.suite import EXTRA_FIGURES, FIGURES, GOALS, BenchSettings, Goal, run_suite
from bench.turn_timing import (
    percentile,
    sequential_calls,
    time_bare_loop,
    time_sophia,
    time_turn_skeleton,
)
from graph.state import FollowUpDecision, GradeJudgement, LevelJudgement, ReportNarrative

SMOKE = BenchSettings(
    name="smoke",
    latency=0.005,
    turn_questions_per_phase=1,
    long_questions_per_phase=1,
    eval_limit=2,
)
# The latency figures the benchmark exists for: the JSON must carry every one of them.
HEADLINE_FIGURES = {
    "turn_latency_ratio",
    "first_token_ratio",
    "tokens_per_turn_growth",
    "overhead_ms",
    "overhead_ratio_vs_bare",
    "server_p95_ratio",
    "eval_seconds",
}


def request(closing: str) -> list:
    return [SystemMessage("x" * 400), HumanMessage(closing)]


async def test_the_fake_model_answers_each_agent_in_kind():
    model = LatencyChatModel(latency=0.0, probe_every=1)
    cases = {
        "Grade the answer now.": ("grader", GradeJudgement),
        "Decide now.": ("follow_up", FollowUpDecision),
        "Assess the level now.": ("difficulty", LevelJudgement),
        "Write the report now.": ("report", ReportNarrative),
    }
    for closing, (agent, schema) in cases.items():
        assert agent_of(request(closing)) == agent
        reply = await model.ainvoke(request(closing))
        schema.model_validate_json(reply.content)
        assert reply.usage_metadata["input_tokens"] == estimate_tokens(request(closing)) > 100
    reply = await model.ainvoke(request("Say your next line to the candidate."))
    assert reply.content.endswith("?")
    assert [c.agent for c in model.calls][-1] == "interviewer"


class VirtualClock:
    """Time that passes only when the fake model sleeps: its schedule, without a wall clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # A yield (`sleep(0)`) takes a microsecond here, as it takes some time for real.
        self.now += max(1e-6, seconds)


async def test_the_fake_model_streams_its_first_chunk_early(monkeypatch):
    clock = VirtualClock()
    monkeypatch.setattr(fake_model, "time", SimpleNamespace(perf_counter=clock.perf_counter))
    monkeypatch.setattr(fake_model, "asyncio", SimpleNamespace(sleep=clock.sleep))
    model = LatencyChatModel(latency=0.1, first_token_share=0.5, chunks=5)
    arrivals = []
    async for chunk in model.astream(request("Say your next line to the candidate.")):
        if chunk.content:  # LangChain ends a stream with an empty chunk of its own
            arrivals.append((clock.now, chunk))
    assert len(arrivals) >= 4
    # The first chunk after half the latency, the last at the latency, evenly in between.
    assert arrivals[0][0] == pytest.approx(0.05, abs=1e-5)
    assert arrivals[-1][0] == pytest.approx(0.1, abs=1e-5)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(arrivals)]
    assert gaps == pytest.approx([0.05 / (len(arrivals) - 1)] * len(gaps), abs=1e-5)
    assert sum(1 for _, c in arrivals if c.usage_metadata) == 1


async def test_the_fake_model_never_answers_before_its_latency():
    # Its deadline sleep ends in yields, so it can be late by a few microseconds but never early.
    for delay in (0.0, 0.0005, 0.003, 0.012):
        deadline = time.perf_counter() + delay
        await fake_model.sleep_until(deadline)
        assert time.perf_counter() >= deadline
    model = LatencyChatModel(latency=0.004)
    await model.ainvoke(request("Grade the answer now."))
    await model.ainvoke(request("Say your next line to the candidate."))
    assert all(c.ended - c.started >= 0.004 for c in model.calls)


async def test_a_timed_interview_has_two_model_calls_on_each_turns_path():
    model = LatencyChatModel(latency=0.01)  # long enough for parallel calls to overlap
    timing = await time_sophia(model, questions_per_phase=1, persistence="memory")
    assert timing.finished
    turns = timing.normal_turns()
    assert len(turns) >= 5
    ungraded = 0
    for turn in turns:
        if "grader" in turn.agents:
            # grader, difficulty (and follow_up when a probe is allowed) in parallel with
            # Sophia's acknowledgement, then the rest of her turn.
            assert {"grader", "difficulty", "acknowledge", "interviewer"} <= set(turn.agents)
            assert turn.sequential_calls == 2
        else:
            # A question to Sophia (the candidate's at the wrap-up): nothing graded, one call.
            assert turn.agents == ["interviewer"] and turn.sequential_calls == 1
            ungraded += 1
        assert turn.agents.count("interviewer") == 1
        assert turn.first_token is not None and turn.first_token <= turn.seconds
        assert turn.input_tokens > 0
    assert ungraded == 1


def test_the_fake_openai_server_streams_in_kind_with_usage_last():
    from starlette.testclient import TestClient

    client = TestClient(build_app(latency=0.0))
    body = {"model": "bench", "messages": [{"role": "user", "content": "Decide now."}]}
    reply = client.post("/v1/chat/completions", json=body).json()
    FollowUpDecision.model_validate_json(reply["choices"][0]["message"]["content"])
    assert reply["usage"]["prompt_tokens"] > 0
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as events:
        lines = [line for line in events.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    FollowUpDecision.model_validate_json(text)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert client.get("/stats").json()["follow_up"] == 2


def test_overlapping_calls_count_once_on_the_critical_path():
    calls = [
        ModelCall("grader", 1, 1, 0.0, 1.0),
        ModelCall("difficulty", 1, 1, 0.1, 1.1),
        ModelCall("interviewer", 1, 1, 1.2, 2.2),
    ]
    assert sequential_calls(calls) == 2
    assert sequential_calls([]) == 0


async def test_the_bare_loop_runs_on_sqlite():
    timing = await time_bare_loop(3, persistence="sqlite")
    assert len(timing.turns) == 3 and not timing.finished
    assert all(t.model_calls == 0 for t in timing.turns)


async def test_the_turn_skeleton_makes_the_calls_of_a_full_graded_turn():
    # The floor stands for Sophia's turn only while it calls what her graded turns call.
    model = LatencyChatModel(latency=0.01)
    sophia = await time_sophia(model, questions_per_phase=1, persistence="memory")
    full_turns = [
        t.agents for t in sophia.normal_turns() if "follow_up" in t.agents and "grader" in t.agents
    ]
    assert full_turns
    skeleton = await time_turn_skeleton(LatencyChatModel(latency=0.01), 3, persistence="sqlite")
    assert len(skeleton.turns) == 3 and not skeleton.finished
    for turn in skeleton.turns:
        assert turn.agents == full_turns[0]
        assert turn.sequential_calls == 2 and turn.first_token is not None


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([], 0.95) != percentile([], 0.95)  # NaN: nothing measured


def test_goals_fail_what_was_not_measured():
    goal = Goal("max", 1.5)
    assert goal.holds(1.5) and not goal.holds(1.6)
    assert not goal.holds(None) and not goal.holds(float("nan"))


def test_a_smoke_run_reports_every_headline_figure_with_goals():
    result = run_suite(SMOKE, server=False)
    assert set(result) >= HEADLINE_FIGURES and set(FIGURES) >= HEADLINE_FIGURES
    assert result["server_p95_ratio"] is None and result["pass"]["server_p95_ratio"] is False
    assert set(result["goals"]) == set(GOALS) == set(result["pass"])
    for key in HEADLINE_FIGURES - {"server_p95_ratio"}:
        assert result[key] is not None and result[key] > 0, key
    # The design's floor is measured beside Sophia's figures.
    assert result["skeleton_ratio_vs_bare"] > 0
    assert result["skeleton_turn_latency_ratio"] > 0
    assert result["details"]["eval"]["candidates"] == 2
    assert result["machine"]["nproc"] >= 1
    table = figures_table(result)
    assert table.row_count == len(FIGURES) + len(EXTRA_FIGURES)
