"""The audit log: who asked to change an assessment, and when (kept in the Store).

Interviewers may edit an interview's state, fork it from a checkpoint, send it a command,
reassign or delete it, and write or delete its report, evaluations and levels. Each such request
leaves an entry under `("audit", <thread id>)` (or `("audit", "profiles")`,
`("audit", "assistants")`), written by the server's auth handler before the request runs, so a
request that then fails is recorded too. Through the API the log is append-only: nobody, staff
included, can write or delete in the `audit` namespace (`graph/auth.py`).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from langgraph.store.base import BaseStore

AUDIT = "audit"


def audit_namespace(scope: str) -> tuple[str, ...]:
    """The audit log of one thread (its id), or of `profiles` or `assistants`."""
    return (AUDIT, scope.replace(".", "_") or "unknown")


async def record(
    store: BaseStore,
    scope: str,
    *,
    who: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> str:
    """Append one entry; returns its key (sortable by time)."""
    now = time.time()
    key = f"{now:020.6f}-{uuid.uuid4().hex[:8]}"
    entry = {
        "at": datetime.fromtimestamp(now, UTC).isoformat(),
        "who": who,
        "action": action,
        "detail": detail or {},
    }
    await store.aput(audit_namespace(scope), key, entry, index=False)
    return key


async def entries(store: BaseStore, scope: str) -> list[dict[str, Any]]:
    """A scope's entries, oldest first."""
    items = await store.asearch(audit_namespace(scope), limit=10_000)
    return [item.value for item in sorted(items, key=lambda i: i.key)]
