"""Who may do what on the LangGraph server (`langgraph.json`: `auth`).

Keys come from `SOPHIA_API_KEYS`, a JSON object mapping each key to its holder:
`{"<key>": {"role": "candidate" | "interviewer", "identity": "<id>"}}`. Clients send the key in
the `x-api-key` header (`langgraph_sdk.get_client(url=..., api_key=...)` does).

- No key, or an unknown one: 401.
- A candidate creates threads (stamped with `owner` = their identity) and sees, runs and
  streams only those. They cannot edit a thread's state, cancel or rewind a run, change the
  interview's settings, start on another candidate's profile (`candidate_id` must be their
  identity), or touch the Store, where evaluations, levels and reports are kept.
- An interviewer may do everything: read every thread and the Store, configure assistants, and
  prepare a thread for a candidate by naming them as its `owner` in the thread's metadata.
- With `SOPHIA_API_KEYS` unset, auth is off: every request is served as a local interviewer
  (for `langgraph dev` on one's own machine; never deploy that way).

Studio users are interviewers when LangSmith has signed them in (LangGraph Platform). The
unsigned Studio user of `langgraph dev` is refused while keys are set, because any request can
claim to be one by sending the `x-auth-scheme: langsmith` header.

Limits, for every key (see SECURITY.md):
- Answer size: a run whose resume value or input carries more than `SOPHIA_MAX_ANSWER_CHARS`
  characters of text (default 100,000) is refused with 413, before anything is stored.
- Run rate: each key holder may start `SOPHIA_RUNS_PER_MINUTE` runs a minute (default 60; a
  key's own `"runs_per_minute"` in the table overrides it; 0 means no limit). Over it: 429 with
  `Retry-After`. The count is kept in this server process.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langgraph_sdk import Auth
from langgraph_sdk.auth import is_studio_user

from graph.config import MAX_ANSWER_CHARS_ENV, max_answer_chars

logger = logging.getLogger(__name__)

Role = Literal["candidate", "interviewer"]
ROLES: tuple[Role, ...] = ("candidate", "interviewer")
API_KEYS_ENV = "SOPHIA_API_KEYS"
API_KEY_HEADER = b"x-api-key"
LOCAL_DEV_IDENTITY = "local-dev"
RUNS_PER_MINUTE_ENV = "SOPHIA_RUNS_PER_MINUTE"
DEFAULT_RUNS_PER_MINUTE = 60


@dataclass(frozen=True)
class KeyHolder:
    """Who holds an API key, and (optionally) their own run-rate limit."""

    role: Role
    identity: str
    runs_per_minute: int | None = None


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
        rate = holder.get("runs_per_minute")
        if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or rate < 0):
            raise ValueError(f"{API_KEYS_ENV}: runs_per_minute must be a whole number >= 0")
        keys[key.encode("utf-8")] = KeyHolder(
            role=role, identity=identity.strip(), runs_per_minute=rate
        )
    return keys


def default_runs_per_minute() -> int:
    """`SOPHIA_RUNS_PER_MINUTE`, else 60; 0 turns the limit off."""
    raw = os.environ.get(RUNS_PER_MINUTE_ENV, "").strip()
    if not raw:
        return DEFAULT_RUNS_PER_MINUTE
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(f"{RUNS_PER_MINUTE_ENV} must be a whole number, not {raw!r}") from None


API_KEYS: dict[bytes, KeyHolder] = parse_api_keys(os.environ.get(API_KEYS_ENV))
RUNS_PER_MINUTE = default_runs_per_minute()
if not API_KEYS:
    logger.warning("%s is not set: auth is off and every request is an interviewer", API_KEYS_ENV)


class RunRateLimiter:
    """At most N run starts per holder in any sliding minute (kept in this process)."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._starts: dict[str, deque[float]] = {}

    def wait_time(self, holder: str, limit: int) -> float:
        """0 when `holder` may start a run now (the run is counted), else seconds to wait."""
        if limit <= 0:
            return 0.0
        now = self.clock()
        starts = self._starts.setdefault(holder, deque())
        while starts and now - starts[0] >= self.window:
            starts.popleft()
        if len(starts) >= limit:
            return max(0.001, self.window - (now - starts[0]))
        starts.append(now)
        return 0.0


RUN_LIMITER = RunRateLimiter()


def runs_per_minute_of(identity: str, role: Role) -> int:
    """The run-rate limit of a key holder: their key's own, else the server's default."""
    own = [
        h.runs_per_minute
        for h in API_KEYS.values()
        if h.identity == identity and h.role == role and h.runs_per_minute is not None
    ]
    return min(own) if own else RUNS_PER_MINUTE


def text_size(value: Any) -> int:
    """Characters of text in a JSON value (strings anywhere inside it; keys not counted)."""
    total, pending = 0, [value]
    while pending:  # a loop, not recursion: a deeply nested payload must not crash the server
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return total


