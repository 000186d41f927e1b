"""Who may do what on the LangGraph server (`langgraph.json`: `auth`).

Keys come from `SOPHIA_API_KEYS`, a JSON object mapping each key to its holder:
`{"<key>": {"role": "candidate" | "interviewer", "identity": "<id>"}}`, optionally with the
key's own `"runs_per_minute"` and `"threads_per_minute"`. Clients send the key in the
`x-api-key` header (`langgraph_sdk.get_client(url=..., api_key=...)` does).

- No key, or an unknown one: 401.
- A candidate may only take their interview: create threads (stamped with `owner` = their
  identity), read, run and stream their own, and answer. Everything else is refused with 403 and
  a message saying what: a command other than `resume` (no `goto`, no `update`), a stream mode
  other than `values`, `updates`, `messages`, `messages-tuple` and `custom` (the others show
  every agent's inputs and outputs, the assessment included), copying a thread (a rewind), a
  checkpoint, `context` or `configurable` (settings), an inline profile (the hiring team sets
  profiles; a candidate may name only their own, `candidate_id` = their identity), chat input
  other than one message of their own, interrupts, webhooks, and any route not on the
  candidate's list (`CANDIDATE_ROUTES`): the Store, crons, MCP, A2A, state edits, deletes.
- An interviewer may do everything: read every thread and the Store, configure assistants
  (`role` must be a known pack and `model` a usable one), and prepare a thread for a candidate
  by naming them as its `owner`. What changes an assessment (state edits, commands, forks,
  reassigning, deleting, writing reports, evaluations or levels) leaves an entry in the audit
  log (`graph/audit.py`), which nobody can edit through the API.
- With `SOPHIA_API_KEYS` unset, auth is off: every request is served as a local interviewer.
  That is for one developer's own machine, and enforced: only requests from this machine
  (loopback), addressed to it by a loopback name, are served (so neither another machine nor a
  web page using DNS rebinding reaches it), and `langgraph.json` limits CORS to local origins
  and Studio.

Invitations: a candidate can also hold an invitation token (`graph/invites.py`), sent as the
`x-invite-token` header (the candidate page does). It is a candidate credential for one thread
only: an expired or altered token gets 401, and a valid one used on any other thread 403. An
invitation cannot start threads, search them, or reach the Store.

Studio users are interviewers when LangSmith has signed them in (LangGraph Platform). The
unsigned Studio user of `langgraph dev` is refused while keys are set, because any request can
claim to be one by sending the `x-auth-scheme: langsmith` header.

Limits, for every key (`graph/request_limits.py`, SECURITY.md): request body size (413, 411
without a length), answer size (413), run payload and metadata size (413), run starts and
thread creations per minute (429 with `Retry-After`, counted in the server's Store so every
replica shares the count).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib.util import find_spec
from typing import Any, Literal

from langgraph.store.base import BaseStore
from langgraph_sdk import Auth
from langgraph_sdk.auth import is_studio_user
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph import audit
from graph.config import MAX_ANSWER_CHARS_ENV, Context, max_answer_chars
from graph.invites import InviteError, configure_secret, signing_secret, verify_invite
from graph.request_limits import (
    RateLimits,
    default_runs_per_minute,
    default_threads_per_minute,
    max_metadata_chars,
    max_request_bytes,
    max_run_payload_chars,
    text_size,
)
from graph.store import PROFILES
from rubric.role_pack import ROLES_DIR

logger = logging.getLogger(__name__)

Role = Literal["candidate", "interviewer"]
ROLES: tuple[Role, ...] = ("candidate", "interviewer")
API_KEYS_ENV = "SOPHIA_API_KEYS"
API_KEY_HEADER = b"x-api-key"
LOCAL_DEV_IDENTITY = "local-dev"
# What a candidate's stream may show: the conversation and the interview's visible state.
# `events`, `debug`, `tasks` and `checkpoints` carry every node's inputs and outputs, the
# grader's prompt and verdict among them.
CANDIDATE_STREAM_MODES = frozenset({"values", "updates", "messages", "messages-tuple", "custom"})
# Thread stream modes (`GET /threads/{id}/stream`): only what the thread's own runs emitted.
CANDIDATE_THREAD_STREAM_MODES = frozenset({"run_modes", "lifecycle", "state_update"})
# Runs replaced or rolled back by a new one would let a candidate take an answer back.
CANDIDATE_MULTITASK = frozenset({"reject", "enqueue"})
CHECKPOINT_KEYS = ("checkpoint_id", "checkpoint_ns", "checkpoint_map", "checkpoint")
# The namespaces that hold an assessment: writing or deleting there is audited.
ASSESSMENT_NAMESPACES = frozenset({"reports", "evaluations", "levels", "profiles"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# The interview's settings (`Context`): staff's to choose, never a candidate's.
SETTINGS = frozenset(f.name for f in fields(Context))

_ID = r"[^/]+"
# (method, path) a candidate key may use; everything else is refused with 403.
CANDIDATE_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(path))
    for method, path in (
        ("POST", r"/threads"),
        ("POST", r"/threads/(search|count)"),
        ("GET", rf"/threads/{_ID}"),
        ("GET", rf"/threads/{_ID}/state"),
        ("GET", rf"/threads/{_ID}/history"),
        ("POST", rf"/threads/{_ID}/history"),
        ("GET", rf"/threads/{_ID}/stream"),
        ("POST", rf"/threads/{_ID}/runs(/stream|/wait)?"),
        ("GET", rf"/threads/{_ID}/runs"),
        ("GET", rf"/threads/{_ID}/runs/{_ID}(/join|/stream)?"),
        ("POST", r"/runs(/stream|/wait)?"),
        ("GET", rf"/assistants/{_ID}(/graph|/schemas|/subgraphs(/{_ID})?)?"),
        ("POST", r"/assistants/(search|count)"),
    )
)


@dataclass(frozen=True)
class KeyHolder:
    """Who holds an API key, and (optionally) their own rate limits."""

    role: Role
    identity: str
    runs_per_minute: int | None = None
    threads_per_minute: int | None = None


def _own_rate(holder: dict[str, Any], name: str) -> int | None:
    rate = holder.get(name)
    if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or rate < 0):
        raise ValueError(f"{API_KEYS_ENV}: {name} must be a whole number >= 0")
    return rate


def parse_api_keys(raw: str | None) -> dict[bytes, KeyHolder]:
    """The key table from `SOPHIA_API_KEYS`; a malformed table stops the server at start."""
    if not raw or not raw.strip():
        return {}
    try:
        table = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{API_KEYS_ENV} is not valid JSON: {exc}") from None
    if not isinstance(table, dict):
        raise ValueError(f'{API_KEYS_ENV} must be a JSON object: {{"<key>": {{"role", ...}}}}')
    keys: dict[bytes, KeyHolder] = {}
    for key, holder in table.items():
        if not isinstance(holder, dict):
            raise ValueError(f"{API_KEYS_ENV}: a key's entry must be an object with role, identity")
        role, identity = holder.get("role"), holder.get("identity")
        if role not in ROLES:
            raise ValueError(f"{API_KEYS_ENV}: role {role!r} is not one of {', '.join(ROLES)}")
        if not isinstance(identity, str) or not identity.strip():
            raise ValueError(f"{API_KEYS_ENV}: every key needs a non-empty 'identity'")
        if not key:
            raise ValueError(f"{API_KEYS_ENV}: an empty string is not a key")
        keys[key.encode("utf-8")] = KeyHolder(
            role=role,
            identity=identity.strip(),
            runs_per_minute=_own_rate(holder, "runs_per_minute"),
            threads_per_minute=_own_rate(holder, "threads_per_minute"),
        )
    return keys


API_KEYS: dict[bytes, KeyHolder] = parse_api_keys(os.environ.get(API_KEYS_ENV))
RUNS_PER_MINUTE = default_runs_per_minute()
THREADS_PER_MINUTE = default_threads_per_minute()
# Read now, so a server with keys but no invitation secret refuses to start.
configure_secret(auth_on=bool(API_KEYS))
if not API_KEYS:
    logger.warning(
        "\n%s\n  %s is not set: AUTH IS OFF. Every request is served as an interviewer, who\n"
        "  reads every report. This is for one developer's own machine: only requests from\n"
        "  this machine (loopback) are served. To serve anyone else, set %s.\n%s",
        "!" * 78,
        API_KEYS_ENV,
        API_KEYS_ENV,
        "!" * 78,
    )


async def server_store() -> BaseStore | None:
    """The LangGraph server's Store (Postgres in production), or None outside a server."""
    try:
        from langgraph_api.store import get_store
    except ImportError:
        return None
    return await get_store()


