"""The server's auth rules on their own: key table, key lookup and each handler's decision.

`tests/test_server.py` checks the same rules through a real server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from langgraph.store.memory import InMemoryStore
from langgraph_sdk import Auth

import graph.auth as sophia_auth
from graph.auth import KeyHolder, holder_of, parse_api_keys
from graph.request_limits import ProcessRateLimiter, StoreRateLimiter, text_size

KEYS = {
    "cand-key": {"role": "candidate", "identity": "ada"},
    "staff-key": {"role": "interviewer", "identity": "iris"},
}


@dataclass
class User:
    """A signed-in user as the server hands it to the handlers."""

    identity: str
    is_authenticated: bool = True
    permissions: list[str] = field(default_factory=list)


def ctx(identity: str, role: str | None, resource: str, action: str) -> Auth.types.AuthContext:
    """The context of a request by `identity` holding a `role` key."""
    return Auth.types.AuthContext(
        user=User(identity), permissions=[role] if role else [], resource=resource, action=action
    )


def run_value(**kwargs: Any) -> dict[str, Any]:
    """What the server passes to the create_run handler, with the run's `kwargs`."""
    return {"thread_id": None, "metadata": {}, "kwargs": {"context": {}, "config": {}, **kwargs}}


@pytest.fixture
def keys_on(monkeypatch, auth_store) -> InMemoryStore:
    """Auth on, with one candidate key and one interviewer key, and an in-memory Store."""
    monkeypatch.setattr(sophia_auth, "API_KEYS", parse_api_keys(json.dumps(KEYS)))
    return auth_store


def test_key_table_parses_and_rejects_what_it_cannot_use():
    assert parse_api_keys(None) == {} == parse_api_keys("  ")
    assert parse_api_keys(json.dumps(KEYS))[b"cand-key"] == KeyHolder("candidate", "ada")
    for bad in (
        "{not json",
        "[]",
        json.dumps({"k": "candidate"}),
        json.dumps({"k": {"role": "admin", "identity": "x"}}),
        json.dumps({"k": {"role": "candidate", "identity": " "}}),
        json.dumps({"": {"role": "candidate", "identity": "x"}}),
    ):
        with pytest.raises(ValueError, match="SOPHIA_API_KEYS"):
            parse_api_keys(bad)


def test_key_lookup_finds_only_exact_keys():
    table = parse_api_keys(json.dumps(KEYS))
    assert holder_of(b"staff-key", table) == KeyHolder("interviewer", "iris")
    for sent in (None, b"", b"staff-ke", b"staff-key ", b"STAFF-KEY"):
        assert holder_of(sent, table) is None


async def test_authenticate_maps_keys_to_roles_and_refuses_others(keys_on):
    user = await sophia_auth.authenticate({b"x-api-key": b"cand-key"}, "POST", {"path": "/threads"})
    assert user == {"identity": "ada", "permissions": ["candidate"]}
    for headers in ({}, {b"x-api-key": b"nope"}, {b"authorization": b"cand-key"}):
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await sophia_auth.authenticate(headers)
        assert raised.value.status_code == 401


async def test_without_keys_everyone_is_a_local_interviewer(monkeypatch):
    monkeypatch.setattr(sophia_auth, "API_KEYS", {})
    local = {"client": ("127.0.0.1", 5000), "path": "/threads"}
    user = await sophia_auth.authenticate({b"host": b"127.0.0.1:2024"}, "GET", local)
    assert user["permissions"] == ["interviewer"]
    assert await sophia_auth.interviewers_only(ctx("x", None, "store", "get"), {}) is True


