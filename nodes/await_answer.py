"""Pause for the candidate's answer (`interrupt`), then record it in the transcript.

The client resumes with `Command(resume=answer)`: a string, or `{"answer": "..."}`. A chat
client that sends the answer as a new message instead (Agent Chat UI, Studio's chat) reaches
this node through `route_start`; the message is then the answer and nothing pauses.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import interrupt

from graph.config import max_answer_chars
from graph.state import State, Turn
from rubric.text import clean_answer


def bounded_answer(answer: str, limit: int | None = None) -> str:
    """The answer cut to the size limit, with a note saying how much was left out."""
    limit = max_answer_chars() if limit is None else limit
    if len(answer) <= limit:
        return answer
    return f"{answer[:limit]}\n[answer cut at {limit:,} characters: {len(answer) - limit:,} more]"


def interrupt_payload(state: State) -> dict[str, Any]:
    """What a client is shown while Sophia waits: the question and where the interview is."""
    current = state["current"]
    messages = state.get("messages", [])
    message = messages[-1].content if messages else current["text"]
    return {
        "phase": current["phase"],
        "question_id": current["question_id"],
        "topic": current["topic"],
        "kind": current["kind"],
        "message": message,
    }


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


async def await_answer(state: State) -> dict:
    """Wait for the answer to the current question and add it to the transcript."""
    sent = answer_sent_as_message(state)
    answer = answer_text(interrupt(interrupt_payload(state)) if sent is None else sent)
    current = state["current"]
    turn: Turn = {
        "turn": len(state.get("turns", [])) + 1,
        "phase": current["phase"],
        "question_id": current["question_id"],
        "topic": current["topic"],
        "kind": current["kind"],
        "question": current["text"],
        "answer": answer,
    }
    if sent is not None:  # the message is already in the conversation
        if len(sent) > max_answer_chars():  # cut: the same id replaces the message
            cut = HumanMessage(content=answer, id=state["messages"][-1].id)
            return {"messages": [cut], "turns": [turn]}
        return {"turns": [turn]}
    return {"messages": [HumanMessage(content=answer or "(no answer)")], "turns": [turn]}
