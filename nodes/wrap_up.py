"""Phase 6, wrap-up: the candidate's own questions; its answer closes the interview."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def wrap_up(state: State, runtime: Runtime[Context]) -> dict:
    """Ask the closing question (kind `closing`: after its answer comes the report)."""
    return await plan_next_question("wrap_up", state, runtime)
