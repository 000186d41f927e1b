"""Grading single answers without an interview: `sophia grade` and the human-agreement evaluation.

Each answer goes through the same grader brain an interview uses (`nodes/grader.py`), as the
main answer to its question, so a figure measured here is the figure an interview would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from evals.jsonl import read_records
from graph.config import Context
from graph.errors import CandidateFileError
from graph.state import AnswerEvaluation, Turn
from graph.usage import AgentLedger
from nodes.grader import GradingInput, grader_brain
from rubric.role_pack import RolePack, load_role_pack
from rubric.text import clean_answer


class AnswerToGrade(BaseModel):
    """One line of a `sophia grade --batch` file."""

    id: str = Field(min_length=1)
    question_id: str = Field(min_length=1)
    text: str


@dataclass(frozen=True)
class GradedAnswer:
    """An answer and the grader's evaluation of it."""

    item: AnswerToGrade
    evaluation: AnswerEvaluation

    def to_json(self) -> dict[str, Any]:
        """The answer's row in `sophia grade --json`: scores as in an interview, plus `quality`
        (the main criterion on the question's own 1-5 anchors, before the difficulty offset)."""
        e = self.evaluation
        return {
            "id": self.item.id,
            "question_id": self.item.question_id,
            "scores": dict(e.scores),
            "quality": e.quality,
            "anchor": e.anchor,
            "signals": list(e.signals),
            "found": [{"id": k.id, "label": k.label, "quote": k.quote} for k in e.found],
            "missed": [{"id": k.id, "label": k.label} for k in e.missed],
            "misconceptions": list(e.misconceptions),
            "rationale": e.rationale,
            "brain": e.brain,
        }


def _phase_of(pack: RolePack, topic: str) -> str:
    for phase in pack.phases:
        if topic in phase.topics:
            return phase.id
    return pack.phases[0].id


def check_question_ids(pack: RolePack, items: Sequence[AnswerToGrade]) -> None:
    """Fail with one line naming the first answer whose question the pack does not have."""
    for item in items:
        try:
            pack.question(item.question_id)
        except KeyError:
            raise CandidateFileError(
                f"answer '{item.id}': no question '{item.question_id}' in role pack '{pack.id}'"
            ) from None


async def grade_one(item: AnswerToGrade, pack: RolePack, context: Context) -> AnswerEvaluation:
    """Grade one answer as the main answer to its question, with the configured grader brain."""
    question = pack.question(item.question_id)
    bank = pack.topic_of(question.id)
    text = clean_answer(item.text)
    turn: Turn = {
        "turn": 1,
        "phase": _phase_of(pack, bank.topic),  # type: ignore[typeddict-item]
        "question_id": question.id,
        "topic": bank.topic,
        "kind": "question",
        "question": question.text,
        "answer": text,
    }
    brain = grader_brain(context, AgentLedger("grader"))
    return await brain.grade(GradingInput(turn=turn, question=question, bank=bank, answers=[text]))


async def grade_answers(
    items: Sequence[AnswerToGrade],
    context: Context,
    concurrency: int = 4,
    on_done: Callable[[GradedAnswer], None] | None = None,
) -> list[GradedAnswer]:
    """Grade every answer (results in order), at most `concurrency` at once."""
    pack = load_role_pack(context.role)
    check_question_ids(pack, items)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(item: AnswerToGrade) -> GradedAnswer:
        async with gate:
            graded = GradedAnswer(item, await grade_one(item, pack, context))
        if on_done:
            on_done(graded)
        return graded

    return list(await asyncio.gather(*(one(item) for item in items)))


def read_batch(path: Path) -> list[AnswerToGrade]:
    """The answers of a JSONL file (`{"id", "question_id", "text"}` per line; blank lines skipped).

    A missing file, a line that is not JSON or lacks a field, or a repeated id is one clear error.
    """
    items = read_records(path, AnswerToGrade)
    if not items:
        raise CandidateFileError(f"{path}: no answers in this file")
    return items
