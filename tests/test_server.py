"""Sophia on a real LangGraph server: `langgraph dev` in a subprocess, driven through the SDK.

Two servers per module, each started once: one with auth off (local development) and one with
`SOPHIA_API_KEYS` set. Each runs the committed `langgraph.json`, re-rooted in a temporary folder
so the server's `.langgraph_api` files and any developer `.env` stay out of the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from bench.server_load import langgraph_dev, server_env
from evals.candidate import CANDIDATES_DIR, TestCandidate, load_candidate
from evals.runner import run_interview as run_in_memory
from evals.simulated_candidate import ScriptedCandidate
from graph.config import Context
from graph.state import PHASES
from tests.report_checks import check_report

pytestmark = [pytest.mark.integration, pytest.mark.server]

REPO = Path(__file__).resolve().parent.parent
LANGGRAPH = Path(sys.executable).parent / "langgraph"
GRAPH_ID = "interview"
NODES = {
    "load_profile",
    *PHASES,
    "interviewer",
    "await_answer",
    "grader",
    "difficulty",
    "follow_up",
    "acknowledge",
    "report",
}
# One question per phase and no probes: six answers, enough to cover every phase quickly.
SHORT = {"questions_per_phase": 1, "max_follow_ups": 0}
MAX_TURNS = 100
READY_TIMEOUT = 90.0

CANDIDATE_A, CANDIDATE_B, INTERVIEWER = "key-candidate-ada", "key-candidate-bo", "key-staff-iris"
CANDIDATE_RATED = "key-candidate-cy-rated"  # a key with its own low run-rate limit
RATED_RUNS_PER_MINUTE = 3
API_KEYS = {
    CANDIDATE_A: {"role": "candidate", "identity": "ada"},
    CANDIDATE_B: {"role": "candidate", "identity": "bo"},
    INTERVIEWER: {"role": "interviewer", "identity": "iris"},
    CANDIDATE_RATED: {
        "role": "candidate",
        "identity": "cy",
        "runs_per_minute": RATED_RUNS_PER_MINUTE,
    },
}
# Each server's combined stdout and stderr, by URL (the log tests read them).
SERVER_LOGS: dict[str, Path] = {}


# --- the server --------------------------------------------------------------------------------


def keys_env(api_keys: dict[str, Any] | None) -> dict[str, str]:
    """`SOPHIA_API_KEYS` when keys are given (and the invitation secret a server with keys must
    have); nothing for a server with auth off."""
    if not api_keys:
        return {}
    return {"SOPHIA_API_KEYS": json.dumps(api_keys), "SOPHIA_INVITE_SECRET": "test-" + "s" * 40}


def running_server(folder: Path, api_keys: dict[str, Any] | None) -> Iterator[str]:
    """`langgraph dev` on a free port, its log kept for the tests that read it."""
    with langgraph_dev(keys_env(api_keys), folder=folder) as url:
        SERVER_LOGS[url] = folder / "server.log"
        yield url


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[str]:
    """A server with auth off (no SOPHIA_API_KEYS), as on a developer's machine."""
    yield from running_server(tmp_path_factory.mktemp("open-server"), None)


@pytest.fixture(scope="module")
def secured_server(tmp_path_factory) -> Iterator[str]:
    """A server with candidate and interviewer keys."""
    yield from running_server(tmp_path_factory.mktemp("secured-server"), API_KEYS)


def client(url: str, key: str | None = None, **headers: str) -> LangGraphClient:
    """An SDK client that sends `key` as x-api-key (and never one from the environment)."""
    return get_client(url=url, api_key=key, headers=headers or None)


# --- driving an interview ----------------------------------------------------------------------


def candidate(name: str) -> TestCandidate:
    """A scripted test candidate from evals/candidates."""
    return load_candidate(CANDIDATES_DIR / f"{name}.yaml")


@dataclass
class Interview:
    """What a client saw of one interview: the questions asked and the stream's events."""

    thread_id: str
    payloads: list[dict[str, Any]] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    nodes: set[str] = field(default_factory=set)
    seconds: float = 0.0