# Tests swap the Store the handlers use (`STORE_SOURCE`) for an in-memory one.
STORE_SOURCE = server_store
RATE_LIMITS = RateLimits(lambda: STORE_SOURCE())


# --- refusals --------------------------------------------------------------------------------


def forbidden(detail: str) -> Auth.exceptions.HTTPException:
    """A 403 that says what is not allowed."""
    return Auth.exceptions.HTTPException(status_code=403, detail=detail)


def too_large(detail: str) -> Auth.exceptions.HTTPException:
    """A 413 that says what was too large and the limit."""
    return Auth.exceptions.HTTPException(status_code=413, detail=detail)


def _run_texts(kwargs: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    command = kwargs.get("command")
    if isinstance(command, Mapping) and command.get("resume") is not None:
        yield "answer", command["resume"]
    if kwargs.get("input") is not None:
        yield "input", kwargs["input"]


def refuse_oversize(kwargs: Mapping[str, Any], metadata: Any = None) -> None:
    """413 when a run's answer, its whole payload or its metadata is over its limit.

    Refused at the door, before the server stores it: the candidate is told the limit and can
    send a shorter answer; nothing is cut silently. Keys count as text: a huge dictionary key
    is as big as a huge answer.
    """
    limit = max_answer_chars()
    for what, value in _run_texts(kwargs):
        size = text_size(value)
        if size > limit:
            raise too_large(
                f"the {what} is {size:,} characters; the limit is {limit:,} "
                f"({MAX_ANSWER_CHARS_ENV}). Send a shorter answer."
            )
    sent = {k: kwargs.get(k) for k in ("input", "command", "config", "context")}
    size, payload_limit = text_size(sent), max_run_payload_chars()
    if size > payload_limit:
        raise too_large(f"the run carries {size:,} characters; the limit is {payload_limit:,}")
    refuse_big_metadata(metadata)


def refuse_big_metadata(metadata: Any) -> None:
    """413 when thread or run metadata is over `SOPHIA_MAX_METADATA_CHARS`."""
    size, limit = text_size(metadata), max_metadata_chars()
    if size > limit:
        raise too_large(f"the metadata is {size:,} characters; the limit is {limit:,}")


async def refuse_over_rate(ctx: Auth.types.AuthContext, role: Role, kind: str) -> None:
    """429 (with Retry-After) when the caller started too many runs or threads this minute."""
    if not API_KEYS:  # auth off: one developer on their own machine
        return
    identity = ctx.user.identity
    limit = rate_of(identity, role, kind)
    wait = await RATE_LIMITS.wait_time(kind, f"{role}:{identity}", limit)
    if wait:
        seconds = math.ceil(wait)
        raise Auth.exceptions.HTTPException(
            status_code=429,
            detail=f"too many {kind}: at most {limit} a minute for this key; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def rate_of(identity: str, role: Role, kind: str) -> int:
    """A key holder's limit for `kind` (runs, threads): their key's own, else the server's."""
    field = f"{kind}_per_minute"
    own = [
        getattr(h, field)
        for h in API_KEYS.values()
        if h.identity == identity and h.role == role and getattr(h, field) is not None
    ]
    if own:
        return min(own)
    return RUNS_PER_MINUTE if kind == "runs" else THREADS_PER_MINUTE


# --- who is asking ------------------------------------------------------------------------------


def holder_of(sent: bytes | None, keys: Mapping[bytes, KeyHolder]) -> KeyHolder | None:
    """The holder of the key sent, comparing in constant time against every configured key."""
    found = None
    for key, holder in keys.items():
        # No early exit: the time taken does not depend on which key (if any) matched.
        if hmac.compare_digest(sent or b"", key):
            found = holder
    return found


def role_of(ctx: Auth.types.AuthContext) -> Role | None:
    """The caller's role: from their key, interviewer for a signed-in Studio user, else None."""
    if invited_thread(ctx) is not None:  # an invitation is a candidate's, even with auth off
        return "candidate"
    if not API_KEYS:
        return "interviewer"
    if is_studio_user(ctx.user):
        return "interviewer" if ctx.user.is_authenticated else None
    return next((role for role in ROLES if role in ctx.permissions), None)


def stamp_owner(ctx: Auth.types.AuthContext, value: dict[str, Any], role: Role) -> None:
    """Record the owner in the metadata the server is about to store.

    A candidate always owns what they create. An interviewer may name the owner, to prepare an
    interview for a candidate (`metadata={"owner": "<their identity>"}`); by default it is them.
    """
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        metadata = value["metadata"] = {}
    # In place: the server keeps this very dict.
    if role == "candidate" or not metadata.get("owner"):
        metadata["owner"] = ctx.user.identity


def own_threads(ctx: Auth.types.AuthContext) -> Auth.types.FilterType | bool:
    """No filter for an interviewer, the owner filter for a candidate, refusal otherwise."""
    role = role_of(ctx)
    if role is None:
        return False
    return True if role == "interviewer" else {"owner": ctx.user.identity}


# --- invitations: a candidate credential for one thread ----------------------------------------

INVITE_HEADER = b"x-invite-token"
# The permission that carries the invitation's thread: "invite:<thread id>".
INVITE_PERMISSION = "invite:"


def invited_candidate(token: bytes) -> Auth.types.MinimalUserDict:
    """The candidate an invitation token names, allowed on its thread only; 401 if not valid."""
    try:
        invite = verify_invite(token, signing_secret())
    except InviteError as exc:
        raise Auth.exceptions.HTTPException(status_code=401, detail=str(exc)) from None
    return {
        "identity": invite.candidate_id,
        "permissions": ["candidate", INVITE_PERMISSION + invite.thread_id],
    }


def invited_thread(ctx: Auth.types.AuthContext) -> str | None:
    """The one thread an invitation holder may use; None for key holders."""
    return next(
        (
            p.removeprefix(INVITE_PERMISSION)
            for p in ctx.permissions
            if p.startswith(INVITE_PERMISSION)
        ),
        None,
    )


def confine_to_invitation(ctx: Auth.types.AuthContext, thread_id: Any) -> None:
    """403 when an invitation holder reaches for anything but their invitation's thread."""
    invited = invited_thread(ctx)
    if invited is not None and (thread_id is None or str(thread_id) != invited):
        raise forbidden("this invitation is for another interview")


# --- the request as a whole (before its body is read) --------------------------------------------


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_NAMES


def _host_name(headers: Mapping[bytes, bytes]) -> str:
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    if host.startswith("["):  # [::1]:2024
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refuse_unless_local(headers: Mapping[bytes, bytes], client: tuple | None) -> None:
    """With auth off, serve only this machine: a loopback client that names a loopback host.

    The host check stops DNS rebinding: a web page whose name resolves to 127.0.0.1 would
    otherwise be same-origin with the server, and CORS would not apply.
    """
    address = client[0] if client else None
    host = _host_name(headers)
    if not _is_loopback(address) or not (_is_loopback(host) or host.endswith(".localhost")):
        raise forbidden(
            f"auth is off ({API_KEYS_ENV} is not set): this server only serves its own machine "
            "(loopback clients, host localhost or 127.0.0.1). Set SOPHIA_API_KEYS to serve "
            "others."
        )


def refuse_big_body(method: str, headers: Mapping[bytes, bytes]) -> None:
    """413 for a body over `SOPHIA_MAX_REQUEST_BYTES`, 411 for one sent without a length.

    Raised as Starlette's HTTPException: while authenticating, the server answers that one
    with its status (it turns any other status of an auth exception into a 500).
    """
    length = headers.get(b"content-length")
    if length is None:
        if method in ("POST", "PUT", "PATCH") and b"chunked" in headers.get(
            b"transfer-encoding", b""
        ):
            raise StarletteHTTPException(411, "send the request body with a Content-Length")
        return
    try:
        size = int(length)
    except ValueError:
        raise StarletteHTTPException(400, "Content-Length is not a number") from None
    limit = max_request_bytes()
    if size > limit:
        raise StarletteHTTPException(
            413, f"the request body is {size:,} bytes; the limit is {limit:,}"
        )


def _query_modes(raw: str | None, thread: bool) -> list[str]:
    if not raw:
        return []
    if not thread and raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return [raw]
        return [str(m) for m in parsed] if isinstance(parsed, list) else [str(parsed)]
    return [m.strip() for m in raw.split(",")]


def refuse_candidate_route(method: str, path: str, query: Mapping[str, str]) -> None:
    """403 unless the route is on the candidate's list, with stream modes they may see."""
    if not any(m == method and p.fullmatch(path) for m, p in CANDIDATE_ROUTES):
        raise forbidden(f"a candidate key cannot use {method} {path}")
    if path.endswith("/stream") and method == "GET":
        thread = re.fullmatch(rf"/threads/{_ID}/stream", path) is not None
        allowed = CANDIDATE_THREAD_STREAM_MODES if thread else CANDIDATE_STREAM_MODES
        name = "stream_modes" if thread else "stream_mode"
        refused = set(_query_modes(query.get(name), thread)) - allowed
        if refused:
            raise forbidden(
                f"a candidate cannot stream {', '.join(sorted(refused))}: "
                f"allowed are {', '.join(sorted(allowed))}"
            )


def _route_path(scope: Mapping[str, Any]) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


# --- handlers ---------------------------------------------------------------------------------

auth = Auth()


@auth.authenticate
async def authenticate(
    headers: dict[bytes, bytes],
    method: str = "GET",
    scope: dict[str, Any] | None = None,
    query_params: Mapping[str, str] | None = None,
) -> Auth.types.MinimalUserDict:
    """Resolve the invitation token or the `x-api-key` header; 401 when neither is valid.

    Before any body is read: with auth off, only this machine is served; bodies are bounded;
    and a candidate key may use only the candidate's routes.
    """
    refuse_big_body(method, headers)
    if (token := headers.get(INVITE_HEADER)) is not None:
        invited = invited_candidate(token)
        refuse_candidate_route(method, _route_path(scope or {}), query_params or {})
        return invited
    if not API_KEYS:
        refuse_unless_local(headers, (scope or {}).get("client"))
        return {"identity": LOCAL_DEV_IDENTITY, "permissions": ["interviewer"]}
    holder = holder_of(headers.get(API_KEY_HEADER), API_KEYS)
    if holder is None:
        raise Auth.exceptions.HTTPException(
            status_code=401, detail="missing or unknown API key (send it as x-api-key)"
        )
    if holder.role == "candidate":
        refuse_candidate_route(method, _route_path(scope or {}), query_params or {})
    return {"identity": holder.identity, "permissions": [holder.role]}


@auth.on
async def interviewers_only(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Anything without a rule of its own (crons, reading the Store) is staff-only."""
    return role_of(ctx) == "interviewer"


async def _audit(ctx: Auth.types.AuthContext, scope: str, action: str, **detail: Any) -> None:
    """Append an audit entry for an interviewer's request (when the server has a Store)."""
    store = await STORE_SOURCE()
    if store is not None:
        await audit.record(store, scope, who=ctx.user.identity, action=action, detail=detail)


@auth.on.threads.create
async def create_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.create.value
) -> Auth.types.FilterType | bool:
    """Anyone with a key may start a thread; it belongs to its creator.

    A copy (`POST /threads/{id}/copy`) arrives here without metadata: for a candidate it is an
    unlimited rewind (try an answer on a copy, then answer for real), so it is refused. The
    filter keeps `if_exists="do_nothing"` from handing a candidate someone else's thread.
    """
    role = role_of(ctx)
    if role is None:
        return False
    if invited_thread(ctx) is not None:
        raise forbidden("an invitation is for one interview; it cannot start another")
    if "metadata" not in value and "if_exists" not in value and role == "candidate":
        raise forbidden("a candidate cannot copy an interview")
    refuse_big_metadata(value.get("metadata"))
    stamp_owner(ctx, value, role)
    await refuse_over_rate(ctx, role, "threads")
    return own_threads(ctx)


@auth.on.threads.read
async def read_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.read.value
) -> Auth.types.FilterType | bool:
    """A candidate reads (state, history, runs, streams) only their own threads."""
    confine_to_invitation(ctx, value.get("thread_id"))
    return own_threads(ctx)


@auth.on.threads.search
async def search_threads(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.search.value
) -> Auth.types.FilterType | bool:
    """A candidate's thread search only finds their own threads (an invitation's: its runs)."""
    confine_to_invitation(ctx, value.get("thread_id"))
    return own_threads(ctx)


@auth.on.threads.update
async def update_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.update.value
) -> bool:
    """Editing state or metadata, reassigning and cancelling are staff's, and audited."""
    if role_of(ctx) != "interviewer":
        raise forbidden("a candidate cannot edit, reassign or cancel an interview")
    thread = str(value.get("thread_id", ""))
    if "metadata" in value:
        metadata = value.get("metadata") or {}
        refuse_big_metadata(metadata)
        action = "reassign" if isinstance(metadata, dict) and "owner" in metadata else "metadata"
        await _audit(ctx, thread, action, metadata=_short(metadata))
    elif value.get("action"):
        await _audit(ctx, thread, "cancel_run", how=value["action"])
    else:
        await _audit(ctx, thread, "edit_state")
    return True


