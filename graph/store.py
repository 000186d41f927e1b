"""Where Sophia keeps what is not candidate-visible: namespaces and records in the Store.

- `("profiles",)`, key = candidate id: candidate profiles (read by profile lookup).
- `("evaluations", thread_id)`, key = `<turn>-<question id>`: each answer's `AnswerEvaluation`.
- `("levels", thread_id)`, key = `current`: the difficulty agent's `LevelAssessment`.
- `("reports",)`, key = thread id: the `FinalReport`.
"""

from __future__ import annotations

from typing import Any

from langgraph.store.base import BaseStore

from graph.state import AnswerEvaluation, FinalReport, LevelAssessment

PROFILES = ("profiles",)
REPORTS = ("reports",)


def evaluations_namespace(thread_id: str) -> tuple[str, ...]:
    """The namespace of one interview's evaluations."""
    return ("evaluations", thread_id)


def levels_namespace(thread_id: str) -> tuple[str, ...]:
    """The namespace of one interview's level assessment."""
    return ("levels", thread_id)


def require_store(store: BaseStore | None) -> BaseStore:
    """The run's Store, or a clear error: evaluations must not fall back into thread state."""
    if store is None:
        raise RuntimeError(
            "Sophia needs a LangGraph Store (compile the graph with store=... or run it on a "
            "LangGraph server): evaluations and reports are kept there, out of the "
            "candidate's sight."
        )
    return store


def evaluation_key(turn: int, question_id: str) -> str:
    """The key of one answer's evaluation: sortable by turn."""
    return f"{turn:04d}-{question_id}"


async def save_evaluation(store: BaseStore, thread_id: str, evaluation: AnswerEvaluation) -> None:
    """Keep one answer's evaluation."""
    key = evaluation_key(evaluation.turn, evaluation.question_id)
    await store.aput(evaluations_namespace(thread_id), key, evaluation.model_dump(mode="json"))


async def load_evaluation(
    store: BaseStore, thread_id: str, turn: int, question_id: str
) -> AnswerEvaluation | None:
    """The evaluation written for one answer, if any."""
    item = await store.aget(evaluations_namespace(thread_id), evaluation_key(turn, question_id))
    return AnswerEvaluation.model_validate(item.value) if item else None


async def list_evaluations(store: BaseStore, thread_id: str) -> list[AnswerEvaluation]:
    """Every evaluation of an interview, in the order the answers were given."""
    items = await store.asearch(evaluations_namespace(thread_id), limit=10_000)
    evaluations = [AnswerEvaluation.model_validate(item.value) for item in items]
    return sorted(evaluations, key=lambda e: e.turn)


async def latest_evaluations(store: BaseStore, thread_id: str) -> dict[str, AnswerEvaluation]:
    """The last evaluation of each question (a probe's answer re-grades its question)."""
    return {e.question_id: e for e in await list_evaluations(store, thread_id)}


async def save_level(store: BaseStore, thread_id: str, assessment: LevelAssessment) -> None:
    """Keep the current level assessment."""
    await store.aput(levels_namespace(thread_id), "current", assessment.model_dump(mode="json"))


async def load_level(store: BaseStore, thread_id: str) -> LevelAssessment | None:
    """The current level assessment, if any."""
    item = await store.aget(levels_namespace(thread_id), "current")
    return LevelAssessment.model_validate(item.value) if item else None


async def save_report(store: BaseStore, thread_id: str, report: FinalReport) -> None:
    """Keep the finished report."""
    await store.aput(REPORTS, thread_id, report.model_dump(mode="json"))


async def load_report(store: BaseStore, thread_id: str) -> FinalReport | None:
    """The finished report of an interview, if it has finished."""
    item = await store.aget(REPORTS, thread_id)
    return FinalReport.model_validate(item.value) if item else None


async def save_profile(store: BaseStore, profile: dict[str, Any]) -> None:
    """Keep a candidate profile under its id."""
    await store.aput(PROFILES, str(profile["id"]), profile)


async def load_profile(store: BaseStore, candidate_id: str) -> dict[str, Any] | None:
    """A stored candidate profile, if any."""
    item = await store.aget(PROFILES, candidate_id)
    return dict(item.value) if item else None
