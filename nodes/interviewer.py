"""The interviewer agent: says Sophia's next line.

The phase nodes decide *what* to ask; this agent decides *how to say it*. What it does depends
on the candidate's last message (`graph/conversation.py` understood it):
- an answer (or a skip): continue the message the acknowledge node started while the answer
  was assessed (`graph/voice.py`): in practice mode, when moving on from a question, short
  feedback from the evaluation; then a phase change, and the next question, the pending probe,
  or a stuck candidate's hint;
- a clarification request: clarify the open question without giving the answer away;
- a question to Sophia: reply from the role's FAQ, then "anything else?" at the wrap-up, or
  back to the open question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from graph.config import Context
from graph.conversation import (
    MAX_CLARIFICATIONS,
    MAX_QUESTIONS_PER_QUESTION,
    count_intent,
    questions_done,
    turns_on,
)
from graph.llm import agent_model, candidate_text
from graph.scoring import Level
from graph.session import Session
from graph.state import (
    AnswerEvaluation,
    AskedQuestion,
    CandidateProfile,
    Mode,
    QuestionKind,
    State,
    TranscriptEntry,
    Turn,
    intent_of,
    is_graded,
    recent_summary,
)
from graph.tool_loop import ask_with_tools
from graph.usage import AgentLedger, save_ledger
from graph.voice import Voice, say_reply, sophias_words
from prompts import render_prompt
from rubric.acknowledge import acknowledgement, practice_feedback, stated_flags
from rubric.clarify import clarification, defined_term
from rubric.faq import faq_reply, match_faq
from rubric.phrasing import Phrasebook
from rubric.role_pack import Question, RolePack, TopicBank
from tools.profile import lookup_candidate_profile

# Tool rounds the interviewer may take before it must speak (each round is a model call).
MAX_TOOL_ROUNDS = 2
# Sophia's words reach the candidate, so her tools can reveal nothing of the assessment (no
# scores, levels or evaluations) and read only this interview's candidate (bound by the node).
INTERVIEWER_TOOLS = (lookup_candidate_profile,)
# Sophia's kinds of line in the transcript: what she did, plus practice-mode feedback.
FEEDBACK = "feedback"


@dataclass(frozen=True)
class InterviewerInput:
    """What the interviewer needs to phrase its next line."""

    pack: RolePack
    profile: CandidateProfile
    # What Sophia does now (`kind`) and the question that is open.
    current: AskedQuestion
    # The candidate's last message.
    previous: Turn | None
    # Practice mode, moving on from a question: that question's latest evaluation.
    previous_evaluation: AnswerEvaluation | None
    level: Level
    summary: str = ""
    persona: str = ""
    store: BaseStore | None = None
    mode: Mode = "hiring"
    # The interview's phrasing seed (its thread id), the lines it has used, and what Sophia
    # has said so far: no line is said twice.
    seed: str = "default"
    said: tuple[str, ...] = ()
    spoken: tuple[str, ...] = ()
    # Clarification requests and questions to Sophia on the open question, this one included.
    clarifications: int = 0
    side_questions: int = 0
    # The wrap-up's questions reached their cap: reply, then the interview closes.
    questions_done: bool = False
    # What Sophia already said this turn (the acknowledge node's line), which she continues;
    # None when no acknowledge node ran (the interviewer then acknowledges the answer itself).
    opening: str | None = None

    @property
    def question(self) -> Question:
        """The open question's rubric entry."""
        return self.pack.question(self.current["question_id"])

    @property
    def bank(self) -> TopicBank:
        """The open question's topic."""
        return self.pack.topic_of(self.current["question_id"])


@dataclass
class SpokenTurn:
    """What Sophia says this turn: the whole message (the opening said before it included),
    her lines for the transcript in order (`(kind, text)`, without the opening; practice-mode
    feedback first), and the phrasing lines she used."""

    message: AIMessage
    lines: list[tuple[str, str]]
    said: list[str] = field(default_factory=list)


class InterviewerBrain(Protocol):
    """Writes Sophia's next message."""

    async def compose(self, turn: InterviewerInput, voice: Voice | None = None) -> SpokenTurn:
        """Say Sophia's next words through `voice` (a new message when None)."""
        ...


def first_name(profile: CandidateProfile) -> str:
    """How Sophia addresses the candidate."""
    return (profile.get("name") or "there").split()[0]


def spoken_turn(lines: list[tuple[str, str]], said: list[str], voice: Voice) -> SpokenTurn:
    """A turn from its lines: the voice says them all, in order, after what it has said."""
    for _, text in lines:
        voice.say(text)
    return SpokenTurn(voice.message(), lines, said)


