"""The evaluation as a LangSmith experiment: candidates become a dataset, runs an experiment.

`upload_dataset` keeps a LangSmith dataset in step with a candidates folder (one example per
candidate, keyed by candidate id: new ones are added, changed ones updated, removed ones
deleted). `run_langsmith_experiment` then runs every example through `langsmith.aevaluate` with
the evaluators of `evals/evaluators.py`, so the experiment shows the same checks and metrics as
`sophia eval`, and summarises the same interviews locally for the table, JSON and HTML.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.candidate import TestCandidate
from evals.evaluators import EVALUATORS, SUMMARY_EVALUATORS
from evals.harness import (
    AnswererFactory,
    CandidateResult,
    EvalResult,
    RunDone,
    candidate_inputs,
    candidate_reference,
    summarise,
)
from evals.runner import InterviewRun, interview
from graph.config import Context
from graph.errors import SophiaError

DATASET_DESCRIPTION = (
    "Sophia test candidates: inputs are candidate files, outputs what a fair interviewer "
    "concludes (level, overall band, accepted recommendations)."
)


class LangSmithUnavailableError(SophiaError):
    """LangSmith was asked for but cannot be used (no API key)."""


def require_langsmith_key() -> None:
    """Fail with one line when LANGSMITH_API_KEY is not set."""
    if not os.environ.get("LANGSMITH_API_KEY"):
        raise LangSmithUnavailableError(
            "--langsmith needs LANGSMITH_API_KEY; without it, run without --langsmith "
            "to evaluate locally"
        )


def dataset_examples(candidates: Sequence[TestCandidate]) -> list[dict[str, Any]]:
    """One LangSmith example per candidate: the file as inputs, its expectations as outputs."""
    return [
        {
            "inputs": candidate_inputs(c),
            "outputs": candidate_reference(c),
            "metadata": {"candidate_id": c.id, "variant_of": c.variant_of, "variant": c.variant},
        }
        for c in candidates
    ]


@dataclass(frozen=True)
class DatasetUpload:
    """What `upload_dataset` did."""

    dataset_id: str
    dataset_name: str
    created: int
    updated: int
    deleted: int
    unchanged: int


def upload_dataset(
    client: Any, candidates: Sequence[TestCandidate], dataset_name: str
) -> DatasetUpload:
    """Create or update the dataset `dataset_name` so it holds exactly these candidates.

    `client` is a `langsmith.Client` (tests pass a stub with the same methods). Blocking: call
    it from a thread in async code.
    """
    if client.has_dataset(dataset_name=dataset_name):
        dataset = client.read_dataset(dataset_name=dataset_name)
    else:
        dataset = client.create_dataset(dataset_name, description=DATASET_DESCRIPTION)
    existing = {
        (example.metadata or {}).get("candidate_id"): example
        for example in client.list_examples(dataset_id=dataset.id)
    }
    wanted = {e["metadata"]["candidate_id"]: e for e in dataset_examples(candidates)}
    to_create = [e for cid, e in wanted.items() if cid not in existing]
    updated = unchanged = 0
    for cid, example in wanted.items():
        old = existing.get(cid)
        if old is None:
            continue
        if old.inputs == example["inputs"] and (old.outputs or {}) == example["outputs"]:
            unchanged += 1
            continue
        client.update_example(
            old.id,
            inputs=example["inputs"],
            outputs=example["outputs"],
            metadata=example["metadata"],
        )
        updated += 1
    if to_create:
        client.create_examples(dataset_id=dataset.id, examples=to_create)
    stale = [example.id for cid, example in existing.items() if cid not in wanted]
    if stale:
        client.delete_examples(example_ids=stale)
    return DatasetUpload(
        dataset_id=str(dataset.id),
        dataset_name=dataset_name,
        created=len(to_create),
        updated=updated,
        deleted=len(stale),
        unchanged=unchanged,
    )


Evaluate = Callable[..., Awaitable[Any]]


async def run_langsmith_experiment(
    candidates: Sequence[TestCandidate],
    context: Context,
    *,
    dataset_name: str,
    client: Any = None,
    experiment_prefix: str = "sophia-eval",
    repeat: int = 1,
    concurrency: int = 4,
    answerer: AnswererFactory | None = None,
    on_run_done: RunDone | None = None,
    settings: Mapping[str, Any] | None = None,
    evaluate: Evaluate | None = None,
) -> tuple[EvalResult, DatasetUpload, str]:
    """Upload the candidates, run the experiment; returns the local summary, upload, name.

    `evaluate` defaults to `langsmith.aevaluate`; `client` to a `langsmith.Client()` on the
    environment's key.
    """
    if client is None:
        import langsmith

        client = langsmith.Client()
    if evaluate is None:
        from langsmith import aevaluate as evaluate
    started = time.perf_counter()
    upload = await asyncio.to_thread(upload_dataset, client, candidates, dataset_name)
    runs: dict[str, list[InterviewRun]] = defaultdict(list)

    async def sophia_interview(inputs: dict[str, Any]) -> dict[str, Any]:
        """Interview the example's candidate; the outputs are what the evaluators read."""
        candidate = TestCandidate.model_validate(inputs["candidate"])
        run = await interview(candidate, context, answerer(candidate) if answerer else None)
        runs[candidate.id].append(run)
        if on_run_done:
            on_run_done(run)
        return run.outputs()

    results = await evaluate(
        sophia_interview,
        data=dataset_name,
        evaluators=list(EVALUATORS),
        summary_evaluators=list(SUMMARY_EVALUATORS),
        experiment_prefix=experiment_prefix,
        description=f"sophia eval on {len(candidates)} candidates",
        metadata={"model": context.model, **dict(settings or {})},
        num_repetitions=repeat,
        max_concurrency=concurrency,
        client=client,
    )
    experiment = str(getattr(results, "experiment_name", "") or "")
    summary = summarise(
        [CandidateResult(candidate=c, runs=runs[c.id]) for c in candidates],
        time.perf_counter() - started,
        {**dict(settings or {}), "langsmith_experiment": experiment},
    )
    summary.notes += [
        f"{c.id}: {len(runs[c.id])} of {repeat} interviews finished (see the experiment's errors)"
        for c in candidates
        if len(runs[c.id]) < repeat
    ]
    return summary, upload, experiment
