"""Reading an answer as claims: each clause's stance, denial, and misconceptions as claims."""

from __future__ import annotations

import pytest

from rubric.analysis import load_signals
from rubric.claims import Reading
from rubric.text import compile_phrase


def reading(text: str) -> Reading:
    return Reading(text, load_signals().stance)


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("The event loop schedules the coroutines.", "asserted"),
        ("Maybe the event loop schedules the coroutines.", "hedged"),
        ("Is it the event loop that schedules the coroutines?", "questioned"),
        ("The event loop schedules them, right?", "asserted"),
        ("I've heard of the event loop but I don't know what it does.", "unknown"),
        ("event loop, coroutines, GIL, asyncio.gather.", "named"),
        # A vague appeal in place of a reason hedges the whole sentence, every clause of it.
        ("The event loop schedules them, which is the industry standard.", "hedged"),
        ("Following best practices, the event loop schedules them.", "hedged"),
        # So does a sweeping claim that waves the problem away instead of saying how.
        ("The event loop schedules them, so it scales infinitely.", "hedged"),
        ("The gateway handles it for you, with a token bucket.", "hedged"),
    ],
)
def test_each_clause_gets_a_stance(text, stance):
    first = reading(text).clauses[0]
    assert first.stance == stance


def test_credit_follows_the_stance_and_a_denial_before_the_phrase():
    phrase = compile_phrase("event loop")
    assert reading("An event loop runs them.").evidence(phrase).credit == 1.0
    assert reading("Perhaps an event loop runs them.").evidence(phrase).credit == 0.5
    assert reading("An event loop runs them, as best practices say.").evidence(phrase).credit == 0.5
    assert reading("There is no event loop here.").evidence(phrase) is None
    # A limitation is asserted by a negative sentence.
    assert reading("There is no event loop here.").evidence(phrase, negatable=False)
    # Advice is not a denial.
    assert reading("Don't block the event loop.").evidence(phrase).credit == 1.0
    # A question earns credit only for points about asking.
    asked = reading("How big is the team?")
    assert asked.evidence(compile_phrase("team")) is None
    assert asked.evidence(compile_phrase("team"), asking=True).credit == 1.0


def test_a_disclaimer_later_in_the_sentence_hedges_what_came_before():
    phrase = compile_phrase("read replicas")
    aware = "There are read replicas, but I don't really know how you'd set them up."
    assert reading(aware).evidence(phrase).credit == 0.5
    # What follows the disclaimer is a claim of its own.
    after = "I don't know Kubernetes, but we scaled reads with read replicas."
    assert reading(after).evidence(phrase).credit == 1.0
    # A disclaimer in another sentence leaves this one alone.
    apart = "We added read replicas. I don't know how sharding works."
    assert reading(apart).evidence(phrase).credit == 1.0


def test_evidence_quotes_the_sentence_that_asserts_it():
    text = "Is there an event loop? Yes. The event loop runs every coroutine."
    found = reading(text).evidence(compile_phrase("event loop"))
    assert found.sentence == "The event loop runs every coroutine."


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Async is basically multithreading.", True),
        ("I think async is multithreading.", True),
        ("Wouldn't you say async is basically multithreading?", True),
        ("Is async multithreading? No, it is one thread.", False),
        ("Async is not multithreading.", False),
        ("It's a myth that async is multithreading.", False),
        ("If something goes wrong, async is multithreading anyway.", True),
    ],
)
def test_misconceptions_are_read_as_claims(text, stated):
    found = reading(text).states(compile_phrase("async is multithreading"), max_gap=2)
    assert (found is not None) is stated


def test_the_parts_of_a_misconception_must_make_one_claim():
    phrase = compile_phrase("p99 + average latency")
    assert reading("The p99 is the average latency of most requests.").states(phrase)
    assert not reading("Watch the p99 rather than the average latency.").states(phrase)
    assert not reading("Watch the p99. The average latency hides the tail.").states(phrase)
