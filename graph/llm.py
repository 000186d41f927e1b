"""The chat-model factory and the plumbing every LLM brain shares.

One place turns a model string into a chat model:
- `rubric`: the deterministic offline brain (no model at all);
- `openai:<model>`: any OpenAI-compatible server through `langchain-openai` (`OPENAI_API_KEY`,
  `OPENAI_BASE_URL`: OpenAI, Ollama, vLLM, llama.cpp's server);
- `<provider>:<model>`: LangChain's `init_chat_model`, when the provider's package is installed;
- `fake:<name>`: a model registered with `register_model` (tests and benchmarks swap models by
  context alone).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import unicodedata
from collections.abc import Callable, Coroutine, Sequence
from functools import cache
from typing import Any, TypeVar

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ValidationError

from graph.config import RUBRIC_MODEL, Context
from graph.errors import ModelUnavailableError
from graph.usage import AgentLedger

Schema = TypeVar("Schema", bound=BaseModel)
Result = TypeVar("Result")

# Longer answers are cut for the model (with a note); the transcript keeps them whole.
MODEL_ANSWER_CHARS = 6_000
_REGISTERED: dict[str, BaseChatModel] = {}
# `<candidate_answer>`, `</candidate_answer>`, `< /candidate-answer >` ...: no tag in candidate
# text may open or close the block it is put in.
_DELIMITER_TAG = re.compile(r"<\s*/?\s*candidate[\W_]{0,3}(answer|profile)\b[^<>]{0,40}>", re.I)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class StructuredOutputError(Exception):
    """A model's reply did not parse as the expected schema, even after one retry."""

    def __init__(self, message: str, replies: list[AIMessage]) -> None:
        super().__init__(message)
        self.replies = replies


def register_model(name: str, model: BaseChatModel) -> None:
    """Make `model` available as `fake:<name>` (tests, benchmarks, notebooks)."""
    _REGISTERED[name] = model


def is_rubric(model: str) -> bool:
    """Whether `model` selects the offline rubric brain."""
    return model.strip().lower() == RUBRIC_MODEL


def model_for(context: Context, agent: str) -> str:
    """The model string an agent runs on: its override in `agent_models`, else `model`."""
    return (context.agent_models or {}).get(agent) or context.model


def chat_model(
    model: str,
    temperature: float = 0.2,
    timeout: float = 60.0,
    max_retries: int = 2,
    max_tokens: int | None = None,
) -> BaseChatModel:
    """A chat model for `provider:model` (e.g. `openai:gpt-4o-mini`).

    Retries with exponential backoff (honouring `Retry-After`) and the timeout come from the
    provider client; a model that still fails is handled by the agent's rubric fallback.
    """
    provider, _, name = model.strip().partition(":")
    if not name:
        raise ModelUnavailableError(
            f"model '{model}' is not of the form provider:model (or 'rubric' for offline)"
        )
    if provider == "fake":
        if name not in _REGISTERED:
            raise ModelUnavailableError(f"model '{model}': no fake model registered as '{name}'")
        return _REGISTERED[name]
    if provider == "openai":
        base_url = os.environ.get("OPENAI_BASE_URL") or None
        api_key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
        if api_key is None:
            raise ModelUnavailableError(
                f"model '{model}' needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)"
            )
        return _openai_model(name, temperature, base_url, api_key, timeout, max_retries, max_tokens)
    return _provider_model(provider, name, temperature, timeout, max_retries)


# One chat model per model and settings, for the process: every agent of every interview
# shares it, and with it its HTTP client and open connections. Building a `ChatOpenAI` takes
# about 2 ms of CPU, and five agents asked for one on every answer.
@cache
def _openai_model(
    name: str,
    temperature: float,
    base_url: str | None,
    api_key: str,
    timeout: float,
    max_retries: int,
    max_tokens: int | None,
) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # langchain-openai sends the cap as `max_completion_tokens`, which OpenAI-compatible servers
    # such as llama.cpp's ignore (a 200-token cap let a small model reply with 8,000 characters):
    # a local server gets the older `max_tokens` too.
    extra_body = {"max_tokens": max_tokens} if base_url and max_tokens else None
    return ChatOpenAI(
        model=name,
        temperature=temperature,
        base_url=base_url,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
        max_tokens=max_tokens,
        extra_body=extra_body,
        stream_usage=True,
    )


@cache
def _provider_model(
    provider: str, name: str, temperature: float, timeout: float, max_retries: int
) -> BaseChatModel:
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise ModelUnavailableError(
            f"provider '{provider}' needs the 'langchain' package (pip install langchain)"
        ) from exc
    try:
        return init_chat_model(
            name,
            model_provider=provider,
            temperature=temperature,
            timeout=timeout,
            max_retries=max_retries,
        )
    except (ImportError, ValueError) as exc:
        raise ModelUnavailableError(f"model '{provider}:{name}' is not available: {exc}") from exc


def agent_model(context: Context, agent: str) -> BaseChatModel | None:
    """The chat model an agent uses, or None when it runs on the rubric brain."""
    name = model_for(context, agent)
    if is_rubric(name):
        return None
    return chat_model(
        name,
        context.temperature,
        context.model_timeout,
        context.max_retries,
        context.max_output_tokens,
    )


def _unwrap(model: object) -> object:
    """The chat model inside a `with_config`/`bind` wrapper."""
    while hasattr(model, "bound"):
        model = model.bound  # type: ignore[attr-defined]
    return model


# Format characters (zero-width etc.) are all outside ASCII: only non-ASCII runs are looked at.
# Walking every character of a text cost 0.1-0.2 ms a call, five calls on a turn's path.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_format_chars(run: re.Match[str]) -> str:
    return "".join(ch for ch in run[0] if unicodedata.category(ch) != "Cf")


