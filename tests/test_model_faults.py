"""Model faults: whole interviews against a fault-injecting OpenAI-compatible server.

`Context(model="openai:fake")` with `OPENAI_BASE_URL` pointing at `tests/fault_server.py`, which
answers each agent with a scripted mix of good replies, 500s, 429s with `Retry-After`, replies
slower than the timeout, truncated JSON, replies that are not the JSON asked for, empty
`choices` and empty messages. Every interview must finish; every call that could not be saved
by a retry must have fallen back to the rubric brain, with a flag in the report; and the server
must never see more requests than the retry budget allows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.runner import interview
from graph.config import Context
from nodes.interviewer import MAX_TOOL_ROUNDS
from nodes.report import MAX_REPORT_TOOL_ROUNDS
from tests.fault_server import RETRIED, FaultyOpenAIServer, Served

pytestmark = pytest.mark.integration

STRUCTURED = ("grader", "follow_up", "difficulty")
AGENTS = (*STRUCTURED, "interviewer", "report")
# Cycled per agent. Each line is one agent run: saved by a retry, or fallen back (→ rubric).
MIX = {
    "grader": [
        "ok",
        *("500", "ok"),  # retried
        *("not_json", "ok"),  # structured-output retry with the parse error
        *("429", "ok"),  # waits for Retry-After
        "truncated",  # → rubric
        *("500", "500"),  # retries used up → rubric
        *("not_json", "not_json"),  # malformed twice → rubric
    ],
    "difficulty": [
        "ok",
        *("slow", "ok"),  # timed out, retried
        "empty_choices",  # → rubric
        *("slow", "slow"),  # timed out twice → rubric
    ],
    "follow_up": ["ok", *("not_json", "not_json"), *("500", "ok"), "truncated"],
    "interviewer": ["ok", *("500", "ok"), "empty", *("500", "500"), "not_json"],
    "report": ["500", "ok"],
}
SHORT = {"questions_per_phase": 1, "max_follow_ups": 1}


@pytest.fixture
def fault_server(request, monkeypatch) -> Iterator[FaultyOpenAIServer]:
    """The fault server on a free loopback port, with OPENAI_BASE_URL pointing at it."""
    server = FaultyOpenAIServer(request.param).start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    try:
        yield server
    finally:
        server.stop()


def logical_calls(requests: list[Served]) -> list[list[Served]]:
    """Requests grouped into calls: the client's retries resend the very same body."""
    calls: list[list[Served]] = []
    for served in requests:
        if calls and calls[-1][-1].body_hash == served.body_hash:
            calls[-1].append(served)
        else:
            calls.append([served])
    return calls


def expected_fallbacks(agent: str, requests: list[Served], max_retries: int) -> int:
    """How many of an agent's runs could not be saved, read from what the server answered.

    A run is one call, plus (structured agents) one more that repeats the unparsable reply.
    It falls back when a call raised (retries used up, truncated body, empty choices), when the
    reply was malformed twice, or (interviewer) when the message was empty.
    """
    runs: list[list[list[Served]]] = []
    for call in logical_calls(requests):
        if runs and (agent == "report" or call[0].repeats_bad_reply):
            runs[-1].append(call)
        else:
            runs.append([call])
    fallbacks = 0
    for run in runs:
        last = run[-1][-1].fault
        for call in run[:-1]:  # only a malformed reply leads to another call in the same run
            assert call[-1].fault in ("not_json", "ok"), (agent, run)
        if last in RETRIED:
            assert len(run[-1]) == max_retries + 1, (agent, "gave up early or retried too often")
            fallbacks += 1
        elif last in ("truncated", "empty_choices"):
            fallbacks += 1
        elif last in ("not_json", "empty") and agent in STRUCTURED:
            assert len(run) == 2, (agent, run)
            fallbacks += 1
        elif last == "empty" and agent == "interviewer":
            fallbacks += 1
    return fallbacks


def retry_budget(answers: int, max_retries: int) -> int:
    """The most requests an interview of `answers` answers may send.

    Per call: 1 + max_retries. Per answer: grader, difficulty and follow-up make at most two
    calls each (a malformed reply is asked again once); the interviewer speaks once per
    question with at most MAX_TOOL_ROUNDS tool rounds plus a final call; the report takes
    MAX_REPORT_TOOL_ROUNDS tool rounds and two structured calls.
    """
    calls = answers * (3 * 2 + MAX_TOOL_ROUNDS + 1) + MAX_REPORT_TOOL_ROUNDS + 2
    return calls * (1 + max_retries)


def fallback_flags(flags: list[str]) -> Counter:
    """Fallbacks caused by model faults in the report's flags, per agent."""
    counts: Counter = Counter()
    for flag in flags:
        if flag.startswith("fallback to the rubric brain: ") and "coaching tool" not in flag:
            counts[flag.removeprefix("fallback to the rubric brain: ").split(":")[0]] += 1
    return counts


def run_interview_against(server: FaultyOpenAIServer, max_retries: int):
    """A whole short interview on `openai:fake`, answered by a scripted candidate."""
    context = Context(model="openai:fake", model_timeout=1, max_retries=max_retries, **SHORT)
    priya = load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml")
    return asyncio.run(interview(priya, context))