@auth.on.threads.delete
async def delete_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.delete.value
) -> bool:
    """Deleting an interview (or one of its runs) is staff's, and audited."""
    if role_of(ctx) != "interviewer":
        raise forbidden("a candidate cannot delete an interview")
    run = value.get("run_id")
    await _audit(ctx, str(value.get("thread_id", "")), "delete", run=str(run) if run else None)
    return True


def refuse_candidate_input(ctx: Auth.types.AuthContext, run_input: Any) -> None:
    """A candidate's input: their own profile id, or one chat message (their answer)."""
    if run_input is None:
        return
    if not isinstance(run_input, dict):
        raise forbidden("a candidate's run input must be an object")
    extra = set(run_input) - {"messages", "candidate_id"}
    if "candidate" in extra:
        raise forbidden(
            "a candidate cannot send their own profile: the hiring team keeps it "
            "(start with candidate_id = your identity, or with nothing)"
        )
    if extra:
        raise forbidden(f"a candidate's run input cannot set {', '.join(sorted(extra))}")
    candidate_id = run_input.get("candidate_id")
    if candidate_id is not None and candidate_id != ctx.user.identity:
        raise forbidden("a candidate can start an interview only on their own profile")
    if "messages" in run_input:
        messages = run_input["messages"]
        if not isinstance(messages, list) or len(messages) != 1:
            raise forbidden("a candidate sends one message at a time: their answer")
        message = messages[0]
        if isinstance(message, dict):
            kind = message.get("role") or message.get("type")
            if kind not in ("user", "human"):
                raise forbidden("a candidate's message must be their own (role user)")
            # A message id that matches one already in the conversation would replace it
            # (Sophia's question, an earlier answer): the server gives it a fresh one.
            message.pop("id", None)
        elif not isinstance(message, str):
            raise forbidden("a candidate's message must be text")


