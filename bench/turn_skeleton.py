"""The floor of Sophia's design: her turn's steps and model calls, with no work of her own.

A graded turn is LangGraph's resume, a step in which the grader, difficulty and follow-up
agents and the acknowledgement each make one model call in parallel, the phase node, and the
interviewer's streamed call before the pause. This graph does exactly that and nothing else
(no prompts, rubric, Store or report), so its per-turn time beside the bare loop is what the
design itself costs: Sophia's overhead can approach it, never go below it.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import interrupt
from typing_extensions import TypedDict

# Each agent's closing instruction, as the fake model recognises them (`fake_model.agent_for`).
STRUCTURED_REQUESTS = {
    "grader": "Grade the answer now.",
    "difficulty": "Assess the level now.",
    "follow_up": "Decide now.",
}
ACKNOWLEDGE_REQUEST = "Acknowledge the answer."
INTERVIEWER_REQUEST = "Ask the next question."


class SkeletonState(TypedDict, total=False):
    """A conversation, and one channel for each assessment's result."""

    messages: Annotated[list[AnyMessage], add_messages]
    assessments: Annotated[list[str], operator.add]
    questions: int


def build_turn_skeleton(model: BaseChatModel) -> StateGraph:
    """START -> interviewer -> await_answer -> (grader | difficulty | follow_up | acknowledge)
    -> phase -> interviewer -> ... (it never ends; the driver stops resuming)."""

    def assessment(name: str, request: str) -> Any:
        async def assess(state: SkeletonState) -> dict:
            # Asked for in one piece, as Sophia asks for a structured reply.
            reply = await model.bind(stream=False).ainvoke(
                [HumanMessage(state["messages"][-1].text), HumanMessage(request)]
            )
            return {"assessments": [f"{name}: {reply.text[:20]}"]}

        return assess

    async def acknowledge(state: SkeletonState) -> dict:
        reply = await model.ainvoke(
            [HumanMessage(state["messages"][-1].text), HumanMessage(ACKNOWLEDGE_REQUEST)]
        )
        return {"messages": [reply]}

    async def phase(state: SkeletonState) -> dict:
        return {"questions": state.get("questions", 0) + 1}

    async def interviewer(state: SkeletonState) -> dict:
        reply = await model.ainvoke([HumanMessage(INTERVIEWER_REQUEST)])
        return {"messages": [AIMessage(content=reply.text)]}

    async def await_answer(state: SkeletonState) -> dict:
        answer = interrupt({"message": state["messages"][-1].text})
        return {"messages": [HumanMessage(content=str(answer))]}

    round_nodes = [*STRUCTURED_REQUESTS, "acknowledge"]

    # Sophia's three conditional edges of a turn, as async routers that read nothing.
    async def route_turn(state: SkeletonState) -> list[str]:
        return round_nodes

    async def route_after_answer(state: SkeletonState) -> str:
        return "phase"

    async def route_after_speaking(state: SkeletonState) -> str:
        return "await_answer"

    builder = StateGraph(SkeletonState)
    for name, request in STRUCTURED_REQUESTS.items():
        builder.add_node(name, assessment(name, request))
    builder.add_node("acknowledge", acknowledge)
    builder.add_node("phase", phase)
    builder.add_node("interviewer", interviewer)
    builder.add_node("await_answer", await_answer)
    builder.add_edge(START, "interviewer")
    builder.add_conditional_edges("interviewer", route_after_speaking, ["await_answer"])
    builder.add_conditional_edges("await_answer", route_turn, round_nodes)
    # As in Sophia, the round goes on from follow_up's edge; the next step waits for all four.
    builder.add_conditional_edges("follow_up", route_after_answer, ["phase"])
    builder.add_edge("phase", "interviewer")
    return builder
