"""The tool-calling loop the interviewer and the report agent share."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from graph.tool_loop import ask_with_tools
from graph.usage import AgentLedger


def calling(n: int) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "lookup", "args": {}, "id": f"c{n}"}])


async def test_tools_run_until_the_model_answers_and_every_call_is_counted():
    replies = iter([calling(1), calling(2), AIMessage(content="Hello!")])
    seen_by_model: list[int] = []

    async def ask(messages):
        seen_by_model.append(len(messages))
        return next(replies)

    async def run(call):
        return ToolMessage(f"result of {call['id']}", tool_call_id=call["id"])

    ledger = AgentLedger("interviewer")
    reply, messages = await ask_with_tools(ask, [HumanMessage("hi")], run, ledger, max_rounds=3)
    assert reply is not None and reply.content == "Hello!"
    # Each round sees the calls and results before it: 1, then 3, then 5 messages.
    assert seen_by_model == [1, 3, 5]
    assert [m.content for m in messages if isinstance(m, ToolMessage)] == [
        "result of c1",
        "result of c2",
    ]
    assert ledger.calls == 3


async def test_a_model_that_keeps_calling_tools_is_stopped_after_the_rounds():
    count = 0

    async def ask(messages):
        nonlocal count
        count += 1
        return calling(count)

    async def run(call):
        return ToolMessage("again", tool_call_id=call["id"])

    ledger = AgentLedger("report")
    reply, messages = await ask_with_tools(ask, [HumanMessage("hi")], run, ledger, max_rounds=2)
    assert reply is None and count == 2 and ledger.calls == 2
    assert len(messages) == 5  # the question, then two calls with their results
