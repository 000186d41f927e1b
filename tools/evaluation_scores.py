"""The interview's evaluation scores so far (the Store's `("evaluations", thread)` namespace)."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langgraph.prebuilt import InjectedStore
from langgraph.store.base import BaseStore

from graph.scoring import CRITERIA, weighted_overall
from graph.store import latest_evaluations


@tool
async def get_evaluation_scores(
    store: Annotated[BaseStore, InjectedStore()], config: RunnableConfig
) -> dict[str, Any]:
    """Get this interview's scores so far: per question and the running mean per criterion.

    Use it to decide where to probe deeper or which weak areas to coach. Scores are 1.0-5.0;
    `overall` is 20 x the weighted mean (20-100).
    """
    thread_id = str(config.get("configurable", {}).get("thread_id", ""))
    evaluations = await latest_evaluations(store, thread_id)
    per_question = [
        {"question_id": e.question_id, "topic": e.topic, "scores": e.scores, "signals": e.signals}
        for e in evaluations.values()
    ]
    running: dict[str, float | None] = {}
    for criterion in CRITERIA:
        values = [e.scores[criterion] for e in evaluations.values() if criterion in e.scores]
        running[criterion] = round(sum(values) / len(values), 2) if values else None
    return {
        "answered": len(per_question),
        "criteria": running,
        "overall": weighted_overall(running),
        "questions": per_question,
    }
