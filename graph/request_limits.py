"""How much a key holder may send, and how often: sizes and rates for the LangGraph server.

`graph/auth.py` applies these to every request. The numbers come from the environment:

| setting | default | over it |
| --- | --- | --- |
| `SOPHIA_MAX_ANSWER_CHARS` | 100,000 | 413: the answer (resume value or chat message) |
| `SOPHIA_MAX_METADATA_CHARS` | 4,000 | 413: thread or run metadata |
| `SOPHIA_MAX_REQUEST_BYTES` | 1,048,576 | 413 before the body is read (411 without a length) |
| `SOPHIA_RUNS_PER_MINUTE` | 60 | 429 with `Retry-After` |
| `SOPHIA_THREADS_PER_MINUTE` | 20 | 429 with `Retry-After` |

Sizes count characters of every string in a JSON value, dictionary keys included (a 2 MB key
is as big as a 2 MB answer). Rates are counted in the LangGraph Store the server provides: in
production that is Postgres, shared by every replica, so N replicas allow the limit once, not
N times. Without a server Store (unit tests, the graph run from code) the count is kept in
this process.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from langgraph.store.base import BaseStore

from nodes.await_answer import max_answer_chars

MAX_METADATA_CHARS_ENV = "SOPHIA_MAX_METADATA_CHARS"
MAX_REQUEST_BYTES_ENV = "SOPHIA_MAX_REQUEST_BYTES"
RUNS_PER_MINUTE_ENV = "SOPHIA_RUNS_PER_MINUTE"
THREADS_PER_MINUTE_ENV = "SOPHIA_THREADS_PER_MINUTE"
DEFAULT_MAX_METADATA_CHARS = 4_000
DEFAULT_MAX_REQUEST_BYTES = 1_048_576
DEFAULT_RUNS_PER_MINUTE = 60
DEFAULT_THREADS_PER_MINUTE = 20
# A run's payload may carry the answer plus this much else (the message's envelope, ids).
RUN_PAYLOAD_SLACK_CHARS = 10_000
WINDOW_SECONDS = 60.0
# Where the rate counts live in the Store (staff can read them; nobody else can).
LIMITS_NAMESPACE = "sophia_rate_limits"


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def max_metadata_chars() -> int:
    """`SOPHIA_MAX_METADATA_CHARS`: the most characters of thread or run metadata."""
    return _setting(MAX_METADATA_CHARS_ENV, DEFAULT_MAX_METADATA_CHARS)


def max_request_bytes() -> int:
    """`SOPHIA_MAX_REQUEST_BYTES`: the largest request body the server reads."""
    return _setting(MAX_REQUEST_BYTES_ENV, DEFAULT_MAX_REQUEST_BYTES)


def max_run_payload_chars() -> int:
    """The most characters a run may carry in all: the answer limit plus a little envelope."""
    return max_answer_chars() + RUN_PAYLOAD_SLACK_CHARS


def default_runs_per_minute() -> int:
    """`SOPHIA_RUNS_PER_MINUTE`, else 60; 0 turns the limit off."""
    return _setting(RUNS_PER_MINUTE_ENV, DEFAULT_RUNS_PER_MINUTE)


def default_threads_per_minute() -> int:
    """`SOPHIA_THREADS_PER_MINUTE`, else 20; 0 turns the limit off."""
    return _setting(THREADS_PER_MINUTE_ENV, DEFAULT_THREADS_PER_MINUTE)


def text_size(value: Any) -> int:
    """Characters of text in a JSON value: every string inside it, dictionary keys included."""
    total, pending = 0, [value]
    while pending:  # a loop, not recursion: a deeply nested payload must not crash the server
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            total += sum(len(str(k)) for k in item)
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return total


# --- rates ---------------------------------------------------------------------------------


class ProcessRateLimiter:
    """At most N events per holder in any sliding window, counted in this process only."""

    def __init__(
        self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._starts: dict[str, deque[float]] = {}

    async def wait_time(self, holder: str, limit: int) -> float:
        """0 when `holder` may go ahead now (the event is counted), else seconds to wait."""
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


class StoreRateLimiter:
    """At most N events per holder in any sliding window, counted in a LangGraph Store.

    Every replica that shares the Store shares the count. Each attempt writes its own entry
    (no read-modify-write, so no lost update between replicas), then counts the other entries
    of the window: with fewer than N it goes ahead, else it is refused and removes its entry.
    Two attempts racing for the last place may both see each other and both be refused: the
    count errs on the side of the limit, never over it.
    """

    def __init__(
        self,
        store: BaseStore,
        kind: str,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.kind = kind
        self.window = window
        self.clock = clock  # wall time: replicas must agree on it

    def namespace(self, holder: str) -> tuple[str, ...]:
        """The holder's entries (hashed: identities may hold characters labels cannot)."""
        digest = hashlib.sha256(holder.encode("utf-8")).hexdigest()[:32]
        return (LIMITS_NAMESPACE, self.kind, digest)

    async def wait_time(self, holder: str, limit: int) -> float:
        """0 when `holder` may go ahead now (the event is counted), else seconds to wait."""
        if limit <= 0:
            return 0.0
        namespace, now = self.namespace(holder), self.clock()
        mine = f"{now:020.6f}-{uuid.uuid4().hex}"
        await self.store.aput(namespace, mine, {"at": now}, index=False)
        items = await self.store.asearch(namespace, limit=max(100, 4 * limit))
        live: list[tuple[float, str]] = []
        for item in items:
            at = float(item.value.get("at", 0.0))
            if now - at >= self.window:
                await self.store.adelete(namespace, item.key)  # out of the window for good
            else:
                live.append((at, item.key))
        others = sorted(entry for entry in live if entry[1] != mine)
        if len(others) < limit:
            return 0.0
        await self.store.adelete(namespace, mine)  # a refused attempt does not count
        oldest_counted = others[len(others) - limit][0]
        return max(0.001, self.window - (now - oldest_counted))


StoreSource = Callable[[], Awaitable[BaseStore | None]]


class RateLimits:
    """Run starts and thread creations per key holder, in the server's Store when it has one."""

    def __init__(self, store_source: StoreSource) -> None:
        self.store_source = store_source
        self.fallback = {"runs": ProcessRateLimiter(), "threads": ProcessRateLimiter()}

    async def wait_time(self, kind: str, holder: str, limit: int) -> float:
        """0 when the holder may go ahead (counted), else the seconds to wait."""
        store = await self.store_source()
        if store is None:
            return await self.fallback[kind].wait_time(holder, limit)
        return await StoreRateLimiter(store, kind).wait_time(holder, limit)
