"""The acknowledge node: Sophia's first words after an answer, said while it is assessed.

It runs beside grader, difficulty and follow_up on every graded answer, so the candidate hears
her at once instead of after the assessment round. It reads the answer and nothing of the
assessment (no evaluation or level exists yet for this answer): the same neutral line for a
strong and a weak answer, in both modes. Hiring mode stays at that; in practice mode the
feedback comes after it, once the grade is known. The interviewer (or, after the wrap-up's
closing answer, the report) then continues the same message (`graph/voice.py`).

- Rubric brain: a word of the topic's vocabulary the candidate used, or thanks
  (`rubric/acknowledge.py`), never a line said before.
- LLM brain: one short model call on the interviewer's model, streamed as it comes; the
  rubric's line when it fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graph.config import Context
from graph.llm import agent_model, candidate_text
from graph.session import Session
from graph.state import CandidateProfile, State, Turn, intent_of, recent_summary
from graph.usage import AgentLedger, save_ledger
from graph.voice import Voice, say_reply, sophias_words
from prompts import render_prompt
from rubric.acknowledge import acknowledgement
from rubric.phrasing import Phrasebook
from rubric.role_pack import RolePack

# The agent whose model speaks the acknowledgement: it is Sophia's voice, like the interviewer.
VOICE_AGENT = "interviewer"
# What the acknowledgement is counted as in the report's `usage`.
LEDGER = "acknowledge"


@dataclass(frozen=True)
class AcknowledgementInput:
    """The answer to acknowledge, and what Sophia has already said (no line twice)."""

    pack: RolePack
    profile: CandidateProfile
    answer: Turn
    seed: str = "default"
    said: tuple[str, ...] = ()
    spoken: tuple[str, ...] = ()
    persona: str = ""
    summary: str = ""


@dataclass
class Acknowledged:
    """The phrasing lines used (rubric brain): the acknowledgement itself went to the voice."""

    said: list[str] = field(default_factory=list)


class AcknowledgerBrain(Protocol):
    """Says Sophia's first words about an answer, from the answer alone."""

    async def acknowledge(self, item: AcknowledgementInput, voice: Voice) -> Acknowledged:
        """Say the acknowledgement through `voice` (possibly nothing)."""
        ...


class RubricAcknowledger:
    """A templated line (`prompts/rubric/phrasing.yaml`: `acknowledge.*`)."""

    async def acknowledge(self, item: AcknowledgementInput, voice: Voice) -> Acknowledged:
        book = Phrasebook(item.seed, item.said, item.spoken)
        answer = item.answer
        line = acknowledgement(
            answer["answer"],
            intent_of(answer) == "skip",
            item.pack.topic_of(answer["question_id"]),
            item.pack.question(answer["question_id"]),
            book,
        )
        voice.say(line or "")
        return Acknowledged(book.used)


class LLMAcknowledger:
    """The interviewer's model says one neutral sentence; the rubric's line if it fails."""

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model
        self.ledger = ledger
        self.rubric = RubricAcknowledger()

    def _prompt(self, item: AcknowledgementInput) -> list:
        answer = item.answer
        prompt = render_prompt(
            "interviewer",
            persona=item.persona,
            task=render_prompt("interviewer_acknowledge"),
            phase=answer["phase"],
            name=candidate_text(item.profile.get("name", "the candidate"), 200),
            years=item.profile.get("years_experience", "?"),
            summary=candidate_text(item.summary or "(start of the interview)", 2000),
            previous_question=answer["question"],
            previous_answer=candidate_text(answer["answer"], 2000),
        )
        return [SystemMessage(prompt), HumanMessage("Acknowledge the candidate's answer now.")]

    async def acknowledge(self, item: AcknowledgementInput, voice: Voice) -> Acknowledged:
        try:
            reply = await say_reply(self.model, self._prompt(item), voice)
            self.ledger.record([reply])
            if not reply.text.strip():
                raise ValueError("empty reply")
        except Exception as exc:  # a model fault must never stop the interview
            self.ledger.fell_back(f"{type(exc).__name__}: {exc}")
            if voice.said:  # words already streamed stay said
                return Acknowledged()
            return await self.rubric.acknowledge(item, voice)
        return Acknowledged()


def acknowledger_brain(context: Context, ledger: AgentLedger) -> AcknowledgerBrain:
    """The acknowledger for the configured model (the interviewer's)."""
    model = agent_model(context, VOICE_AGENT)
    return RubricAcknowledger() if model is None else LLMAcknowledger(model, ledger)


async def acknowledge(state: State, runtime: Runtime[Context]) -> dict:
    """Say a neutral line about the latest answer, as the start of Sophia's turn."""
    session = Session.from_runtime(runtime)
    turns = state["turns"]
    voice = Voice()
    ledger = AgentLedger(LEDGER)
    acknowledged = await acknowledger_brain(session.context, ledger).acknowledge(
        AcknowledgementInput(
            pack=session.pack,
            profile=state["profile"],
            answer=turns[-1],
            seed=session.thread_id,
            said=tuple(state.get("said", [])),
            spoken=sophias_words(state.get("messages", [])),
            persona=session.persona(),
            summary=recent_summary(turns[:-1]),
        ),
        voice,
    )
    await save_ledger(session.store, session.thread_id, ledger)
    update: dict = {"said": acknowledged.said} if acknowledged.said else {}
    if voice.said:
        update["messages"] = [voice.message()]
    return update
