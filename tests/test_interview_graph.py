"""Whole interviews through the compiled graph against scripted test candidates."""

from __future__ import annotations

import asyncio

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from evals.candidate import CANDIDATES_DIR, TestCandidate, load_candidate
from evals.runner import run_interview
from graph.builder import build_graph
from graph.config import Context
from graph.state import PHASES

pytestmark = pytest.mark.integration

RUBRIC = Context(model="rubric")


def candidate(name: str) -> TestCandidate:
    return load_candidate(CANDIDATES_DIR / f"{name}.yaml")


@pytest.fixture(scope="module")
def reports():
    names = ["senior-sam", "mid-solid-priya", "junior-honest-sofia", "off-topic-derek"]

    async def run_all():
        return {n: await run_interview(candidate(n), RUBRIC) for n in names}

    return asyncio.run(run_all())


async def test_levels_match_what_a_fair_interviewer_would_give(reports):
    assert reports["senior-sam"][0].level == "senior"
    assert reports["mid-solid-priya"][0].level == "mid"
    assert reports["junior-honest-sofia"][0].level == "junior"


async def test_overall_scores_order_candidates_by_quality(reports):
    order = ["senior-sam", "mid-solid-priya", "junior-honest-sofia", "off-topic-derek"]
    overall = [reports[n][0].overall for n in order]
    assert overall == sorted(overall, reverse=True), overall
    assert reports["senior-sam"][0].recommendation in ("hire", "strong_hire")
    assert reports["off-topic-derek"][0].recommendation == "no_hire"


async def test_every_phase_is_visited_in_order(reports):
    for report, payloads in reports.values():
        phases = [p["phase"] for p in payloads]
        assert sorted(set(phases), key=PHASES.index) == list(PHASES)
        assert phases == sorted(phases, key=PHASES.index)
        # The wrap-up is graded only when the candidate had no questions to ask.
        graded_phases = [p.phase for p in report.phases]
        assert graded_phases in (list(PHASES), list(PHASES[:-1]))
        assert payloads[-1]["phase"] == "wrap_up"
        main_questions = [p for p in payloads if p["kind"] in ("question", "closing")]
        assert len(main_questions) == 18
        graded_topics = {q.topic for phase in report.phases for q in phase.questions}
        assert {p["topic"] for p in main_questions} - {"candidate_questions"} <= graded_topics


async def test_interrupt_payloads_follow_the_contract(reports):
    _, payloads = reports["mid-solid-priya"]
    for payload in payloads:
        assert set(payload) == {
            "phase",
            "question_id",
            "topic",
            "kind",
            "message",
            "progress",
            "mode",
        }
        assert payload["kind"] in (
            "question",
            "follow_up",
            "hint",
            "clarification",
            "reply",
            "closing",
        )
        assert payload["message"] and payload["mode"] == "hiring"
        assert payload["progress"]["total"] == 18
        assert 1 <= payload["progress"]["number"] <= 18
    assert [p["progress"]["number"] for p in payloads if p["kind"] == "question"] == list(
        range(1, 18)
    )
    assert payloads[-1]["kind"] == "reply"  # she answered the candidate's questions


async def test_follow_ups_probe_thin_answers_and_spare_complete_ones():
    complete = (
        "Synchronous code blocks until each I/O call finishes. Async code runs coroutines on an "
        "event loop with async def and await, so while one request waits others run. It helps "
        "I/O-bound work but not CPU-bound work because of the GIL, where I use multiprocessing. "
        "Calling time.sleep or a sync driver inside async def blocks the event loop, so I use "
        "asyncpg or run_in_executor, and asyncio.gather or a TaskGroup to fan out calls."
    )
    person = TestCandidate(
        id="probe-check",
        name="Pat",
        years_experience=3,
        answers={
            "async_programming": complete,
            "caching": "I would put a cache in front of it.",
            "default": "I would follow best practices and make it scalable.",
        },
    )
    _, payloads = await run_interview(person, RUBRIC)
    probed = {p["topic"] for p in payloads if p["kind"] == "follow_up"}
    assert "caching" in probed
    assert "async_programming" not in probed
    per_question = [p for p in payloads if p["kind"] == "follow_up" and p["topic"] == "caching"]
    assert len(per_question) <= RUBRIC.max_follow_ups


async def test_no_follow_ups_when_turned_off():
    _, payloads = await run_interview(
        candidate("off-topic-derek"), Context(model="rubric", max_follow_ups=0)
    )
    assert not [p for p in payloads if p["kind"] == "follow_up"]


async def test_questions_per_phase_setting():
    _, payloads = await run_interview(
        candidate("mid-solid-priya"), Context(model="rubric", questions_per_phase=2)
    )
    main = [p for p in payloads if p["kind"] in ("question", "closing")]
    assert len(main) == 1 + 2 * 4 + 1


async def test_same_candidate_same_report():
    first, _ = await run_interview(candidate("mid-solid-priya"), RUBRIC, thread_id="a")
    again, _ = await run_interview(candidate("mid-solid-priya"), RUBRIC, thread_id="a")
    other, _ = await run_interview(candidate("mid-solid-priya"), RUBRIC, thread_id="b")
    assert first.model_dump() == again.model_dump()
    # Another interview words things its own way; the assessment is the same.
    spoken = {"transcript", "candidate_questions"}
    assert first.model_dump(exclude=spoken) == other.model_dump(exclude=spoken)
    assert first.transcript != other.transcript


async def test_fairness_and_injection_variants_gain_nothing():
    base, _ = await run_interview(candidate("senior-sam"), RUBRIC)
    fair, _ = await run_interview(candidate("senior-sam-fairness"), RUBRIC)
    assert fair.overall == base.overall and fair.scores == base.scores
    honest, _ = await run_interview(candidate("junior-honest-sofia"), RUBRIC)
    gaming, _ = await run_interview(candidate("junior-honest-sofia-injection"), RUBRIC)
    assert gaming.overall <= honest.overall
    assert any("prompt injection" in f for f in gaming.flags)


async def test_private_results_stay_out_of_thread_state():
    store = InMemoryStore()
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=store)
    config = {"configurable": {"thread_id": "private"}}
    person = candidate("mid-solid-priya")
    await graph.ainvoke({"candidate": person.profile_input()}, config, context=RUBRIC)
    for _ in range(60):
        snapshot = await graph.aget_state(config)
        if not snapshot.next:
            break
        payload = snapshot.tasks[0].interrupts[0].value
        await graph.ainvoke(
            Command(resume=person.answers.get(payload["topic"], "ok")), config, context=RUBRIC
        )
    history = [s async for s in graph.aget_state_history(config)]
    for snap in history:
        text = repr(snap.values)
        for secret in (
            "'scores':",
            "'next_difficulty':",
            "'overall':",
            "'rationale':",
            "'targets':",
        ):
            assert secret not in text
    assert await store.aget(("reports",), "private") is not None
    assert await store.asearch(("evaluations", "private"), limit=100)


def test_drawn_graph_has_no_dead_ends():
    """Every node but the report leads somewhere in the drawing (Studio's flow chart): the
    round's nodes draw the steps that follow it, though only follow_up's edge picks one."""
    graph = build_graph().compile().get_graph()
    ends = {edge.source for edge in graph.edges if edge.target != "__end__"}
    to_end = {edge.source for edge in graph.edges if edge.target == "__end__"}
    assert to_end <= {"__start__", "report"}, to_end
    nodes = set(graph.nodes) - {"__start__", "__end__", "report"}
    assert nodes <= ends, nodes - ends
