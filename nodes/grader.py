"""The grader agent: scores each answer on the criteria its question evidences, with evidence.

It runs beside difficulty and follow_up on every answer. A probe's answer re-grades its
question (key points found only after a probe earn less). Evaluations go to the Store, never
to state: the candidate must not see them.

The LLM grader always runs with the rubric grader beside it: a disagreement of more than
`DISAGREEMENT` points (`graph/scoring.py`) on a criterion is flagged (it catches prompt
injection and model drift), and a model that fails or answers malformed JSON twice is replaced
by the rubric's verdict, flagged too.
When the answer also spoke to the grader (`injection`), a score the model raised that far above
the rubric's is not believed: the rubric's score stands, so an obeyed injection cannot pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime

from graph.config import Context
from graph.llm import (
    agent_model,
    ask_structured,
    candidate_text,
    model_for,
    schema_text,
)
from graph.scoring import DISAGREEMENT, clamp_score
from graph.session import Session
from graph.state import AnswerEvaluation, GradeJudgement, State, Turn, answers_for
from graph.store import save_evaluation
from graph.usage import AgentLedger, save_ledger
from prompts import render_prompt
from rubric.analysis import analyse_answer
from rubric.role_pack import Question, TopicBank


@dataclass(frozen=True)
class GradingInput:
    """A question, its rubric and the answers given to it (main answer first)."""

    turn: Turn
    question: Question
    bank: TopicBank
    answers: list[str]
    persona: str = ""


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


class LLMGrader:
    """A chat model grades against the rubric; the rubric grader checks it."""

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model.with_config(tags=[TAG_NOSTREAM])  # grades never reach the candidate
        self.ledger = ledger
        self.rubric = RubricGrader()

    def _messages(self, item: GradingInput) -> list:
        answers = "\n\n[answer to a follow-up]\n".join(item.answers)
        prompt = render_prompt(
            "grader",
            persona=item.persona,
            difficulty=item.question.difficulty,
            topic=item.bank.title,
            question=item.question.text,
            key_points=item.question.key_points_text(),
            anchors=item.question.anchors_text(),
            criteria=", ".join(item.question.criteria),
            answer=candidate_text(answers),
            schema=schema_text(GradeJudgement),
        )
        return [SystemMessage(prompt), HumanMessage("Grade the answer now.")]

    async def grade(self, item: GradingInput) -> AnswerEvaluation:
        baseline = await self.rubric.grade(item)
        judgement = await ask_structured(
            self.model, self._messages(item), GradeJudgement, self.ledger
        )
        if judgement is None:
            return baseline.model_copy(update={"signals": [*baseline.signals, "fallback"]})
        return self._merge(item, judgement, baseline)

    def _merge(
        self, item: GradingInput, judgement: GradeJudgement, baseline: AnswerEvaluation
    ) -> AnswerEvaluation:
        scores = {}
        for criterion in item.question.criteria:
            value = getattr(judgement, criterion)
            scores[criterion] = (
                clamp_score(value) if value is not None else baseline.scores[criterion]
            )
        signals = list(baseline.signals)
        gaps = {c: abs(scores[c] - baseline.scores[c]) for c in scores}
        if any(gap > DISAGREEMENT for gap in gaps.values()):
            signals.append("disagreement")
        if "injection" in signals:
            inflated = [c for c in scores if scores[c] - baseline.scores[c] > DISAGREEMENT]
            for criterion in inflated:
                scores[criterion] = baseline.scores[criterion]
            if inflated:
                signals.append("injection_capped")
        key_points = {kp.id: kp for kp in [*baseline.found, *baseline.missed]}
        found = [key_points[k] for k in judgement.found if k in key_points]
        missed = [kp for k, kp in key_points.items() if k not in set(judgement.found)]
        return baseline.model_copy(
            update={
                "scores": scores,
                "anchor": judgement.anchor,
                "found": found,
                "missed": missed,
                "signals": signals,
                "rationale": judgement.rationale.strip()[:1500]
                + f" [rubric cross-check: {baseline.scores}]",
                "brain": "llm",
            }
        )


def grader_brain(context: Context, ledger: AgentLedger) -> GraderBrain:
    """The grader brain for the configured model."""
    model = agent_model(context, "grader")
    return RubricGrader() if model is None else LLMGrader(model, ledger)


async def grader(state: State, runtime: Runtime[Context]) -> dict:
    """Grade the latest answer and keep the evaluation in the Store."""
    session = Session.from_runtime(runtime)
    turn = state["turns"][-1]
    question = session.pack.question(turn["question_id"])
    ledger = AgentLedger("grader")
    evaluation = await grader_brain(session.context, ledger).grade(
        GradingInput(
            turn=turn,
            question=question,
            bank=session.pack.topic_of(question.id),
            answers=answers_for(state["turns"], question.id),
            persona=session.persona(),
        )
    )
    await save_evaluation(session.store, session.thread_id, evaluation)
    await save_ledger(session.store, session.thread_id, ledger)
    return {}


__all__ = ["GraderBrain", "LLMGrader", "RubricGrader", "grader", "grader_brain", "model_for"]
