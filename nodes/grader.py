"""The grader agent: scores each answer on the criteria its question evidences, with evidence.

It runs beside difficulty and follow_up on every answer. A probe's answer re-grades its
question (key points found only after a probe earn less). Evaluations go to the Store, never
to state: the candidate must not see them.

The LLM grader always runs with the rubric grader beside it: a disagreement of more than
`DISAGREEMENT` points (`graph/scoring.py`) on a criterion is flagged (it catches prompt
injection and model drift), and a model that fails or answers malformed JSON twice is replaced
by the rubric's verdict, flagged too.
A model's score may rise above the rubric's only by a small margin (`LLM_LIFT_MARGIN`): a
larger rise is held for review (the rubric's score stands and the report names the model's).
When the answer also spoke to the grader (`injection`), no rise is believed at all. So a model
that obeys an injection the detector missed, or that inflates every score, gains at most the
margin, and an injection it obeys gains nothing.

The model scores on the question's own anchored scale; technical knowledge and problem solving
then move by the question's difficulty (`DIFFICULTY_OFFSET`), as the rubric's do, so one set of
bars serves both brains. The model also says what the message was (`intent`): the rubric's
classifier routed it here as an answer, and when the model reads a clarification request or a
question instead, the evaluation gets the `intent_disagreement` signal and the report a flag.
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
    ask_first,
    ask_structured,
    candidate_text,
    model_for,
    schema_text,
)
from graph.scoring import (
    DIFFICULTY_OFFSET,
    DISAGREEMENT,
    LLM_LIFT_MARGIN,
    OFFSET_CRITERIA,
    Criterion,
    clamp_score,
)
from graph.session import Session
from graph.state import GRADED_INTENTS, AnswerEvaluation, GradeJudgement, State, Turn, answers_for
from graph.store import save_evaluation
from graph.usage import AgentLedger, save_ledger
from prompts import render_prompt
from rubric.analysis import analyse_answer
from rubric.injection import rubric_cannot_read
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
            red_flags=analysis.red_flags,
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
        messages = self._messages(item)
        asking = await ask_first(
            self.model,
            lambda model: ask_structured(model, messages, GradeJudgement, self.ledger),
        )
        # The rubric grades while the model thinks.
        baseline = await self.rubric.grade(item)
        judgement = await asking
        if judgement is None:
            return baseline.model_copy(update={"signals": [*baseline.signals, "fallback"]})
        return self._merge(item, judgement, baseline)

    def _merge(
        self, item: GradingInput, judgement: GradeJudgement, baseline: AnswerEvaluation
    ) -> AnswerEvaluation:
        scores = {}
        offset = DIFFICULTY_OFFSET[item.question.difficulty]
        for criterion in item.question.criteria:
            value = getattr(judgement, criterion)
            if value is None:
                scores[criterion] = baseline.scores[criterion]
                continue
            shift = offset if criterion in OFFSET_CRITERIA else 0.0
            scores[criterion] = clamp_score(value + shift)
        signals = list(baseline.signals)
        if judgement.intent not in GRADED_INTENTS:
            signals.append("intent_disagreement")
        gaps = {c: abs(scores[c] - baseline.scores[c]) for c in scores}
        if any(gap > DISAGREEMENT for gap in gaps.values()):
            signals.append("disagreement")
        if rubric_cannot_read(" ".join(item.answers)):
            signals.append("unverifiable")
        scores, held = self._hold_rises(scores, baseline, signals)
        if held:
            signals.append("injection_capped" if "injection" in signals else "held_for_review")
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
                + f" [rubric cross-check: {baseline.scores}]"
                + (f" [held for review, the model's scores: {held}]" if held else ""),
                "brain": "llm",
            }
        )

    @staticmethod
    def _hold_rises(
        scores: dict[Criterion, float], baseline: AnswerEvaluation, signals: list[str]
    ) -> tuple[dict[Criterion, float], dict[Criterion, float]]:
        """The scores to keep, and the model's scores that rose too far (the rubric's stand).

        After an injection signal, or on an answer the rubric cannot read (another script),
        any rise is held; otherwise a rise over the margin.
        """
        margin = 0.0 if {"injection", "unverifiable"} & set(signals) else LLM_LIFT_MARGIN
        held = {c: s for c, s in scores.items() if s - baseline.scores[c] > margin + 1e-9}
        return {c: baseline.scores[c] if c in held else s for c, s in scores.items()}, held


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
    await save_evaluation(session.store, session.thread_id, evaluation, turn)
    await save_ledger(session.store, session.thread_id, ledger)
    return {}


__all__ = ["GraderBrain", "LLMGrader", "RubricGrader", "grader", "grader_brain", "model_for"]
