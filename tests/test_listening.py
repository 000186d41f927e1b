"""Sophia listens: clarifications, questions to her, hints, feedback, modes and target levels.

Whole interviews through the graph against scripted candidates whose answers are lists of
messages (one per time Sophia speaks on the topic), on the default pack and on a copy of it
with the listening data (`listening_test`: clarifications, hints, a correction, an FAQ and a
second variant of auth.mid; see conftest).
"""

from __future__ import annotations

import json

import pytest

from evals.candidate import CANDIDATES_DIR, TestCandidate, load_candidate
from evals.runner import InterviewRun, interview
from graph.builder import route_turn
from graph.config import Context
from graph.scoring import recommend
from nodes.phase_plan import choose_question
from rubric.acknowledge import acknowledgement
from rubric.phrasing import Phrasebook, long_sentences
from tests.conftest import AUTH_CLARIFY, FAQ, LISTENING_PACK

pytestmark = pytest.mark.integration

AUTH_ANSWER = (
    "We use OAuth2 with JWT bearer tokens. The login endpoint checks the password, hashed with "
    "bcrypt, and returns an access token that expires after 30 minutes, plus a refresh token. "
    "A get_current_user dependency validates the signature and expiry, and roles in the claims "
    "decide what each user may do, returning 401 or 403."
)
ASYNC_RETRY = (
    "Oh, I think async def and await let the event loop run other requests while one of them "
    "waits for I/O, like a database call."
)


PRIYA = load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml")


def person(years: float = 3, **answers: str | list[str]) -> TestCandidate:
    """A solid mid (mid-solid-priya's answers), with some topics scripted anew."""
    return TestCandidate(
        id="listener",
        name="Robin Vale",
        years_experience=years,
        answers={**PRIYA.answers, **answers},
        follow_up_answers=PRIYA.follow_up_answers,
    )


async def run(candidate: TestCandidate, **settings) -> InterviewRun:
    return await interview(candidate, Context(model="rubric", **settings), thread_id="listen-1")


def lines(run_: InterviewRun, speaker: str, kind: str | None = None) -> list:
    return [
        e
        for e in run_.report.transcript
        if e.speaker == speaker and (kind is None or e.kind == kind)
    ]


def graded_turns(run_: InterviewRun) -> set[int]:
    return {e.turn for e in run_.evaluations}


def turn_of(run_: InterviewRun, text: str) -> int:
    """The turn number of a candidate message (the k-th candidate line is turn k)."""
    candidate = [e.text for e in lines(run_, "candidate")]
    return candidate.index(text) + 1


def answer_to(run_: InterviewRun, question_id: str) -> str:
    return next(q.answer for p in run_.report.phases for q in p.questions if q.id == question_id)


# --- clarifications ------------------------------------------------------------------------------


async def test_a_term_is_defined_from_the_pack_and_the_request_is_not_graded(listening_pack):
    asking = "Sorry, what do you mean by authorization?"
    done = await run(person(auth=[asking, AUTH_ANSWER]), role=LISTENING_PACK)
    (clarified,) = lines(done, "sophia", "clarification")
    assert AUTH_CLARIFY["terms"]["authorization"] in clarified.text
    assert clarified.question_id == "auth.mid"
    assert turn_of(done, asking) not in graded_turns(done)
    assert turn_of(done, AUTH_ANSWER) in graded_turns(done)
    assert answer_to(done, "auth.mid") == AUTH_ANSWER
    kinds = [p["kind"] for p in done.payloads if p["question_id"] == "auth.mid"]
    assert kinds[:2] == ["question", "clarification"]


async def test_a_repeat_request_hears_the_question_again(listening_pack):
    asking = "Could you repeat the question, please?"
    done = await run(person(auth=[asking, AUTH_ANSWER]), role=LISTENING_PACK)
    (clarified,) = lines(done, "sophia", "clarification")
    assert listening_pack.question("auth.mid").text in clarified.text
    assert turn_of(done, asking) not in graded_turns(done)


async def test_a_scope_question_is_narrowed_without_an_answer(listening_pack):
    asking = "Do you mean users or service-to-service?"
    done = await run(person(auth=[asking, AUTH_ANSWER]), role=LISTENING_PACK)
    (clarified,) = lines(done, "sophia", "clarification")
    assert clarified.text == AUTH_CLARIFY["scope"]


