"""Invitation tokens (`graph/invites.py`) and how the server's auth accepts them (`graph/auth.py`).

`tests/test_web.py` checks the same through a real server and a browser.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import pytest
from langgraph_sdk import Auth

import graph.auth as sophia_auth
from graph.invites import (
    INVITE_SECRET_ENV,
    Invite,
    InviteError,
    parse_duration,
    secret_from_env,
    sign_invite,
    signing_secret,
    verify_invite,
)
from tests.test_auth import User, ctx, run_value

SECRET = b"s" * 32
THREAD = "0193a4c2-7a1e-7b3c-9d2e-1f0a2b3c4d5e"
INVITE = Invite(candidate_id="ada-3f9c1e", thread_id=THREAD, expires_at=2_000_000_000)
NOW = 1_900_000_000.0


def claims_of(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_signed_invitation_verifies_to_what_it_carries():
    token = sign_invite(INVITE, SECRET)
    assert verify_invite(token, SECRET, now=NOW) == INVITE
    assert verify_invite(token.encode(), SECRET, now=NOW) == INVITE
    assert claims_of(token) == {"v": 1, "sub": "ada-3f9c1e", "thr": THREAD, "exp": 2_000_000_000}
    # URL-safe: it goes into a link as it is.
    assert all(c.isalnum() or c in "-_." for c in token)


def test_an_expired_invitation_is_refused_as_expired():
    token = sign_invite(INVITE, SECRET)
    for now in (INVITE.expires_at, INVITE.expires_at + 1):
        with pytest.raises(InviteError, match="expired") as raised:
            verify_invite(token, SECRET, now=now)
        assert raised.value.expired
    assert verify_invite(token, SECRET, now=INVITE.expires_at - 1) == INVITE


def test_an_altered_or_foreign_invitation_is_refused():
    token = sign_invite(INVITE, SECRET)
    claims_part, signature = token.split(".")
    # Another thread or candidate, a later expiry: the signature no longer matches.
    for changed in ({"thr": "another"}, {"sub": "bo"}, {"exp": 2_100_000_000}):
        forged_claims = {**claims_of(token), **changed}
        forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
        with pytest.raises(InviteError, match="invalid") as raised:
            verify_invite(f"{forged.decode()}.{signature}", SECRET, now=NOW)
        assert not raised.value.expired
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{claims_part}.{flipped}", sign_invite(INVITE, b"t" * 32)):
        with pytest.raises(InviteError, match="invalid"):
            verify_invite(bad, SECRET, now=NOW)


def test_malformed_tokens_are_refused_without_a_crash():
    for bad in ("", ".", "abc", "abc.", ".abc", "é.é", b"\xff\xfe.x", "a.b.c", " " * 5):
        with pytest.raises(InviteError):
            verify_invite(bad, SECRET, now=NOW)
    # Signed, but not a claim set: the signature is right, the content is not.
    import hashlib
    import hmac

    part = base64.urlsafe_b64encode(b"[1, 2]").rstrip(b"=").decode()
    mac = hmac.new(SECRET, part.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(InviteError, match="malformed"):
        verify_invite(f"{part}.{signature}", SECRET, now=NOW)


def test_a_token_of_another_version_is_refused():
    token = sign_invite(replace(INVITE, version=2), SECRET)
    with pytest.raises(InviteError, match="version 2"):
        verify_invite(token, SECRET, now=NOW)


def test_durations():
    assert parse_duration("7d") == 7 * 86400
    assert parse_duration("12h") == 12 * 3600
    assert parse_duration(" 30m ") == 1800
    assert parse_duration("90s") == parse_duration("90") == parse_duration(90) == 90
    assert parse_duration("2w") == 14 * 86400
    for bad in ("", "0", "7x", "-1d", "1.5d", "91d", "d"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_the_secret_must_be_set_and_long_when_auth_is_on():
    long = "k" * 32
    assert secret_from_env(True, {INVITE_SECRET_ENV: long}) == long.encode()
    assert secret_from_env(False, {INVITE_SECRET_ENV: long}) == long.encode()
    with pytest.raises(ValueError, match=f"SOPHIA_API_KEYS is set but {INVITE_SECRET_ENV}"):
        secret_from_env(True, {})
    for auth_on in (True, False):
        with pytest.raises(ValueError, match="at least 32"):
            secret_from_env(auth_on, {INVITE_SECRET_ENV: "short"})
    # Auth off: a random key for this process, the same every time it is asked.
    local = secret_from_env(False, {})
    assert len(local) == 32 and secret_from_env(False, {}) == local


# --- the server's auth --------------------------------------------------------------------------


def invite_ctx(invite: Invite, resource: str, action: str) -> Auth.types.AuthContext:
    """The context of a request made with `invite`'s token, as authenticate resolves it."""
    user = sophia_auth.invited_candidate(sign_invite(invite, signing_secret()).encode())
    return Auth.types.AuthContext(
        user=User(user["identity"]),
        permissions=list(user["permissions"]),
        resource=resource,
        action=action,
    )