class RubricInterviewer:
    """Templated lines (`prompts/rubric/phrasing.yaml`), none said twice in an interview."""

    async def compose(self, turn: InterviewerInput, voice: Voice | None = None) -> SpokenTurn:
        book = Phrasebook(turn.seed, turn.said, turn.spoken)
        kind = turn.current["kind"]
        if kind == "clarification":
            lines = [(kind, self._clarify(turn, book))]
        elif kind == "reply":
            lines = [(kind, self._reply(turn, book))]
        else:
            lines = self._ask(turn, book)
        return spoken_turn(lines, book.used, voice or Voice())

    def text(self, turn: InterviewerInput) -> str:
        """The whole templated message (for tests and fallbacks)."""
        book = Phrasebook(turn.seed, turn.said, turn.spoken)
        kind = turn.current["kind"]
        if kind == "clarification":
            return self._clarify(turn, book)
        if kind == "reply":
            return self._reply(turn, book)
        return " ".join(t for _, t in self._ask(turn, book))

    @staticmethod
    def _clarify(turn: InterviewerInput, book: Phrasebook) -> str:
        previous = turn.previous or {}
        said = clarification(
            previous.get("request"),
            previous.get("term"),
            turn.question,
            turn.bank,
            turn.current["text"],
            book,
        )
        if turn.clarifications >= MAX_CLARIFICATIONS:
            said = f"{said} {book.line('clarify.last')}"
        return said

    @staticmethod
    def _reply(turn: InterviewerInput, book: Phrasebook) -> str:
        asked = turn.previous["answer"] if turn.previous else ""
        parts = [faq_reply(turn.pack.faq, asked, book)]
        if turn.current["phase"] == "wrap_up":
            parts.append(
                book.line("reply.questions_done" if turn.questions_done else "reply.anything_else")
            )
        elif turn.side_questions >= MAX_QUESTIONS_PER_QUESTION:
            parts.append(book.line("reply.later"))
        else:
            parts.append(book.line("reply.back_to_question"))
        return " ".join(parts)

    def _ask(self, turn: InterviewerInput, book: Phrasebook) -> list[tuple[str, str]]:
        """Acknowledge (or give feedback), mark a phase change, then ask."""
        current, previous = turn.current, turn.previous
        lines: list[tuple[str, str]] = []
        parts: list[str | None] = []
        if previous is None:
            parts.append(
                book.line(
                    f"greeting.{turn.mode}", name=first_name(turn.profile), role=turn.pack.title
                )
            )
        else:
            if turn.previous_evaluation is not None:
                evaluation = turn.previous_evaluation
                question = turn.pack.question(evaluation.question_id)
                bank = turn.pack.topic_of(evaluation.question_id)
                lines.append((FEEDBACK, practice_feedback(evaluation, question, bank, book)))
            elif turn.opening is None:  # no acknowledge node ran: acknowledge here
                parts.append(self._acknowledge(turn, book))
            if current["kind"] in ("question", "closing") and current["phase"] != previous["phase"]:
                parts.append(book.line(f"transition.{current['phase']}"))
        parts += self._asking(turn, book)
        lines.append((current["kind"], " ".join(p.strip() for p in parts if p and p.strip())))
        return lines

    @staticmethod
    def _acknowledge(turn: InterviewerInput, book: Phrasebook) -> str | None:
        """A neutral line about the last answer, from its text alone."""
        previous = turn.previous
        if previous is None or not is_graded(previous):
            return None
        bank = turn.pack.topic_of(previous["question_id"])
        question = turn.pack.question(previous["question_id"])
        skipped = intent_of(previous) == "skip"
        return acknowledgement(previous["answer"], skipped, bank, question, book)

    @staticmethod
    def _asking(turn: InterviewerInput, book: Phrasebook) -> list[str | None]:
        """The question itself: a probe, a hint and another try, or the question."""
        current = turn.current
        if current["kind"] == "follow_up":
            book.note(current["text"])
            parts = [f"{book.line('probe_lead')} {current['text']}"]
            hint = current.get("hint")
            if turn.level == "junior" and hint and not book.repeats(hint):
                book.note(hint)
                parts.append(f"{book.line('hint_lead')} {hint}")
            return parts
        if current["kind"] == "hint":
            hint = current.get("hint", "")
            book.note(hint)
            return [book.line("hint.intro"), hint, book.line("hint.retry")]
        book.note(current["text"])
        return [current["text"]]


