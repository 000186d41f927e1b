"""Pause for the candidate's message (`interrupt`), understand it, and record it.

The client resumes with `Command(resume=answer)`: a string, or `{"answer": "..."}`. A chat
client that sends the answer as a new message instead (Agent Chat UI, Studio's chat) reaches
this node through `route_start`; the message is then the answer and nothing pauses.

Each message is classified before anything grades it (`graph/conversation.py`): an answer or
a skip goes on to the assessments, a clarification request or a question to Sophia straight
back to the interviewer, with the same question open.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from graph.config import Context, max_answer_chars
from graph.conversation import understand
from graph.session import Session
from graph.state import State, TranscriptEntry, Turn
from nodes.phase_plan import planned_questions
from rubric.intent import TurnIntent
from rubric.role_pack import RolePack
from rubric.text import clean_answer


def bounded_answer(answer: str, limit: int | None = None) -> str:
    """The answer cut to the size limit, with a note saying how much was left out."""
    limit = max_answer_chars() if limit is None else limit
    if len(answer) <= limit:
        return answer
    return f"{answer[:limit]}\n[answer cut at {limit:,} characters: {len(answer) - limit:,} more]"


def interrupt_payload(state: State, pack: RolePack, total: int) -> dict[str, Any]:
    """What a client is shown while Sophia waits (the contract in docs/contracts.md).

    `message` is everything Sophia said this turn; in practice mode, `feedback` repeats the
    feedback on the last answer that came first in it (None when there was none).
    """
    current = state["current"]
    messages = state.get("messages", [])
    message = messages[-1].content if messages else current["text"]
    mode = state.get("mode", "hiring")
    payload = {
        "phase": current["phase"],
        "question_id": current["question_id"],
        "topic": current["topic"],
        "kind": current["kind"],
        "message": message,
        "progress": {
            "phase_title": pack.phase(current["phase"]).title,
            "number": len(state.get("asked", [])),
            "total": total,
        },
        "mode": mode,
    }
    if mode == "practice":
        payload["feedback"] = latest_feedback(state.get("transcript", []))
    return payload


def latest_feedback(transcript: list[TranscriptEntry]) -> str | None:
    """The feedback Sophia gave in her latest turn, if any."""
    for entry in reversed(transcript):
        if entry["speaker"] == "candidate":
            return None
        if entry["kind"] == "feedback":
            return entry["text"]
    return None


def answer_text(resume: Any) -> str:
    """The answer in a resume value, cleaned of control characters and cut to the size limit.

    Anything else is kept as the candidate wrote it: the transcript is the record.
    """
    if isinstance(resume, dict):
        resume = resume.get("answer", "")
    if resume is None:
        return ""
    if isinstance(resume, bytes):
        resume = resume.decode("utf-8", errors="replace")
    return bounded_answer(clean_answer(str(resume)))


def answer_sent_as_message(state: State) -> str | None:
    """The candidate's chat message, when it is the last message (Sophia always speaks last)."""
    messages = state.get("messages", [])
    if messages and messages[-1].type == "human":
        return messages[-1].text
    return None


def recorded_turn(state: State, answer: str, understood: TurnIntent) -> Turn:
    """The turn for the candidate's message: what was open, what they said, what it was."""
    current = state["current"]
    turn: Turn = {
        "turn": len(state.get("turns", [])) + 1,
        "phase": current["phase"],
        "question_id": current["question_id"],
        "topic": current["topic"],
        "kind": current["kind"],
        "question": current["text"],
        "answer": answer,
        "intent": understood.intent,
    }
    if current["kind"] == "hint" and current.get("hint"):
        turn["hint"] = current["hint"]
    if understood.request:
        turn["request"] = understood.request
    if understood.term:
        turn["term"] = understood.term
    return turn


async def await_answer(state: State, runtime: Runtime[Context]) -> dict:
    """Wait for the candidate's message, understand it, and add it to the transcript."""
    session = Session.from_runtime(runtime)
    sent = answer_sent_as_message(state)
    if sent is None:
        total = planned_questions(session.pack, session.context)
        answer = answer_text(interrupt(interrupt_payload(state, session.pack, total)))
    else:
        answer = answer_text(sent)
    turn = recorded_turn(state, answer, understand(state, answer))
    entry: TranscriptEntry = {
        "speaker": "candidate",
        "kind": turn["intent"],
        "text": answer,
        "phase": turn["phase"],
        "question_id": turn["question_id"],
    }
    update: dict[str, Any] = {"turns": [turn], "transcript": [entry]}
    if sent is not None:  # the message is already in the conversation
        if len(sent) > max_answer_chars():  # cut: the same id replaces the message
            update["messages"] = [HumanMessage(content=answer, id=state["messages"][-1].id)]
        return update
    return {**update, "messages": [HumanMessage(content=answer or "(no answer)")]}
