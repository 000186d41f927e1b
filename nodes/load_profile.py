"""First node: settle who is being interviewed, where their level starts, and how (the mode and
the level hired for, fixed for the whole interview).

A stored profile (`candidate_id`) is only ever read here. An inline candidate is candidate
text: it gets a profile of its own, keyed by the thread (`inline-<thread id>`), so nothing a
candidate types can overwrite or claim another person's stored profile.
"""

from __future__ import annotations

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


def _years(value: object) -> float:
    try:
        years = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return ANONYMOUS["years_experience"]
    if years != years:  # NaN
        return ANONYMOUS["years_experience"]
    return max(0.0, min(60.0, years))


def inline_profile_id(thread_id: str) -> str:
    """The Store key of an inline candidate's profile: one per interview, never a stored one's."""
    return f"inline-{thread_id}"


def profile_from(raw: dict, profile_id: str) -> CandidateProfile:
    """A clean profile under `profile_id` (names and summaries are candidate text)."""
    name = clean_answer(str(raw.get("name") or ANONYMOUS["name"]))[:_MAX_NAME] or "there"
    profile: CandidateProfile = {
        "id": profile_id,
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
    inline = dict(inline) if isinstance(inline, dict) else {}
    if candidate_id:
        candidate_id = str(candidate_id)
        stored = await load_stored_profile(session.store, candidate_id)
        if stored is None and not inline:
            raise SophiaError(
                f"no candidate profile '{candidate_id}' in the Store (namespace ('profiles',)); "
                "store one first or start the run with an inline 'candidate'"
            )
        # The stored profile wins over anything sent with the run; neither is written back.
        profile = profile_from({**inline, **(stored or {})}, candidate_id)
    elif inline:
        # Any `id` in the input is ignored: the profile is this interview's alone.
        profile = profile_from(inline, inline_profile_id(session.thread_id))
        if await load_stored_profile(session.store, profile["id"]) is None:
            await save_profile(session.store, dict(profile))
    else:
        profile = dict(ANONYMOUS)  # type: ignore[assignment]
    state_with_profile: State = {**state, "profile": profile}
    await save_level(session.store, session.thread_id, session.start_assessment(state_with_profile))
    # Mode and target level are settled now: nodes read them from state from here on.
    return {
        "profile": profile,
        "finished": False,
        "mode": session.context.mode,
        "target_level": session.target_level(),
    }
