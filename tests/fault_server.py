"""A fault-injecting OpenAI-compatible server for tests (Starlette on uvicorn, in a thread).

Each request is recognised as one of Sophia's agents by its prompt, and answered with the next
fault of that agent's script: a good reply, a 500, a 429 with `Retry-After`, a reply slower than
the client's timeout, a body cut off mid-JSON, a reply that is not the JSON asked for, empty
`choices`, or an empty message. Every request is logged, so a test can check the retry budget
(requests per identical body) and which calls must have fallen back to the rubric brain.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fake_models import GRADE, LEVEL, NARRATIVE, NO_PROBE
from tests.loopback_server import LoopbackServer

# The user turn each agent ends its prompt with (nodes/*.py).
AGENT_OF_PROMPT = {
    "Grade the answer now.": "grader",
    "Decide now.": "follow_up",
    "Assess the level now.": "difficulty",
    "Say your next line to the candidate.": "interviewer",
    "Acknowledge the candidate's answer now.": "acknowledge",
    "Write the report now.": "report",
}
GOOD_REPLY = {
    "grader": GRADE,
    "follow_up": NO_PROBE,
    "difficulty": LEVEL,
    "report": NARRATIVE,
    "interviewer": "Here is my next question for you?",
    "acknowledge": "Thanks, that helps.",
}
NOT_JSON = "Sure! Here is my assessment: {technical_knowledge: great, anchor: four"
# Faults the client retries (with backoff) and those it does not.
RETRIED = frozenset({"500", "429", "slow"})
FAULTS = ("ok", "500", "429", "slow", "truncated", "not_json", "empty_choices", "empty")
SLOW_SECONDS = 3.0


@dataclass(frozen=True)
class Served:
    """One request the server received and what it answered."""

    at: float
    agent: str
    fault: str
    body_hash: str
    # The structured-output retry: the request repeats the model's unparsable reply.
    repeats_bad_reply: bool
    stream: bool
    # The output cap the request carried, under each name clients use for it.
    max_tokens: int | None = None
    max_completion_tokens: int | None = None


@dataclass
class FaultyOpenAIServer:
    """The server; `script` maps an agent to the faults it gets, in turn, cycling."""

    script: dict[str, list[str]]
    served: list[Served] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        unknown = {f for faults in self.script.values() for f in faults} - set(FAULTS)
        assert not unknown, unknown
        self._next = {agent: itertools.cycle(faults) for agent, faults in self.script.items()}
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FaultyOpenAIServer:
        """Listen on a free loopback port; `url` is the OpenAI base URL (`.../v1`)."""
        app = Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])
        self._loopback = LoopbackServer(app, "fault server")
        self.url = f"http://127.0.0.1:{self._loopback.start()}/v1"
        return self

    def stop(self) -> None:
        """Stop serving (slow replies in flight are cut short)."""
        self._loopback.stop()

    # --- what it saw --------------------------------------------------------------------------

    def requests_of(self, agent: str) -> list[Served]:
        """The requests an agent made, in order."""
        return [s for s in self.served if s.agent == agent]

    def faults_served(self) -> set[str]:
        """Every kind of reply the server gave."""
        return {s.fault for s in self.served}

    # --- the endpoint -------------------------------------------------------------------------

    async def _complete(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        agent = _agent_of(body.get("messages", []))
        with self._lock:
            faults = self._next.get(agent) or self._next.get("*")
            fault = next(faults) if faults else "ok"
            self.served.append(
                Served(
                    at=time.monotonic(),
                    agent=agent,
                    fault=fault,
                    body_hash=hashlib.sha256(raw).hexdigest()[:16],
                    repeats_bad_reply=any(
                        m.get("role") == "assistant" and m.get("content") == NOT_JSON
                        for m in body.get("messages", [])
                    ),
                    stream=bool(body.get("stream")),
                    max_tokens=body.get("max_tokens"),
                    max_completion_tokens=body.get("max_completion_tokens"),
                )
            )
        stream = bool(body.get("stream"))
        if fault == "500":
            # The client's own backoff applies; retry-after-ms only keeps the suite fast.
            return JSONResponse(
                {"error": {"message": "injected fault", "type": "server_error"}},
                status_code=500,
                headers={"retry-after-ms": "20"},
            )
        if fault == "429":
            return JSONResponse(
                {"error": {"message": "slow down", "type": "rate_limit_exceeded"}},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        if fault == "slow":
            await asyncio.sleep(SLOW_SECONDS)
            fault = "ok"
        content = {"not_json": NOT_JSON, "empty": ""}.get(fault, GOOD_REPLY.get(agent, "ok"))
        if fault == "empty_choices":
            return JSONResponse({**_completion(""), "choices": []})
        if stream:
            return StreamingResponse(
                _sse(content, cut=fault == "truncated"), media_type="text/event-stream"
            )
        text = json.dumps(_completion(content))
        if fault == "truncated":
            return Response(text[: len(text) // 2], media_type="application/json")
        return Response(text, media_type="application/json")


def _agent_of(messages: Iterable[dict]) -> str:
    for message in messages:
        if message.get("role") == "user":
            return AGENT_OF_PROMPT.get(str(message.get("content")), "other")
    return "other"


def _completion(content: str) -> dict:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


async def _sse(content: str, cut: bool):
    def event(payload: dict) -> bytes:
        return f"data: {json.dumps(payload)}\n\n".encode()

    base = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 0, "model": "f"}
    words = content.split(" ")
    for i, word in enumerate(words):
        delta = {"content": word + (" " if i < len(words) - 1 else "")}
        if i == 0:
            delta["role"] = "assistant"
        yield event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        if cut and i >= len(words) // 2:
            yield b'data: {"id": "chatcmpl-fault", "choi'  # the connection drops here
            return
    yield event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    yield event({**base, "choices": [], "usage": usage})
    yield b"data: [DONE]\n\n"
