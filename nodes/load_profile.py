"""First node: settle who is being interviewed and where their level starts."""

from __future__ import annotations

import re

from langgraph.runtime import Runtime

from graph.config import Context
from graph.errors import SophiaError
from graph.session import Session
from graph.state import CandidateProfile, State
from graph.store import load_profile as load_stored_profile
from graph.store import save_level, save_profile
from rubric.text import clean_answer

ANONYMOUS: CandidateProfile = {
    "id": "anonymous",
    "name": "there",
    "years_experience": 3.0,
    "summary": "",
}
_MAX_NAME = 80


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "candidate"


def _years(value: object) -> float:
    try:
        return max(0.0, min(60.0, float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ANONYMOUS["years_experience"]


def profile_from(raw: dict, fallback_id: str) -> CandidateProfile:
    """A clean profile from stored or inline data (names and summaries are candidate text)."""
    name = clean_answer(str(raw.get("name") or ANONYMOUS["name"]))[:_MAX_NAME] or "there"
    profile: CandidateProfile = {
        "id": str(raw.get("id") or fallback_id or _slug(name)),
        "name": name,
        "years_experience": _years(raw.get("years_experience")),
        "summary": clean_answer(str(raw.get("summary") or ""))[:2000],
    }
    if raw.get("pronouns"):
        profile["pronouns"] = clean_answer(str(raw["pronouns"]))[:40]
    return profile


async def load_profile(state: State, runtime: Runtime[Context]) -> dict:
    """Read the candidate's profile (Store by `candidate_id`, or inline) and the start level."""
    session = Session.from_runtime(runtime)
    candidate_id = state.get("candidate_id")
    inline = state.get("candidate")
    if candidate_id:
        stored = await load_stored_profile(session.store, candidate_id)
        if stored is None and not inline:
            raise SophiaError(
                f"no candidate profile '{candidate_id}' in the Store (namespace ('profiles',)); "
                "store one first or start the run with an inline 'candidate'"
            )
        profile = profile_from({**(inline or {}), **(stored or {})}, candidate_id)
    elif inline:
        profile = profile_from(dict(inline), "")
        await save_profile(session.store, dict(profile))
    else:
        profile = dict(ANONYMOUS)  # type: ignore[assignment]
    state_with_profile: State = {**state, "profile": profile}
    await save_level(session.store, session.thread_id, session.start_assessment(state_with_profile))
    return {"profile": profile, "finished": False}
