"""Where Sophia keeps what is not candidate-visible: namespaces and records in the Store.

- `("profiles",)`, key = candidate id: candidate profiles (read by profile lookup).
- `("evaluations", thread_id)`, key = `<turn:04d>-<question id>`: each answer's `AnswerEvaluation`.
- `("levels", thread_id)`, key = `<turn:04d>`: the difficulty agent's `LevelAssessment` after that
  turn, and the start assessment under `0000`.
- `("reports",)`, key = thread id: the `FinalReport`.

Levels and evaluations are keyed by turn, and each entry records a digest of the answer it was
made for. A thread can be forked from an earlier checkpoint (an interviewer replaying) or a run
retried after a crash: the Store then holds entries of turns the thread's state no longer has,
or of the same turn on another branch. Readers take only the entries whose turn and answer are
in the state they were given, so a fork or a retry reads exactly what a clean run would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from langgraph.store.base import BaseStore

from graph.state import AnswerEvaluation, FinalReport, LevelAssessment, Turn, is_graded

PROFILES = ("profiles",)
REPORTS = ("reports",)
# The turn number of the start assessment (the first answer is turn 1).
START_TURN = 0
# Beside each per-turn entry: which answer it was made for (see `answer_digest`).
ANSWER_DIGEST = "answer_digest"
# More entries than any interview writes to one namespace.
_SEARCH_LIMIT = 10_000


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


def level_key(turn: int) -> str:
    """The key of the level assessment made after `turn` (`0000`: the start)."""
    return f"{turn:04d}"


def answer_digest(turn: Turn) -> str:
    """What identifies a turn across branches: its number, question and answer."""
    text = f"{turn['turn']}\x1f{turn['question_id']}\x1f{turn['answer']}"
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:24]


async def save_evaluation(
    store: BaseStore, thread_id: str, evaluation: AnswerEvaluation, turn: Turn
) -> None:
    """Keep one answer's evaluation, marked with the answer (`turn`) it grades."""
    key = evaluation_key(evaluation.turn, evaluation.question_id)
    value = {**evaluation.model_dump(mode="json"), ANSWER_DIGEST: answer_digest(turn)}
    await store.aput(evaluations_namespace(thread_id), key, value)


async def load_evaluation(store: BaseStore, thread_id: str, turn: Turn) -> AnswerEvaluation | None:
    """The evaluation written for this very turn (same number, question and answer), if any."""
    key = evaluation_key(turn["turn"], turn["question_id"])
    item = await store.aget(evaluations_namespace(thread_id), key)
    if item is None or item.value.get(ANSWER_DIGEST) != answer_digest(turn):
        return None
    return AnswerEvaluation.model_validate(item.value)


async def list_evaluations(
    store: BaseStore, thread_id: str, turns: Sequence[Turn] | None = None
) -> list[AnswerEvaluation]:
    """An interview's evaluations in the order the answers were given.

    With `turns` (the thread's state), only the evaluations of those very turns: entries a fork
    or a retried run left for other branches are not read. Without, every entry (staff tools).
    """
    items = await store.asearch(evaluations_namespace(thread_id), limit=_SEARCH_LIMIT)
    if turns is None:
        evaluations = [AnswerEvaluation.model_validate(item.value) for item in items]
        return sorted(evaluations, key=lambda e: e.turn)
    by_key = {item.key: item.value for item in items}
    present = []
    for turn in sorted(turns, key=lambda t: t["turn"]):
        value = by_key.get(evaluation_key(turn["turn"], turn["question_id"]))
        if value is not None and value.get(ANSWER_DIGEST) == answer_digest(turn):
            present.append(AnswerEvaluation.model_validate(value))
    return present


async def latest_evaluations(
    store: BaseStore, thread_id: str, turns: Sequence[Turn] | None = None
) -> dict[str, AnswerEvaluation]:
    """The last evaluation of each question (a probe's answer re-grades its question)."""
    return {e.question_id: e for e in await list_evaluations(store, thread_id, turns)}


async def save_level(
    store: BaseStore, thread_id: str, assessment: LevelAssessment, turn: Turn | None = None
) -> None:
    """Keep the level assessment made after `turn` (None: the start assessment)."""
    number = START_TURN if turn is None else turn["turn"]
    value = assessment.model_dump(mode="json")
    if turn is not None:
        value[ANSWER_DIGEST] = answer_digest(turn)
    await store.aput(levels_namespace(thread_id), level_key(number), value)


async def load_level(
    store: BaseStore, thread_id: str, turns: Sequence[Turn] | None = None
) -> LevelAssessment | None:
    """The level after the latest of `turns` that has one, else the start assessment.

    `turns` is the thread's state (or the part of it before a turn). Turns without an
    assessment (nothing graded) are passed over. Without `turns`: the newest entry (staff tools).
    """
    namespace = levels_namespace(thread_id)
    if turns is None:
        items = await store.asearch(namespace, limit=_SEARCH_LIMIT)
        by_key = {item.key: item.value for item in items}
        newest = max((k for k in by_key if k.isdigit()), default=None, key=int)
        return LevelAssessment.model_validate(by_key[newest]) if newest else None
    # Newest first, one entry at a time: the latest turn nearly always has one, and a search
    # would read every entry of the interview on every turn.
    for turn in sorted(turns, key=lambda t: t["turn"], reverse=True):
        if not is_graded(turn):
            continue
        item = await store.aget(namespace, level_key(turn["turn"]))
        if item is not None and item.value.get(ANSWER_DIGEST) == answer_digest(turn):
            return LevelAssessment.model_validate(item.value)
    start = await store.aget(namespace, level_key(START_TURN))
    return LevelAssessment.model_validate(start.value) if start else None


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
