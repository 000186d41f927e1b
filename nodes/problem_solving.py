"""Phase 3, intermediate problem solving: API design, schemas, concurrency, caching."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def problem_solving(state: State, runtime: Runtime[Context]) -> dict:
    """Choose the next practical scenario at the candidate's current level."""
    return await plan_next_question("problem_solving", state, runtime)
