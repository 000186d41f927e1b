"""The chat-model factory: one place turns a model string into a brain.

`rubric` is the deterministic offline brain. `openai:<model>` is any OpenAI-compatible server
through `langchain-openai` (`OPENAI_API_KEY`, `OPENAI_BASE_URL`); other `provider:model`
strings go through LangChain's `init_chat_model` when the provider's package is installed.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from graph.config import RUBRIC_MODEL
from graph.errors import ModelUnavailableError


def is_rubric(model: str) -> bool:
    """Whether `model` selects the offline rubric brain."""
    return model.strip().lower() == RUBRIC_MODEL


def chat_model(model: str, temperature: float = 0.2) -> BaseChatModel:
    """A chat model for `provider:model` (e.g. `openai:gpt-4o-mini`)."""
    provider, _, name = model.partition(":")
    if not name:
        raise ModelUnavailableError(
            f"model '{model}' is not of the form provider:model (or 'rubric' for offline)"
        )
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=name, temperature=temperature)
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise ModelUnavailableError(
            f"provider '{provider}' needs the 'langchain' package (pip install langchain)"
        ) from exc
    try:
        return init_chat_model(name, model_provider=provider, temperature=temperature)
    except (ImportError, ValueError) as exc:
        raise ModelUnavailableError(f"model '{model}' is not available: {exc}") from exc


def require_rubric(model: str) -> None:
    """Fail clearly when a model is asked for: only the rubric brain is wired into the agents.

    The LLM brains (issue "The LLM brain") plug in behind each agent's interface here.
    """
    if not is_rubric(model):
        raise ModelUnavailableError(
            f"model '{model}': this build runs the offline rubric brain only; use --model rubric"
        )
