"""Phase 4, system design: microservices, database scaling, rate limiting, observability."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def system_design(state: State, runtime: Runtime[Context]) -> dict:
    """Choose the next design question at the candidate's current level."""
    return await plan_next_question("system_design", state, runtime)