def candidate_text(text: str, limit: int = MODEL_ANSWER_CHARS) -> str:
    """Candidate text made safe to put between `<candidate_answer>` tags.

    A closing tag inside the answer cannot end the block (nor a spaced, hyphenated or
    zero-width-split one), and a very long answer is cut with a note saying so.
    """
    visible = _NON_ASCII.sub(_without_format_chars, text)  # zero-width etc.
    safe = _DELIMITER_TAG.sub("[tag removed]", visible)
    if len(safe) > limit:
        safe = f"{safe[:limit]}\n[answer truncated for the model: {len(safe) - limit} more chars]"
    return safe or "(no answer)"


@cache
def schema_text(schema: type[BaseModel]) -> str:
    """A schema's JSON Schema, compact, for prompts.

    Cached: building a JSON Schema takes pydantic about 2 ms, and three agents need one on
    every answer, before their model calls (so on the turn's critical path).
    """
    return json.dumps(schema.model_json_schema(), separators=(",", ":"))


# Servers that reject OpenAI's `json_schema` response format (llama-cpp-python's takes
# `json_object` with a `schema`), by base URL: learnt on the first refusal, then remembered.
_JSON_OBJECT_SERVERS: set[str] = set()


def _response_format(schema: type[BaseModel], server: str) -> dict:
    # A fresh dict on every call (from the cached text): the client may adjust what it is given.
    json_schema = json.loads(schema_text(schema))
    if server in _JSON_OBJECT_SERVERS:
        return {"type": "json_object", "schema": json_schema}
    return {
        "type": "json_schema",
        "json_schema": {"name": schema.__name__, "schema": json_schema},
    }


def _rejects_json_schema(exc: Exception) -> bool:
    text = str(exc)
    return "response_format" in text and "json_schema" in text


def _json_in(content: object) -> str:
    text = content if isinstance(content, str) else json.dumps(content)
    text = _FENCE.sub("", text.strip())
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start != -1 and end > start else text


async def structured_call(
    model: BaseChatModel, messages: Sequence[BaseMessage], schema: type[Schema]
) -> tuple[Schema, list[AIMessage]]:
    """Ask for a reply matching `schema`; a malformed reply is retried once with the error.

    OpenAI-compatible servers are asked for JSON-schema-constrained output (`response_format`);
    every reply is parsed from its text, so any chat model works. Returns the parsed object and
    the raw replies (for usage accounting).
    """
    from langchain_openai import ChatOpenAI

    inner = _unwrap(model)
    openai_compatible = isinstance(inner, ChatOpenAI)
    server = str(getattr(inner, "openai_api_base", "") or "")
    history = list(messages)
    replies: list[AIMessage] = []
    error = ""
    for _attempt in range(2):
        if openai_compatible:
            # Asked for in one piece (`stream=False`), even while the run streams: nobody sees
            # a structured reply (its agent tags it `nostream`), and streaming it only adds
            # client CPU per chunk on the turn's critical path.
            response_format = _response_format(schema, server)
            try:
                reply = await model.bind(response_format=response_format, stream=False).ainvoke(
                    history
                )
            except Exception as exc:
                if response_format["type"] != "json_schema" or not _rejects_json_schema(exc):
                    raise
                _JSON_OBJECT_SERVERS.add(server)
                reply = await model.bind(
                    response_format=_response_format(schema, server), stream=False
                ).ainvoke(history)
        else:
            reply = await model.ainvoke(history)
        replies.append(reply)
        try:
            return schema.model_validate_json(_json_in(reply.content)), replies
        except (ValidationError, ValueError) as exc:
            error = str(exc).splitlines()[0][:300]
            history += [
                reply,
                HumanMessage(
                    f"That reply was not valid JSON for the schema ({error}). "
                    "Reply with only the JSON object."
                ),
            ]
    raise StructuredOutputError(f"{schema.__name__}: {error}", replies)


async def ask_structured(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    schema: type[Schema],
    ledger: AgentLedger,
) -> Schema | None:
    """The parsed reply, or None when the agent must fall back to its rubric brain.

    Every reply is counted in the ledger, and the reason for a fallback is recorded there (it
    ends up in the report's flags): a model fault never stops an interview.
    """
    try:
        result, replies = await structured_call(model, messages, schema)
    except StructuredOutputError as exc:
        ledger.record(exc.replies)
        ledger.fell_back(f"malformed output ({exc})")
        return None
    except Exception as exc:  # timeouts, 5xx after retries, refused requests
        ledger.fell_back(f"{type(exc).__name__}: {exc}")
        return None
    ledger.record(replies)
    return result


class _RequestStarted(BaseCallbackHandler):
    """Notes when a chat model starts on a request (LangChain's last step before it goes out)."""

    run_inline = True  # called in the event loop's thread, at once

    def __init__(self) -> None:
        self.started = asyncio.Event()

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.started.set()

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self.started.set()


async def ask_first(
    model: Runnable, ask: Callable[[Runnable], Coroutine[Any, Any, Result]]
) -> asyncio.Task[Result]:
    """Start `ask(model)` and return once the model has the request: await the task for the
    reply.

    An agent that also does its own work for the turn (the rubric's cross-check of a grade or
    a level) does it while the model thinks instead of before asking, so that work costs the
    candidate no time.
    """
    request = _RequestStarted()
    task = asyncio.ensure_future(ask(model.with_config(callbacks=[request])))
    started = asyncio.ensure_future(request.started.wait())
    try:
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(0)  # from the model's start to the request leaving
    except BaseException:
        task.cancel()
        raise
    finally:
        started.cancel()
    return task