async def test_explain_x_without_a_definition_in_the_pack_keeps_the_answer_back():
    asking = "What do you mean by idempotency?"
    done = await run(person(api_design=[asking, "I'd use idempotency keys on POST."]))
    (clarified,) = lines(done, "sophia", "clarification")
    assert "idempotency" in clarified.text
    assert "key" not in clarified.text.lower()  # the rubric's key point is not given away
    assert turn_of(done, asking) not in graded_turns(done)


async def test_clarifications_are_capped_then_the_message_is_taken_as_the_answer():
    confused = ["What do you mean?", "Could you rephrase that?", "What do you mean?"]
    done = await run(person(caching=confused))
    caching = [e for e in lines(done, "candidate") if e.question_id == "caching.mid"]
    assert [e.kind for e in caching][:3] == [
        "clarification_request",
        "clarification_request",
        "answer",
    ]
    clarifications = [e for e in lines(done, "sophia", "clarification")]
    assert len(clarifications) == 2
    assert answer_to(done, "caching.mid") == "What do you mean?"


# --- questions to Sophia -------------------------------------------------------------------------


async def test_every_question_at_the_wrap_up_gets_a_reply_and_none_is_graded(listening_pack):
    questions = [
        "What does on-call look like?",
        "How big is the team?",
        "Is there a budget for conferences?",
        "No, that's all, thank you.",
    ]
    done = await run(person(candidate_questions=questions), role=LISTENING_PACK)
    asked = done.report.candidate_questions
    assert [q.question for q in asked] == questions[:3]
    assert FAQ["entries"][0]["answer"] in asked[0].reply
    assert FAQ["entries"][1]["answer"] in asked[1].reply
    assert FAQ["fallback"] in asked[2].reply
    assert all(q.reply for q in asked)
    assert not [e for e in done.evaluations if e.topic == "candidate_questions"]
    assert done.report.transcript[-1].kind == "closing"  # the farewell after "that's all"
    assert [p["kind"] for p in done.payloads[-4:]] == ["closing", "reply", "reply", "reply"]


async def test_a_candidate_with_no_questions_is_graded_on_the_closing_question():
    done = await run(person(candidate_questions="No, I think you've covered everything."))
    assert [e.topic for e in done.evaluations][-1] == "candidate_questions"
    assert done.report.candidate_questions == []


async def test_questions_at_the_wrap_up_are_bounded():
    questions = [f"Could you tell me about the team's process number {n}?" for n in range(8)]
    done = await run(person(candidate_questions=questions))
    assert len(done.report.candidate_questions) == 5
    assert done.report.transcript[-1].kind == "closing"
    assert "time" in lines(done, "sophia", "reply")[-1].text  # "out of time for questions"


async def test_a_question_mid_interview_is_answered_and_the_question_stays_open(listening_pack):
    asking = "Before I answer, how big is the team?"
    done = await run(person(auth=[asking, AUTH_ANSWER]), role=LISTENING_PACK)
    (replied,) = [e for e in lines(done, "sophia", "reply") if e.question_id == "auth.mid"]
    assert FAQ["entries"][1]["answer"] in replied.text
    assert turn_of(done, asking) not in graded_turns(done)
    assert answer_to(done, "auth.mid") == AUTH_ANSWER


# --- hints ---------------------------------------------------------------------------------------


async def test_a_junior_who_is_stuck_gets_a_hint_and_one_more_try():
    done = await run(person(years=1, async_programming=["I don't know.", ASYNC_RETRY]))
    on_async = [p for p in done.payloads if p["topic"] == "async_programming"]
    assert [p["kind"] for p in on_async][:2] == ["question", "hint"]
    (evaluation,) = [e for e in done.evaluations if e.turn == turn_of(done, ASYNC_RETRY)]
    assert evaluation.found and all(kp.prompted for kp in evaluation.found)  # as for a probe
    question = next(
        q for p in done.report.phases for q in p.questions if q.topic == "async_programming"
    )
    assert question.follow_ups[0]["kind"] == "hint"


async def test_a_mid_who_says_i_dont_know_gets_no_hint_in_hiring_mode():
    done = await run(person(years=3, async_programming=["I don't know.", ASYNC_RETRY]))
    assert "hint" not in [p["kind"] for p in done.payloads]


async def test_a_skip_gets_no_hint_even_for_a_junior():
    done = await run(person(years=1, async_programming="skip"))
    on_async = [p["kind"] for p in done.payloads if p["topic"] == "async_programming"]
    assert on_async == ["question"]
    assert lines(done, "candidate", "skip")