def refuse_candidate_run_options(value: Mapping[str, Any], kwargs: Mapping[str, Any]) -> None:
    """What a candidate's run may not carry: commands, checkpoints, settings, other streams."""
    command = kwargs.get("command")
    if command:
        sent = {k for k, v in command.items() if v is not None} if isinstance(command, dict) else {}
        if not isinstance(command, dict) or sent - {"resume"}:
            raise forbidden(
                "a candidate's command may carry only resume (the answer), "
                f"not {', '.join(sorted(sent - {'resume'})) or 'this'}"
            )
    # The interview's settings are the assistant's, chosen by staff (the server copies a run's
    # `config.configurable` into `context`). A checkpoint would rewind the interview and let
    # the candidate answer a question again.
    if kwargs.get("context"):
        raise forbidden("a candidate cannot set the interview's context or configurable")
    configurable = (kwargs.get("config") or {}).get("configurable") or {}
    if any(configurable.get(k) for k in CHECKPOINT_KEYS):
        raise forbidden("a candidate cannot run an interview from an earlier checkpoint")
    if set(configurable) & SETTINGS:  # e.g. smuggled in through `checkpoint`
        raise forbidden("a candidate cannot set the interview's context or configurable")
    modes = kwargs.get("stream_mode") or []
    modes = [modes] if isinstance(modes, str) else list(modes)
    refused = sorted(set(modes) - CANDIDATE_STREAM_MODES)
    if refused:
        raise forbidden(
            f"a candidate cannot stream {', '.join(refused)}: allowed are "
            f"{', '.join(sorted(CANDIDATE_STREAM_MODES))}"
        )
    if kwargs.get("interrupt_before") or kwargs.get("interrupt_after"):
        raise forbidden("a candidate cannot set interrupts")
    if kwargs.get("webhook"):
        raise forbidden("a candidate cannot set a webhook")
    strategy = value.get("multitask_strategy")
    if strategy and strategy not in CANDIDATE_MULTITASK:
        raise forbidden(f"a candidate cannot use multitask_strategy {strategy}")


