"""Phase 1, introduction: the candidate's background (the interviewer greets first)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.config import Context
from graph.state import State
from nodes.phase_plan import plan_next_question


async def introduction(state: State, runtime: Runtime[Context]) -> dict:
    """Choose the background question that opens the interview."""
    return await plan_next_question("introduction", state, runtime)