@pytest.mark.parametrize("fault_server", [MIX], indirect=True)
def test_interviews_survive_a_scripted_mix_of_faults(fault_server):
    max_retries = 1
    run = run_interview_against(fault_server, max_retries)
    report = run.report

    # The interview finished: every phase, a level, a recommendation, the closing question.
    assert [p.phase for p in report.phases][-1] == "soft_skills"  # the wrap-up: questions
    assert "closing" in [p["kind"] for p in run.payloads] and report.brain == "llm"
    assert run.payloads[-1]["phase"] == "wrap_up" and report.candidate_questions
    assert fault_server.faults_served() >= {
        "ok",
        "500",
        "429",
        "slow",
        "truncated",
        "not_json",
        "empty_choices",
        "empty",
    }

    # Every call that could not be saved fell back to the rubric brain, and the report says so.
    expected = Counter(
        {
            agent: expected_fallbacks(agent, fault_server.requests_of(agent), max_retries)
            for agent in AGENTS
        }
    )
    assert +expected == fallback_flags(report.flags)
    assert sum(expected.values()) >= 5

    # The retry budget: never more than 1 + max_retries sends of one request, and in all no
    # more than the budget of an interview this long.
    per_body = Counter(s.body_hash for s in fault_server.served)
    assert max(per_body.values()) <= 1 + max_retries
    assert len(fault_server.served) <= retry_budget(len(run.payloads), max_retries)
    # Retry-After is honoured: a 429's retry comes at least a second later.
    for i, served in enumerate(fault_server.served):
        if served.fault == "429":
            retry = next(
                (s for s in fault_server.served[i + 1 :] if s.body_hash == served.body_hash), None
            )
            assert retry is None or retry.at - served.at >= 0.9

    # Usage counts exactly the replies that arrived (a timed-out reply never did).
    for agent in AGENTS:
        arrived = [
            s for s in fault_server.requests_of(agent) if s.fault in ("ok", "not_json", "empty")
        ]
        assert report.usage.get(agent, {}).get("calls", 0) == len(arrived), agent

    faults = Counter(s.fault for s in fault_server.served if s.fault != "ok")
    print(
        f"\nfaults injected: {sum(faults.values())} {dict(faults)}; fallbacks: {dict(expected)}; "
        f"requests {len(fault_server.served)} vs budget "
        f"{retry_budget(len(run.payloads), max_retries)}; answers {len(run.payloads)}"
    )


@pytest.mark.parametrize("fault_server", [{"*": ["500"]}], indirect=True)
def test_a_server_that_always_fails_costs_exactly_the_retry_budget(fault_server):
    max_retries = 2
    run = run_interview_against(fault_server, max_retries)
    assert run.payloads[-1]["phase"] == "wrap_up"
    per_body = Counter(s.body_hash for s in fault_server.served)
    # Each call was sent exactly 1 + max_retries times, then its agent fell back.
    assert set(per_body.values()) == {1 + max_retries}
    calls = len(per_body)
    assert sum(fallback_flags(run.report.flags).values()) == calls
    assert len(fault_server.served) == calls * (1 + max_retries)
    assert not run.report.usage or run.report.usage["total"]["calls"] == 0
    print(
        f"\nalways-500: {len(fault_server.served)} requests = {calls} calls x "
        f"{1 + max_retries} sends; {calls} fallbacks, {len(run.payloads)} answers"
    )


STREAMED = {
    "interviewer": ["ok", "truncated", *("500", "ok"), "empty", "ok", *("429", "ok")],
    "*": ["ok"],
}


@pytest.mark.parametrize("fault_server", [STREAMED], indirect=True)
def test_the_streamed_interviewer_survives_cut_streams_and_errors(fault_server):
    """The terminal and the server stream Sophia's words; a stream cut mid-way or refused must
    not stop the interview (the templates speak instead, or the words that arrived stand)."""
    from langchain_core.messages import AIMessageChunk
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.store.memory import InMemoryStore
    from langgraph.types import Command

    from graph.builder import build_graph

    max_retries = 1
    context = Context(model="openai:fake", model_timeout=1, max_retries=max_retries, **SHORT)
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=InMemoryStore())
    config = {"configurable": {"thread_id": "streamed"}}

    async def drive() -> tuple[int, list[dict]]:
        tokens, payloads = 0, []
        run_input: object = {"candidate": {"name": "Ada", "years_experience": 4}}
        for _ in range(40):
            payload = None
            async for mode, chunk in graph.astream(
                run_input, config, context=context, stream_mode=["messages", "updates"]
            ):
                if mode == "messages" and isinstance(chunk[0], AIMessageChunk):
                    tokens += 1
                elif mode == "updates" and "__interrupt__" in chunk:
                    payload = chunk["__interrupt__"][0].value
            if payload is None:
                return tokens, payloads
            payloads.append(payload)
            run_input = Command(resume="I use FastAPI with PostgreSQL and Redis caching.")
        pytest.fail("the interview did not finish")

    tokens, payloads = asyncio.run(drive())
    assert payloads[-1]["phase"] == "wrap_up" and all(p["message"] for p in payloads)
    assert tokens > 0  # Sophia's words streamed
    streamed = [s for s in fault_server.requests_of("interviewer")]
    assert streamed and all(s.stream for s in streamed)
    per_body = Counter(s.body_hash for s in fault_server.served)
    assert max(per_body.values()) <= 1 + max_retries


@pytest.mark.parametrize("fault_server", [{"*": ["ok"]}], indirect=True)
def test_every_request_to_a_local_server_carries_the_output_cap(fault_server):
    """llama.cpp's server reads `max_tokens` and ignores `max_completion_tokens` (what
    langchain-openai sends): every agent's request must carry the cap under the older name."""
    context = Context(model="openai:fake", model_timeout=1, max_output_tokens=123, **SHORT)
    priya = load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml")
    asyncio.run(interview(priya, context))
    agents = {s.agent for s in fault_server.served}
    assert {"grader", "difficulty", "interviewer", "report"} <= agents
    assert {s.max_tokens for s in fault_server.served} == {123}
