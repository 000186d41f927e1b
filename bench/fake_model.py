"""A chat model of fixed latency that answers each of Sophia's agents in kind, with no network.

Every reply takes `latency` seconds, waited on the event loop, so the model waits like a
remote one (to its deadline, without the timer's lateness) and leaves the CPU to others. When
LangGraph streams (`stream_mode="messages"`) Sophia's words come in several chunks: the first
after `first_token_share` of the latency, the rest spread over what is left, so a benchmark can
tell a streamed reply (first token early) from a buffered one. The agents' JSON replies come
in one piece, as Sophia asks a real server for them.

Input tokens are estimated at four characters a token (no tokenizer needed) and reported in
`usage_metadata`, as a real provider does; every call is also logged in `calls`.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

CHARS_PER_TOKEN = 4
# asyncio's timers fire up to a millisecond late (epoll waits in whole milliseconds, rounded
# up), so a plain sleep of L took 101 ms for L = 100 ms: Sophia was charged for the timer. The
# model sleeps to this much before its deadline, then yields to the event loop until it.
TIMER_SLACK = 0.002
# The agents that ask for JSON (the rest speak to the candidate).
STRUCTURED_AGENTS = frozenset({"grader", "follow_up", "difficulty", "report"})

GRADE_REPLY = {
    "technical_knowledge": 3.5,
    "problem_solving": 3.5,
    "communication": 4.0,
    "soft_skills": 3.5,
    "found": [],
    "missed": [],
    "anchor": 3,
    "rationale": "The answer covers the basics with a concrete example.",
}
LEVEL_REPLY = {"level": "mid", "next_difficulty": "mid", "evidence": "Sound, practical answers."}
REPORT_REPLY = {
    "strengths": ["Clear explanations", "Practical examples"],
    "improvements": ["More depth on trade-offs", "Name failure modes earlier"],
}
ACKNOWLEDGE_REPLY = "Thank you for walking me through how you would approach that."
INTERVIEWER_REPLY = (
    "Let's build on it: how would you approach the next part of this, and which trade-offs "
    "would you weigh?"
)


async def sleep_until(deadline: float) -> None:
    """Sleep until `deadline` (`time.perf_counter()`), on time to within a few microseconds.

    The last `TIMER_SLACK` is spent yielding (`asyncio.sleep(0)`), so other tasks run as
    they would while a remote model thinks.
    """
    remaining = deadline - time.perf_counter()
    if remaining > TIMER_SLACK:
        await asyncio.sleep(remaining - TIMER_SLACK)
    # No event can be set that precisely: yielding is the point (ASYNC110 asks for one).
    while time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0)


def estimate_tokens(messages: Sequence[BaseMessage]) -> int:
    """Input tokens of a request, estimated at four characters a token."""
    chars = sum(len(m.text) for m in messages)
    return math.ceil(chars / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class ModelCall:
    """One request the model answered: which agent asked, its size, and when."""

    agent: str
    input_tokens: int
    output_tokens: int
    started: float
    ended: float


def agent_for(last_text: str, after_tool: bool = False) -> str:
    """Which agent sent a request, from its closing instruction (see `nodes/*.py`).

    A request that ends with a tool's result is the report's: this model never asks for a
    tool, so only the report agent, which may call its tools itself, gets there.
    """
    if last_text.startswith("Grade"):
        return "grader"
    if last_text.startswith("Decide"):
        return "follow_up"
    if last_text.startswith("Assess"):
        return "difficulty"
    if last_text.startswith("Acknowledge"):
        return "acknowledge"
    if "report" in last_text.lower() or after_tool:
        return "report"
    return "interviewer"


def agent_of(messages: Sequence[BaseMessage]) -> str:
    """Which agent sent a list of messages (`agent_for` on the last one)."""
    if not messages:
        return "interviewer"
    return agent_for(messages[-1].text, messages[-1].type == "tool")


class LatencyChatModel(BaseChatModel):
    """Replies after a fixed latency, in kind for each agent; logs every call.

    `probe_every`: the follow-up agent is told to probe on every n-th decision it asks for
    (0: never), which makes interviews longer in a predictable way.
    """

    latency: float = 0.1
    first_token_share: float = 0.5
    chunks: int = 6
    probe_every: int = 2
    calls: list[ModelCall] = Field(default_factory=list)
    decisions: int = 0

    @property
    def _llm_type(self) -> str:
        return "bench-latency"

    def reply_text(self, agent: str) -> str:
        """What the model says to `agent` (JSON for the structured agents)."""
        if agent == "grader":
            return json.dumps(GRADE_REPLY)
        if agent == "difficulty":
            return json.dumps(LEVEL_REPLY)
        if agent == "report":
            return json.dumps(REPORT_REPLY)
        if agent == "acknowledge":
            return ACKNOWLEDGE_REPLY
        if agent == "follow_up":
            self.decisions += 1
            probe = self.probe_every > 0 and self.decisions % self.probe_every == 0
            decision = {
                "needs_follow_up": probe,
                "probe": "Could you say more about how you would handle failures there?"
                if probe
                else None,
                "targets": [],
                "reason": "thin on failure handling" if probe else "complete",
            }
            return json.dumps(decision)
        return INTERVIEWER_REPLY

    def _log(self, agent: str, messages: Sequence[BaseMessage], text: str, started: float) -> dict:
        usage = {
            "input_tokens": estimate_tokens(messages),
            "output_tokens": math.ceil(len(text) / CHARS_PER_TOKEN),
        }
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        self.calls.append(
            ModelCall(
                agent,
                usage["input_tokens"],
                usage["output_tokens"],
                started,
                time.perf_counter(),
            )
        )
        return usage

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        started = time.perf_counter()
        agent = agent_of(messages)
        text = self.reply_text(agent)
        time.sleep(self.latency)
        usage = self._log(agent, messages, text, started)
        message = AIMessage(content=text, usage_metadata=usage)  # type: ignore[arg-type]
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        started = time.perf_counter()
        agent = agent_of(messages)
        text = self.reply_text(agent)
        await sleep_until(started + self.latency)
        usage = self._log(agent, messages, text, started)
        message = AIMessage(content=text, usage_metadata=usage)  # type: ignore[arg-type]
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        started = time.perf_counter()
        agent = agent_of(messages)
        text = self.reply_text(agent)
        # Structured replies come in one piece, as Sophia asks an OpenAI-compatible server for
        # them (`stream=False`); only Sophia's words are streamed.
        pieces = [text] if agent in STRUCTURED_AGENTS else split_text(text, self.chunks)
        # The first chunk after `first_token_share` of the latency (all of it for one chunk).
        first = self.latency * (self.first_token_share if len(pieces) > 1 else 1.0)
        rest = (self.latency - first) / max(1, len(pieces) - 1)
        for index, piece in enumerate(pieces):
            # Sleep to a deadline, not for an interval: six intervals' overshoots would add up.
            due = started + first + rest * index
            await sleep_until(due)
            last = index == len(pieces) - 1
            usage = self._log(agent, messages, text, started) if last else None
            yield ChatGenerationChunk(
                message=AIMessageChunk(content=piece, usage_metadata=usage)  # type: ignore[arg-type]
            )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        result = self._generate(messages, stop, run_manager, **kwargs)
        message = result.generations[0].message
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content=message.content,
                usage_metadata=message.usage_metadata,  # type: ignore[attr-defined]
            )
        )


def split_text(text: str, parts: int) -> list[str]:
    """`text` in about `parts` pieces, split between words (a stream's chunks)."""
    words = text.split(" ")
    size = max(1, math.ceil(len(words) / max(1, parts)))
    groups = [words[i : i + size] for i in range(0, len(words), size)]
    return [" ".join(g) + (" " if i < len(groups) - 1 else "") for i, g in enumerate(groups)]