def _run_texts(kwargs: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    command = kwargs.get("command")
    if isinstance(command, Mapping) and command.get("resume") is not None:
        yield "answer", command["resume"]
    if kwargs.get("input") is not None:
        yield "input", kwargs["input"]


def refuse_oversize(kwargs: Mapping[str, Any]) -> None:
    """413 when a run's answer (resume value) or input is over the answer-size limit.

    Refused at the door, before the server stores it: the candidate is told the limit and can
    send a shorter answer; nothing is cut silently.
    """
    limit = max_answer_chars()
    for what, value in _run_texts(kwargs):
        size = text_size(value)
        if size > limit:
            raise Auth.exceptions.HTTPException(
                status_code=413,
                detail=f"the {what} is {size:,} characters; the limit is {limit:,} "
                f"({MAX_ANSWER_CHARS_ENV}). Send a shorter answer.",
            )


def refuse_over_rate(ctx: Auth.types.AuthContext, role: Role) -> None:
    """429 (with Retry-After) when the caller has started too many runs this minute."""
    if not API_KEYS:  # auth off: one developer on their own machine
        return
    identity = ctx.user.identity
    limit = runs_per_minute_of(identity, role)
    wait = RUN_LIMITER.wait_time(f"{role}:{identity}", limit)
    if wait:
        seconds = math.ceil(wait)
        raise Auth.exceptions.HTTPException(
            status_code=429,
            detail=f"too many runs: at most {limit} a minute for this key; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


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


def forbidden(detail: str) -> Auth.exceptions.HTTPException:
    """A 403 that says what is not allowed."""
    return Auth.exceptions.HTTPException(status_code=403, detail=detail)


def own_threads(ctx: Auth.types.AuthContext) -> Auth.types.FilterType | bool:
    """No filter for an interviewer, the owner filter for a candidate, refusal otherwise."""
    role = role_of(ctx)
    if role is None:
        return False
    return True if role == "interviewer" else {"owner": ctx.user.identity}


auth = Auth()


@auth.authenticate
async def authenticate(headers: dict[bytes, bytes]) -> Auth.types.MinimalUserDict:
    """Resolve the `x-api-key` header to its holder; 401 when it is missing or unknown."""
    if not API_KEYS:
        return {"identity": LOCAL_DEV_IDENTITY, "permissions": ["interviewer"]}
    holder = holder_of(headers.get(API_KEY_HEADER), API_KEYS)
    if holder is None:
        raise Auth.exceptions.HTTPException(
            status_code=401, detail="missing or unknown API key (send it as x-api-key)"
        )
    return {"identity": holder.identity, "permissions": [holder.role]}


@auth.on
async def interviewers_only(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Anything without a rule of its own (assistants' edits, crons, the Store) is staff-only."""
    return role_of(ctx) == "interviewer"


@auth.on.threads.create
async def create_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.create.value
) -> Auth.types.FilterType | bool:
    """Anyone with a key may start a thread; it belongs to its creator.

    The filter keeps `if_exists="do_nothing"` from handing a candidate someone else's thread.
    """
    role = role_of(ctx)
    if role is None:
        return False
    stamp_owner(ctx, value, role)
    return own_threads(ctx)


@auth.on.threads.read
async def read_thread(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.read.value
) -> Auth.types.FilterType | bool:
    """A candidate reads (state, history, runs, streams) only their own threads."""
    return own_threads(ctx)


@auth.on.threads.search
async def search_threads(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.search.value
) -> Auth.types.FilterType | bool:
    """A candidate's thread search only finds their own threads."""
    return own_threads(ctx)


@auth.on.threads.create_run
async def create_run(
    ctx: Auth.types.AuthContext, value: Auth.types.on.threads.create_run.value
) -> Auth.types.FilterType | bool:
    """A candidate runs only their own threads, with the assistant's settings, from now on."""
    role = role_of(ctx)
    if role is None:
        return False
    # A run without a thread (or with if_not_exists="create") makes one from this metadata.
    stamp_owner(ctx, value, role)
    kwargs = value.get("kwargs") or {}
    refuse_oversize(kwargs)
    if role == "interviewer":
        refuse_over_rate(ctx, role)
        return True
    run_input = kwargs.get("input")
    candidate_id = run_input.get("candidate_id") if isinstance(run_input, dict) else None
    if candidate_id and candidate_id != ctx.user.identity:
        raise forbidden("a candidate can start an interview only on their own profile")
    # The interview's settings are the assistant's, chosen by staff (the server copies a run's
    # `config.configurable` into `context`). A checkpoint would rewind the interview and let
    # the candidate answer a question again.
    if kwargs.get("context"):
        raise forbidden("a candidate cannot set the interview's context or configurable")
    if ((kwargs.get("config") or {}).get("configurable") or {}).get("checkpoint_id"):
        raise forbidden("a candidate cannot run an interview from an earlier checkpoint")
    refuse_over_rate(ctx, role)  # last: only runs that would start count against the limit
    return {"owner": ctx.user.identity}


@auth.on.assistants(actions=["read", "search"])
async def read_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Everyone may find the interview assistants (and their graph); only staff edit them."""
    return role_of(ctx) is not None
