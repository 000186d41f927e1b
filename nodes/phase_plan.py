"""How a phase node chooses what to ask next: the phase's topics in order, at the current level.

Shared by the six phase nodes; each phase differs only in its topics and budget (role pack).
"""

from __future__ import annotations

import zlib

from langgraph.runtime import Runtime

from graph.config import Context
from graph.scoring import LEVEL_VALUE, Level
from graph.session import Session
from graph.state import AskedQuestion, Phase, State
from rubric.role_pack import PhaseSpec, Question, RolePack, slot_of

# The introduction and the wrap-up keep the pack's budget whatever `questions_per_phase` says.
FIXED_BUDGET_PHASES: frozenset[Phase] = frozenset({"introduction", "wrap_up"})


def phase_budget(pack: RolePack, spec: PhaseSpec, context: Context) -> int:
    """Main questions this phase asks: the setting or the pack's budget, capped by the bank."""
    wanted = spec.budget
    if context.questions_per_phase and spec.id not in FIXED_BUDGET_PHASES:
        wanted = context.questions_per_phase
    # A topic and level is asked once, whichever of its variants is picked.
    available = pack.slots(spec.id)
    return max(1, min(wanted, available))


def choose_question(
    pack: RolePack,
    spec: PhaseSpec,
    index: int,
    asked: set[str],
    difficulty: Level,
    seed: str | None = None,
) -> Question:
    """The `index`-th main question of a phase: topics in turn, nearest to `difficulty`.

    A topic whose questions are all asked is skipped for the next one that has some left. A
    topic may have several variants at a level: with a `seed` (the thread id) one is picked per
    interview, so repeated practice differs; without one, the first (the one the bundled test
    candidates' answers were written for). Once one variant of a topic and level is asked, the
    others count as asked too: they test the same thing.
    """
    topics = spec.topics
    target = LEVEL_VALUE[difficulty]
    taken = {slot_of(question_id) for question_id in asked}
    for step in range(len(topics)):
        bank = pack.topics[topics[(index + step) % len(topics)]]
        left = [q for q in bank.questions if slot_of(q.id) not in taken]
        if not left:
            continue
        # Nearest difficulty first; between equals, the easier one (kinder to a candidate).
        best = min(
            (abs(LEVEL_VALUE[q.difficulty] - target), LEVEL_VALUE[q.difficulty]) for q in left
        )
        variants = [
            q
            for q in left
            if (abs(LEVEL_VALUE[q.difficulty] - target), LEVEL_VALUE[q.difficulty]) == best
        ]
        if seed is None or len(variants) == 1:
            return variants[0]
        pick = zlib.crc32(f"{seed}:{bank.topic}:{variants[0].difficulty}".encode())
        return variants[pick % len(variants)]
    raise LookupError(f"phase {spec.id} has no questions left")


def planned_questions(pack: RolePack, context: Context) -> int:
    """How many main questions the interview asks (follow-ups, hints and replies come on top)."""
    return sum(phase_budget(pack, spec, context) for spec in pack.phases)


async def plan_next_question(phase: Phase, state: State, runtime: Runtime[Context]) -> dict:
    """Pick the phase's next main question and make it the current one."""
    session = Session.from_runtime(runtime)
    spec = session.pack.phase(phase)
    entering = state.get("phase") != phase
    index = 0 if entering else state.get("phase_questions", 0)
    assessment = await session.assessment(state)
    question = choose_question(
        session.pack,
        spec,
        index,
        set(state.get("asked", [])),
        assessment.next_difficulty,
        seed=session.thread_id if session.context.vary_questions else None,
    )
    current: AskedQuestion = {
        "phase": phase,
        "question_id": question.id,
        "topic": session.pack.topic_of(question.id).topic,
        "kind": "closing" if phase == "wrap_up" else "question",
        "text": question.text,
    }
    return {
        "phase": phase,
        "phase_questions": index + 1,
        "phase_budget": phase_budget(session.pack, spec, session.context),
        "current": current,
        "asked": [question.id],
        "follow_ups": 0,
        "probe": None,
    }
