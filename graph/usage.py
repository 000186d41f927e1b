"""Per-agent accounting of model calls, tokens and fallbacks, kept in the Store.

Each agent writes only its own key under `("usage", thread_id)`, so the three assessments that
run in parallel never race on one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.store.base import BaseStore


def usage_namespace(thread_id: str) -> tuple[str, ...]:
    """The namespace of one interview's usage records."""
    return ("usage", thread_id)


@dataclass
class AgentLedger:
    """What one agent spent during one node run."""

    agent: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    fallbacks: list[str] = field(default_factory=list)

    def record(self, replies: list[AIMessage]) -> None:
        """Count model replies and their tokens."""
        for reply in replies:
            self.calls += 1
            meta = getattr(reply, "usage_metadata", None) or {}
            self.input_tokens += int(meta.get("input_tokens", 0))
            self.output_tokens += int(meta.get("output_tokens", 0))

    def fell_back(self, reason: str) -> None:
        """Note that the agent used the rubric brain because the model failed."""
        self.fallbacks.append(f"{self.agent}: {reason}"[:300])


async def save_ledger(store: BaseStore, thread_id: str, ledger: AgentLedger) -> None:
    """Add a node run's spending to the agent's running totals."""
    if not (ledger.calls or ledger.fallbacks):
        return
    namespace = usage_namespace(thread_id)
    item = await store.aget(namespace, ledger.agent)
    total = dict(item.value) if item else {}
    await store.aput(
        namespace,
        ledger.agent,
        {
            "calls": total.get("calls", 0) + ledger.calls,
            "input_tokens": total.get("input_tokens", 0) + ledger.input_tokens,
            "output_tokens": total.get("output_tokens", 0) + ledger.output_tokens,
            "fallbacks": [*total.get("fallbacks", []), *ledger.fallbacks][-50:],
        },
    )


async def load_usage(store: BaseStore, thread_id: str) -> dict[str, dict[str, Any]]:
    """Every agent's totals for an interview."""
    items = await store.asearch(usage_namespace(thread_id), limit=100)
    return {item.key: dict(item.value) for item in items}