async def test_candidates_are_kept_to_their_own_threads(keys_on):
    ada = ctx("ada", "candidate", "threads", "read")
    assert await sophia_auth.read_thread(ada, {}) == {"owner": "ada"}
    assert await sophia_auth.search_threads(ada, {}) == {"owner": "ada"}
    created = {"metadata": {"owner": "bo"}}
    assert await sophia_auth.create_thread(ada, created) == {"owner": "ada"}
    assert created["metadata"]["owner"] == "ada"
    staff = ctx("iris", "interviewer", "threads", "read")
    assert await sophia_auth.read_thread(staff, {}) is True
    prepared = {"metadata": {"owner": "ada"}}
    assert await sophia_auth.create_thread(staff, prepared) is True
    assert prepared["metadata"]["owner"] == "ada"


async def test_candidate_runs_keep_the_assistants_settings(keys_on):
    ada = ctx("ada", "candidate", "threads", "create_run")
    value = run_value(input={"candidate_id": "ada"})
    assert await sophia_auth.create_run(ada, value) == {"owner": "ada"}
    assert value["metadata"]["owner"] == "ada"
    for refused in (
        run_value(context={"max_follow_ups": 0}),
        run_value(config={"configurable": {"checkpoint_id": "c-1"}}),
        run_value(input={"candidate_id": "bo"}),
    ):
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await sophia_auth.create_run(ada, refused)
        assert raised.value.status_code == 403
    staff = ctx("iris", "interviewer", "threads", "create_run")
    assert await sophia_auth.create_run(staff, run_value(context={"max_follow_ups": 0})) is True


async def test_the_store_and_everything_unlisted_is_for_interviewers(keys_on):
    for resource, action in (("store", "get"), ("store", "search"), ("crons", "create")):
        candidate = ctx("ada", "candidate", resource, action)
        assert await sophia_auth.interviewers_only(candidate, {}) is False
    assert await sophia_auth.interviewers_only(ctx("iris", "interviewer", "store", "get"), {})


async def test_studio_users_need_a_langsmith_sign_in_while_keys_are_set(keys_on):
    signed_in = Auth.types.StudioUser("dev", is_authenticated=True)
    anonymous = Auth.types.StudioUser("langgraph-studio-user")
    context = Auth.types.AuthContext(user=signed_in, permissions=[], resource="store", action="get")
    assert sophia_auth.role_of(context) == "interviewer"
    context.user = anonymous
    assert sophia_auth.role_of(context) is None


# --- keys in constant time, answer size, run rate ----------------------------------------------


def test_key_lookup_compares_every_key_in_constant_time(monkeypatch):
    """Every configured key is compared with hmac.compare_digest, all of them, every time: the
    time taken does not tell which key matched, or how much of a wrong key was right."""
    table = parse_api_keys(json.dumps({f"key-{i}": KEYS["cand-key"] for i in range(5)}))
    compared: list[tuple[bytes, bytes]] = []
    real = sophia_auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(sophia_auth.hmac, "compare_digest", spy)
    for sent in (b"key-0", b"key-4", b"key-", b"nope", None):
        compared.clear()
        holder_of(sent, table)
        assert [b for _, b in compared] == list(table), sent  # all keys, in the same order


def test_answer_size_limit_refuses_big_answers_with_413(keys_on, monkeypatch):
    monkeypatch.setenv("SOPHIA_MAX_ANSWER_CHARS", "2000")
    ada = ctx("ada", "candidate", "threads", "create_run")
    staff = ctx("iris", "interviewer", "threads", "create_run")
    fine = "x" * 2000
    assert await_run(ada, run_value(command={"resume": fine})) == {"owner": "ada"}
    for too_big in (
        run_value(command={"resume": fine + "y"}),
        run_value(command={"resume": {"answer": fine + "y"}}),
        run_value(input={"messages": [{"role": "user", "content": fine + "y"}]}),
        run_value(input={"candidate": {"name": "Ada", "summary": fine + "y"}}),
        run_value(input={"messages": [[[[[[fine[:1000]]]]]], {"content": fine[:1001]}]}),
    ):
        for who in (ada, staff):
            with pytest.raises(Auth.exceptions.HTTPException) as raised:
                await_run(who, too_big)
            assert raised.value.status_code == 413
            assert re.search(r"is 2,0\d\d characters; the limit is 2,000", raised.value.detail)
            assert "SOPHIA_MAX_ANSWER_CHARS" in raised.value.detail