# --- practice mode and the target level ----------------------------------------------------------


async def test_practice_mode_gives_feedback_corrections_and_a_coaching_report(listening_pack):
    wrong = (
        "We use JWT tokens. JWTs are encrypted, so we put the user's password hash in them, and "
        "the API checks it on every call."
    )
    done = await run(person(auth=wrong), role=LISTENING_PACK, mode="practice")
    feedback = [e for e in lines(done, "sophia", "feedback") if e.question_id == "auth.mid"]
    assert feedback and "signed, not encrypted" in feedback[0].text
    payload = next(p for p in done.payloads if p["question_id"] == "api_design.mid")
    assert payload["mode"] == "practice" and payload["feedback"] == feedback[0].text
    assert payload["message"].startswith(feedback[0].text)
    report = done.state["practice_report"]
    assert report["feedback"] and report["coaching"] is not None
    assert "recommendation" not in json.dumps(report) and "hire" not in json.dumps(report)


async def test_hiring_mode_gives_no_feedback_and_keeps_no_report_in_state():
    done = await run(person(auth=AUTH_ANSWER))
    assert not lines(done, "sophia", "feedback")
    assert "practice_report" not in done.state
    assert all("feedback" not in p for p in done.payloads)


async def test_practice_mode_hints_anyone_who_is_stuck():
    done = await run(
        person(years=4, async_programming=["I don't know.", ASYNC_RETRY]), mode="practice"
    )
    assert "hint" in [p["kind"] for p in done.payloads if p["topic"] == "async_programming"]


async def test_the_recommendation_is_judged_against_the_level_hired_for():
    strong_junior = load_candidate(CANDIDATES_DIR.parent / "unseen5" / "junior-msc-priya.yaml")
    for_junior = await interview(strong_junior, Context(model="rubric", target_level="junior"))
    for_mid = await interview(strong_junior, Context(model="rubric", target_level="mid"))
    assert for_junior.report.level == for_mid.report.level == "junior"
    assert for_junior.report.overall == for_mid.report.overall
    assert (for_junior.report.target_level, for_mid.report.target_level) == ("junior", "mid")
    assert for_junior.report.recommendation in ("hire", "strong_hire")
    assert for_mid.report.recommendation in ("lean_no_hire", "no_hire")


def test_recommendation_bars_move_with_the_target_level():
    assert recommend(60.0, "mid") == "lean_hire"
    assert recommend(60.0, "junior") == "hire"
    assert recommend(60.0, "junior", level="junior") == "hire"
    assert recommend(60.0, "mid", level="junior") == "lean_no_hire"  # below the post's level
    assert recommend(80.0, "senior", level="mid") == "lean_no_hire"
    assert recommend(80.0, "senior", level="senior") == "lean_hire"
    assert recommend(80.0, "mid", level="senior") == "hire"  # above the level: no cap


# --- variants, routing and phrasing --------------------------------------------------------------


def test_question_variants_are_picked_per_interview(listening_pack):
    spec = listening_pack.phase("foundation")
    picks = {
        seed: choose_question(listening_pack, spec, 3, set(), "mid", seed=seed).id
        for seed in (f"thread-{n}" for n in range(12))
    }
    assert set(picks.values()) == {"auth.mid", "auth.mid.2"}
    assert all(
        choose_question(listening_pack, spec, 3, set(), "mid", seed=seed).id == pick
        for seed, pick in picks.items()
    )
    assert choose_question(listening_pack, spec, 3, set(), "mid").id == "auth.mid"


async def test_an_interview_with_variants_on_asks_its_own_variant(listening_pack):
    seen = set()
    for n in range(6):
        done = await interview(
            person(),
            Context(model="rubric", role=LISTENING_PACK),
            thread_id=f"vary-{n}",
            vary_questions=True,
        )
        seen |= {p["question_id"] for p in done.payloads if p["topic"] == "auth"}
    assert seen == {"auth.mid", "auth.mid.2"}


