"""Answers sent as chat messages (Agent Chat UI, Studio's chat) instead of `Command(resume=...)`."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from graph.builder import build_graph, route_start
from graph.config import Context

RUBRIC = Context(model="rubric")
CURRENT = {"phase": "introduction", "question_id": "background.mid.1", "kind": "question"}


async def test_a_run_enters_where_the_interview_stands():
    assert await route_start({}) == "load_profile"
    assert await route_start({"current": CURRENT, "finished": False}) == "await_answer"  # type: ignore[typeddict-item]
    assert await route_start({"current": CURRENT, "finished": True}) == END  # type: ignore[typeddict-item]


async def test_a_chat_message_answers_the_pending_question():
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=InMemoryStore())
    config = {"configurable": {"thread_id": "chat"}}
    await graph.ainvoke(
        {"candidate": {"name": "Ada", "years_experience": 4}}, config, context=RUBRIC
    )
    first = (await graph.aget_state(config)).interrupts[0].value

    # Agent Chat UI sends content blocks; the text is the answer.
    message = {"role": "user", "content": [{"type": "text", "text": "I build FastAPI services."}]}
    await graph.ainvoke({"messages": [message]}, config, context=RUBRIC)
    state = await graph.aget_state(config)
    assert state.next == ("await_answer",)
    [turn] = state.values["turns"]
    assert (turn["question_id"], turn["answer"]) == (
        first["question_id"],
        message["content"][0]["text"],
    )
    assert [m.type for m in state.values["messages"]] == ["ai", "human", "ai"]

    # A resume still works on the same thread.
    await graph.ainvoke(Command(resume="Mostly payments APIs."), config, context=RUBRIC)
    state = await graph.aget_state(config)
    assert [t["answer"] for t in state.values["turns"]][-1] == "Mostly payments APIs."
    assert [m.type for m in state.values["messages"]] == ["ai", "human", "ai", "human", "ai"]
