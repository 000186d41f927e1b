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
from functools import cache
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime
from pydantic import Field, create_model

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
    DISAGREEMENT,
    LLM_LIFT_MARGIN,
    Criterion,
    clamp_score,
    difficulty_adjusted,
)
from graph.session import Session
from graph.state import (
    GRADED_INTENTS,
    AnswerEvaluation,
    GradeJudgement,
    KeyPointEvidence,
    State,
    Turn,
    answers_for,
)
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
            quality=analysis.quality,
            misconceptions=analysis.red_flags,
        )


@cache
def judgement_schema(criteria: tuple[str, ...]) -> type[GradeJudgement]:
    """`GradeJudgement` with the question's own criteria required.

    Servers that constrain output to the schema (llama.cpp, vLLM, OpenAI's structured outputs)
    then make the model score them: with every score optional, a small model replied with
    only an anchor and a rationale to all 65 answers of a run, and each fell back to the rubric.
    """
    required = {c: (float, Field(ge=1, le=5)) for c in criteria}
    return create_model(f"GradeJudgement_{'_'.join(criteria)}", __base__=GradeJudgement, **required)


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
            misconceptions="\n".join(
                f"- {flag.label}" for flag in [*item.question.red_flags, *item.bank.red_flags]
            )
            or "(none listed)",
            criteria=", ".join(item.question.criteria),
            answer=candidate_text(answers),
            schema=schema_text(judgement_schema(tuple(item.question.criteria))),
        )
        return [SystemMessage(prompt), HumanMessage("Grade the answer now.")]

    async def grade(self, item: GradingInput) -> AnswerEvaluation:
        messages = self._messages(item)
        asking = await ask_first(
            self.model,
            lambda model: ask_structured(
                model, messages, judgement_schema(tuple(item.question.criteria)), self.ledger
            ),
        )
        # The rubric grades while the model thinks.
        baseline = await self.rubric.grade(item)
        unreadable = rubric_cannot_read(" ".join(item.answers))
        judgement = await asking
        # A reply that scores none of the question's criteria graded nothing (small models
        # send back the schema's shape with nulls): the rubric's verdict stands, flagged.
        if judgement is None or all(getattr(judgement, c) is None for c in item.question.criteria):
            return baseline.model_copy(update={"signals": [*baseline.signals, "fallback"]})
        return self._merge(item, judgement, baseline, unreadable)

    def _merge(
        self,
        item: GradingInput,
        judgement: GradeJudgement,
        baseline: AnswerEvaluation,
        unreadable: bool,
    ) -> AnswerEvaluation:
        # The model grades on the question's own anchors; the difficulty offset is applied here,
        # as the rubric brain does, so both brains' scores meet the same bars.
        anchored = {
            c: clamp_score(v)
            for c in item.question.criteria
            if (v := getattr(judgement, c)) is not None
        }
        adjusted = difficulty_adjusted(anchored, item.question.difficulty)
        scores = {c: adjusted.get(c, baseline.scores[c]) for c in item.question.criteria}
        primary = item.question.criteria[0]
        quality = anchored.get(primary, baseline.quality)
        signals = list(baseline.signals)
        if judgement.intent not in GRADED_INTENTS:
            signals.append("intent_disagreement")
        misconceptions = [m.strip()[:200] for m in judgement.misconceptions if m.strip()]
        if misconceptions and "red_flag" not in signals:
            signals.append("red_flag")
        gaps = {c: abs(scores[c] - baseline.scores[c]) for c in scores}
        if any(gap > DISAGREEMENT for gap in gaps.values()):
            signals.append("disagreement")
        if unreadable:  # much of it in a script the rubric cannot read
            signals.append("unverifiable")
        scores, held = self._hold_rises(scores, baseline, signals)
        if held:
            signals.append("injection_capped" if "injection" in signals else "held_for_review")
            if primary in held:  # the anchor-scale figure follows the score that stands
                quality = baseline.quality
        found, missed = self._evidence(item, judgement, baseline)
        return baseline.model_copy(
            update={
                "scores": scores,
                "quality": quality,
                "anchor": judgement.anchor,
                "found": found,
                "missed": missed,
                "signals": signals,
                "misconceptions": misconceptions,
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

    @staticmethod
    def _evidence(
        item: GradingInput, judgement: GradeJudgement, baseline: AnswerEvaluation
    ) -> tuple[list[KeyPointEvidence], list[KeyPointEvidence]]:
        """The key points the model credits, each with the candidate's own sentence.

        A quote the model wrote is kept only when the answer contains it word for word (models
        paraphrase); otherwise the rubric's quote for that point, if it found one, stands in.
        """
        rubric_quotes = {kp.id: kp.quote for kp in baseline.found}
        key_points = {kp.id: kp for kp in [*baseline.found, *baseline.missed]}
        said = " ".join(" ".join(a.split()) for a in item.answers)
        found: list[KeyPointEvidence] = []
        for k in dict.fromkeys(judgement.found):
            if k not in key_points:
                continue
            quote = " ".join(judgement.quotes.get(k, "").split())
            if not quote or quote not in said:
                quote = rubric_quotes.get(k) or ""
            found.append(key_points[k].model_copy(update={"quote": quote or None}))
        credited = {kp.id for kp in found}
        missed = [
            kp.model_copy(update={"quote": None})
            for k, kp in key_points.items()
            if k not in credited
        ]
        return found, missed


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
