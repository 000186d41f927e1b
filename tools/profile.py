"""Candidate profile lookup (the Store's `("profiles",)` namespace), for the interviewer agent.

The interviewer's words reach the candidate, so its tools must not be able to fetch anything
the candidate may not read. This one is bound to the interview's own candidate: the model does
not choose whose profile it reads (`candidate_id` is injected by the node, from the thread's
state), and it returns only the fields the interview itself uses, never notes staff may keep
beside them.
"""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.tools import InjectedToolArg, tool
from langgraph.prebuilt import InjectedStore
from langgraph.store.base import BaseStore

from graph.store import load_profile

# What the interviewer may see of a profile: what the candidate told the hiring team.
PROFILE_FIELDS = ("name", "years_experience", "summary", "pronouns")


@tool
async def lookup_candidate_profile(
    candidate_id: Annotated[str, InjectedToolArg],
    store: Annotated[BaseStore, InjectedStore()],
) -> dict[str, Any]:
    """Look up the candidate you are interviewing: name, years of experience and CV summary.

    Use it to tailor your words to the candidate's background. Returns {"found": false} when
    the candidate has no stored profile.
    """
    profile = await load_profile(store, candidate_id)
    if profile is None:
        return {"found": False}
    return {"found": True, **{k: profile[k] for k in PROFILE_FIELDS if k in profile}}
