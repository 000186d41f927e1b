"""How Sophia's words reach the candidate: one message per turn, streamed as she says it.

After an answer Sophia speaks in two parts written by two nodes: the acknowledgement
(`nodes/acknowledge.py`, started at once, beside the assessments) and the rest of her turn
(`nodes/interviewer.py`, once the assessments are done: feedback, transition, the next
question). The candidate sees one message:
- in state, both parts carry one message id: the acknowledgement is written as the turn's
  message, and the interviewer writes the whole turn under the same id (`add_messages`
  replaces it), so `messages` and the interrupt payload's `message` hold one message;
- in the `messages` stream, every part is pushed as a chunk of that message id
  (`push_message`), so a client that joins chunks by id (the candidate page, Agent Chat UI,
  the SDK's `messages` mode) shows one message growing. The node's own output has an id the
  stream has seen, so LangGraph does not send the whole message again.

A model call that speaks for Sophia is kept out of the `messages` stream (`TAG_NOSTREAM`) and
its tokens are pushed here under the turn's id: otherwise each call would stream as a message
of its own id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    message_chunk_to_message,
)
from langchain_core.runnables import Runnable
from langgraph.config import get_config
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph.message import push_message

SPEAKER = "Sophia"


def new_message_id() -> str:
    """A fresh id for one turn's message."""
    return f"sophia-{uuid.uuid4()}"


def opening_of(messages: list[AnyMessage]) -> AIMessage | None:
    """The part of Sophia's turn already said (the acknowledgement), if any.

    Sophia's turn always ends with the candidate's message after it, so an AI message in last
    place was said during the turn that is running now.
    """
    if messages and messages[-1].type == "ai":
        return messages[-1]  # type: ignore[return-value]
    return None


def sophias_words(messages: list[AnyMessage]) -> tuple[str, ...]:
    """Everything Sophia has said in the interview, one text per message (no line twice).

    Her messages' content is plain text; reading it directly spares the content-block parsing
    of `.text` on every message at every turn.
    """
    return tuple(
        m.content if isinstance(m.content, str) else m.text for m in messages if m.type == "ai"
    )


def _streaming() -> bool:
    """Whether this code runs in a graph run that may stream messages (a node)."""
    try:
        callbacks = get_config().get("callbacks")
    except RuntimeError:  # outside a run: a unit test calling a brain directly
        return False
    return isinstance(callbacks, (BaseCallbackManager, list))


class Voice:
    """One message of Sophia's: what has been said so far, pushed to the stream as it grows."""

    def __init__(self, message_id: str | None = None, said: str = "") -> None:
        self.message_id = message_id or new_message_id()
        self.said = said
        self.stream = _streaming()

    @classmethod
    def continuing(cls, messages: list[AnyMessage]) -> Voice:
        """The voice of the running turn: it continues the acknowledgement when one was said."""
        opening = opening_of(messages)
        if opening is None or not opening.id:
            return cls()
        return cls(opening.id, opening.text)

    def say(self, text: str, continues: bool = False) -> None:
        """Add `text` to the message and stream it.

        A new part (`continues=False`: a line, or a model reply's first token) is set apart
        from the words before it by a space; a model's later tokens are added as they come.
        """
        if not continues:
            text = text.lstrip()
            if self.said and not self.said[-1].isspace() and text:
                text = f" {text}"
        if not text:
            return
        self.said += text
        if self.stream:
            chunk = AIMessageChunk(content=text, id=self.message_id, name=SPEAKER)
            push_message(chunk, state_key=None)

    def message(self) -> AIMessage:
        """The whole message said so far, for state (same id: it replaces the opening)."""
        return AIMessage(content=self.said.strip(), id=self.message_id, name=SPEAKER)


async def say_reply(
    model: Runnable[LanguageModelInput, BaseMessage],
    messages: Sequence[BaseMessage],
    voice: Voice,
) -> AIMessage:
    """Stream a model's reply through `voice` token by token; the whole reply at the end.

    The call itself is kept out of the `messages` stream (`TAG_NOSTREAM`): its tokens reach the
    candidate through the voice, under the turn's message id. The returned reply keeps its tool
    calls and usage, for the caller's tool loop and ledger.
    """
    reply: AIMessageChunk | None = None
    started = False
    async for chunk in model.with_config(tags=[TAG_NOSTREAM]).astream(list(messages)):
        reply = chunk if reply is None else reply + chunk  # type: ignore[assignment]
        if chunk.text:
            voice.say(chunk.text, continues=started)
            started = True
    if reply is None:
        raise ValueError("the model sent no reply")
    return message_chunk_to_message(reply)  # type: ignore[return-value]
