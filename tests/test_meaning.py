"""Contrast cases: the rubric brain must read what an answer means, not which words it uses.

Each case is a pair (or triple) of short answers that must be ordered, or treated alike, for one
reason only. They were written before the grader was changed to read claims (rubric/claims.py).
The phrase-matching grader before it passed 3 of the 21: a denied misconception, a mistaken
answer below a correct one, and a clear answer above a rambling one. The other 18 were marked
xfail (strict) while the grader was reworked; all pass now.
"""

from __future__ import annotations

import pytest

from rubric.analysis import AnswerAnalysis, analyse_answer


@pytest.fixture
def read(pack):
    def read(question_id: str, text: str) -> AnswerAnalysis:
        question = pack.question(question_id)
        return analyse_answer(question, pack.topic_of(question.id), [text])

    return read


def found(analysis: AnswerAnalysis) -> set[str]:
    return {kp.id for kp in analysis.found}


# --- what is asserted, and what is not -----------------------------------------------------------


def test_a_negated_point_earns_nothing(read):
    asserted = read(
        "async_programming.junior",
        "An event loop runs the coroutines, and async is useful for I/O-bound work like HTTP "
        "calls.",
    )
    negated = read(
        "async_programming.junior",
        "There is no event loop running the coroutines, and async is not useful for I/O-bound "
        "work like HTTP calls.",
    )
    assert {"event_loop", "io_bound_use"} <= found(asserted)
    assert not {"event_loop", "io_bound_use"} & found(negated)
    assert asserted.quality > negated.quality


def test_a_question_asked_back_earns_nothing(read):
    asserted = read(
        "async_programming.junior",
        "await pauses the coroutine and gives control back to the event loop so other tasks "
        "can run.",
    )
    questioned = read(
        "async_programming.junior",
        "Does await pause the coroutine and give control back to the event loop so other "
        "tasks can run?",
    )
    assert {"await_yields_control", "event_loop"} <= found(asserted)
    assert not {"await_yields_control", "event_loop"} & found(questioned)
    assert asserted.quality > questioned.quality


def test_having_heard_of_a_term_is_not_knowing_it(read):
    ignorant = read(
        "async_programming.junior", "I've heard of the GIL but I don't know what it does."
    )
    knowing = read(
        "async_programming.junior",
        "Because of the GIL only one thread runs Python code at a time, so async won't make "
        "CPU-bound work faster.",
    )
    assert "not_parallelism" not in found(ignorant)
    assert "not_parallelism" in found(knowing)
    unsure = read("async_programming.junior", "I'm not sure what an event loop is, to be honest.")
    assert "event_loop" not in found(unsure)


def test_naming_terms_is_not_explaining_them(read):
    named = read(
        "async_programming.mid",
        "async def, await, event loop, coroutines, threadpool, I/O bound, CPU bound, GIL, "
        "asyncio.gather, time.sleep, httpx, semaphore.",
    )
    explained = read(
        "async_programming.mid",
        "Synchronous code runs one call after another and each call blocks until it is done. "
        "With async def and await, a coroutine gives control back to the event loop while it "
        "waits on the network, so a single thread can serve many requests. That helps I/O-bound "
        "work, not CPU-bound work.",
    )
    assert named.quality <= 2.5
    assert explained.quality >= named.quality + 1.0


def test_the_questions_own_words_earn_nothing(read):
    echo = read(
        "auth.mid",
        "My approach to API authentication and authorization is to have proper authentication "
        "and authorization on every API.",
    )
    explained = read(
        "auth.mid",
        "Authentication establishes who the caller is, and authorization decides what that "
        "caller is allowed to do.",
    )
    assert "authn_vs_authz" not in found(echo)
    assert "authn_vs_authz" in found(explained)
    assert echo.quality <= 1.5 < explained.quality
    bottleneck = read(
        "database_scaling.mid",
        "The primary database is the bottleneck, so I would scale the database tier for the "
        "traffic.",
    )
    assert "find_bottleneck" not in found(bottleneck)


# --- homonyms and stems --------------------------------------------------------------------------


def test_waiting_for_is_not_asyncio_wait_for(read):
    waiting = read(
        "async_programming.mid", "The handler was waiting for the response from the database."
    )
    wait_for = read(
        "async_programming.mid",
        "I wrap each downstream call in asyncio.wait_for so that a stuck call is cancelled.",
    )
    assert "timeouts_cancellation" not in found(waiting)
    assert "timeouts_cancellation" in found(wait_for)


def test_an_authorization_header_is_not_authorization(read):
    header = read(
        "auth.mid",
        "For authentication the client sends the header Authorization: Bearer <token> on "
        "every request.",
    )
    assert "token_based" in found(header)
    assert "authn_vs_authz" not in found(header)


def test_a_pool_of_replicas_is_not_connection_pooling(read):
    replicas = read(
        "database_scaling.mid", "I would route the reads to a pool of replicas behind a balancer."
    )
    assert "read_replicas" in found(replicas)
    assert "pooling" not in found(replicas)


def test_as_best_we_could_is_not_weighing_options(read):
    idiom = read("challenges.mid", "We patched it as best we could and moved on.")
    weighed = read(
        "challenges.mid",
        "We had two options, a restart script or fixing the connection leak, and I chose the "
        "leak fix because the restart would only hide the problem.",
    )
    assert "options_tradeoffs" not in found(idiom)
    assert "options_tradeoffs" in found(weighed)


