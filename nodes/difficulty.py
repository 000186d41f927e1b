"""The difficulty agent: the candidate's level, and how hard the next question should be.

The level is an ability estimate on a junior(0)-mid(1)-senior(2) axis: a prior from experience
(or the start_level setting) averaged with what each technical answer implies. A strong answer
to a question implies a level above the question's; a weak one, below. The estimate is kept in
the Store: the candidate does not see it.
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
    schema_text,
)
from graph.scoring import LEVEL_VALUE, SENIOR_YEARS, level_for_ability
from graph.session import Session
from graph.state import LevelAssessment, LevelJudgement, State, answers_for
from graph.store import save_level
from graph.usage import AgentLedger, save_ledger
from prompts import render_prompt
from rubric.analysis import analyse_answer
from rubric.role_pack import Question, TopicBank

# How much the prior counts, in answers' worth of evidence: a CV is real evidence, about a
# third of what a dozen technical answers say.
PRIOR_WEIGHT = 5.0
# A CV is the candidate's own claim. Each technical answer that overclaims ("it scales
# infinitely", "no downside": the rubric's `overclaim` signal) shows claims running ahead of
# knowledge, and takes one answer's worth off the prior's weight, down to this floor.
PRIOR_WEIGHT_FLOOR = 2.0
# Quality (1-5) at which an answer implies exactly the question's level, and how far one point
# of quality moves the implied level. (3.5 before the rubric read claims and substance; its
# mid answers now run about 0.15 higher, and levels on the candidate sets drifted up.)
LEVEL_QUALITY = 3.65
LEVEL_PER_QUALITY_POINT = 0.8
# Implied levels may overshoot the axis a little, so one strong answer can outweigh a weak one.
IMPLIED_RANGE = (-0.5, 2.5)


@dataclass(frozen=True)
class LevelInput:
    """The latest answers to a question and the assessment so far."""

    question: Question
    bank: TopicBank
    answers: list[str]
    previous: LevelAssessment
    years: float = 3.0
    persona: str = ""


class DifficultyBrain(Protocol):
    """Updates the level assessment from an answer."""

    async def assess(self, item: LevelInput) -> LevelAssessment:
        """The new assessment."""
        ...


def implied_ability(difficulty_value: float, quality: float) -> float:
    """The ability an answer of `quality` (1-5) to a question of that difficulty implies."""
    implied = difficulty_value + (quality - LEVEL_QUALITY) * LEVEL_PER_QUALITY_POINT
    return max(IMPLIED_RANGE[0], min(IMPLIED_RANGE[1], implied))


def prior_weight(overclaiming_answers: int) -> float:
    """How many answers' worth the experience prior counts after that many technical answers
    overclaimed (PRIOR_WEIGHT, one less for each, not below PRIOR_WEIGHT_FLOOR)."""
    return max(PRIOR_WEIGHT_FLOOR, PRIOR_WEIGHT - overclaiming_answers)


class RubricDifficulty:
    """Averages the prior with the ability each technical answer implies."""

    async def assess(self, item: LevelInput) -> LevelAssessment:
        observations = dict(item.previous.observations)
        overclaimed = list(item.previous.overclaimed)
        evidence = list(item.previous.evidence)
        # Only technical answers: soft-skill answers read as STAR stories at every level, so
        # (measured on the candidate sets) they blurred the level more than they told it.
        if "technical_knowledge" in item.question.criteria:
            analysis = analyse_answer(item.question, item.bank, item.answers)
            implied = implied_ability(LEVEL_VALUE[item.question.difficulty], analysis.quality)
            observations[item.question.id] = round(implied, 3)
            evidence.append(
                f"{item.question.id}: quality {analysis.quality:.1f} on a "
                f"{item.question.difficulty} question implies {implied:.2f}"
            )
            if "overclaim" in analysis.signals and item.question.id not in overclaimed:
                overclaimed.append(item.question.id)
                evidence.append(f"{item.question.id}: overclaims; the CV counts for less")
        prior = item.previous.prior
        weight = prior_weight(len(overclaimed))
        ability = (weight * prior + sum(observations.values())) / (weight + len(observations))
        level = level_for_ability(ability)
        return LevelAssessment(
            level=level,
            ability=round(ability, 3),
            prior=prior,
            next_difficulty=level,
            observations=observations,
            overclaimed=overclaimed,
            evidence=evidence[-20:],
        )


class LLMDifficulty:
    """A chat model judges the level; the rubric's ability estimate is kept beside it."""

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model.with_config(tags=[TAG_NOSTREAM])
        self.ledger = ledger
        self.rubric = RubricDifficulty()

    async def assess(self, item: LevelInput) -> LevelAssessment:
        prompt = render_prompt(
            "difficulty",
            persona=item.persona,
            years=item.years,
            current_level=item.previous.level,
            history="; ".join(item.previous.evidence[-6:]) or "none yet",
            difficulty=item.question.difficulty,
            topic=item.bank.title,
            question=item.question.text,
            key_points=item.question.key_points_text(),
            answer=candidate_text("\n\n".join(item.answers)),
            schema=schema_text(LevelJudgement),
        )
        messages = [SystemMessage(prompt), HumanMessage("Assess the level now.")]
        asking = await ask_first(
            self.model,
            lambda model: ask_structured(model, messages, LevelJudgement, self.ledger),
        )
        # The rubric's estimate is worked out while the model thinks.
        baseline = await self.rubric.assess(item)
        judgement = await asking
        if judgement is None:
            return baseline
        return baseline.model_copy(
            update={
                "level": judgement.level,
                "next_difficulty": judgement.next_difficulty,
                "evidence": [*baseline.evidence, f"model: {judgement.evidence[:300]}"][-20:],
            }
        )


def cap_by_experience(assessment: LevelAssessment, years: float) -> LevelAssessment:
    """The reported level, capped by the role spec's definition of senior (5+ years).

    Strong answers still raise the next question's difficulty; they do not make a candidate
    with fewer years a senior. (With `start_level` set by hand there is no cap.)
    """
    if assessment.level != "senior" or years >= SENIOR_YEARS:
        return assessment
    return assessment.model_copy(
        update={
            "level": "mid",
            "evidence": [
                *assessment.evidence,
                f"Answers at senior level, reported as mid: {years:g} years, senior needs "
                f"{SENIOR_YEARS:g}.",
            ][-20:],
        }
    )


def difficulty_brain(context: Context, ledger: AgentLedger) -> DifficultyBrain:
    """The difficulty brain for the configured model."""
    model = agent_model(context, "difficulty")
    return RubricDifficulty() if model is None else LLMDifficulty(model, ledger)


async def difficulty(state: State, runtime: Runtime[Context]) -> dict:
    """Update the level estimate from the latest answer (kept in the Store)."""
    session = Session.from_runtime(runtime)
    turn = state["turns"][-1]
    question = session.pack.question(turn["question_id"])
    ledger = AgentLedger("difficulty")
    years = float(state.get("profile", {}).get("years_experience", 3.0))
    assessment = await difficulty_brain(session.context, ledger).assess(
        LevelInput(
            question=question,
            bank=session.pack.topic_of(question.id),
            answers=answers_for(state["turns"], question.id),
            previous=await session.assessment(state, before_turn=turn["turn"]),
            years=years,
            persona=session.persona(),
        )
    )
    if session.context.start_level == "auto":
        assessment = cap_by_experience(assessment, years)
    await save_level(session.store, session.thread_id, assessment, turn)
    await save_ledger(session.store, session.thread_id, ledger)
    return {}
