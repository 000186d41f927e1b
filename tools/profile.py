"""Candidate profile lookup (the Store's `("profiles",)` namespace)."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.tools import tool
from langgraph.prebuilt import InjectedStore
from langgraph.store.base import BaseStore

from graph.store import load_profile


@tool
async def lookup_candidate_profile(
    candidate_id: str, store: Annotated[BaseStore, InjectedStore()]
) -> dict[str, Any]:
    """Look up a candidate's profile: name, years of experience, CV summary and past interviews.

    Use it to tailor questions to the candidate's background. Returns {"found": false} when no
    profile is stored under that id.
    """
    profile = await load_profile(store, candidate_id)
    if profile is None:
        return {"found": False, "candidate_id": candidate_id}
    return {"found": True, **profile}