# --- misconceptions as claims --------------------------------------------------------------------

CORES = "Thinks async speeds up CPU-bound work or runs on several cores"


def test_a_hedged_misconception_is_still_a_misconception(read):
    hedged = read("async_programming.mid", "I think async basically runs your code on many cores.")
    assert CORES in hedged.red_flags


def test_a_misconception_asked_as_a_question_still_counts(read):
    asked = read(
        "async_programming.mid", "Doesn't async run everything in parallel on multiple cores?"
    )
    assert CORES in asked.red_flags
    answered = read(
        "async_programming.mid",
        "Is async the same as multithreading? No, it runs on a single thread.",
    )
    assert not answered.red_flags


def test_a_misconception_told_as_experience_counts(read):
    told = read(
        "async_programming.mid",
        "In my last job we made every endpoint async def so the requests would spread across "
        "all the CPU cores.",
    )
    assert CORES in told.red_flags


def test_async_endpoints_serving_requests_one_by_one_is_a_misconception(read):
    for text in (
        "I think async def will queue the requests and run them one by one.",
        "With async def the server takes the requests one at a time, in order.",
    ):
        assert read("async_programming.mid", text).red_flags, text


def test_if_something_goes_wrong_does_not_cancel_a_misconception(read):
    stated = read(
        "async_programming.senior",
        "If something goes wrong under load, we just add more servers.",
    )
    assert "Scales by adding hardware instead of measuring" in stated.red_flags


def test_a_denied_misconception_is_not_one(read):
    denied = read(
        "async_programming.mid",
        "Async is not multithreading, and it does not use multiple cores.",
    )
    assert not denied.red_flags


def test_a_mistaken_answer_scores_below_a_correct_one_with_the_same_coverage(read):
    correct = read(
        "async_programming.mid",
        "Synchronous code blocks until each call is done. Async code runs coroutines on an "
        "event loop on one thread, and await yields control while waiting on I/O.",
    )
    mistaken = read(
        "async_programming.mid",
        "Synchronous code blocks until each call is done. Async code runs coroutines on an "
        "event loop, and await yields control while waiting; I believe the loop spreads the "
        "coroutines across all the cores.",
    )
    assert mistaken.red_flags and not correct.red_flags
    assert mistaken.quality <= correct.quality - 1.0


# --- paraphrase ----------------------------------------------------------------------------------


def test_read_replicas_in_plain_words(read):
    plain = read(
        "database_scaling.mid",
        "I'd spin up secondary database servers that mirror the main one, and let the app run "
        "its read-only queries against those mirrors.",
    )
    assert "read_replicas" in found(plain)


def test_yielding_control_in_plain_words(read):
    plain = read(
        "async_programming.junior",
        "While one request sits waiting on the network, the server gets on with the next one "
        "instead of idling.",
    )
    assert "await_yields_control" in found(plain)


# --- reasoning, stories and clarity --------------------------------------------------------------


def test_reasoning_in_plain_words_beats_a_list_of_buzzwords(read):
    buzzwords = read(
        "database_scaling.mid",
        "Bottleneck, latency, metrics, benchmark, load test, failure, fallback, retry, rollback, "
        "constraint, requirement, edge case, requests per second.",
    )
    reasoning = read(
        "database_scaling.mid",
        "Since nine in ten queries are reads, the cheapest win is to stop sending them all to "
        "one machine. I'd first check which queries take the most time, because fixing two bad "
        "queries may be enough and costs nothing. If it isn't, I'd add read replicas, but they "
        "run slightly behind, so a user who just saved a change could see the old version; for "
        "those pages I'd read from the primary. Writes still all go to one server, so this only "
        "buys time if writes grow too.",
    )
    assert reasoning.scores["problem_solving"] >= buzzwords.scores["problem_solving"] + 1.0
    assert buzzwords.quality <= 2.0


STORY = (
    "At my last job our checkout service crashed every few hours under load. I looked at the "
    "logs and the metrics, found a connection leak in our retry code, and rewrote the retry "
    "logic."
)


def test_a_story_needs_an_outcome_and_a_reflection(read):
    bare = read("challenges.mid", STORY)
    whole = read(
        "challenges.mid",
        STORY + " After the fix the crashes stopped completely and p95 latency went from 900 ms "
        "to 200 ms. I learned to load-test retry paths, and now I always add a regression test "
        "for leaks.",
    )
    assert bare.quality <= 3.0
    assert whole.quality >= bare.quality + 1.0


def test_a_clear_answer_communicates_better_than_a_rambling_one(read):
    clear = read(
        "async_programming.mid",
        "There are three differences. First, synchronous code runs one call at a time and "
        "blocks until each finishes. Second, async code runs coroutines on an event loop, and "
        "await gives control back while waiting on I/O. Third, async helps I/O-bound work but "
        "not CPU-bound work, which needs processes.",
    )
    rambling = read(
        "async_programming.mid",
        "so yeah basically sync is like, you know, one call at a time and it blocks until it "
        "finishes I guess and then async is kind of coroutines on an event loop and await sort "
        "of gives control back while waiting on I/O or something and um it helps I/O-bound "
        "stuff but not CPU-bound stuff which needs processes and whatever",
    )
    assert clear.scores["communication"] >= rambling.scores["communication"] + 0.75
