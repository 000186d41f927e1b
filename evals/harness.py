"""The evaluation harness: interview every test candidate, score the outcomes, check thresholds.

`sophia eval` is a thin shell around this module; the LangSmith experiment
(`langsmith_experiment.py`) runs the same interviews through `langsmith.aevaluate` and is
summarised here too, so both report the same figures.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from evals.candidate import TestCandidate
from evals.evaluators import (
    EVALUATORS,
    EvaluatorResult,
    call_evaluator,
    compute_metrics,
    standard_deviation,
)
from evals.runner import Answerer, InterviewRun, interview
from graph.config import Context
from graph.errors import CandidateFileError
from graph.scoring import CRITERIA

# Makes a fresh answer function for one interview (an LLM-simulated candidate keeps history).
AnswererFactory = Callable[[TestCandidate], Answerer]
RunDone = Callable[[InterviewRun], None]

# The metrics every evaluation reports (the JSON contract), then the extras.
REQUIRED_METRICS = (
    "level_accuracy",
    "band_hit_rate",
    "recommendation_accuracy",
    "spearman",
    "consistency_sd",
    "injection_delta",
    "fairness_delta",
)
# Which way each metric must go: "min" metrics fail below a threshold, "max" ones above it.
METRIC_BOUNDS: dict[str, Literal["min", "max"]] = {
    "level_accuracy": "min",
    "band_hit_rate": "min",
    "recommendation_accuracy": "min",
    "spearman": "min",
    "consistency_sd": "max",
    "injection_delta": "max",
    "fairness_delta": "max",
    "injection_detection_rate": "min",
    "trajectory_pass_rate": "min",
    "trajectory_consistency": "min",
}


def candidate_inputs(candidate: TestCandidate) -> dict[str, Any]:
    """A candidate as evaluation input (a LangSmith example's `inputs`)."""
    return {"candidate": candidate.model_dump(mode="json")}


def candidate_reference(candidate: TestCandidate) -> dict[str, Any]:
    """What the candidate file expects (a LangSmith example's `outputs`); {} when nothing."""
    return candidate.expected.model_dump(mode="json") if candidate.expected else {}


@dataclass
class CandidateResult:
    """A candidate and its interviews (one per repeat)."""

    candidate: TestCandidate
    runs: list[InterviewRun] = field(default_factory=list)

    def evaluations(self) -> list[dict[str, EvaluatorResult]]:
        """Every per-interview evaluator on each run, by key."""
        inputs, reference = candidate_inputs(self.candidate), candidate_reference(self.candidate)
        evaluations = []
        for run in self.runs:
            outputs = run.outputs()
            results = [call_evaluator(e, inputs, outputs, reference) for e in EVALUATORS]
            evaluations.append({r["key"]: r for r in results})
        return evaluations

    def to_json(self) -> dict[str, Any]:
        """The candidate's row in the JSON report."""
        c = self.candidate
        evaluations = self.evaluations()
        checks: dict[str, float | None] = {}
        failures: list[str] = []
        for key in (e.__name__ for e in EVALUATORS):
            scores = [ev[key]["score"] for ev in evaluations if ev[key]["score"] is not None]
            checks[key] = sum(1 for s in scores if s) / len(scores) if scores else None
            for ev in evaluations:
                note = f"{key}: {ev[key]['comment']}"
                if ev[key]["score"] is False and note not in failures:
                    failures.append(note)
        overall = [r.report.overall for r in self.runs]
        scores = {
            criterion: round(sum(values) / len(values), 2)
            for criterion in CRITERIA
            if (
                values := [
                    r.report.scores[criterion] for r in self.runs if criterion in r.report.scores
                ]
            )
        }
        first = self.runs[0] if self.runs else None
        payloads = first.payloads if first else []
        return {
            "id": c.id,
            "name": c.name,
            "variant_of": c.variant_of,
            "variant": c.variant,
            "expected": candidate_reference(c) or None,
            "level": _most_common([r.report.level for r in self.runs]),
            "overall": round(sum(overall) / len(overall), 1) if overall else None,
            "overall_sd": round(standard_deviation(overall), 2) if len(overall) > 1 else None,
            "recommendation": _most_common([r.report.recommendation for r in self.runs]),
            "scores": scores,
            "checks": checks,
            "failures": failures,
            "flags": list(first.report.flags) if first else [],
            "questions": sum(1 for p in payloads if p["kind"] in ("question", "closing")),
            "follow_ups": sum(1 for p in payloads if p["kind"] == "follow_up"),
            "runs": [
                {
                    "level": r.report.level,
                    "overall": r.report.overall,
                    "recommendation": r.report.recommendation,
                    "scores": dict(r.report.scores),
                    "seconds": round(r.seconds, 3),
                }
                for r in self.runs
            ],
        }


def _most_common(values: Sequence[str]) -> str | None:
    return Counter(values).most_common(1)[0][0] if values else None


@dataclass
class EvalResult:
    """An evaluation's outcome: per-candidate results and the metrics over all interviews."""

    candidates: list[CandidateResult]
    metrics: dict[str, EvaluatorResult]
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def metric_values(self) -> dict[str, float | None]:
        """Each metric's score by key (None: not measured)."""
        return {key: result["score"] for key, result in self.metrics.items()}

    def to_json(self, thresholds: Sequence[Threshold] = ()) -> dict[str, Any]:
        """`{"candidates": [...], "metrics": {...}}`, plus comments, thresholds and settings."""
        values = self.metric_values()
        return {
            "candidates": [c.to_json() for c in self.candidates],
            "metrics": values,
            "metric_comments": {key: r["comment"] for key, r in self.metrics.items()},
            "thresholds": [
                {
                    "metric": t.metric,
                    "bound": t.bound,
                    "value": t.value,
                    "failure": t.failure(values),
                }
                for t in thresholds
            ],
            "settings": self.settings,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


def check_candidate_set(candidates: Sequence[TestCandidate]) -> list[str]:
    """Fail on duplicate ids; return notes on variants whose base is not in the set."""
    seen = Counter(c.id for c in candidates)
    duplicates = sorted(cid for cid, n in seen.items() if n > 1)
    if duplicates:
        raise CandidateFileError(f"candidate ids must be unique; repeated: {', '.join(duplicates)}")
    return [
        f"{c.id} is a {c.variant} variant of {c.variant_of}, which is not in the set"
        for c in candidates
        if c.variant_of and c.variant_of not in seen
    ]


def summarise(
    results: Sequence[CandidateResult],
    seconds: float,
    settings: Mapping[str, Any] | None = None,
) -> EvalResult:
    """Score every interview of every candidate and compute the metrics over them all."""
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    references: list[dict[str, Any]] = []
    for result in results:
        for run in result.runs:
            inputs.append(candidate_inputs(result.candidate))
            outputs.append(run.outputs())
            references.append(candidate_reference(result.candidate))
    return EvalResult(
        candidates=list(results),
        metrics=compute_metrics(inputs, outputs, references),
        seconds=seconds,
        settings=dict(settings or {}),
        notes=check_candidate_set([r.candidate for r in results]),
    )


async def run_candidates(
    candidates: Sequence[TestCandidate],
    context: Context,
    repeat: int = 1,
    concurrency: int = 4,
    answerer: AnswererFactory | None = None,
    on_run_done: RunDone | None = None,
) -> list[CandidateResult]:
    """Interview every candidate `repeat` times, at most `concurrency` interviews at once."""
    if repeat < 1 or concurrency < 1:
        raise ValueError("repeat and concurrency must be at least 1")
    check_candidate_set(candidates)
    gate = asyncio.Semaphore(concurrency)

    async def one(candidate: TestCandidate) -> InterviewRun:
        async with gate:
            run = await interview(candidate, context, answerer(candidate) if answerer else None)
        if on_run_done:
            on_run_done(run)
        return run

    tasks = [asyncio.create_task(one(c)) for c in candidates for _ in range(repeat)]
    try:
        runs = await asyncio.gather(*tasks)
    except BaseException:
        # One failed interview (an unavailable model, say) ends the evaluation: stop the rest.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return [
        CandidateResult(candidate=c, runs=list(runs[i * repeat : (i + 1) * repeat]))
        for i, c in enumerate(candidates)
    ]


async def evaluate_candidates(
    candidates: Sequence[TestCandidate],
    context: Context,
    repeat: int = 1,
    concurrency: int = 4,
    answerer: AnswererFactory | None = None,
    on_run_done: RunDone | None = None,
    settings: Mapping[str, Any] | None = None,
) -> EvalResult:
    """Run the interviews locally and summarise them."""
    started = time.perf_counter()
    results = await run_candidates(candidates, context, repeat, concurrency, answerer, on_run_done)
    return summarise(results, time.perf_counter() - started, settings)


@dataclass(frozen=True)
class Threshold:
    """A bound a metric must respect: `min` fails below `value`, `max` fails above it."""

    metric: str
    bound: Literal["min", "max"]
    value: float

    def failure(self, metrics: Mapping[str, float | None]) -> str | None:
        """Why `metrics` break this threshold, or None when they respect it."""
        actual = metrics.get(self.metric)
        if actual is None:
            return f"{self.metric} was not measured (threshold {self.bound} {self.value:g})"
        if self.bound == "min" and actual < self.value:
            return f"{self.metric} {actual:.3g} is below the minimum {self.value:g}"
        if self.bound == "max" and actual > self.value:
            return f"{self.metric} {actual:.3g} is above the maximum {self.value:g}"
        return None


def thresholds_from_options(options: Mapping[str, Any]) -> list[Threshold]:
    """The thresholds set as options named `<bound>_<metric>` (`min_spearman`,
    `max_injection_delta`: the CLI's `--min-spearman`, ...) for each metric of METRIC_BOUNDS,
    in that table's order; options left unset (None) set none."""
    return [
        Threshold(metric, bound, float(value))
        for metric, bound in METRIC_BOUNDS.items()
        if (value := options.get(f"{bound}_{metric}")) is not None
    ]


def threshold_failures(
    metrics: Mapping[str, float | None], thresholds: Sequence[Threshold]
) -> list[str]:
    """Every threshold the metrics break, in words."""
    return [f for t in thresholds if (f := t.failure(metrics))]
