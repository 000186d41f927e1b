"""The interviewer agent: says Sophia's next line (acknowledge, transition, ask).

The phase nodes decide *what* to ask; this agent decides *how to say it*. When the follow_up
agent left a probe, the interviewer asks the probe instead of a new question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from graph.config import Context
from graph.llm import agent_model, candidate_text
from graph.scoring import Level
from graph.session import Session
from graph.state import (
    AnswerEvaluation,
    AskedQuestion,
    CandidateProfile,
    State,
    Turn,
    recent_summary,
)
from graph.usage import AgentLedger, save_ledger
from prompts import render_prompt
from rubric.phrasing import line
from rubric.role_pack import RolePack
from tools.profile import lookup_candidate_profile

# Tool rounds the interviewer may take before it must speak (each round is a model call).
MAX_TOOL_ROUNDS = 2
# Sophia's words reach the candidate, so her tools can reveal nothing of the assessment (no
# scores, levels or evaluations) and read only this interview's candidate (bound by the node).
INTERVIEWER_TOOLS = (lookup_candidate_profile,)


@dataclass(frozen=True)
class InterviewerInput:
    """What the interviewer needs to phrase its next line."""

    pack: RolePack
    profile: CandidateProfile
    current: AskedQuestion
    previous: Turn | None
    previous_evaluation: AnswerEvaluation | None
    level: Level
    summary: str = ""
    persona: str = ""
    store: BaseStore | None = None


class InterviewerBrain(Protocol):
    """Writes Sophia's next message."""

    async def compose(self, turn: InterviewerInput) -> AIMessage:
        """The message Sophia says next."""
        ...


def first_name(profile: CandidateProfile) -> str:
    """How Sophia addresses the candidate."""
    return (profile.get("name") or "there").split()[0]


class RubricInterviewer:
    """Templated lines (`prompts/rubric/phrasing.yaml`), chosen by how the last answer went."""

    async def compose(self, turn: InterviewerInput) -> AIMessage:
        return AIMessage(content=self.text(turn), name="Sophia")

    def text(self, turn: InterviewerInput) -> str:
        """The templated line."""
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


class LLMInterviewer:
    """A chat model speaks as Sophia (streamed token by token); the templates if it fails.

    It may look up the candidate's profile through a tool (never the assessment); the prompt
    already carries what a normal turn needs, so most turns are a single call.
    """

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model
        self.ledger = ledger
        self.rubric = RubricInterviewer()
        try:
            self.with_tools = model.bind_tools(list(INTERVIEWER_TOOLS))
        except NotImplementedError:  # models without tool calling still interview
            self.with_tools = model

    def _prompt(self, turn: InterviewerInput) -> list[BaseMessage]:
        current = turn.current
        previous = turn.previous
        if previous is None:
            transition = (
                f"This is the start: greet {first_name(turn.profile)} warmly, introduce "
                "yourself, explain the interview's structure (background, foundations, problem "
                "solving, system design, teamwork, their questions) and that thinking aloud "
                "and saying 'I don't know' are fine."
            )
        elif current["kind"] != "follow_up" and current["phase"] != previous["phase"]:
            transition = f"Make a natural transition to the next part: {current['phase']}."
        else:
            transition = "Stay in the current part of the interview."
        hint = ""
        if current["kind"] == "follow_up" and turn.level == "junior" and current.get("hint"):
            hint = f"   After the question, offer this hint: {current['hint']}\n"
        prompt = render_prompt(
            "interviewer",
            persona=turn.persona,
            transition=transition,
            kind="follow-up question" if current["kind"] == "follow_up" else "question",
            question=current["text"],
            hint=hint,
            phase=current["phase"],
            name=turn.profile.get("name", "the candidate"),
            years=turn.profile.get("years_experience", "?"),
            summary=turn.summary or "(start of the interview)",
            previous_question=previous["question"] if previous else "(none yet)",
            previous_answer=candidate_text(previous["answer"], 2000) if previous else "",
        )
        return [SystemMessage(prompt), HumanMessage("Say your next line to the candidate.")]

    async def compose(self, turn: InterviewerInput) -> AIMessage:
        messages = self._prompt(turn)
        try:
            for _ in range(MAX_TOOL_ROUNDS):
                reply = await self.with_tools.ainvoke(messages)
                self.ledger.record([reply])
                if not reply.tool_calls:
                    break
                messages += [reply, *[await self._run_tool(c, turn) for c in reply.tool_calls]]
            else:
                reply = await self.model.ainvoke(messages)
                self.ledger.record([reply])
            text = str(reply.content).strip()
            if not text:
                raise ValueError("empty reply")
        except Exception as exc:  # a model fault must never stop the interview
            self.ledger.fell_back(f"{type(exc).__name__}: {exc}")
            return await self.rubric.compose(turn)
        return AIMessage(content=text, name="Sophia", id=reply.id)

    @staticmethod
    async def _run_tool(call: dict, turn: InterviewerInput) -> ToolMessage:
        tools = {t.name: t for t in INTERVIEWER_TOOLS}
        tool = tools.get(call["name"])
        if tool is None or turn.store is None:
            return ToolMessage(f"unknown tool {call['name']}", tool_call_id=call["id"])
        # The model's arguments are ignored: the only tool reads this interview's candidate,
        # whatever id an answer talked the model into asking for.
        args = {"candidate_id": turn.profile["id"], "store": turn.store}
        result = await tool.ainvoke(args)
        return ToolMessage(str(result), tool_call_id=call["id"])


def interviewer_brain(context: Context, ledger: AgentLedger) -> InterviewerBrain:
    """The interviewer brain for the configured model."""
    model = agent_model(context, "interviewer")
    return RubricInterviewer() if model is None else LLMInterviewer(model, ledger)


async def interviewer(state: State, runtime: Runtime[Context]) -> dict:
    """Say the next line: a pending probe, or the question the phase node chose."""
    session = Session.from_runtime(runtime)
    current = dict(state["current"])
    update: dict = {}
    if probe := state.get("probe"):
        current.update(kind="follow_up", text=probe["text"])
        current.pop("hint", None)
        if probe.get("hint"):
            current["hint"] = probe["hint"]
        update = {"probe": None, "follow_ups": state.get("follow_ups", 0) + 1}
    turns = state.get("turns", [])
    previous = turns[-1] if turns else None
    assessment = await session.assessment(state)
    ledger = AgentLedger("interviewer")
    message = await interviewer_brain(session.context, ledger).compose(
        InterviewerInput(
            pack=session.pack,
            profile=state["profile"],
            current=current,  # type: ignore[arg-type]
            previous=previous,
            previous_evaluation=await session.evaluation_of(previous) if previous else None,
            level=assessment.level,
            summary=recent_summary(turns),
            persona=session.persona(),
            store=session.store,
        )
    )
    await save_ledger(session.store, session.thread_id, ledger)
    return {**update, "current": current, "messages": [message]}
