"""The baseline: the smallest LangGraph interrupt loop (ask, then wait for the answer).

It does what every turn of any LangGraph chat must do (resume, write checkpoints, pause), and
nothing else, so Sophia's per-turn time beside it shows what Sophia adds.
"""

from __future__ import annotations

from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import interrupt
from typing_extensions import TypedDict


class BareState(TypedDict, total=False):
    """A conversation and nothing else."""

    messages: Annotated[list[AnyMessage], add_messages]


async def ask(state: BareState) -> dict:
    """Say the next question (no model)."""
    asked = sum(1 for m in state.get("messages", []) if m.type == "ai")
    return {"messages": [AIMessage(content=f"Question {asked + 1}: what would you do next?")]}


async def wait(state: BareState) -> dict:
    """Pause for the answer and add it to the conversation."""
    answer = interrupt({"message": state["messages"][-1].content})
    return {"messages": [HumanMessage(content=str(answer))]}


def build_bare_loop() -> StateGraph:
    """START -> ask -> wait -> ask -> ... (it never ends; the driver stops resuming)."""
    builder = StateGraph(BareState)
    builder.add_node("ask", ask)
    builder.add_node("wait", wait)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "wait")
    builder.add_edge("wait", "ask")
    return builder
