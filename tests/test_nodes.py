"""Each node on its own: given a state and a runtime, what it returns and keeps."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from graph.builder import next_phase, route_after_answer
from graph.config import Context
from graph.scoring import STRONG, WEAK, criterion_scores, recommend
from graph.state import AnswerEvaluation, KeyPointEvidence, LevelAssessment, State
from graph.store import list_evaluations, load_level, load_report, save_level, save_profile
from graph.store import load_profile as load_stored_profile
from nodes.await_answer import answer_text, interrupt_payload
from nodes.difficulty import difficulty
from nodes.follow_up import follow_up
from nodes.foundation import foundation
from nodes.grader import grader
from nodes.interviewer import interviewer
from nodes.introduction import introduction
from nodes.load_profile import load_profile
from nodes.phase_plan import choose_question, phase_budget
from nodes.report import report, report_phases, review_flags, strengths_and_improvements
from nodes.wrap_up import wrap_up
from rubric.role_pack import slot_of
from tests.report_checks import expected_overall

STRONG_ASYNC = (
    "Synchronous code blocks until each I/O call finishes. Async code runs coroutines on an "
    "event loop with async def and await, so while one request waits, others run. It helps "
    "I/O-bound work but not CPU-bound work because of the GIL; there I'd use multiprocessing. "
    "Calling time.sleep or a sync driver inside async def blocks the event loop, so I use "
    "asyncpg or run_in_executor, and asyncio.gather or a TaskGroup to run calls concurrently."
)
THIN_ASYNC = "Async is when things are asynchronous, it's faster."
PROFILE = {"id": "p1", "name": "Ada Lovelace", "years_experience": 3.0, "summary": ""}


def asked(question_id: str, phase: str = "foundation", kind: str = "question", text: str = ""):
    topic = question_id.split(".")[0]
    return {
        "phase": phase,
        "question_id": question_id,
        "topic": topic,
        "kind": kind,
        "difficulty": question_id.split(".")[1] if kind != "closing" else "mid",
        "text": text or f"question {question_id}",
    }


def answered(
    question_id: str, answer: str, turn: int = 2, kind: str = "question", phase="foundation"
):
    return {
        "turn": turn,
        "phase": phase,
        "question_id": question_id,
        "topic": question_id.split(".")[0],
        "kind": kind,
        "question": f"question {question_id}",
        "answer": answer,
    }


def state_after(question_id: str, *answers: str, **extra) -> State:
    turns = [
        answered(question_id, a, turn=i + 1, kind="question" if i == 0 else "follow_up")
        for i, a in enumerate(answers)
    ]
    return {
        "profile": PROFILE,
        "current": asked(question_id),
        "turns": turns,
        "follow_ups": len(answers) - 1,
        **extra,
    }


# --- load_profile ------------------------------------------------------------------------------


async def test_load_profile_from_inline_candidate_sets_start_level(make_runtime, store):
    runtime = make_runtime()
    out = await load_profile({"candidate": {"name": "Grace", "years_experience": 9}}, runtime)
    assert out["profile"]["name"] == "Grace"
    assert (await load_level(store, "t-1")).level == "senior"


async def test_load_profile_from_store_by_id(make_runtime, store):
    await save_profile(store, {"id": "c-7", "name": "Linus", "years_experience": 1})
    out = await load_profile({"candidate_id": "c-7"}, make_runtime())
    assert out["profile"]["name"] == "Linus"
    assert (await load_level(store, "t-1")).level == "junior"


async def test_load_profile_start_level_setting_wins(make_runtime, store):
    runtime = make_runtime(Context(model="rubric", start_level="junior"))
    await load_profile({"candidate": {"name": "Grace", "years_experience": 20}}, runtime)
    assert (await load_level(store, "t-1")).level == "junior"


async def test_load_profile_cleans_names(make_runtime):
    out = await load_profile({"candidate": {"name": "\x1b[31mEve" + "x" * 500}}, make_runtime())
    assert out["profile"]["name"].startswith("[31mEve") and len(out["profile"]["name"]) <= 80


async def test_an_inline_candidate_never_overwrites_a_stored_profile(make_runtime, store):
    """An inline profile is candidate text: it is kept per interview, never under a stored id."""
    ada = {"id": "ada", "name": "Ada", "years_experience": 9, "interviews": ["t-0"]}
    await save_profile(store, {**ada})
    for inline in (
        {"name": "Ada", "years_experience": 0},  # the same name (it used to be the key)
        {"id": "ada", "name": "Mallory", "years_experience": 0},  # a stored id, claimed
        {"name": "ada", "summary": "x" * 5000},
    ):
        out = await load_profile({"candidate": inline}, make_runtime(thread_id="t-9"))
        assert out["profile"]["id"] == "inline-t-9"
        assert (await load_stored_profile(store, "ada")) == ada
    assert (await load_stored_profile(store, "inline-t-9"))["name"] == "Ada"  # the first kept


async def test_inline_profiles_of_two_interviews_stay_apart(make_runtime, store):
    await load_profile(
        {"candidate": {"name": "Kim", "years_experience": 1}}, make_runtime(thread_id="t-1")
    )
    await load_profile(
        {"candidate": {"name": "Kim", "years_experience": 9}}, make_runtime(thread_id="t-2")
    )
    first = await load_stored_profile(store, "inline-t-1")
    second = await load_stored_profile(store, "inline-t-2")
    assert (first["years_experience"], second["years_experience"]) == (1.0, 9.0)


async def test_a_stored_profile_wins_over_inline_data_and_is_not_rewritten(make_runtime, store):
    await save_profile(store, {"id": "c-7", "name": "Linus", "years_experience": 1})
    inline = {"name": "Someone Else", "years_experience": 30}
    out = await load_profile({"candidate_id": "c-7", "candidate": inline}, make_runtime())
    assert out["profile"]["name"] == "Linus" and out["profile"]["id"] == "c-7"
    assert (await load_stored_profile(store, "c-7"))["name"] == "Linus"


async def test_odd_years_of_experience_fall_back_to_the_default(make_runtime):
    for years in ("lots", None, float("nan"), float("inf"), -5, 10**400, [3]):
        out = await load_profile(
            {"candidate": {"name": "X", "years_experience": years}}, make_runtime()
        )
        assert 0.0 <= out["profile"]["years_experience"] <= 60.0


# --- phase nodes -------------------------------------------------------------------------------


async def test_introduction_asks_the_background_question(make_runtime):
    out = await introduction({"profile": PROFILE}, make_runtime())
    assert out["current"]["topic"] == "background"
    assert out["phase"] == "introduction" and out["phase_questions"] == 1


async def test_phase_node_follows_the_level_from_the_store(make_runtime, store):
    runtime = make_runtime()
    await load_profile({"candidate": {"name": "G", "years_experience": 9}}, runtime)
    out = await foundation({"profile": PROFILE, "phase": "introduction"}, runtime)
    # A senior question: one of the topic's senior variants (the thread picks which).
    assert slot_of(out["current"]["question_id"]) == "python_fastapi.senior"
    nxt = await foundation({**out, "profile": PROFILE, "asked": out["asked"]}, runtime)
    assert nxt["current"]["topic"] == "database_access"
    assert nxt["phase_questions"] == 2


async def test_wrap_up_asks_a_closing_question(make_runtime):
    out = await wrap_up({"profile": PROFILE, "phase": "soft_skills"}, make_runtime())
    assert out["current"]["kind"] == "closing"


def test_choose_question_prefers_the_level_then_skips_asked(pack):
    spec = pack.phase("foundation")
    assert choose_question(pack, spec, 0, set(), "junior").id == "python_fastapi.junior"
    assert choose_question(pack, spec, 0, {"python_fastapi.junior"}, "junior").id == (
        "python_fastapi.mid"
    )


def test_phase_budget_setting_and_cap(pack):
    spec = pack.phase("foundation")
    assert phase_budget(pack, spec, Context(model="rubric")) == 4
    assert phase_budget(pack, spec, Context(model="rubric", questions_per_phase=2)) == 2
    intro = pack.phase("introduction")
    assert phase_budget(pack, intro, Context(model="rubric", questions_per_phase=5)) == 1


# --- routing -----------------------------------------------------------------------------------


async def test_route_after_answer():
    base = {"current": asked("auth.mid"), "phase_questions": 2, "phase_budget": 4}
    assert await route_after_answer({**base, "probe": {"text": "?"}}) == "interviewer"
    assert await route_after_answer(base) == "foundation"
    assert await route_after_answer({**base, "phase_questions": 4}) == "problem_solving"
    closing = {**base, "current": asked("candidate_questions.closing", "wrap_up", "closing")}
    assert await route_after_answer(closing) == "report"
    assert next_phase("soft_skills") == "wrap_up"


# --- await_answer ------------------------------------------------------------------------------


def test_interrupt_payload_has_the_contract_keys(pack):
    state = {
        "current": asked("auth.mid"),
        "messages": [AIMessage(content="Hi! question?")],
        "asked": ["background.intro", "python_fastapi.mid", "auth.mid"],
    }
    assert interrupt_payload(state, pack, 18) == {
        "phase": "foundation",
        "question_id": "auth.mid",
        "topic": "auth",
        "kind": "question",
        "message": "Hi! question?",
        "progress": {"phase_title": "Foundation questions", "number": 3, "total": 18},
        "mode": "hiring",
    }


def test_practice_payload_repeats_the_feedback_of_the_turn(pack):
    feedback = {"speaker": "sophia", "kind": "feedback", "text": "Good: X.", "phase": "foundation"}
    question = {"speaker": "sophia", "kind": "question", "text": "Next?", "phase": "foundation"}
    answer = {"speaker": "candidate", "kind": "answer", "text": "A.", "phase": "foundation"}
    state = {
        "current": asked("auth.mid"),
        "messages": [AIMessage(content="Good: X. Next?")],
        "mode": "practice",
        "transcript": [feedback, question],
    }
    assert interrupt_payload(state, pack, 18)["feedback"] == "Good: X."
    # Feedback from an earlier turn is not this turn's.
    state["transcript"] = [feedback, answer, question]
    assert interrupt_payload(state, pack, 18)["feedback"] is None
    assert "feedback" not in interrupt_payload({**state, "mode": "hiring"}, pack, 18)


def test_answer_text_accepts_strings_dicts_bytes_and_none():
    assert answer_text("  hi\x07 ") == "hi"
    assert answer_text({"answer": "yes"}) == "yes"
    assert answer_text(b"caf\xc3\xa9 \xff") == "café \ufffd"
    assert answer_text(None) == ""
    assert len(answer_text("x" * 100_000)) == 100_000  # kept whole in the transcript


# --- interviewer -------------------------------------------------------------------------------


async def test_interviewer_greets_then_asks(make_runtime):
    state = {"profile": PROFILE, "current": asked("background.intro", "introduction"), "turns": []}
    out = await interviewer(state, make_runtime())
    text = out["messages"][0].content
    assert "Ada" in text and "Sophia" in text and text.endswith("question background.intro")


async def test_interviewer_acknowledges_and_transitions_between_phases(make_runtime):
    state = {
        "profile": PROFILE,
        "current": asked("api_design.mid", "problem_solving"),
        "turns": [answered("auth.mid", "JWT tokens", turn=5)],
    }
    text = (await interviewer(state, make_runtime()))["messages"][0].content
    assert "problem" in text.lower() and text.endswith("question api_design.mid")


async def test_interviewer_asks_a_pending_probe_with_a_hint_for_juniors(make_runtime, store):
    runtime = make_runtime(Context(model="rubric", start_level="junior"))
    await load_profile({"candidate": {"name": "Ada"}}, runtime)
    state = {
        **state_after("async_programming.junior", THIN_ASYNC),
        "probe": {"text": "What is the event loop?", "hint": "Think asyncio."},
    }
    out = await interviewer(state, runtime)
    assert out["current"]["kind"] == "follow_up" and out["probe"] is None
    assert out["follow_ups"] == 1
    text = out["messages"][0].content
    assert "What is the event loop?" in text and "Think asyncio." in text


# --- the three assessments ---------------------------------------------------------------------


async def test_grader_keeps_evaluations_in_the_store_not_state(make_runtime, store):
    out = await grader(state_after("async_programming.mid", STRONG_ASYNC), make_runtime())
    assert out == {}
    (evaluation,) = await list_evaluations(store, "t-1")
    assert evaluation.question_id == "async_programming.mid"
    assert evaluation.scores["technical_knowledge"] >= 3.75  # strong mid answer; 5 is senior depth
    assert evaluation.found and evaluation.rationale


async def test_follow_up_probes_a_thin_answer_and_not_a_complete_one(make_runtime):
    runtime = make_runtime()
    thin = await follow_up(state_after("async_programming.mid", THIN_ASYNC), runtime)
    assert thin["probe"] and thin["probe"]["text"].endswith("?")
    complete = await follow_up(state_after("async_programming.mid", STRONG_ASYNC), runtime)
    assert complete["probe"] is None


async def test_follow_up_respects_max_follow_ups(make_runtime):
    state = state_after("async_programming.mid", THIN_ASYNC, "not sure")
    assert (await follow_up(state, make_runtime()))["probe"] is None
    more = make_runtime(Context(model="rubric", max_follow_ups=3))
    second = await follow_up(state, more)
    assert second["probe"] is not None


async def test_three_senior_points_of_eight_are_still_probed(make_runtime):
    # Weighted coverage 0.40 (senior points weigh more), but five of eight key points unsaid.
    answer = (
        "We put PgBouncer in transaction mode in front of Postgres. For concurrent updates we use "
        "optimistic locking with a version column. I wrote the team's standards doc for sessions "
        "and reviewed every PR against it."
    )
    out = await follow_up(state_after("database_access.senior", answer), make_runtime())
    assert out["probe"] is not None


async def test_follow_up_does_not_repeat_a_probe(make_runtime, pack):
    first_probe = pack.question("async_programming.mid").probes[0].text
    state = state_after("async_programming.mid", THIN_ASYNC, "hmm")
    state["turns"][1]["question"] = first_probe
    out = await follow_up(state, make_runtime(Context(model="rubric", max_follow_ups=3)))
    assert out["probe"]["text"] != first_probe


async def test_difficulty_moves_up_on_strong_answers_and_down_on_weak(make_runtime, store):
    runtime = make_runtime()
    await load_profile({"candidate": {"name": "M", "years_experience": 3}}, runtime)
    await difficulty(state_after("async_programming.mid", STRONG_ASYNC), runtime)
    up = await load_level(store, "t-1")
    assert up.ability > up.prior

    weak_runtime = make_runtime(thread_id="t-2")
    await load_profile({"candidate": {"name": "M", "years_experience": 3}}, weak_runtime)
    await difficulty(state_after("async_programming.mid", "I don't know."), weak_runtime)
    down = await load_level(store, "t-2")
    # One weak answer moves the estimate; the CV (3 years: mid) still holds it at mid.
    assert down.ability < down.prior and down.level == "mid"
    # Each answer builds on the level after the turns before it (levels are kept per turn).
    turns = state_after("async_programming.mid", "I don't know.")["turns"]
    for n, qid in enumerate(("database_access.mid", "auth.mid", "caching.mid"), start=2):
        turns = [*turns, answered(qid, "I don't know.", turn=n)]
        await difficulty({**state_after(qid, "I don't know."), "turns": turns}, weak_runtime)
    assert (await load_level(store, "t-2")).level == "junior"


@pytest.mark.parametrize(
    ("years", "start_level", "reported"),
    [(4, "auto", "mid"), (5, "auto", "senior"), (4, "senior", "senior")],
)
async def test_senior_answers_from_under_five_years_are_reported_as_mid(
    make_runtime, store, years, start_level, reported
):
    runtime = make_runtime(Context(start_level=start_level))
    await load_profile({"candidate": {"name": "M", "years_experience": years}}, runtime)
    strong_so_far = {f"q{i}.senior": 2.5 for i in range(10)}
    await save_level(
        store,
        "t-1",
        LevelAssessment(
            level="senior",
            ability=2.0,
            prior=1.0,
            next_difficulty="senior",
            observations=strong_so_far,
        ),
    )
    state = state_after("async_programming.senior", STRONG_ASYNC)
    state["profile"] = {**PROFILE, "years_experience": years}
    await difficulty(state, runtime)
    level = await load_level(store, "t-1")
    assert level.ability >= 1.45 and level.next_difficulty == "senior"
    assert level.level == reported
    assert ("reported as mid" in level.evidence[-1]) == (reported == "mid")


async def test_soft_skill_and_closing_answers_do_not_move_the_level(make_runtime, store):
    runtime = make_runtime()
    await load_profile({"candidate": {"name": "M", "years_experience": 3}}, runtime)
    await difficulty(state_after("collaboration.mid", "I don't know."), runtime)
    await difficulty(state_after("candidate_questions.closing", "No questions."), runtime)
    level = await load_level(store, "t-1")
    assert level.observations == {} and level.ability == level.prior


# --- report ------------------------------------------------------------------------------------


def test_criterion_scores_are_pulled_toward_adequate_less_with_more_evidence(pack):
    def evaluation(question_id: str, score: float) -> AnswerEvaluation:
        q = pack.question(question_id)
        return AnswerEvaluation(
            turn=1,
            question_id=q.id,
            topic=pack.topic_of(q.id).topic,
            phase="foundation",
            difficulty=q.difficulty,
            kind="question",
            scores={"technical_knowledge": score},
            anchor=5,
        )

    topics = ["python_fastapi", "database_access", "async_programming", "auth"]
    one = criterion_scores(pack, [evaluation("auth.mid", 5.0)])["technical_knowledge"]
    four = criterion_scores(pack, [evaluation(f"{t}.mid", 5.0) for t in topics])
    weak = criterion_scores(pack, [evaluation(f"{t}.mid", 1.0) for t in topics])
    assert 3.0 < one < four["technical_knowledge"] < 5.0
    assert 1.0 < weak["technical_knowledge"] < 3.0
    assert four["soft_skills"] is None


async def test_the_report_adds_each_interview_to_the_stored_profile(make_runtime, store):
    await save_profile(store, dict(PROFILE))
    state = state_after("async_programming.mid", STRONG_ASYNC)
    for thread in ("t-1", "t-2", "t-1"):  # the last: the same interview's report again
        runtime = make_runtime(thread_id=thread)
        await grader(state, runtime)
        await report(state, runtime)
    stored = await load_stored_profile(store, "p1")
    assert stored["interviews"] == ["t-2", "t-1"]


async def test_report_aggregates_and_coaches_weak_areas(make_runtime, store, pack):
    runtime = make_runtime()
    await load_profile({"candidate": {"name": "Ada", "years_experience": 3}}, runtime)
    strong = state_after("async_programming.mid", STRONG_ASYNC)
    await grader(strong, runtime)
    weak_turn = answered("caching.mid", "I would cache it.", turn=2, phase="problem_solving")
    weak = {**strong, "turns": [*strong["turns"], weak_turn]}
    await grader(weak, runtime)
    out = await report(weak, runtime)
    assert out["finished"] is True and "Ada" in out["messages"][0].content
    assert out["messages"][0].name == "Sophia"
    final = await load_report(store, "t-1")
    assert (final.candidate_id, final.candidate_name) == ("p1", "Ada Lovelace")
    assert final.role == pack.title
    assert any(s.startswith("Asynchronous programming") for s in final.strengths)
    assert any(s.startswith("Caching") for s in final.improvements)
    assert set(final.scores) >= {"technical_knowledge", "communication"}
    # The criteria differ here, so a plain mean of them would give another overall.
    unweighted = 20 * sum(final.scores.values()) / len(final.scores)
    assert abs(unweighted - expected_overall(final.scores)) > 0.2
    assert final.overall == pytest.approx(expected_overall(final.scores), abs=0.051)
    assert final.recommendation == recommend(final.overall)
    assert [p.phase for p in final.phases] == ["foundation", "problem_solving"]
    assert final.coaching and final.coaching[0].area.lower().startswith("cach")
    assert final.coaching[0].resources


def an_evaluation(pack, question_id: str, scores: dict, signals=(), turn: int = 1):
    question = pack.question(question_id)
    return AnswerEvaluation(
        turn=turn,
        question_id=question_id,
        topic=pack.topic_of(question_id).topic,
        phase="foundation",
        difficulty=question.difficulty,
        kind="question",
        scores=scores,
        anchor=3,
        signals=list(signals),
    )


def test_each_signal_a_reviewer_must_see_becomes_one_flag(pack):
    signals = ["injection", "red_flag", "disagreement", "injection_capped", "truncated"]
    flags = review_flags(
        [an_evaluation(pack, "auth.mid", {"technical_knowledge": 3.0}, [s]) for s in signals]
        + [an_evaluation(pack, "auth.mid", {"technical_knowledge": 3.0}, ["vague"])],
        pack,
    )
    assert len(flags) == len(signals)
    for flag, words in zip(
        flags,
        ["prompt injection", "misconception", "graders differ", "rubric score kept", "long"],
        strict=True,
    ):
        assert words in flag and pack.topics["auth"].title in flag and "(auth.mid)" in flag


def test_the_report_puts_follow_ups_under_their_question(pack):
    turns = [
        answered("auth.mid", "JWTs.", turn=1),
        answered("auth.mid", "Short-lived tokens.", turn=2, kind="follow_up"),
        answered("caching.mid", "Redis.", turn=3, phase="problem_solving"),
    ]
    latest = {"auth.mid": an_evaluation(pack, "auth.mid", {"technical_knowledge": 3.0}, turn=2)}
    phases = report_phases(turns, latest)
    assert [p.phase for p in phases] == ["foundation", "problem_solving"]
    auth = phases[0].questions[0]
    assert (auth.id, auth.answer, auth.evaluation) == ("auth.mid", "JWTs.", latest["auth.mid"])
    assert auth.follow_ups == [
        {"question": "question auth.mid", "answer": "Short-lived tokens.", "kind": "follow_up"}
    ]
    assert [q.id for q in phases[1].questions] == ["caching.mid"]


def test_strong_and_weak_bars_include_their_edges(pack):
    scores = {"technical_knowledge": STRONG, "communication": WEAK, "soft_skills": WEAK - 0.01}
    strengths, improvements = strengths_and_improvements(pack, scores, [])
    assert strengths == [f"Technical knowledge ({STRONG:.1f}/5)"]
    assert improvements == [f"Soft skills ({WEAK - 0.01:.1f}/5)"]


def test_strengths_and_improvements_name_topics_best_and_worst_first(pack):
    def point(label: str) -> KeyPointEvidence:
        return KeyPointEvidence(id=label.lower(), label=label, level="mid")

    def graded(question_id: str, score: float) -> AnswerEvaluation:
        evaluation = an_evaluation(pack, question_id, {"technical_knowledge": score})
        return evaluation.model_copy(
            update={"found": [point("First found"), point("Second found")],
                    "missed": [point("First missed"), point("Second missed")]}
        )  # fmt: skip

    title = {t: pack.topics[t].title for t in pack.topics}
    evaluations = [
        graded("auth.mid", STRONG),
        graded("caching.mid", 4.5),
        graded("api_design.mid", WEAK),
        graded("observability.mid", 2.0),
        graded("microservices.mid", 1.5),
    ]
    strengths, improvements = strengths_and_improvements(pack, {}, evaluations)
    assert strengths == [f"{title['caching']}: First found", f"{title['auth']}: First found"]
    assert improvements == [
        f"{title['microservices']}: missed first missed",
        f"{title['observability']}: missed first missed",
    ]
    mids = [q.id for bank in pack.topics.values() for q in bank.questions if q.id.endswith(".mid")]
    many = [graded(question_id, 5.0) for question_id in mids]
    assert len(many) > 8 and len(strengths_and_improvements(pack, {}, many)[0]) == 8


async def test_answers_that_overclaim_weaken_the_experience_prior(pack):
    from nodes.difficulty import LevelInput, RubricDifficulty

    question = pack.question("caching.mid")

    async def assess(answer: str, overclaimed: list[str]) -> LevelAssessment:
        # A CV that says senior (prior 1.6), and earlier answers that said junior.
        previous = LevelAssessment(
            level="mid",
            ability=0.9,
            prior=1.6,
            next_difficulty="mid",
            observations={f"q{i}.mid": 0.2 for i in range(6)},
            overclaimed=overclaimed,
        )
        return await RubricDifficulty().assess(
            LevelInput(question, pack.topic_of(question.id), [answer], previous)
        )

    plain = "I'd put Redis in front with cache-aside and a TTL, and delete the key on update."
    believed = await assess(plain, [])
    doubted = await assess(plain, ["q0.mid", "q1.mid", "q2.mid"])
    assert doubted.ability < believed.ability - 0.1
    assert believed.overclaimed == [] and doubted.overclaimed == ["q0.mid", "q1.mid", "q2.mid"]
    bluff = await assess(plain + " It scales infinitely and there's no downside.", [])
    assert bluff.overclaimed == ["caching.mid"]