async def use_stored_profile(ctx: Auth.types.AuthContext, run_input: Any) -> None:
    """Start a candidate on the profile the hiring team stored for them, when there is one.

    Otherwise a candidate who names no profile would start as the anonymous one (3 years),
    which is a higher start than a stored junior's.
    """
    if not isinstance(run_input, dict) or run_input.get("candidate_id"):
        return
    store = await STORE_SOURCE()
    if store is not None and await store.aget(PROFILES, ctx.user.identity) is not None:
        run_input["candidate_id"] = ctx.user.identity  # in place: the server keeps this dict


@auth.on.threads.create_run
async def create_run(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.create_run.value
) -> Auth.types.FilterType | bool:
    """A candidate runs only their own threads, answering, with the assistant's settings."""
    role = role_of(ctx)
    if role is None:
        return False
    confine_to_invitation(ctx, value.get("thread_id"))
    kwargs = value.get("kwargs") or {}
    refuse_oversize(kwargs, value.get("metadata"))
    # A run without a thread (or with if_not_exists="create") makes one from this metadata.
    stamp_owner(ctx, value, role)
    if role == "interviewer":
        await refuse_bad_settings(_settings_of(kwargs))
        await audit_interviewer_run(ctx, value, kwargs)
        await refuse_over_rate(ctx, role, "runs")
        return True
    refuse_candidate_run_options(value, kwargs)
    refuse_candidate_input(ctx, kwargs.get("input"))
    await use_stored_profile(ctx, kwargs.get("input"))
    await refuse_over_rate(ctx, role, "runs")  # last: only runs that would start count
    return {"owner": ctx.user.identity}


