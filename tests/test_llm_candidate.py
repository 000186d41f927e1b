"""The LLM-simulated candidate, on LangChain's fake chat models (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.llm_candidate import NO_MORE_NOTES, LLMCandidate, llm_candidate
from evals.runner import interview
from graph.config import Context
from graph.errors import ModelUnavailableError
from graph.llm import register_model


class Recorder(BaseCallbackHandler):
    """Keeps the messages each model call was given."""

    def __init__(self) -> None:
        self.calls: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls.append(list(messages[0]))


def priya():
    return load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml")


def question(topic: str, kind: str = "question", message: str = "Tell me about it.") -> dict:
    return {"phase": "foundation", "question_id": f"{topic}.mid", "topic": topic, "kind": kind,
            "message": message}  # fmt: skip


async def test_answers_with_the_models_words_in_character():
    recorder = Recorder()
    model = GenericFakeChatModel(
        messages=iter([AIMessage("We cache settings in Redis with a TTL.")]),
        callbacks=[recorder],
    )
    candidate = LLMCandidate(priya(), model)
    answer = await candidate.answer(question("caching", message="How do you cache?"))
    assert answer == "We cache settings in Redis with a TTL."
    system, asked = recorder.calls[0][0], recorder.calls[0][-1]
    assert isinstance(system, SystemMessage) and isinstance(asked, HumanMessage)
    assert "Priya Raman" in system.content and "she/her" in system.content
    assert "cache-aside" in system.content  # the file's answer on caching, as notes
    assert asked.content == "How do you cache?"


async def test_follow_ups_use_the_probe_answers_or_admit_there_is_no_more():
    candidate = LLMCandidate(priya(), FakeListChatModel(responses=["ok"]))
    assert "cache-aside" in candidate.notes_for(question("caching"))  # the answer comes first
    notes = candidate.notes_for(question("caching", kind="follow_up"))
    assert "stampede" in notes  # follow_up_answers.caching
    candidate.notes_for(question("auth"))
    assert candidate.notes_for(question("auth", kind="follow_up")) == NO_MORE_NOTES
    assert "requirements" in candidate.notes_for(question("candidate_questions_missing"))


async def test_remembers_only_the_last_few_exchanges():
    recorder = Recorder()
    model = FakeListChatModel(responses=["one", "two", "three"], callbacks=[recorder])
    candidate = LLMCandidate(priya(), model, memory_turns=1)
    for n in range(3):
        await candidate.answer(question("caching", message=f"question {n}"))
    last = recorder.calls[-1]
    assert [m.content for m in last[1:]] == ["question 1", "two", "question 2"]
    assert isinstance(last[2], AIMessage)  # its own earlier answer, as the AI side


async def test_an_empty_reply_becomes_an_honest_not_sure():
    candidate = LLMCandidate(priya(), GenericFakeChatModel(messages=iter([AIMessage("  ")])))
    assert "not sure" in (await candidate.answer(question("auth"))).lower()


async def test_a_whole_interview_runs_on_the_simulated_candidate():
    replies = ["I built FastAPI services with SQLAlchemy sessions, Redis caching and JWT auth."]
    candidate = LLMCandidate(priya(), FakeListChatModel(responses=replies))
    run = await interview(priya(), Context(model="rubric"), answer=candidate.answer)
    answers = [q.answer for p in run.report.phases for q in p.questions]
    assert answers and all(a == replies[0] for a in answers)
    assert len(candidate.history) == len(run.payloads)


async def test_llm_candidate_comes_from_the_model_factory():
    model = FakeListChatModel(responses=["from the factory"])
    register_model("sim-candidate-test", model)
    candidate = llm_candidate(priya(), "fake:sim-candidate-test")
    assert candidate.model is model
    assert await candidate.answer(question("auth")) == "from the factory"
    with pytest.raises(ModelUnavailableError):
        llm_candidate(priya(), "no-provider-given")
