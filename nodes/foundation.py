"""Phase 2, foundation questions: Python and FastAPI, database access, async, auth."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def foundation(state: State, runtime: Runtime[Context]) -> dict:
    """Choose the next fundamentals question at the candidate's current level."""
    return await plan_next_question("foundation", state, runtime)
