"""Usage accounting: counts per agent, written to the Store once per turn."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import PutOp
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from evals.candidate import CANDIDATES_DIR, load_candidate
from graph.builder import build_graph
from graph.config import Context
from graph.llm import register_model
from graph.store import load_report
from graph.usage import (
    MAX_FALLBACKS,
    SPENDING,
    AgentLedger,
    load_usage,
    note_spending,
    save_ledger,
    save_ledgers,
)
from tests.fake_models import role_aware


class CountingStore(InMemoryStore):
    """An in-memory Store that counts the batches writing usage records."""

    def __init__(self) -> None:
        super().__init__()
        self.usage_writes = 0

    async def abatch(self, ops):
        ops = list(ops)
        if any(isinstance(op, PutOp) and op.namespace[:1] == ("usage",) for op in ops):
            self.usage_writes += 1
        return await super().abatch(ops)


async def test_each_turn_writes_usage_once_and_pauses_with_nothing_left_in_state():
    register_model("usage-role-aware", role_aware())
    context = Context(model="fake:usage-role-aware", questions_per_phase=1)
    person = load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml")
    store = CountingStore()
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=store)
    config = {"configurable": {"thread_id": "usage-once"}}
    run_input = {"candidate": person.profile_input()}
    writes_per_run = []
    graded = 0
    for _ in range(40):
        before = store.usage_writes
        result = await graph.ainvoke(run_input, config, context=context)
        writes_per_run.append(store.usage_writes - before)
        state = (await graph.aget_state(config)).values
        assert not state.get(SPENDING)
        if "__interrupt__" not in result:
            break
        payload = result["__interrupt__"][0].value
        graded += payload["kind"] in ("question", "follow_up", "hint")
        run_input = Command(resume=person.answers.get(payload["topic"], "ok"))
    # One write per turn (the last run also writes the report's own, after the interviewer's).
    assert writes_per_run[:-1] == [1] * (len(writes_per_run) - 1)
    assert writes_per_run[-1] <= 2
    report = await load_report(store, "usage-once")
    assert report is not None
    # The grader and the acknowledgement each call once per graded answer, and every count left
    # in state reaches the report.
    assert report.usage["grader"]["calls"] == report.usage["acknowledge"]["calls"] == graded
    assert report.usage["total"]["input_tokens"] == 100 * report.usage["total"]["calls"]


async def test_a_batch_adds_up_as_one_write_per_ledger_would():
    ledgers = [
        AgentLedger("grader", calls=1, input_tokens=10, output_tokens=2, fallbacks=["a"] * 30),
        AgentLedger("difficulty", calls=2, input_tokens=5),
        AgentLedger("grader", calls=1, input_tokens=7, output_tokens=1, fallbacks=["b"] * 30),
        AgentLedger("follow_up"),  # spent nothing: no record
    ]
    one_by_one, batched = InMemoryStore(), InMemoryStore()
    for store in (one_by_one, batched):
        await save_ledger(store, "t", AgentLedger("grader", calls=3, fallbacks=["old"]))
    for ledger in ledgers:
        await save_ledger(one_by_one, "t", ledger)
    await save_ledgers(batched, "t", ledgers)
    usage = await load_usage(batched, "t")
    assert usage == await load_usage(one_by_one, "t")
    assert usage["grader"]["calls"] == 5 and usage["grader"]["input_tokens"] == 17
    assert usage["grader"]["fallbacks"] == ["a"] * 20 + ["b"] * 30
    assert len(usage["grader"]["fallbacks"]) == MAX_FALLBACKS
    assert set(usage) == {"grader", "difficulty"}


async def test_a_fallback_reason_goes_to_the_store_and_never_to_state():
    store = InMemoryStore()
    ledger = AgentLedger("grader", calls=1, input_tokens=9)
    ledger.fell_back("APIConnectionError: http://10.0.0.7:8000 refused")
    assert await note_spending(store, "t", ledger) == {}
    assert (await load_usage(store, "t"))["grader"]["fallbacks"] == [
        "grader: APIConnectionError: http://10.0.0.7:8000 refused"
    ]
    counted = AgentLedger("grader", calls=1, input_tokens=9)
    assert await note_spending(store, "t", counted) == {SPENDING: [counted.counts()]}
    assert await note_spending(store, "t", AgentLedger("grader")) == {}