async def interview(
    sdk: LangGraphClient,
    assistant_id: str,
    first_input: dict[str, Any],
    answer: Callable[[dict[str, Any]], str],
    *,
    as_chat: bool = False,
) -> Interview:
    """Run an interview to the end on a new thread, streaming messages and node updates.

    Answers are sent as `Command(resume=answer)`, or with `as_chat` as a new human message,
    which is what Agent Chat UI does.
    """
    started = time.perf_counter()
    thread = await sdk.threads.create()
    seen = Interview(thread_id=thread["thread_id"])
    run_input: dict[str, Any] | None = first_input
    command: dict[str, Any] | None = None
    for _ in range(MAX_TURNS):
        pending = None
        async for part in sdk.runs.stream(
            seen.thread_id,
            assistant_id,
            input=run_input,
            command=command,
            stream_mode=["messages", "updates"],
        ):
            seen.events[part.event] += 1
            assert part.event != "error", part.data
            if part.event == "updates":
                for node, update in part.data.items():
                    if node == "__interrupt__":
                        pending = update[0]["value"]
                    else:
                        seen.nodes.add(node)
        if pending is None:
            break
        seen.payloads.append(pending)
        reply = answer(pending)
        if as_chat:
            run_input, command = {"messages": [{"role": "user", "content": reply}]}, None
        else:
            run_input, command = None, {"resume": reply}
    else:
        pytest.fail(f"interview did not finish in {MAX_TURNS} turns")
    seen.seconds = time.perf_counter() - started
    return seen


async def short_assistant(sdk: LangGraphClient) -> str:
    """An assistant for the interview graph with one question per phase and no probes."""
    created = await sdk.assistants.create(GRAPH_ID, context=SHORT, name="Sophia (short)")
    return created["assistant_id"]


async def status_of(call) -> int:
    """The HTTP status an SDK call fails with (200 when it succeeds)."""
    try:
        await call
    except httpx.HTTPStatusError as exc:  # the SDK's APIStatusError, or httpx's own (runs.wait)
        return exc.response.status_code
    return 200


# --- production: the image -------------------------------------------------------------------