def _acknowledge_task(turn: InterviewerInput) -> str:
    """How the model opens an answer turn: neutral (hiring) or with feedback (practice)."""
    if turn.previous is None:
        name = first_name(turn.profile)
        practice = (
            " It is a practice interview: after each question they hear what worked and what "
            "was missing, and at the end they get a coaching report."
            if turn.mode == "practice"
            else ""
        )
        return (
            f"This is the start: greet {name} warmly, introduce yourself, explain the "
            "interview's structure (background, foundations, problem solving, system design, "
            "teamwork, their questions), and say that thinking aloud, asking you to clarify, "
            f"and saying 'I don't know' are all fine.{practice}"
        )
    evaluation = turn.previous_evaluation
    # The opening is a model's words about candidate text: no tag in it may open or close a
    # block of the prompt, and it stays one short line.
    said = (
        f'You have already said: "{candidate_text(turn.opening, 400)}" Continue straight on '
        "from it: do not acknowledge or thank them again. "
        if turn.opening
        else ""
    )
    if evaluation is None and turn.opening:
        return said.strip()
    if evaluation is None:
        return (
            "Acknowledge the previous answer in one short, neutral sentence that refers to "
            "something the candidate said (a point or a term they used), or simply thank them. "
            "Do not judge it: no praise, no 'great', 'good', 'exactly' or 'right', nothing that "
            "says whether it was correct; the same tone for a strong and a weak answer."
        )
    question = turn.pack.question(evaluation.question_id)
    bank = turn.pack.topic_of(evaluation.question_id)
    flags = stated_flags(evaluation, question, bank)
    corrections = "; ".join(f.correction or f"misconception: {f.label}" for f in flags) or "none"
    covered = "; ".join(kp.label for kp in evaluation.found) or "nothing yet"
    missing = "; ".join(kp.label for kp in evaluation.missed[:3]) or "nothing important"
    return said + (
        "This is a practice interview. Start with one or two sentences of feedback on the "
        f"candidate's answers to the previous question. Covered: {covered}. Missing: "
        f"{missing}. Misconceptions to correct, in one line: {corrections}. Say plainly what "
        "was good and what was missing; praise only what is covered, and do not praise an "
        "answer with a misconception. Then write a blank line, and continue."
    )


def llm_task(turn: InterviewerInput) -> str:
    """What the model is asked to do this turn (`prompts/interviewer_*.md`)."""
    current = turn.current
    kind = current["kind"]
    if kind == "clarification":
        previous = turn.previous or {}
        clarify = turn.question.clarify
        known = defined_term(turn.question, previous.get("term"))
        return render_prompt(
            "interviewer_clarify",
            request=previous.get("request") or "rephrase",
            term=previous.get("term") or "(none)",
            question=current["text"],
            rephrase=clarify.rephrase if clarify else "(none)",
            scope=(clarify.scope if clarify else None) or "(none)",
            definition=f"{known[0]}: {known[1]}" if known else "(none)",
            topic=turn.bank.title,
        )
    if kind == "reply":
        asked = turn.previous["answer"] if turn.previous else ""
        match = match_faq(turn.pack.faq, asked)
        faq = "\n".join(f"- {e.question} {e.answer}" for e in match.entries) or "(nothing)"
        if current["phase"] != "wrap_up":
            after = "say you'll come back to the open question, and hand back to the candidate"
        elif turn.questions_done:
            after = "say that is all the time there is for questions"
        else:
            after = "ask whether there is anything else they would like to know"
        return render_prompt(
            "interviewer_reply",
            faq=faq,
            fallback=turn.pack.faq.fallback if turn.pack.faq else "the hiring team will follow up",
            after=after,
        )
    if kind == "hint":
        return render_prompt(
            "interviewer_hint", hint=current.get("hint", ""), question=current["text"]
        )
    previous = turn.previous
    if previous is None:
        transition = "Then ask the first question."
    elif kind in ("question", "closing") and current["phase"] != previous["phase"]:
        transition = f"Make a natural transition to the next part: {current['phase']}."
    else:
        transition = "Stay in the current part of the interview."
    hint = ""
    if kind == "follow_up" and turn.level == "junior" and current.get("hint"):
        hint = f"   After the question, offer this hint: {current['hint']}\n"
    return render_prompt(
        "interviewer_ask",
        acknowledge=_acknowledge_task(turn),
        transition=transition,
        kind="follow-up question" if kind == "follow_up" else "question",
        question=current["text"],
        hint=hint,
    )


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
        previous = turn.previous
        prompt = render_prompt(
            "interviewer",
            persona=turn.persona,
            task=llm_task(turn),
            phase=turn.current["phase"],
            name=candidate_text(turn.profile.get("name", "the candidate"), 200),
            years=turn.profile.get("years_experience", "?"),
            summary=candidate_text(turn.summary or "(start of the interview)", 2000),
            previous_question=previous["question"] if previous else "(none yet)",
            previous_answer=candidate_text(previous["answer"], 2000) if previous else "",
        )
        return [SystemMessage(prompt), HumanMessage("Say your next line to the candidate.")]

    async def compose(self, turn: InterviewerInput, voice: Voice | None = None) -> SpokenTurn:
        voice = voice or Voice()
        before = len(voice.said)
        messages = self._prompt(turn)
        try:
            reply, messages = await ask_with_tools(
                lambda sent: say_reply(self.with_tools, sent, voice),
                messages,
                lambda call: self._run_tool(call, turn),
                self.ledger,
                MAX_TOOL_ROUNDS,
            )
            if reply is None:  # still calling tools: it must speak now, without them
                self.ledger.record([await say_reply(self.model, messages, voice)])
            text = voice.said[before:].strip()
            if not text:
                raise ValueError("empty reply")
        except Exception as exc:  # a model fault must never stop the interview
            self.ledger.fell_back(f"{type(exc).__name__}: {exc}")
            # Words already streamed stay said; the templates finish the turn.
            return await self.rubric.compose(turn, voice)
        kind = turn.current["kind"]
        feedback, _, rest = text.partition("\n\n")
        if turn.previous_evaluation is not None and rest.strip():
            # Practice mode: the prompt asks for the feedback first, then a blank line.
            lines = [(FEEDBACK, feedback.strip()), (kind, rest.strip())]
        else:
            lines = [(kind, text)]
        return SpokenTurn(voice.message(), lines)

    @staticmethod
    async def _run_tool(call: ToolCall, turn: InterviewerInput) -> ToolMessage:
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