async def test_route_turn_sends_only_answers_to_the_assessments():
    def state(intent: str, phase: str = "foundation", earlier: list | None = None):
        turn = {"turn": 9, "phase": phase, "question_id": "q", "intent": intent, "kind": "question"}
        return {"turns": [*(earlier or []), turn]}

    graded = ["grader", "difficulty", "follow_up", "acknowledge"]
    assert await route_turn(state("answer")) == graded
    assert await route_turn(state("skip")) == graded
    assert await route_turn(state("clarification_request")) == ["interviewer"]
    assert await route_turn(state("question")) == ["interviewer"]
    asked = {"turn": 8, "phase": "wrap_up", "question_id": "q", "intent": "question"}
    assert await route_turn(state("answer", "wrap_up", [asked])) == ["report"]
    assert await route_turn(state("answer", "wrap_up")) == graded


def test_acknowledgements_are_the_same_for_a_strong_and_a_weak_answer(pack):
    question = pack.question("auth.mid")
    bank = pack.topic_of("auth.mid")
    strong = "The gateway verifies each token's signature and its expiry before anything runs."
    weak = "The signature encrypts the token, so nobody can read what is inside it."
    said = {
        answer: acknowledgement(answer, False, bank, question, Phrasebook("t-9"))
        for answer in (strong, weak)
    }
    assert said[strong] == said[weak] and "signature" in said[strong]


def test_a_phrasebook_never_says_a_long_sentence_twice():
    book = Phrasebook("t-1")
    said = [book.optional_line("acknowledge.neutral") for _ in range(60)]
    spoken = [s for line in said if line for s in long_sentences(line)]
    assert spoken and len(spoken) == len(set(spoken))
    assert len(set(book.used[:20])) == 20  # fresh variants first
    # Each interview has its own order.
    firsts = {Phrasebook(f"t-{n}").line("probe_lead") for n in range(8)}
    assert len(firsts) > 1


# --- the listening candidates in evals/listening -------------------------------------------------


async def test_the_listening_set_exercises_every_path_and_meets_its_expectations():
    from evals.candidate import load_candidates
    from evals.evaluators import EVALUATORS, call_evaluator
    from evals.harness import candidate_inputs, candidate_reference

    folder = CANDIDATES_DIR.parent / "listening"
    requests: set[str] = set()
    sophia_kinds: set[str] = set()
    targets: set[str] = set()
    for candidate in load_candidates(folder):
        done = await interview(candidate, Context(model="rubric"), thread_id=f"l-{candidate.id}")
        requests |= {t.get("request") for t in done.state["turns"] if t.get("request")}
        sophia_kinds |= {e.kind for e in lines(done, "sophia")}
        targets.add(done.report.target_level)
        results = [
            call_evaluator(
                e, candidate_inputs(candidate), done.outputs(), candidate_reference(candidate)
            )
            for e in EVALUATORS
        ]
        failed = [r for r in results if r["score"] is False]
        assert not failed, (candidate.id, failed)
    assert requests >= {"repeat", "define", "scope", "rephrase"}
    assert sophia_kinds >= {"clarification", "reply", "hint", "feedback", "closing", "follow_up"}
    assert targets == {"junior", "mid", "senior"}


def test_every_line_sophia_can_say_reads_as_a_sentence():
    """Each template, filled with lower-case phrases as the role pack's terms and definitions are,
    starts with a capital letter and ends with punctuation (a line that opens with `{term}`
    would start in lower case)."""
    from rubric.phrasing import load_phrasing

    class Phrase(dict):
        def __missing__(self, key: str) -> str:
            # Corrections are the pack's whole sentences; everything else is a phrase.
            return "Bind parameters." if key == "correction" else "composite index"

    def lines(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from lines(value, f"{path}.{key}".lstrip("."))
        elif isinstance(node, list):
            for value in node:
                yield from lines(value, path)
        else:
            yield path, str(node).format_map(Phrase()).strip()

    said = list(lines(load_phrasing()))
    assert len(said) > 100
    unfinished = [(slot, line) for slot, line in said if line[-1] not in ".?!:"]
    lower = [(slot, line) for slot, line in said if not line[0].isupper()]
    assert not unfinished and not lower, unfinished + lower


async def test_a_term_sophia_did_not_use_is_not_defined():
    """The candidate brings in a term of their own: Sophia says she did not use it, rather than
    taking it "in its usual sense" as if she had."""
    asking = "What do you mean by a composite index?"
    done = await run(person(schema_optimization=[asking, PRIYA.answers["schema_optimization"]]))
    (clarified,) = lines(done, "sophia", "clarification")
    assert "composite index" in clarified.text
    assert "didn't" in clarified.text or "wasn't part of my question" in clarified.text
    assert turn_of(done, asking) not in graded_turns(done)
