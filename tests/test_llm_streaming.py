"""Which model calls stream: only Sophia's words, even when the run streams `messages`.

Structured replies (grades, decisions, levels) are never shown, so `structured_call` asks an
OpenAI-compatible server for them in one piece; streaming them only costs client CPU on every
turn (see BENCHMARKS.md). The server here is `bench/fake_openai.py`, in-process.
"""

from __future__ import annotations

import httpx
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict

from bench.fake_openai import build_app
from graph.llm import structured_call
from graph.state import FollowUpDecision


class Seen(TypedDict, total=False):
    decision: str
    line: str


async def test_structured_calls_are_not_streamed_while_sophias_words_are():
    app = build_app(latency=0.0)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    model = ChatOpenAI(
        model="bench", base_url="http://fake/v1", api_key="none", http_async_client=client
    )

    async def decide(state: Seen) -> dict:
        decision, _ = await structured_call(
            model.with_config(tags=[TAG_NOSTREAM]),
            [SystemMessage("You decide."), HumanMessage("Decide now.")],
            FollowUpDecision,
        )
        return {"decision": decision.reason}

    async def speak(state: Seen) -> dict:
        reply = await model.ainvoke([HumanMessage("Say your next line to the candidate.")])
        return {"line": reply.text}

    builder = StateGraph(Seen)
    builder.add_node("decide", decide)
    builder.add_node("speak", speak)
    builder.add_edge(START, "decide")
    builder.add_edge("decide", "speak")
    graph = builder.compile()

    tokens = [
        chunk.text
        async for chunk, meta in graph.astream({}, stream_mode="messages")
        if meta["langgraph_node"] == "speak"
    ]
    stats = (await client.get("http://fake/stats")).json()
    assert stats["follow_up"] == 1 and "streamed_follow_up" not in stats
    assert stats["streamed_interviewer"] == 1 and len([t for t in tokens if t]) > 1
