"""Scripted chat models for tests: LangChain's fake model, plus tool binding and a prompt log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field


def whole_chunk(message: AIMessage) -> ChatGenerationChunk:
    """A reply streamed in one chunk that keeps its tool calls and usage (LangChain's fake
    model streams the text alone)."""
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content=message.content,
            id=message.id,
            usage_metadata=message.usage_metadata,
            tool_call_chunks=[
                {
                    "name": call["name"],
                    "args": json.dumps(call["args"]),
                    "id": call["id"],
                    "index": index,
                }
                for index, call in enumerate(message.tool_calls)
            ],
        )
    )


class WholeReplies(GenericFakeChatModel):
    """A fake model whose stream is its reply in one chunk, tool calls and usage included."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator:
        result = self._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        chunk = whole_chunk(result.generations[0].message)
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


class ScriptedChatModel(WholeReplies):
    """Replies from a script in order; remembers every prompt; accepts tools."""

    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def scripted(*replies: str | AIMessage) -> ScriptedChatModel:
    """A model that answers with `replies`, one per call."""
    messages = [r if isinstance(r, AIMessage) else AIMessage(content=r) for r in replies]
    return ScriptedChatModel(messages=iter(messages), prompts=[])


class FailingChatModel(GenericFakeChatModel):
    """A model whose every call raises, like a server that keeps returning 500."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        raise ConnectionError("500 Internal Server Error")


def failing() -> FailingChatModel:
    return FailingChatModel(messages=iter([]))


GRADE = (
    '{"technical_knowledge": 4.0, "problem_solving": 3.5, "communication": 4.0, '
    '"soft_skills": 3.5, "found": [], "missed": [], "anchor": 4, "rationale": "Solid."}'
)
NO_PROBE = '{"needs_follow_up": false, "reason": "complete"}'
LEVEL = '{"level": "mid", "next_difficulty": "mid", "evidence": "Solid fundamentals."}'
NARRATIVE = '{"strengths": ["Clear answers"], "improvements": ["More depth on caching"]}'


class RoleAwareChatModel(WholeReplies):
    """Answers each agent's request in kind (by the request's last line), any number of times.

    For whole interviews on the LLM path without a network.
    """

    calls: list[str] = Field(default_factory=list)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        from langchain_core.outputs import ChatGeneration, ChatResult

        last = str(messages[-1].content)
        self.calls.append(last)
        if "Grade" in last:
            content = GRADE
        elif "Decide" in last:
            content = NO_PROBE
        elif "Assess" in last:
            content = LEVEL
        elif "report" in last.lower() or messages[-1].type == "tool":
            content = NARRATIVE
        elif last.startswith("Acknowledge"):
            content = "Thanks for that."
        else:
            content = "Here is my next question for you?"
        message = AIMessage(
            content=content,
            usage_metadata={"input_tokens": 100, "output_tokens": 20, "total_tokens": 120},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def role_aware() -> RoleAwareChatModel:
    return RoleAwareChatModel(messages=iter([]), calls=[])
