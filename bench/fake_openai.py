"""An OpenAI-compatible chat server of fixed latency, for Sophia's LLM path on a real server.

A LangGraph server cannot see a model registered in another process, but it can reach any
OpenAI-compatible endpoint through `OPENAI_BASE_URL`, the way production reaches vLLM or
Ollama. This is such an endpoint: `/v1/chat/completions`, plain or streamed (server-sent
events, with a final usage chunk), answering each agent in kind like `LatencyChatModel`, after
`latency` seconds of `asyncio.sleep`. It counts the requests it served, by agent, at `/stats`.

Run it as `python -m bench.fake_openai --port P [--latency 0.1]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from bench.fake_model import CHARS_PER_TOKEN, LatencyChatModel, agent_for, split_text


def _text(content: Any) -> str:
    """The text of an OpenAI message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class FakeOpenAI:
    """The endpoint's state: the reply logic, the latency and what it has served."""

    def __init__(self, latency: float, chunks: int = 6) -> None:
        self.replies = LatencyChatModel(latency=latency, chunks=chunks)
        self.latency = latency
        self.chunks = chunks
        self.served: Counter[str] = Counter()
        # Requests asked for as a stream of events, by agent.
        self.streamed: Counter[str] = Counter()
        # Requests being answered now, and the most at once: how much the server overlaps calls.
        self.in_flight = 0
        self.peak_in_flight = 0

    def answer(self, body: dict[str, Any]) -> tuple[str, str, dict[str, int]]:
        """The agent asking, the reply's text and the usage for a request body."""
        messages = body.get("messages", [])
        last = messages[-1] if messages else {}
        agent = agent_for(_text(last.get("content")), last.get("role") == "tool")
        text = self.replies.reply_text(agent)
        prompt = math.ceil(sum(len(_text(m.get("content"))) for m in messages) / CHARS_PER_TOKEN)
        completion = math.ceil(len(text) / CHARS_PER_TOKEN)
        self.served[agent] += 1
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        return agent, text, usage

    async def events(self, model: str, text: str, usage: dict[str, int]) -> AsyncIterator[bytes]:
        """The reply as server-sent events: half the latency to the first chunk, then the rest."""
        started = time.perf_counter()
        ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        pieces = split_text(text, self.chunks)
        first = self.latency / 2 if len(pieces) > 1 else self.latency
        rest = (self.latency - first) / max(1, len(pieces) - 1)

        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        for index, piece in enumerate(pieces):
            await asyncio.sleep(max(0.0, started + first + rest * index - time.perf_counter()))
            delta = {"content": piece} | ({"role": "assistant"} if index == 0 else {})
            yield event([{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}])
        yield event([{"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}])
        yield event([], usage=usage)
        yield b"data: [DONE]\n\n"

    def enter(self) -> None:
        """A request starts being answered."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self) -> None:
        """A request has been answered."""
        self.in_flight -= 1

    async def counted(self, events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """`events`, counted in flight while they stream."""
        self.enter()
        try:
            async for event in events:
                yield event
        finally:
            self.leave()

    async def completion(self, model: str, text: str, usage: dict[str, int]) -> dict[str, Any]:
        """The reply as one `chat.completion`, after the whole latency."""
        await asyncio.sleep(self.latency)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }


def build_app(latency: float) -> Any:
    """The Starlette app serving `/v1/chat/completions`, `/v1/models` and `/stats`."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    fake = FakeOpenAI(latency)

    async def chat_completions(request: Request) -> Any:
        body = await request.json()
        model = str(body.get("model", "bench"))
        agent, text, usage = fake.answer(body)
        if body.get("stream"):
            fake.streamed[agent] += 1
            return StreamingResponse(
                fake.counted(fake.events(model, text, usage)), media_type="text/event-stream"
            )
        fake.enter()
        try:
            return JSONResponse(await fake.completion(model, text, usage))
        finally:
            fake.leave()

    async def models(_request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "bench", "object": "model"}]})

    async def stats(_request: Request) -> JSONResponse:
        streamed = {f"streamed_{agent}": n for agent, n in fake.streamed.items()}
        return JSONResponse({**fake.served, **streamed, "peak_in_flight": fake.peak_in_flight})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", models),
            Route("/stats", stats),
        ]
    )


def main() -> None:
    """Serve on 127.0.0.1 until stopped."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.fake_openai", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per reply")
    args = parser.parse_args()
    uvicorn.run(build_app(args.latency), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
