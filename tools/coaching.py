"""Coaching suggestions for a weak area, grounded in what the rubric found missing."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.tools import InjectedToolArg, tool

from graph.config import DEFAULT_ROLE
from graph.errors import RolePackError
from rubric.role_pack import load_role_pack


@tool
def generate_coaching_suggestions(
    topic: str,
    missed_points: list[str],
    level: str = "mid",
    role: Annotated[str, InjectedToolArg] = DEFAULT_ROLE,
) -> dict[str, Any]:
    """Write coaching for a topic the candidate was weak on.

    `topic` is an interview topic (e.g. "caching"); `missed_points` are the rubric key points
    the candidate's answers missed (their labels); `level` is the candidate's assessed level
    (junior, mid or senior). Returns {area, suggestion, practice}.
    """
    try:
        bank = load_role_pack(role).topics.get(topic)  # type: ignore[call-overload]
    except RolePackError:
        bank = None
    title = bank.title if bank else topic.replace("_", " ")
    advice = bank.coaching if bank else f"Review the fundamentals of {title}."
    practice = [
        f"Be ready to explain: {point[0].lower() + point[1:]}" for point in missed_points[:4]
    ]
    if level == "junior":
        practice.append(f"Build a small project that exercises {title.lower()} end to end.")
    elif level == "senior":
        practice.append(f"Prepare a story where you made a {title.lower()} trade-off at scale.")
    return {"area": title, "suggestion": advice, "practice": practice}