def open_question(state: State) -> tuple[AskedQuestion, dict]:
    """What Sophia does now with the open question, and the state it changes.

    After a clarification request or a question to Sophia, the same question stays open; after
    an answer, a pending probe or hint is asked, else the question the phase node chose.
    """
    current = dict(state["current"])
    turns = state.get("turns", [])
    previous = turns[-1] if turns else None
    update: dict = {}
    if previous is not None and not is_graded(previous):
        kind: QuestionKind = (
            "clarification" if intent_of(previous) == "clarification_request" else "reply"
        )
        current["kind"] = kind
    elif probe := state.get("probe"):
        if probe.get("kind") == "hint":
            current.update(kind="hint", hint=probe["text"])
        else:
            current.update(kind="follow_up", text=probe["text"])
            current.pop("hint", None)
            if probe.get("hint"):
                current["hint"] = probe["hint"]
            update["follow_ups"] = state.get("follow_ups", 0) + 1
        update["probe"] = None
    return current, update  # type: ignore[return-value]


def transcript_lines(
    spoken: SpokenTurn, current: AskedQuestion, previous: Turn | None, opening: str = ""
) -> list[TranscriptEntry]:
    """Sophia's lines for the transcript; feedback belongs to the question it is about. The
    opening said before (the acknowledgement) heads the first line, as it did the message."""
    entries: list[TranscriptEntry] = []
    for index, (kind, text) in enumerate(spoken.lines):
        about = previous if kind == FEEDBACK and previous is not None else current
        if index == 0 and opening:
            text = f"{opening} {text}".strip()
        entries.append(
            {
                "speaker": "sophia",
                "kind": kind,
                "text": text,
                "phase": about["phase"],
                "question_id": about["question_id"],
            }
        )
    return entries


async def interviewer(state: State, runtime: Runtime[Context]) -> dict:
    """Say the next line: a clarification, a reply, a hint, a probe, or the next question."""
    session = Session.from_runtime(runtime)
    current, update = open_question(state)
    turns = state.get("turns", [])
    previous = turns[-1] if turns else None
    mode: Mode = state.get("mode", "hiring")
    evaluation = None
    if (
        mode == "practice"
        and previous is not None
        and is_graded(previous)
        and current["kind"] in ("question", "closing")
    ):
        # Feedback comes when the candidate is done with a question (after its probes).
        evaluation = await session.evaluation_of(previous)
    spent = turns_on(state, current["question_id"])
    assessment = await session.assessment(state)
    ledger = AgentLedger("interviewer")
    # After an answer the acknowledge node has begun the message: continue it.
    voice = Voice.continuing(state.get("messages", []))
    opening = voice.said
    spoken = await interviewer_brain(session.context, ledger).compose(
        InterviewerInput(
            pack=session.pack,
            profile=state["profile"],
            current=current,
            previous=previous,
            previous_evaluation=evaluation,
            level=assessment.level,
            summary=recent_summary(turns),
            persona=session.persona(),
            store=session.store,
            mode=mode,
            seed=session.thread_id,
            said=tuple(state.get("said", [])),
            spoken=sophias_words(state.get("messages", [])),
            clarifications=count_intent(spent, "clarification_request"),
            side_questions=count_intent(spent, "question"),
            questions_done=questions_done(state),
            opening=opening,
        ),
        voice,
    )
    await save_ledger(session.store, session.thread_id, ledger)
    return {
        **update,
        "current": current,
        "messages": [spoken.message],
        "transcript": transcript_lines(spoken, current, previous, opening),
        "said": spoken.said,
    }
