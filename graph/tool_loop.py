"""The tool-calling loop the LLM agents share: ask, run the tools the reply calls, ask again.

The interviewer (its profile lookup) and the report agent (coaching and learning resources) both
let a model call tools before it answers. Each brings its own way of asking (the interviewer
streams through Sophia's voice) and of running a call (which arguments it trusts); the loop, the
round limit and the usage accounting are here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage

from graph.usage import AgentLedger

Ask = Callable[[list[BaseMessage]], Awaitable[AIMessage]]
RunTool = Callable[[ToolCall], Awaitable[ToolMessage]]


async def ask_with_tools(
    ask: Ask,
    messages: list[BaseMessage],
    run_tool: RunTool,
    ledger: AgentLedger,
    max_rounds: int,
) -> tuple[AIMessage | None, list[BaseMessage]]:
    """Ask until a reply calls no tool, at most `max_rounds` times (each round is a model call).

    Returns that reply, or None when the rounds ran out with tools still called (the caller
    decides how to finish), and the conversation with every tool call and result in it.
    """
    messages = list(messages)
    for _ in range(max_rounds):
        reply = await ask(messages)
        ledger.record([reply])
        if not reply.tool_calls:
            return reply, messages
        messages.append(reply)
        messages.extend([await run_tool(call) for call in reply.tool_calls])
    return None, messages
