"""The LLM-simulated candidate: a chat model plays the persona of a test-candidate file.

The scripted candidate (`simulated_candidate.py`) answers with the file's text word for word;
this one answers in its own words, so an evaluation sees phrasings no file anticipated. It
stays anchored to the file: each turn the model gets the persona and the scripted answer for
the question as its notes (the same choice of answer the scripted candidate makes), and is told
to show no more knowledge than the notes do, so the expected level and band still apply.

It is built on `graph/llm.py`'s `chat_model()` factory rather than openevals' simulated user,
because that one has a single fixed system prompt: it cannot be handed the notes for the
question being asked, and a persona that must improvise 18 topics from one long prompt drifts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from evals.candidate import TestCandidate
from evals.simulated_candidate import NOT_SURE, ScriptedCandidate
from graph.llm import chat_model

PROMPT_PATH = Path(__file__).resolve().parent / "prompts" / "simulated_candidate.md"
# How many earlier question/answer pairs the model sees: enough to stay coherent within a
# topic and its probe, without a prompt that grows with the square of the interview.
MEMORY_TURNS = 4
# What the notes say when the file has nothing for a probe: the scripted candidate's answer.
NO_MORE_NOTES = "You have nothing to add beyond what you already said; say so briefly."


@cache
def persona_prompt() -> str:
    """The simulated candidate's prompt template (placeholders in braces)."""
    return PROMPT_PATH.read_text(encoding="utf-8")


class LLMCandidate:
    """Answers interview questions in character, with a chat model, from a candidate file."""

    def __init__(
        self, candidate: TestCandidate, model: BaseChatModel, memory_turns: int = MEMORY_TURNS
    ) -> None:
        self.candidate = candidate
        self.model = model
        self.memory_turns = memory_turns
        self.history: list[tuple[str, str]] = []
        self._scripted = ScriptedCandidate(candidate)

    def notes_for(self, payload: dict[str, Any]) -> str:
        """The file's answer to this question, which the model answers from."""
        scripted = self._scripted.answer(payload)
        if payload.get("kind") == "follow_up" and scripted == NOT_SURE:
            return NO_MORE_NOTES
        return scripted

    def messages_for(self, payload: dict[str, Any]) -> list[BaseMessage]:
        """The model's input: persona and notes, the last few exchanges, then the question."""
        c = self.candidate
        system = persona_prompt().format(
            name=c.name,
            pronouns=c.pronouns or "pronouns not given",
            years=f"{c.years_experience:g}",
            summary=c.summary or "not given",
            kind=(payload.get("kind") or "question").replace("_", "-"),
            topic=(payload.get("topic") or "general").replace("_", " "),
            notes=self.notes_for(payload),
        )
        messages: list[BaseMessage] = [SystemMessage(system)]
        # Roles are swapped: to the candidate model, Sophia is the human it talks to.
        for question, answer in self.history[-self.memory_turns :] if self.memory_turns else []:
            messages += [HumanMessage(question), AIMessage(answer)]
        messages.append(HumanMessage(payload.get("message") or ""))
        return messages

    async def answer(self, payload: dict[str, Any]) -> str:
        """The candidate's reply to an interrupt payload (`phase, topic, kind, message`)."""
        reply = await self.model.ainvoke(self.messages_for(payload))
        text = reply.text.strip() or NOT_SURE
        self.history.append((payload.get("message") or "", text))
        return text


def llm_candidate(candidate: TestCandidate, model: str, temperature: float = 0.7) -> LLMCandidate:
    """An LLM-simulated candidate on `model` (provider:model, as for Sophia's own brain)."""
    return LLMCandidate(candidate, chat_model(model, temperature))
