"""Per-agent accounting of model calls, tokens and fallbacks, kept in the Store.

Each agent has its own key under `("usage", thread_id)`. The Store is written once per turn:
the agents of the answer round leave their counts in state (`spending`), and the node that ends
the turn (the interviewer, or the report) adds its own and writes them all in one batch
(`settle_spending`). On SQLite every Store write is a commit, and five agents wrote their own
every turn. A ledger with a fallback is written at once instead: its reason (an error message)
stays out of state, which the candidate can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.store.base import BaseStore, GetOp, PutOp
from langgraph.types import Overwrite

# The state channel where the answer round's agents leave their counts for the turn's end.
SPENDING = "spending"
# Fallback reasons kept per agent (the newest).
MAX_FALLBACKS = 50


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

    def counts(self) -> dict[str, Any]:
        """The agent and its counts, as left in state (no fallback reasons)."""
        return {
            "agent": self.agent,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }


def _added(total: dict[str, Any], ledger: AgentLedger) -> dict[str, Any]:
    return {
        "calls": total.get("calls", 0) + ledger.calls,
        "input_tokens": total.get("input_tokens", 0) + ledger.input_tokens,
        "output_tokens": total.get("output_tokens", 0) + ledger.output_tokens,
        "fallbacks": [*total.get("fallbacks", []), *ledger.fallbacks][-MAX_FALLBACKS:],
    }


async def save_ledgers(store: BaseStore, thread_id: str, ledgers: list[AgentLedger]) -> None:
    """Add node runs' spending to their agents' running totals: one read, one write."""
    spent = [ledger for ledger in ledgers if ledger.calls or ledger.fallbacks]
    if not spent:
        return
    namespace = usage_namespace(thread_id)
    agents = list(dict.fromkeys(ledger.agent for ledger in spent))
    items = await store.abatch([GetOp(namespace, agent) for agent in agents])
    totals = {
        agent: dict(item.value) if item else {} for agent, item in zip(agents, items, strict=True)
    }
    for ledger in spent:
        totals[ledger.agent] = _added(totals[ledger.agent], ledger)
    await store.abatch([PutOp(namespace, agent, totals[agent]) for agent in agents])


async def save_ledger(store: BaseStore, thread_id: str, ledger: AgentLedger) -> None:
    """Add one node run's spending to the agent's running totals."""
    await save_ledgers(store, thread_id, [ledger])


async def note_spending(store: BaseStore, thread_id: str, ledger: AgentLedger) -> dict[str, Any]:
    """A node run's spending, for an agent whose turn another node ends: the state update that
    leaves its counts for `settle_spending`, or, after a fallback, written to the Store at once."""
    if ledger.fallbacks:
        await save_ledger(store, thread_id, ledger)
        return {}
    return {SPENDING: [ledger.counts()]} if ledger.calls else {}


async def settle_spending(
    store: BaseStore, thread_id: str, state: Mapping[str, Any], ledger: AgentLedger
) -> dict[str, Any]:
    """Write the turn's spending (what the agents left in state, and `ledger`) in one batch.

    Returns the state update that clears what was left.
    """
    left = state.get(SPENDING) or []
    await save_ledgers(store, thread_id, [*(AgentLedger(**counts) for counts in left), ledger])
    return {SPENDING: Overwrite([])} if left else {}


async def load_usage(store: BaseStore, thread_id: str) -> dict[str, dict[str, Any]]:
    """Every agent's totals for an interview."""
    items = await store.asearch(usage_namespace(thread_id), limit=100)
    return {item.key: dict(item.value) for item in items}
