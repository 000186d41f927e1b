"""How Sophia speaks, over every test candidate in evals/: in hiring and in practice mode.

No sentence of hers of six words or more is said twice in an interview, and no answer that
stated a misconception or scored under 2.5 is praised (`evals/evaluators.py`). The counts are
printed (run with -s).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evals.candidate import load_candidates
from evals.evaluators import praise_after_weak_answers, repeated_sentences
from evals.runner import interview
from graph.config import Context

pytestmark = pytest.mark.integration

EVALS = Path(__file__).resolve().parent.parent / "evals"
SETS = sorted(p.parent for p in EVALS.glob("*/*.yaml"))


def test_every_set_is_covered():
    assert {p.name for p in set(SETS)} >= {"candidates", "unseen6", "listening"}


@pytest.mark.parametrize("mode", ["hiring", "practice"])
def test_sophia_never_repeats_herself_nor_praises_a_weak_answer(mode):
    async def run_all() -> tuple[int, int, int, list[str]]:
        interviews = repeats = praise = 0
        problems: list[str] = []
        for folder in sorted(set(SETS)):
            for candidate in load_candidates(folder):
                done = await interview(
                    candidate,
                    Context(model="rubric", mode=mode),
                    thread_id=f"{mode}-{folder.name}-{candidate.id}",
                )
                outputs = done.outputs()
                said_twice = repeated_sentences(outputs["transcript"])
                praised = praise_after_weak_answers(outputs)
                interviews += 1
                repeats += len(said_twice)
                praise += len(praised)
                if said_twice or praised:
                    problems.append(f"{folder.name}/{candidate.id}: {said_twice[:2]} {praised[:2]}")
        return interviews, repeats, praise, problems

    interviews, repeats, praise, problems = asyncio.run(run_all())
    print(f"\n{mode}: {interviews} interviews, {repeats} repeated sentences, {praise} praised")
    assert interviews > 100
    assert (repeats, praise) == (0, 0), problems