def test_text_size_survives_deep_nesting_and_counts_keys():
    deep: object = "abc"
    for _ in range(100_000):
        deep = [deep]
    assert text_size(deep) == 3
    assert text_size({"a": ["bc", {"d": "ef"}], "n": 5, "b": None}) == 8


@pytest.mark.parametrize("kind", ["process", "store"])
async def test_the_rate_limiter_allows_n_runs_in_any_minute(kind):
    now = [1000.0]
    if kind == "process":
        limiter = ProcessRateLimiter(clock=lambda: now[0])
    else:
        limiter = StoreRateLimiter(InMemoryStore(), "runs", clock=lambda: now[0])
    assert [await limiter.wait_time("ada", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.wait_time("ada", 3) == pytest.approx(60.0)
    assert await limiter.wait_time("bo", 3) == 0.0  # per holder
    now[0] += 59.5
    assert await limiter.wait_time("ada", 3) == pytest.approx(0.5)
    now[0] += 0.5
    assert await limiter.wait_time("ada", 3) == 0.0  # the first run left the window
    assert all([await limiter.wait_time("cy", 0) == 0.0 for _ in range(100)])  # 0: no limit


def test_runs_over_the_rate_get_429_with_retry_after(monkeypatch, keys_on):
    keys = {
        "cand-key": {"role": "candidate", "identity": "ada", "runs_per_minute": 2},
        "staff-key": {"role": "interviewer", "identity": "iris"},
    }
    monkeypatch.setattr(sophia_auth, "API_KEYS", parse_api_keys(json.dumps(keys)))
    monkeypatch.setattr(sophia_auth, "RUNS_PER_MINUTE", 4)
    ada = ctx("ada", "candidate", "threads", "create_run")
    staff = ctx("iris", "interviewer", "threads", "create_run")
    assert [await_run(ada, run_value()) for _ in range(2)] == [{"owner": "ada"}] * 2
    with pytest.raises(Auth.exceptions.HTTPException) as raised:
        await_run(ada, run_value())
    assert raised.value.status_code == 429
    assert 1 <= int(raised.value.headers["Retry-After"]) <= 60
    assert "at most 2 a minute" in raised.value.detail
    # Interviewers have the server's default limit.
    assert [await_run(staff, run_value()) for _ in range(4)] == [True] * 4
    with pytest.raises(Auth.exceptions.HTTPException) as raised:
        await_run(staff, run_value())
    assert raised.value.status_code == 429


def test_rate_limits_in_the_key_table_are_checked():
    for bad in (-1, "5", 1.5, True):
        for rate in ("runs_per_minute", "threads_per_minute"):
            entry = {"k": {"role": "candidate", "identity": "x", rate: bad}}
            with pytest.raises(ValueError, match=rate):
                parse_api_keys(json.dumps(entry))
    entry = {"k": {"role": "candidate", "identity": "x", "runs_per_minute": 0}}
    assert parse_api_keys(json.dumps(entry))[b"k"].runs_per_minute == 0


def test_without_keys_there_is_no_rate_limit(monkeypatch):
    monkeypatch.setattr(sophia_auth, "API_KEYS", {})
    monkeypatch.setattr(sophia_auth, "RUNS_PER_MINUTE", 1)
    local = ctx(sophia_auth.LOCAL_DEV_IDENTITY, "interviewer", "threads", "create_run")
    assert all(await_run(local, run_value()) is True for _ in range(5))


def await_run(context: Auth.types.AuthContext, value: dict[str, Any]) -> Any:
    """The create_run handler's decision, synchronously."""
    import asyncio

    return asyncio.run(sophia_auth.create_run(context, value))
