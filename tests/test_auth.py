"""The server's auth rules on their own: key table, key lookup and each handler's decision.

`tests/test_server.py` checks the same rules through a real server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from langgraph_sdk import Auth

import graph.auth as sophia_auth
from graph.auth import KeyHolder, holder_of, parse_api_keys

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
def keys_on(monkeypatch):
    """Auth on, with one candidate key and one interviewer key."""
    monkeypatch.setattr(sophia_auth, "API_KEYS", parse_api_keys(json.dumps(KEYS)))


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
    user = await sophia_auth.authenticate({b"x-api-key": b"cand-key"})
    assert user == {"identity": "ada", "permissions": ["candidate"]}
    for headers in ({}, {b"x-api-key": b"nope"}, {b"authorization": b"cand-key"}):
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await sophia_auth.authenticate(headers)
        assert raised.value.status_code == 401


async def test_without_keys_everyone_is_a_local_interviewer(monkeypatch):
    monkeypatch.setattr(sophia_auth, "API_KEYS", {})
    user = await sophia_auth.authenticate({})
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
