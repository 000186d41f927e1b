"""Run whole interviews against simulated candidates, in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from evals.candidate import TestCandidate
from evals.simulated_candidate import ScriptedCandidate
from graph.builder import build_graph
from graph.config import Context
from graph.state import FinalReport
from graph.store import load_report

# A guard against a graph that never reaches the report (18 questions x 4 probes is far less).
MAX_TURNS = 200


async def run_interview(
    candidate: TestCandidate,
    context: Context | None = None,
    answer: Callable[[dict[str, Any]], str] | None = None,
    thread_id: str | None = None,
) -> tuple[FinalReport, list[dict[str, Any]]]:
    """Interview `candidate` to the end; returns the report and the interrupt payloads seen."""
    store = InMemoryStore()
    graph = build_graph().compile(checkpointer=InMemorySaver(), store=store)
    context = context or Context()
    answer = answer or ScriptedCandidate(candidate).answer
    thread_id = thread_id or f"sim-{candidate.id}-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread_id}}
    payloads: list[dict[str, Any]] = []
    run_input: Any = {"candidate": candidate.profile_input()}
    for _ in range(MAX_TURNS):
        await graph.ainvoke(run_input, config, context=context)
        snapshot = await graph.aget_state(config)
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if not interrupts:
            break
        payload = interrupts[0].value
        payloads.append(payload)
        run_input = Command(resume=answer(payload))
    else:
        raise RuntimeError(f"interview with {candidate.id} did not finish in {MAX_TURNS} turns")
    report = await load_report(store, thread_id)
    if report is None:
        raise RuntimeError(f"interview with {candidate.id} finished without a report")
    return report.model_copy(update={"candidate_id": candidate.id}), payloads