async def audit_interviewer_run(
    ctx: Auth.types.AuthContext, value: Mapping[str, Any], kwargs: Mapping[str, Any]
) -> None:
    """An interviewer's command or fork changes an interview's course: audit it."""
    command = kwargs.get("command") or {}
    configurable = (kwargs.get("config") or {}).get("configurable") or {}
    steered = [k for k in ("goto", "update") if isinstance(command, dict) and command.get(k)]
    fork = configurable.get("checkpoint_id")
    if steered or fork:
        detail = {"command": _short({k: command[k] for k in steered}), "checkpoint_id": fork}
        await _audit(ctx, str(value.get("thread_id") or ""), "steer_run", **detail)


# --- assistants: staff configure them, everyone may find them --------------------------------


def known_roles() -> frozenset[str]:
    """The role packs the server has (folders of `prompts/roles` with a pack.yaml)."""
    return frozenset(p.parent.name for p in ROLES_DIR.glob("*/pack.yaml"))


# Read once, at start: handlers run on the server's event loop, where file I/O blocks.
KNOWN_ROLES = known_roles()


def model_problem(model: Any) -> str | None:
    """Why a model setting cannot run here, or None when it can."""
    if not isinstance(model, str) or not model.strip():
        return "a model is a non-empty string"
    name = model.strip()
    if name.lower() == "rubric":
        return None
    provider, _, model_name = name.partition(":")
    if not model_name:
        return f"model {name!r} is not of the form provider:model (or 'rubric')"
    if provider == "fake":
        return "fake models exist only inside tests"
    if provider == "openai":
        if not (os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")):
            return f"model {name!r} needs OPENAI_API_KEY or OPENAI_BASE_URL on the server"
        return None
    if not re.fullmatch(r"[a-z0-9_]+", provider) or not _installed(f"langchain_{provider}"):
        return f"provider {provider!r} is not installed on the server"
    return None


@cache
def _installed(module: str) -> bool:
    return find_spec(module) is not None


async def refuse_bad_settings(context: Mapping[str, Any]) -> None:
    """403 for settings that cannot run: an unknown role pack, an unusable model."""
    role = context.get("role")
    if role is not None and role not in KNOWN_ROLES:
        known = ", ".join(sorted(KNOWN_ROLES))
        raise forbidden(f"role {str(role)[:80]!r} is not a role pack here (known: {known})")
    models = {"model": context.get("model")} if "model" in context else {}
    agent_models = context.get("agent_models") or {}
    if not isinstance(agent_models, dict):
        raise forbidden("agent_models must be an object of agent: model")
    models |= {f"agent_models.{agent}": m for agent, m in agent_models.items()}
    for field, model in models.items():
        # A thread: finding an installed provider reads the file system.
        if problem := await asyncio.to_thread(model_problem, model):
            raise forbidden(f"{field}: {problem}")


def _settings_of(value: Mapping[str, Any]) -> dict[str, Any]:
    configurable = (value.get("config") or {}).get("configurable") or {}
    return {**configurable, **(value.get("context") or {})}


@auth.on.assistants(actions=["create", "update"])
async def configure_assistant(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Staff configure assistants, with settings that can run; each change is audited."""
    if role_of(ctx) != "interviewer":
        raise forbidden("a candidate cannot create or change an assistant")
    settings = _settings_of(value)
    await refuse_bad_settings(settings)
    assistant = str(value.get("assistant_id") or value.get("name") or "")
    await _audit(ctx, "assistants", "configure", assistant=assistant, settings=_short(settings))
    return True


@auth.on.assistants(actions=["read", "search"])
async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Everyone may find the interview assistants (and their graph); only staff edit them."""
    return role_of(ctx) is not None


# --- the Store: staff only; writes to an assessment are audited; the audit log is append-only ---


def _namespace_of(value: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(label) for label in (value.get("namespace") or ()))


async def _store_write(ctx: Auth.types.AuthContext, value: Mapping[str, Any], action: str) -> bool:
    if role_of(ctx) != "interviewer":
        raise forbidden("the Store holds the assessment: staff only")
    namespace = _namespace_of(value)
    if namespace[:1] == (audit.AUDIT,):
        raise forbidden("the audit log is append-only: nobody edits it through the API")
    if namespace[:1] and namespace[0] in ASSESSMENT_NAMESPACES:
        key = str(value.get("key", ""))
        scope = namespace[1] if len(namespace) > 1 else key if namespace[0] == "reports" else ""
        scope = scope or namespace[0]
        await _audit(ctx, scope, f"store_{action}", namespace=list(namespace), key=key)
    return True


@auth.on.store.put
async def put_store_item(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Staff write to the Store; a write to a report, evaluation, level or profile is audited."""
    return await _store_write(ctx, value, "put")


@auth.on.store.delete
async def delete_store_item(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Staff delete from the Store; deleting an assessment is audited."""
    return await _store_write(ctx, value, "delete")


def _short(value: Any, limit: int = 500) -> Any:
    """A value as the audit log keeps it: whole when small, else its JSON cut short."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return value if len(text) <= limit else text[:limit] + "…"
