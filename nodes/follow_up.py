"""The follow-up agent: does the last answer need a probe, or a hint, and which one?

A thin answer (it missed a good share of the rubric's key points) gets a probe aimed at a
missed point, at most `max_follow_ups` per question. Complete, empty and off-topic answers and
honest "I don't know"s move on: probing those wastes the candidate's time.

A stuck candidate ("I don't know", an empty or a vague answer) who is interviewed at junior
level or practising gets a hint instead, once per question, and one more try; the hint does
not use the follow-up budget, and what they say next is graded as an answer to a probe. The
hint comes from the role pack (the question's `hint`, else its first probe's), never from a
model, so it costs no model call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime

from graph.config import Context
from graph.conversation import STUCK_SIGNALS, deserves_hint, hint_given
from graph.llm import (
    agent_model,
    ask_structured,
    candidate_text,
    schema_text,
)
from graph.session import Session
from graph.state import FollowUpDecision, Probe, State, answers_for, intent_of
from graph.usage import AgentLedger, save_ledger
from prompts import render_prompt
from rubric.analysis import analyse_answer
from rubric.role_pack import Question, TopicBank

# An answer covering less than this share of its rubric is thin enough to probe.
THIN_COVERAGE = 0.4
NO_PROBE_SIGNALS = frozenset({"empty", "dont_know", "off_topic"})


@dataclass(frozen=True)
class FollowUpInput:
    """The question, its answers so far and the probes already asked."""

    question: Question
    bank: TopicBank
    answers: list[str]
    probes_asked: list[str]
    follow_ups_left: int
    closing: bool
    persona: str = ""
    # A stuck candidate may get a hint (junior level or practice, none given yet, no skip).
    hint_allowed: bool = False


def stuck_hint(question: Question, bank: TopicBank) -> str:
    """The nudge for a stuck candidate: where to look, not what to say."""
    if question.hint:
        return question.hint
    for probe in question.probes:
        if probe.hint:
            return probe.hint
    return f"Think about where {bank.title[:1].lower() + bank.title[1:]} shows up in a project."


def hint_decision(item: FollowUpInput) -> FollowUpDecision | None:
    """A hint for a stuck candidate, when they may have one; else None."""
    if item.closing or not item.hint_allowed:
        return None
    analysis = analyse_answer(item.question, item.bank, item.answers)
    stuck = STUCK_SIGNALS & set(analysis.signals)
    if not stuck:
        return None
    return FollowUpDecision(
        needs_follow_up=True,
        kind="hint",
        probe=stuck_hint(item.question, item.bank),
        reason=f"stuck ({', '.join(sorted(stuck))}): a hint and one more try",
    )


class FollowUpBrain(Protocol):
    """Decides whether to probe the last answer."""

    async def decide(self, item: FollowUpInput) -> FollowUpDecision:
        """The decision, with the probe when there is one."""
        ...


class RubricFollowUp:
    """Probes the first missed key point that has a rubric probe not yet asked."""

    async def decide(self, item: FollowUpInput) -> FollowUpDecision:
        if (hint := hint_decision(item)) is not None:
            return hint
        if item.closing or item.follow_ups_left <= 0:
            return FollowUpDecision(needs_follow_up=False, reason="no follow-ups left")
        analysis = analyse_answer(item.question, item.bank, item.answers)
        if NO_PROBE_SIGNALS & set(analysis.signals):
            return FollowUpDecision(
                needs_follow_up=False, reason=f"answer was {', '.join(analysis.signals)}"
            )
        # Thin on either count: the rubric's weighted coverage, or the plain share of key points
        # shown (three senior points of eight still leaves five basics unsaid).
        shown = sum(not kp.prompted for kp in analysis.found) / len(item.question.key_points)
        if min(analysis.coverage, shown) >= THIN_COVERAGE:
            return FollowUpDecision(
                needs_follow_up=False,
                reason=f"coverage {analysis.coverage:.2f}, {shown:.0%} of key points: complete",
            )
        missed = {kp.id for kp in analysis.missed}
        for probe in item.question.probes:
            if probe.text in item.probes_asked or not set(probe.targets) & missed:
                continue
            return FollowUpDecision(
                needs_follow_up=True,
                probe=probe.text,
                targets=[t for t in probe.targets if t in missed],
                hint=probe.hint,
                reason=f"coverage {analysis.coverage:.2f}; missed {', '.join(sorted(missed))}",
            )
        return FollowUpDecision(needs_follow_up=False, reason="no unasked probe fits")


class LLMFollowUp:
    """A chat model decides and words the probe; the rubric decides when the model fails."""

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model.with_config(tags=[TAG_NOSTREAM])
        self.ledger = ledger
        self.rubric = RubricFollowUp()

    async def decide(self, item: FollowUpInput) -> FollowUpDecision:
        if (hint := hint_decision(item)) is not None:
            return hint
        # No call when no probe could be asked: it saves a model call and its latency.
        if item.closing or item.follow_ups_left <= 0:
            return FollowUpDecision(needs_follow_up=False, reason="no follow-ups left")
        prompt = render_prompt(
            "follow_up",
            persona=item.persona,
            topic=item.bank.title,
            question=item.question.text,
            key_points=item.question.key_points_text(),
            probes=item.question.probes_text(),
            asked="; ".join(item.probes_asked) or "none",
            left=item.follow_ups_left,
            answer=candidate_text("\n\n".join(item.answers)),
            schema=schema_text(FollowUpDecision),
        )
        decision = await ask_structured(
            self.model,
            [SystemMessage(prompt), HumanMessage("Decide now.")],
            FollowUpDecision,
            self.ledger,
        )
        if decision is None:
            return await self.rubric.decide(item)
        probe = (decision.probe or "").strip()
        if not decision.needs_follow_up or not probe or probe in item.probes_asked:
            return FollowUpDecision(needs_follow_up=False, reason=decision.reason)
        return decision.model_copy(update={"probe": probe[:600]})


def follow_up_brain(context: Context, ledger: AgentLedger) -> FollowUpBrain:
    """The follow-up brain for the configured model."""
    model = agent_model(context, "follow_up")
    return RubricFollowUp() if model is None else LLMFollowUp(model, ledger)


async def follow_up(state: State, runtime: Runtime[Context]) -> dict:
    """Decide on a probe (or a hint) for the latest answer; it goes to state for the
    interviewer."""
    session = Session.from_runtime(runtime)
    turn = state["turns"][-1]
    question = session.pack.question(turn["question_id"])
    turns = state["turns"]
    hint_allowed = (
        intent_of(turn) != "skip"
        and deserves_hint(state.get("mode", "hiring"), question.difficulty)
        and not hint_given(state, question.id)
    )
    ledger = AgentLedger("follow_up")
    decision = await follow_up_brain(session.context, ledger).decide(
        FollowUpInput(
            question=question,
            bank=session.pack.topic_of(question.id),
            answers=answers_for(turns, question.id),
            probes_asked=[
                t["question"]
                for t in turns
                if t["question_id"] == question.id and t["kind"] == "follow_up"
            ],
            follow_ups_left=session.context.max_follow_ups - state.get("follow_ups", 0),
            closing=turn["phase"] == "wrap_up",
            persona=session.persona(),
            hint_allowed=hint_allowed,
        )
    )
    await save_ledger(session.store, session.thread_id, ledger)
    probe: Probe | None = None
    if decision.needs_follow_up and decision.probe:
        # Only what Sophia will say goes to state: the rubric's key point ids stay private.
        probe = {"text": decision.probe, "kind": decision.kind}
        if decision.hint:
            probe["hint"] = decision.hint
    return {"probe": probe}
