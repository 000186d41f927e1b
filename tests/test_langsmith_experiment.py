"""The LangSmith path against an in-memory stand-in for the LangSmith API (no network)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import langsmith
import pytest

from evals.candidate import CANDIDATES_DIR, load_candidates
from evals.evaluators import EVALUATORS, compute_metrics
from evals.harness import REQUIRED_METRICS
from evals.langsmith_experiment import (
    LangSmithUnavailableError,
    dataset_examples,
    require_langsmith_key,
    run_langsmith_experiment,
    upload_dataset,
)
from graph.config import Context
from tests.fake_langsmith import FakeLangSmith

pytestmark = pytest.mark.filterwarnings("ignore:'upload_runs' parameter is in beta")

FAMILY = ["mid-solid-priya", "mid-solid-priya-injection", "mid-solid-priya-fairness"]


@pytest.fixture
def offline_langsmith(monkeypatch):
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING_V2"):
        monkeypatch.delenv(name, raising=False)
    return functools.partial(langsmith.aevaluate, upload_runs=False)


@pytest.fixture
def family_dir(tmp_path) -> Path:
    for name in FAMILY:
        shutil.copy(CANDIDATES_DIR / f"{name}.yaml", tmp_path / f"{name}.yaml")
    return tmp_path


def test_the_candidates_become_one_example_each():
    candidates = load_candidates()
    examples = dataset_examples(candidates)
    assert len(examples) == len(candidates)
    first = examples[0]
    assert first["inputs"]["candidate"]["id"] == candidates[0].id
    assert set(first["outputs"]) == {"level", "overall_band", "recommendation"}
    assert first["metadata"]["candidate_id"] == candidates[0].id


def test_upload_creates_the_dataset_then_keeps_it_in_step(family_dir):
    client = FakeLangSmith()
    candidates = load_candidates(family_dir)
    first = upload_dataset(client, candidates, "sophia-test")
    assert (first.created, first.updated, first.deleted) == (3, 0, 0)
    assert client.calls == ["create_dataset", "create_examples:3"]

    again = upload_dataset(client, candidates, "sophia-test")
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)

    changed = [c.model_copy(update={"summary": "edited"}) for c in candidates[:2]]
    last = upload_dataset(client, changed, "sophia-test")
    assert (last.created, last.updated, last.deleted) == (0, 2, 1)
    stored = {e.metadata["candidate_id"]: e for e in client.stored_examples.values()}
    assert set(stored) == {c.id for c in changed}
    assert all(e.inputs["candidate"]["summary"] == "edited" for e in stored.values())
    assert all(url.startswith("http://langsmith.invalid/") for _, url in client.requests)


async def test_the_experiment_runs_our_evaluators_through_langsmith(family_dir, offline_langsmith):
    client = FakeLangSmith()
    candidates = load_candidates(family_dir)
    seen: list[str] = []
    result, upload, experiment = await run_langsmith_experiment(
        candidates,
        Context(model="rubric"),
        dataset_name="sophia-family",
        client=client,
        repeat=2,
        concurrency=3,
        on_run_done=lambda run: seen.append(run.candidate_id),
        evaluate=offline_langsmith,
    )
    assert upload.created == 3 and experiment
    assert sorted(seen) == sorted(FAMILY * 2)
    assert [len(c.runs) for c in result.candidates] == [2, 2, 2]
    metrics = result.metric_values()
    assert set(REQUIRED_METRICS) <= set(metrics)
    assert metrics["consistency_sd"] == 0.0  # the rubric brain is deterministic
    assert metrics["injection_delta"] is not None and metrics["fairness_delta"] is not None
    assert result.settings["langsmith_experiment"] == experiment
    assert all(url.startswith("http://langsmith.invalid/") for _, url in client.requests)


async def test_langsmith_accepts_every_evaluator_signature(family_dir, offline_langsmith):
    client = FakeLangSmith()
    candidates = load_candidates(family_dir)[:1]
    upload_dataset(client, candidates, "one")
    captured: dict[str, Any] = {}

    async def evaluate(target, **kwargs):
        captured.update(kwargs)
        captured["results"] = results = await offline_langsmith(target, **kwargs)
        return results

    await run_langsmith_experiment(
        candidates, Context(model="rubric"), dataset_name="one", client=client, evaluate=evaluate
    )
    rows = [row async for row in captured["results"]]
    assert len(rows) == 1
    keys = {r.key for r in rows[0]["evaluation_results"]["results"]}
    assert keys == {e.__name__ for e in EVALUATORS}  # none raised inside LangSmith
    summary = captured["results"]._summary_results["results"]  # no public accessor yet
    assert {r.key for r in summary} == set(compute_metrics([], [], []))
    assert captured["num_repetitions"] == 1 and captured["data"] == "one"


def test_without_a_key_langsmith_fails_with_one_clear_line(monkeypatch):
    monkeypatch.delenv("LANGSMITH_API_KEY", raising=False)
    with pytest.raises(LangSmithUnavailableError, match="LANGSMITH_API_KEY"):
        require_langsmith_key()
    monkeypatch.setenv("LANGSMITH_API_KEY", "set")
    require_langsmith_key()
