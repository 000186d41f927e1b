"""The grader agent: scores each answer on the criteria its question evidences, with evidence.

It runs beside difficulty and follow_up on every answer. A probe's answer re-grades its
question (key points found only after a probe earn less). Evaluations go to the Store, never
to state: the candidate must not see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from langgraph.runtime import Runtime

from graph.config import Context
from graph.llm import require_rubric
from graph.session import Session
from graph.state import AnswerEvaluation, State, Turn, answers_for
from graph.store import save_evaluation
from rubric.analysis import analyse_answer
from rubric.role_pack import Question, TopicBank


@dataclass(frozen=True)
class GradingInput:
    """A question, its rubric and the answers given to it (main answer first)."""

    turn: Turn
    question: Question
    bank: TopicBank
    answers: list[str]


class GraderBrain(Protocol):
    """Scores the answers to one question."""

    async def grade(self, item: GradingInput) -> AnswerEvaluation:
        """The evaluation of the question's answers so far."""
        ...


class RubricGrader:
    """Key-point coverage, answer signals and behavioural anchors (`rubric/analysis.py`)."""

    async def grade(self, item: GradingInput) -> AnswerEvaluation:
        analysis = analyse_answer(item.question, item.bank, item.answers)
        return AnswerEvaluation(
            turn=item.turn["turn"],
            question_id=item.question.id,
            topic=item.bank.topic,
            phase=item.turn["phase"],
            difficulty=item.question.difficulty,
            kind=item.turn["kind"],
            scores=analysis.scores,
            anchor=analysis.anchor,
            found=analysis.found,
            missed=analysis.missed,
            signals=analysis.signals,
            rationale=analysis.rationale,
            brain="rubric",
        )


def grader_brain(context: Context) -> GraderBrain:
    """The grader brain for the configured model."""
    require_rubric(context.model)
    return RubricGrader()


async def grader(state: State, runtime: Runtime[Context]) -> dict:
    """Grade the latest answer and keep the evaluation in the Store."""
    session = Session.from_runtime(runtime)
    turn = state["turns"][-1]
    question = session.pack.question(turn["question_id"])
    evaluation = await grader_brain(session.context).grade(
        GradingInput(
            turn=turn,
            question=question,
            bank=session.pack.topic_of(question.id),
            answers=answers_for(state["turns"], question.id),
        )
    )
    await save_evaluation(session.store, session.thread_id, evaluation)
    return {}
