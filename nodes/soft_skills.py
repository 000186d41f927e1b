"""Phase 5, soft skills and culture: collaboration, disagreement, growth, challenges."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def soft_skills(state: State, runtime: Runtime[Context]) -> dict:
    """Choose the next behavioural (STAR) question."""
    return await plan_next_question("soft_skills", state, runtime)