def test_langgraph_dockerfile_builds_from_the_config(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    done = subprocess.run(
        [str(LANGGRAPH), "dockerfile", "--config", str(REPO / "langgraph.json"), str(dockerfile)],
        cwd=REPO,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = dockerfile.read_text()
    assert "graph/interview.py:graph" in text and "graph/auth.py:auth" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


# --- Studio: the graph, its schemas and its settings --------------------------------------------


async def test_graph_endpoint_lists_every_node(open_server):
    graph = await client(open_server).assistants.get_graph(GRAPH_ID)
    node_ids = {node["id"] for node in graph["nodes"]}
    assert node_ids >= NODES | {"__start__", "__end__"}, NODES - node_ids


async def test_studio_sees_input_output_and_context_schemas(open_server):
    sdk = client(open_server)
    [default] = await sdk.assistants.search(graph_id=GRAPH_ID, metadata={"created_by": "system"})
    schemas = await sdk.assistants.get_schemas(default["assistant_id"])
    assert {"candidate_id", "candidate", "messages"} <= set(schemas["input_schema"]["properties"])
    assert "messages" in schemas["output_schema"]["properties"]
    settings = set(schemas["context_schema"]["properties"])
    assert {"model", "role", "start_level", "questions_per_phase", "max_follow_ups"} <= settings


# --- whole interviews (auth off) ----------------------------------------------------------------


def unworded(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Payloads without Sophia's words."""
    return [{k: v for k, v in p.items() if k != "message"} for p in payloads]


def graded_answers(report: dict[str, Any]) -> int:
    """How many answers a report graded (each question's answer and its follow-ups)."""
    return sum(1 + len(q["follow_ups"]) for phase in report["phases"] for q in phase["questions"])


async def test_whole_interview_through_the_sdk_matches_the_in_memory_graph(open_server):
    sam = candidate("senior-sam")
    sdk = client(open_server)
    # Sam's answers were written for each topic's first variant, as the in-memory run asks.
    fixed = await sdk.assistants.create(GRAPH_ID, context={"vary_questions": False})
    seen = await interview(
        sdk,
        fixed["assistant_id"],
        {"candidate": sam.profile_input()},
        ScriptedCandidate(sam).answer,
    )
    print(
        f"\nwhole interview through the server: {len(seen.payloads)} answers, {seen.seconds:.1f}s"
    )

    expected, expected_payloads = await run_in_memory(sam, Context(model="rubric"))
    # Sophia words each interview her own way (seeded by its thread id); the rest is the same.
    assert unworded(seen.payloads) == unworded(expected_payloads)
    stored = await sdk.store.get_item(["reports"], seen.thread_id)
    assert stored is not None
    report = stored["value"]
    check_report(report)
    assert (report["overall"], report["level"]) == (expected.overall, expected.level)
    # Sam asks questions at the wrap-up: replied to, not graded.
    assert [p["phase"] for p in report["phases"]] == list(PHASES[:-1])

    # Streaming: Sophia's words as messages, and every node's progress as updates.
    assert seen.events["messages/complete"] > 0
    assert seen.nodes == NODES
    # Every answer was graded into the Store; none of it is in the thread's state.
    evaluations = await sdk.store.search_items(["evaluations", seen.thread_id], limit=100)
    assert len(evaluations["items"]) == graded_answers(report)
    # One level per graded answer, keyed by turn, after the start assessment ("0000").
    levels = await sdk.store.search_items(["levels", seen.thread_id], limit=100)
    assert "0000" in {item["key"] for item in levels["items"]}
    assert len(levels["items"]) == len(evaluations["items"]) + 1
    state = await sdk.threads.get_state(seen.thread_id)
    assert state["values"]["finished"] is True
    assert not {"evaluations", "evaluation", "level", "report", "scores"} & set(state["values"])
    # A whole interview takes seconds: the in-memory server polls its run queue about once
    # a second, so the budget is one second and a half per answer.
    assert seen.seconds < 1.5 * len(seen.payloads) + 10


async def test_answers_sent_as_chat_messages_continue_the_interview(open_server):
    """Agent Chat UI sends each answer as a new human message, not as a resume."""
    priya = candidate("mid-solid-priya")
    sdk = client(open_server)
    assistant_id = await short_assistant(sdk)
    seen = await interview(
        sdk,
        assistant_id,
        {"messages": [{"role": "user", "content": "Hi Sophia, I'm ready."}]},
        ScriptedCandidate(priya).answer,
        as_chat=True,
    )
    assert list(dict.fromkeys(p["phase"] for p in seen.payloads)) == list(PHASES)
    assert seen.payloads[-1]["phase"] == "wrap_up"
    report = (await sdk.store.get_item(["reports"], seen.thread_id))["value"]
    check_report(report)
    assert len([q for phase in report["phases"] for q in phase["questions"]]) == len(PHASES) - 1
    state = await sdk.threads.get_state(seen.thread_id)
    human = [m["content"] for m in state["values"]["messages"] if m["type"] == "human"]
    again = ScriptedCandidate(priya)
    assert human[1:] == [again.answer(p) for p in seen.payloads]


# --- auth ---------------------------------------------------------------------------------------


async def test_requests_without_a_known_key_get_401(secured_server):
    for key in (None, "not-a-key", CANDIDATE_A + "x"):
        sdk = client(secured_server, key)
        assert await status_of(sdk.threads.create()) == 401
        assert await status_of(sdk.threads.search()) == 401
        assert await status_of(sdk.assistants.search()) == 401
        assert await status_of(sdk.store.get_item(["reports"], "any")) == 401


async def test_claiming_to_be_studio_does_not_bypass_the_keys(secured_server):
    sdk = client(secured_server, None, **{"x-auth-scheme": "langsmith"})
    assert await status_of(sdk.threads.search()) in (401, 403)
    assert await status_of(sdk.store.search_items(["reports"])) in (401, 403)


async def test_candidate_interview_end_to_end_and_only_staff_read_the_report(secured_server):
    staff, ada = client(secured_server, INTERVIEWER), client(secured_server, CANDIDATE_A)
    assistant_id = await short_assistant(staff)
    jordan = candidate("junior-bootcamp-jordan")
    # The hiring team keeps the profile; the candidate starts on their own.
    await staff.store.put_item(["profiles"], "ada", {"id": "ada", **jordan.profile_input()})
    seen = await interview(
        ada, assistant_id, {"candidate_id": "ada"}, ScriptedCandidate(jordan).answer
    )
    assert list(dict.fromkeys(p["phase"] for p in seen.payloads)) == list(PHASES)
    thread = await ada.threads.get(seen.thread_id)
    assert thread["metadata"]["owner"] == "ada"
    # The candidate reads their own conversation, never their assessment.
    assert (await ada.threads.get_state(seen.thread_id))["values"]["finished"] is True
    forbidden = [
        ada.store.get_item(["reports"], seen.thread_id),
        ada.store.search_items(["reports"]),
        ada.store.search_items(["evaluations", seen.thread_id]),
        ada.store.get_item(["levels", seen.thread_id], "0000"),
        ada.store.search_items(["profiles"]),
        ada.store.list_namespaces(),
        ada.store.put_item(["reports"], seen.thread_id, {"overall": 100}),
        ada.store.delete_item(["reports"], seen.thread_id),
    ]
    for call in forbidden:
        assert await status_of(call) == 403
    # The interviewer reads all of it.
    report = await staff.store.get_item(["reports"], seen.thread_id)
    assert report["value"]["candidate_name"] == jordan.name
    evaluations = await staff.store.search_items(["evaluations", seen.thread_id], limit=100)
    assert len(evaluations["items"]) == graded_answers(report["value"])
    assert await staff.store.get_item(["levels", seen.thread_id], "0000") is not None
    assert (await staff.threads.get_state(seen.thread_id))["values"]["finished"] is True


async def test_a_candidate_cannot_see_or_run_another_candidates_thread(secured_server):
    staff = client(secured_server, INTERVIEWER)
    ada, bo = client(secured_server, CANDIDATE_A), client(secured_server, CANDIDATE_B)
    thread_id = (await ada.threads.create())["thread_id"]
    await ada.runs.wait(thread_id, GRAPH_ID, input={})

    assert await status_of(bo.threads.get(thread_id)) == 404
    assert await status_of(bo.threads.get_state(thread_id)) == 404
    assert await status_of(bo.threads.get_history(thread_id)) == 404
    assert await status_of(bo.runs.list(thread_id)) == 404
    assert await status_of(bo.runs.wait(thread_id, GRAPH_ID, input={})) == 404
    assert await status_of(bo.runs.wait(thread_id, GRAPH_ID, command={"resume": "x"})) == 404
    assert thread_id not in {t["thread_id"] for t in await bo.threads.search(limit=1000)}
    assert thread_id in {t["thread_id"] for t in await ada.threads.search(limit=1000)}
    assert (await staff.threads.get(thread_id))["metadata"]["owner"] == "ada"
    # Nor can a candidate take over the thread id with "create if it does not exist".
    taken = bo.threads.create(thread_id=thread_id, if_exists="do_nothing")
    assert await status_of(taken) == 409


async def test_a_candidate_cannot_change_settings_rewind_or_edit_an_interview(secured_server):
    staff, ada = client(secured_server, INTERVIEWER), client(secured_server, CANDIDATE_A)
    assistant_id = await short_assistant(staff)
    thread_id = (await ada.threads.create())["thread_id"]
    start: dict[str, Any] = {}
    await ada.runs.wait(thread_id, assistant_id, input=start)
    checkpoint = (await ada.threads.get_state(thread_id))["checkpoint"]["checkpoint_id"]
    await ada.runs.wait(thread_id, assistant_id, command={"resume": "I build APIs."})

    refused = [
        ada.runs.wait(thread_id, assistant_id, command={"resume": "x"}, context={"model": "x"}),
        ada.runs.wait(
            thread_id, assistant_id, command={"resume": "x"}, config={"configurable": SHORT}
        ),
        ada.runs.wait(thread_id, assistant_id, command={"resume": "x"}, checkpoint_id=checkpoint),
        ada.runs.wait(None, assistant_id, input={"candidate_id": "bo"}),
        ada.threads.update_state(thread_id, {"phase_questions": 99}),
        ada.threads.update(thread_id, metadata={"owner": "bo"}),
        ada.threads.delete(thread_id),
        ada.assistants.create(GRAPH_ID, context={"max_follow_ups": 0}),
        ada.assistants.update(assistant_id, context={"max_follow_ups": 3}),
    ]
    for call in refused:
        assert await status_of(call) == 403
    # Candidates may still find the interview assistants and the graph.
    assert await status_of(ada.assistants.get_graph(assistant_id)) == 200


async def test_an_interviewer_prepares_a_thread_a_candidate_then_runs(secured_server):
    staff, ada = client(secured_server, INTERVIEWER), client(secured_server, CANDIDATE_A)
    await staff.store.put_item(
        ["profiles"], "ada", {"id": "ada", "name": "Ada Lovelace", "years_experience": 6}
    )
    assistant_id = await short_assistant(staff)
    thread_id = (await staff.threads.create(metadata={"owner": "ada"}))["thread_id"]
    await ada.runs.wait(thread_id, assistant_id, input={"candidate_id": "ada"})
    state = await ada.threads.get_state(thread_id)
    assert state["values"]["profile"]["name"] == "Ada Lovelace"
    assert state["interrupts"][0]["value"]["phase"] == "introduction"


# --- limits and logs (SECURITY.md) ---------------------------------------------------------------


async def test_answers_over_the_size_limit_are_refused_and_nothing_is_stored(secured_server):
    ada = client(secured_server, CANDIDATE_A)
    thread_id = (await ada.threads.create())["thread_id"]
    await ada.runs.wait(thread_id, GRAPH_ID, input={})
    before = await ada.threads.get_state(thread_id)
    too_long = "x" * 100_001  # SOPHIA_MAX_ANSWER_CHARS defaults to 100,000
    for refused in (
        ada.runs.wait(thread_id, GRAPH_ID, command={"resume": too_long}),
        ada.runs.wait(
            thread_id, GRAPH_ID, input={"messages": [{"role": "user", "content": too_long}]}
        ),
    ):
        try:
            await refused
        except httpx.HTTPStatusError as exc:
            assert exc.response.status_code == 413
            assert "limit is 100,000" in exc.response.text
        else:
            pytest.fail("an answer over the limit was accepted")
    after = await ada.threads.get_state(thread_id)
    assert after["values"] == before["values"]  # the same question still waits
    assert after["interrupts"][0]["value"] == before["interrupts"][0]["value"]
    await ada.runs.wait(thread_id, GRAPH_ID, command={"resume": "x" * 100_000})  # at the limit
    state = await ada.threads.get_state(thread_id)
    assert len(state["values"]["turns"][0]["answer"]) == 100_000


async def test_runs_over_a_keys_rate_limit_get_429_with_retry_after(secured_server):
    cy = client(secured_server, CANDIDATE_RATED)
    threads = [(await cy.threads.create())["thread_id"] for _ in range(RATED_RUNS_PER_MINUTE + 1)]
    for thread_id in threads[:-1]:
        await cy.runs.create(thread_id, GRAPH_ID, input={})
    try:
        await cy.runs.create(threads[-1], GRAPH_ID, input={})
    except httpx.HTTPStatusError as exc:
        assert exc.response.status_code == 429
        assert 1 <= int(exc.response.headers["retry-after"]) <= 60
        assert f"at most {RATED_RUNS_PER_MINUTE} a minute" in exc.response.text
    else:
        pytest.fail("a run over the key's rate limit was accepted")
    # Other keys have their own budget.
    ada = client(secured_server, CANDIDATE_A)
    assert await status_of(ada.runs.create(None, GRAPH_ID, input={})) == 200


async def test_server_logs_show_neither_answers_nor_keys(secured_server):
    """Everything the server printed during an interview: no answer, name or key in it."""
    marker = "zq-" + os.urandom(6).hex()
    ada = client(secured_server, CANDIDATE_A)
    thread_id = (await ada.threads.create())["thread_id"]
    profile = {"id": "ada", "name": f"Ada {marker}-name", "summary": f"{marker}-summary"}
    await client(secured_server, INTERVIEWER).store.put_item(["profiles"], "ada", profile)
    await ada.runs.wait(thread_id, GRAPH_ID, input={"candidate_id": "ada"})
    for n in (1, 2):
        answer = f"I use FastAPI and PostgreSQL ({marker}-answer-{n})."
        await ada.runs.wait(thread_id, GRAPH_ID, command={"resume": answer})
    chat = {"messages": [{"role": "user", "content": f"{marker}-chat"}]}
    await ada.runs.wait(thread_id, GRAPH_ID, input=chat)
    state = await ada.threads.get_state(thread_id)
    assert state["values"]["turns"][-1]["answer"] == f"{marker}-chat"  # three answers went in
    assert await status_of(client(secured_server, "wrong-" + marker).threads.search()) == 401
    log = SERVER_LOGS[secured_server].read_text(errors="replace")
    assert "Created run" in log  # the server does log each run, just not what is in it
    assert marker not in log
    for key in API_KEYS:
        assert key not in log


async def test_auth_off_serves_no_other_origin_and_no_other_host(open_server):
    """With auth off, a page on another origin cannot read the reports (CORS), and a name that
    resolves to this machine (DNS rebinding) is refused."""
    async with httpx.AsyncClient(base_url=open_server) as http:
        for origin, allowed in (("https://evil.example", False), ("http://localhost:5173", True)):
            response = await http.post("/threads/search", json={}, headers={"origin": origin})
            assert response.headers.get("access-control-allow-origin") == (
                origin if allowed else None
            )
        rebound = await http.post("/threads/search", json={}, headers={"host": "evil.example"})
        assert rebound.status_code == 403 and "only serves its own machine" in rebound.text
