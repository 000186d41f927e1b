"""Sophia starts speaking while the answer is assessed, and her turn is one message.

After a graded answer the acknowledge node runs beside the assessments, from the answer alone,
and the interviewer continues the same message once they are done: one message per turn in
state, in the interrupt payload and in the `messages` stream, both brains, both modes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import ExecutionInfo, Runtime
from langgraph.store.base import Item
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from graph.builder import build_graph
from graph.config import Context
from graph.llm import register_model
from nodes.acknowledge import AcknowledgementInput, RubricAcknowledger, acknowledge
from tests.fake_models import role_aware

ANSWERS = [
    "I build FastAPI services at a logistics company, mostly order tracking on PostgreSQL.",
    "I don't know.",
    "What do you mean by a dependency here?",
    "Each request gets a session from a dependency, and it is closed when the request ends.",
    "skip",
    "I'd cache the hot reads in Redis with a TTL and invalidate on writes.",
]
# Agents whose words reach the candidate.
SPEAKING_NODES = {"acknowledge", "interviewer", "report"}
# How long a test waits for the acknowledgement before calling the grader blocked for good.
DEADLOCK_GUARD = 10.0

register_model("first-words", role_aware())


class AssessmentWaitsForFirstWords(InMemoryStore):
    """A Store whose evaluations cannot be written until the candidate has seen Sophia's first
    words: a grader that ran before the acknowledgement (rather than beside it) never finishes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.heard = asyncio.Event()

    async def aput(self, namespace, key, value, *args, **kwargs) -> None:
        if namespace[0] == "evaluations":
            try:
                await asyncio.wait_for(self.heard.wait(), DEADLOCK_GUARD)
            except TimeoutError:
                raise AssertionError("the grade was due before Sophia said a word") from None
        await super().aput(namespace, key, value, *args, **kwargs)


async def turns(context: Context, store: InMemoryStore | None = None) -> dict[str, Any]:
    """An interview's first answers: each turn's stream events, payload, and the end state."""
    store = store or InMemoryStore()
    heard = getattr(store, "heard", None)
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=store)
    config = {"configurable": {"thread_id": "first-words-1"}}
    run: Any = {"candidate": {"name": "Ada Lovelace", "years_experience": 4}}
    seen: list[dict[str, Any]] = []
    for answer in [None, *ANSWERS]:
        if answer is not None:
            run = Command(resume=answer)
        events: list[tuple[str, Any]] = []
        if heard is not None:
            heard.clear()
        async for mode, data in graph.astream(
            run, config, context=context, stream_mode=["messages", "updates"]
        ):
            if mode == "messages":
                message, meta = data
                node = meta["langgraph_node"]
                if node in SPEAKING_NODES and message.type in ("ai", "AIMessageChunk"):
                    events.append(("words", (node, message)))
                    if heard is not None:
                        heard.set()
            else:
                events += [("update", node) for node in data]
                if "__interrupt__" in data:
                    payload = data["__interrupt__"][0].value
        seen.append({"answer": answer, "events": events, "payload": payload})
    state = (await graph.aget_state(config)).values
    return {"turns": seen, "state": state}


def words(turn: dict[str, Any]) -> list[tuple[str, Any]]:
    return [w for kind, w in turn["events"] if kind == "words"]


BRAINS = [pytest.param("rubric", id="rubric"), pytest.param("fake:first-words", id="llm")]


