"""The interviewer agent: says Sophia's next line (acknowledge, transition, ask).

The phase nodes decide *what* to ask; this agent decides *how to say it*. When the follow_up
agent left a probe, the interviewer asks the probe instead of a new question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graph.config import Context
from graph.llm import require_rubric
from graph.scoring import Level
from graph.session import Session
from graph.state import AnswerEvaluation, AskedQuestion, CandidateProfile, State, Turn
from rubric.phrasing import line
from rubric.role_pack import RolePack


@dataclass(frozen=True)
class InterviewerInput:
    """What the interviewer needs to phrase its next line."""

    pack: RolePack
    profile: CandidateProfile
    current: AskedQuestion
    previous: Turn | None
    previous_evaluation: AnswerEvaluation | None
    level: Level


class InterviewerBrain(Protocol):
    """Writes Sophia's next message."""

    async def compose(self, turn: InterviewerInput) -> str:
        """The text Sophia says next."""
        ...


def first_name(profile: CandidateProfile) -> str:
    """How Sophia addresses the candidate."""
    return (profile.get("name") or "there").split()[0]


class RubricInterviewer:
    """Templated lines (`prompts/rubric/phrasing.yaml`), chosen by how the last answer went."""

    async def compose(self, turn: InterviewerInput) -> str:
        current = turn.current
        seed = f"{current['question_id']}:{turn.previous['turn'] if turn.previous else 0}"
        parts: list[str] = []
        if turn.previous is None:
            parts.append(
                line("greeting", seed, name=first_name(turn.profile), role=turn.pack.title)
            )
        else:
            parts.append(self._acknowledge(turn.pack, turn.previous_evaluation, seed))
            if current["kind"] != "follow_up" and current["phase"] != turn.previous["phase"]:
                parts.append(line(f"transition.{current['phase']}", seed))
        if current["kind"] == "follow_up":
            parts.append(f"{line('probe_lead', seed)} {current['text']}")
            if turn.level == "junior" and current.get("hint"):
                parts.append(f"{line('hint_lead', seed)} {current['hint']}")
        else:
            parts.append(current["text"])
        return " ".join(p.strip() for p in parts if p.strip())

    @staticmethod
    def _acknowledge(pack: RolePack, evaluation: AnswerEvaluation | None, seed: str) -> str:
        """A positive acknowledgement, calibrated so it never overpraises a weak answer."""
        if evaluation is None:
            return line("acknowledge.partial", seed)
        for signal in ("empty", "dont_know", "off_topic"):
            if signal in evaluation.signals:
                return line(f"acknowledge.{signal}", seed)
        topic = pack.topics[evaluation.topic].title
        topic = topic[:1].lower() + topic[1:] if not topic[:2].isupper() else topic
        if evaluation.anchor >= 5 or (evaluation.anchor >= 4 and len(evaluation.found) >= 4):
            return line("acknowledge.strong", seed, topic=topic)
        if evaluation.anchor >= 3 and evaluation.found:
            return line("acknowledge.good", seed, topic=topic)
        return line("acknowledge.partial", seed)


def interviewer_brain(context: Context) -> InterviewerBrain:
    """The interviewer brain for the configured model."""
    require_rubric(context.model)
    return RubricInterviewer()


async def interviewer(state: State, runtime: Runtime[Context]) -> dict:
    """Say the next line: a pending probe, or the question the phase node chose."""
    session = Session.from_runtime(runtime)
    current = dict(state["current"])
    update: dict = {}
    if probe := state.get("probe"):
        current.update(kind="follow_up", text=probe["text"], targets=probe["targets"])
        current.pop("hint", None)
        if probe.get("hint"):
            current["hint"] = probe["hint"]
        update = {"probe": None, "follow_ups": state.get("follow_ups", 0) + 1}
    turns = state.get("turns", [])
    previous = turns[-1] if turns else None
    assessment = await session.assessment(state)
    message = await interviewer_brain(session.context).compose(
        InterviewerInput(
            pack=session.pack,
            profile=state["profile"],
            current=current,  # type: ignore[arg-type]
            previous=previous,
            previous_evaluation=await session.evaluation_of(previous) if previous else None,
            level=assessment.level,
        )
    )
    return {**update, "current": current, "messages": [AIMessage(content=message, name="Sophia")]}
