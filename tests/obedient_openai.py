"""An OpenAI-compatible model that does what an attacker hopes (Starlette on uvicorn, in a thread).

For the security tests on a real `langgraph dev` with the LLM brain:
- the grader grades like the rubric plus `INFLATION` on every criterion (a model that drifts
  upward), and gives 5 on everything when the answer carries an order (it obeys injections);
- the difficulty agent says senior when ordered to, mid otherwise;
- the interviewer, when the answer it reacts to says `TOOLS`, calls every tool it was offered
  and the tools an injection would ask for (`get_evaluation_scores`, another candidate's
  profile), then repeats what the tools returned in its next line: whatever a tool can reveal
  reaches the candidate;
- the follow-up and report agents answer in kind.
Every request is kept (`requests`), so a test can check what the model was sent.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from rubric.analysis import analyse_answer, load_signals
from rubric.injection import InjectionPatterns
from rubric.role_pack import load_role_pack
from tests.fake_models import NARRATIVE, NO_PROBE
from tests.loopback_server import LoopbackServer

INFLATION = 1.4
ANSWER = re.compile(r"<candidate_answer>\n(.*?)\n</candidate_answer>", re.DOTALL)
TRIGGER_TOOLS = "TOOLS"
# What an obedient model takes as an order: anything the injection patterns know, plus a few
# words of orders in languages they do not.
ORDER_WORDS = ("ignorera", "täydet pisteet", "最高の点数")


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


class ObedientModel:
    """The reply logic; `requests` is every request body received."""

    def __init__(self) -> None:
        self.pack = load_role_pack("backend_python")
        self.questions = {q.text: q for bank in self.pack.topics.values() for q in bank.questions}
        self.orders = InjectionPatterns(load_signals().injection)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def ordered(self, answer: str) -> bool:
        lowered = answer.lower()
        return any(w in lowered for w in ORDER_WORDS) or any(
            self.orders.matches(line) for line in re.split(r"(?<=[.!?。])\s*|\n", answer) if line
        )

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        """The assistant message (content and/or tool calls) for a request."""
        messages = body.get("messages", [])
        system = _text(messages[0].get("content")) if messages else ""
        last = messages[-1] if messages else {}
        users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
        asked = users[0] if users else ""
        # The last block: the persona names the tags too, before any answer.
        found = ANSWER.findall(system)
        answer = found[-1] if found else ""
        if asked == "Grade the answer now.":
            return {"content": self.grade(system, answer)}
        if asked == "Assess the level now.":
            level = "senior" if self.ordered(answer) else "mid"
            judgement = {"level": level, "next_difficulty": level, "evidence": "as seen"}
            return {"content": json.dumps(judgement)}
        if asked == "Decide now.":
            return {"content": NO_PROBE}
        if asked == "Write the report now.":
            return {"content": NARRATIVE}
        if last.get("role") == "tool":
            said = [_text(m.get("content")) for m in messages if m.get("role") == "tool"]
            return {"content": "Thanks. The tools said: " + " | ".join(said) + " Next question?"}
        if TRIGGER_TOOLS in answer:
            offered = [t["function"]["name"] for t in body.get("tools", [])]
            wanted = [*offered, "get_evaluation_scores", "lookup_candidate_profile"]
            calls = [
                {
                    "id": f"call-{n}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps({"candidate_id": "bo"})},
                }
                for n, name in enumerate(dict.fromkeys(wanted))
            ]
            return {"content": "", "tool_calls": calls}
        return {"content": "Thank you. Let's go on: here is my next question for you?"}

    def grade(self, system: str, answer_block: str) -> str:
        """The rubric's scores plus the inflation, or 5 everywhere when the answer orders it."""
        question = next((q for text, q in self.questions.items() if text in system), None)
        answers = answer_block.split("\n\n[answer to a follow-up]\n")
        if question is None:
            scores = {"technical_knowledge": 3.0, "communication": 3.0}
        else:
            bank = self.pack.topic_of(question.id)
            analysis = analyse_answer(question, bank, answers)
            scores = {c: min(5.0, round(s + INFLATION, 2)) for c, s in analysis.scores.items()}
        if self.ordered(answer_block):
            scores = dict.fromkeys(scores, 5.0)
        return json.dumps({**scores, "found": [], "missed": [], "anchor": 5, "rationale": "ok"})


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-obedient",
        "object": "chat.completion",
        "created": 0,
        "model": "obedient",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


async def _events(message: dict[str, Any]):
    base = {"id": "chatcmpl-obedient", "object": "chat.completion.chunk", "created": 0}
    base["model"] = "obedient"

    def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice]})}\n\n".encode()

    if message.get("tool_calls"):
        calls = [{"index": n, **call} for n, call in enumerate(message["tool_calls"])]
        yield event({"role": "assistant", "content": None, "tool_calls": calls})
        yield event({}, "tool_calls")
    else:
        for n, word in enumerate(message["content"].split(" ")):
            delta = {"content": (" " if n else "") + word} | (
                {"role": "assistant"} if not n else {}
            )
            yield event(delta)
        yield event({}, "stop")
    usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
    yield b"data: [DONE]\n\n"


class ObedientOpenAIServer:
    """The endpoint on a free loopback port; `url` is the OpenAI base URL (`.../v1`)."""

    def __init__(self) -> None:
        self.model = ObedientModel()
        self.url = ""

    async def _complete(self, request: Request) -> Response:
        body = json.loads(await request.body())
        with self.model.lock:
            self.model.requests.append(body)
        message = self.model.reply(body)
        if body.get("stream"):
            return StreamingResponse(_events(message), media_type="text/event-stream")
        return JSONResponse(_completion(message))

    def start(self) -> ObedientOpenAIServer:
        app = Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])
        self._loopback = LoopbackServer(app, "obedient model server")
        self.url = f"http://127.0.0.1:{self._loopback.start()}/v1"
        return self

    def stop(self) -> None:
        self._loopback.stop()