def live_invite(**changes) -> Invite:
    return replace(INVITE, expires_at=int(time.time()) + 3600, **changes)


@pytest.fixture(params=["keys", "no keys"])
def any_auth(request, monkeypatch, auth_store):
    """Invitations hold with auth on (keys) and off alike."""
    keys = {b"cand-key": sophia_auth.KeyHolder("candidate", "ada")}
    monkeypatch.setattr(sophia_auth, "API_KEYS", keys if request.param == "keys" else {})


async def test_authenticate_turns_an_invitation_into_a_candidate_on_one_thread(any_auth):
    token = sign_invite(live_invite(), signing_secret())
    user = await sophia_auth.authenticate(
        {b"x-invite-token": token.encode()}, "GET", {"path": f"/threads/{THREAD}/state"}
    )
    assert user == {"identity": "ada-3f9c1e", "permissions": ["candidate", f"invite:{THREAD}"]}


async def test_authenticate_refuses_expired_and_altered_invitations_with_401(any_auth):
    expired = sign_invite(replace(INVITE, expires_at=int(time.time()) - 1), signing_secret())
    altered = sign_invite(live_invite(), b"x" * 32)
    for token, detail in ((expired, "expired"), (altered, "invalid"), ("junk", "malformed")):
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await sophia_auth.authenticate({b"x-invite-token": token.encode()})
        assert raised.value.status_code == 401
        assert detail in raised.value.detail


async def test_an_invitation_opens_its_own_thread_and_nothing_else(any_auth):
    invite = live_invite()
    read = invite_ctx(invite, "threads", "read")
    assert await sophia_auth.read_thread(read, {"thread_id": THREAD}) == {"owner": "ada-3f9c1e"}
    run = invite_ctx(invite, "threads", "create_run")
    resume = run_value(command={"resume": "I build APIs."})
    assert await sophia_auth.create_run(run, {**resume, "thread_id": THREAD}) == {
        "owner": "ada-3f9c1e"
    }
    refused = [
        sophia_auth.read_thread(read, {"thread_id": "another-thread"}),
        sophia_auth.read_thread(read, {"thread_id": None}),
        sophia_auth.create_run(run, {**resume, "thread_id": "another-thread"}),
        sophia_auth.create_run(run, resume),  # no thread: a new one
        sophia_auth.create_thread(invite_ctx(invite, "threads", "create"), {"metadata": {}}),
        sophia_auth.search_threads(invite_ctx(invite, "threads", "search"), {"metadata": {}}),
    ]
    for call in refused:
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await call
        assert raised.value.status_code == 403
    # Its own thread's runs may be listed; the Store and the rest stay staff-only.
    search = invite_ctx(invite, "threads", "search")
    assert await sophia_auth.search_threads(search, {"thread_id": THREAD}) == {
        "owner": "ada-3f9c1e"
    }
    assert await sophia_auth.interviewers_only(invite_ctx(invite, "store", "get"), {}) is False


async def test_an_invitation_is_a_candidate_and_cannot_change_the_interview(any_auth):
    run = invite_ctx(live_invite(), "threads", "create_run")
    for refused in (
        run_value(command={"resume": "x"}, context={"mode": "practice"}),
        run_value(input={"candidate_id": "bo"}),
        run_value(config={"configurable": {"checkpoint_id": "c-1"}}),
    ):
        with pytest.raises(Auth.exceptions.HTTPException) as raised:
            await sophia_auth.create_run(run, {**refused, "thread_id": THREAD})
        assert raised.value.status_code == 403


def test_key_holders_are_not_confined(any_auth):
    assert sophia_auth.invited_thread(ctx("ada", "candidate", "threads", "read")) is None
