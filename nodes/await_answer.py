"""Pause for the candidate's answer (`interrupt`), then record it in the transcript.

The client resumes with `Command(resume=answer)`: a string, or `{"answer": "..."}`. A chat
client that sends the answer as a new message instead (Agent Chat UI, Studio's chat) reaches
this node through `route_start`; the message is then the answer and nothing pauses.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import interrupt

from graph.state import State, Turn
from rubric.text import clean_answer


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
    """The answer in a resume value, cleaned of control characters (kept whole otherwise)."""
    if isinstance(resume, dict):
        resume = resume.get("answer", "")
    if resume is None:
        return ""
    if isinstance(resume, bytes):
        resume = resume.decode("utf-8", errors="replace")
    return clean_answer(str(resume))


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
        return {"turns": [turn]}
    return {"messages": [HumanMessage(content=answer or "(no answer)")], "turns": [turn]}