@pytest.mark.parametrize("model", BRAINS)
@pytest.mark.parametrize("mode", ["hiring", "practice"])
async def test_each_turn_is_one_message_that_starts_with_the_acknowledgement(model, mode):
    done = await turns(Context(model=model, mode=mode, questions_per_phase=1))
    for turn in done["turns"]:
        said = words(turn)
        assert said, turn["answer"]
        # Every streamed part is a chunk of one message: a client joining chunks by id shows
        # one message, and the chunks add up to what the payload says.
        assert all(isinstance(m, AIMessageChunk) for _, m in said)
        assert len({m.id for _, m in said}) == 1, turn["answer"]
        assert "".join(m.text for _, m in said) == turn["payload"]["message"]
        if turn["answer"] in (None, "What do you mean by a dependency here?"):
            assert {node for node, _ in said} == {"interviewer"}  # nothing was graded
        else:
            nodes = [node for node, _ in said]
            assert nodes[0] == "acknowledge" and nodes[-1] == "interviewer"
            assert set(nodes) == {"acknowledge", "interviewer"}
    # State holds one message per Sophia turn, the whole turn, so a reload shows it as one.
    messages = done["state"]["messages"]
    sophia = [m for m in messages if m.type == "ai"]
    assert [m.type for m in messages] == ["ai", "human"] * len(ANSWERS) + ["ai"]
    assert [m.text for m in sophia] == [t["payload"]["message"] for t in done["turns"]]


@pytest.mark.parametrize("model", BRAINS)
async def test_the_acknowledgement_is_said_while_the_answer_is_still_being_graded(model):
    # The grader cannot save its evaluation before the candidate has heard Sophia: the turn
    # finishes only if the acknowledgement started beside the assessments, not after them.
    store = AssessmentWaitsForFirstWords()
    done = await turns(Context(model=model, questions_per_phase=1), store)
    for turn in done["turns"]:
        if "acknowledge" not in [node for node, _ in words(turn)]:
            continue
        order = [w[0] if kind == "words" else w for kind, w in turn["events"]]
        assert order.index("acknowledge") < order.index("grader") < order.index("interviewer")


@pytest.mark.parametrize("model", BRAINS)
async def test_the_acknowledgement_reads_nothing_of_the_assessment(pack, model):
    # No evaluation or level exists yet for the answer it speaks about, and it reads none of
    # the earlier ones: a Store that refuses to show them does not stop it.
    hidden = {"evaluations", "levels", "reports"}

    class AssessmentHidden(InMemoryStore):
        async def aget(self, namespace, *args, **kwargs) -> Item | None:
            assert namespace[0] not in hidden, "the acknowledgement read the assessment"
            return await super().aget(namespace, *args, **kwargs)

        async def asearch(self, namespace, *args, **kwargs) -> list:
            assert namespace[0] not in hidden, "the acknowledgement read the assessment"
            return await super().asearch(namespace, *args, **kwargs)

    runtime = Runtime(
        context=Context(model=model),
        store=AssessmentHidden(),
        execution_info=ExecutionInfo(
            thread_id="t-3", checkpoint_id="c", checkpoint_ns="", task_id="task"
        ),
    )
    question = pack.question("auth.mid")
    answer = {
        "turn": 4,
        "phase": "foundation",
        "question_id": question.id,
        "topic": "auth",
        "kind": "question",
        "question": question.text,
        "answer": "The gateway verifies each token's signature before the request runs.",
        "intent": "answer",
    }
    state = {"turns": [answer], "profile": {"id": "p", "name": "Ada"}, "messages": []}
    update = await acknowledge(state, runtime)  # type: ignore[arg-type]
    [message] = update["messages"]
    assert message.text and message.name == "Sophia"


async def test_a_strong_and_a_weak_answer_hear_the_same_first_words(pack):
    from graph.voice import Voice

    question = pack.question("auth.mid")
    base = {
        "turn": 4,
        "phase": "foundation",
        "question_id": question.id,
        "topic": "auth",
        "kind": "question",
        "question": question.text,
        "intent": "answer",
    }
    strong = "The gateway verifies each token's signature and its expiry before anything runs."
    weak = "The signature encrypts the token, so nobody can read what is inside it."
    heard = []
    for text in (strong, weak):
        voice = Voice()
        item = AcknowledgementInput(
            pack=pack, profile={"id": "p", "name": "Ada"}, answer={**base, "answer": text}
        )
        await RubricAcknowledger().acknowledge(item, voice)  # type: ignore[arg-type]
        heard.append(voice.said)
    assert heard[0] == heard[1] and "signature" in heard[0]
