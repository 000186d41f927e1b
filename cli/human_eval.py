"""`sophia eval --human DIR`: how far the grader agrees with two raters on answers by people."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.table import Table

from cli.console import console, err_console
from evals.answer_grading import AnswerToGrade, grade_answers
from evals.harness import Threshold, threshold_failures
from evals.human import (
    GROUPS,
    HUMAN_METRIC_BOUNDS,
    GradedHumanAnswer,
    Split,
    agreement,
    load_human_answers,
)
from graph.config import Context
from graph.llm import is_rubric


async def evaluate_human(
    folder: Path, split: Split, context: Context, concurrency: int = 4
) -> tuple[list[GradedHumanAnswer], dict[str, Any]]:
    """Grade every answer of the split with the configured brain and measure the agreement."""
    answers = load_human_answers(folder, split)
    items = [AnswerToGrade(id=a.id, question_id=a.question_id, text=a.text) for a in answers]
    results = await grade_answers(items, context, concurrency)
    graded = [
        GradedHumanAnswer(
            answer=a,
            quality=r.evaluation.quality
            if r.evaluation.quality is not None
            else next(iter(r.evaluation.scores.values())),
            flagged=bool(r.evaluation.misconceptions),
            misconceptions=tuple(r.evaluation.misconceptions),
            brain=r.evaluation.brain,
        )
        for a, r in zip(answers, results, strict=True)
    ]
    return graded, agreement(graded)


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def agreement_tables(metrics: Mapping[str, Any]) -> list[Table]:
    """The figures beside the raters' own agreement, and the mean score per quality group."""
    raters = metrics["raters"]
    figures = Table(title=f"Agreement with the raters ({metrics['n']} answers)")
    for name in ("figure", "grader", "rater 1 vs rater 2", "word count"):
        figures.add_column(name, justify="left" if name == "figure" else "right")
    figures.add_row(
        "Spearman",
        _figure(metrics["spearman"]),
        _figure(raters["spearman"]),
        _figure(metrics["word_count_spearman"]),
    )
    figures.add_row("Pearson", _figure(metrics["pearson"]), _figure(raters["pearson"]), "")
    figures.add_row(
        "Quadratic weighted kappa", _figure(metrics["kappa"]), _figure(raters["kappa"]), ""
    )
    figures.add_row("Mean absolute error", _figure(metrics["mean_absolute_error"]), "", "")
    figures.add_row(
        f"Misconception recall (of {metrics['mistaken_n']})",
        _figure(metrics["misconception_recall"]),
        "",
        "",
    )
    figures.add_row(
        f"Misconception false positives (of {metrics['clean_n']})",
        _figure(metrics["misconception_false_positive_rate"]),
        "",
        "",
    )
    figures.add_row("Mistake flags agree (share)", "", _figure(raters["mistake_agreement"]), "")
    groups = Table(title="By quality group")
    for name in ("group", "n", "reference", "grader", "signed error"):
        groups.add_column(name, justify="left" if name == "group" else "right")
    for group in GROUPS:
        g = metrics["groups"][group]
        groups.add_row(
            group,
            str(g["n"]),
            *(
                "–"
                if g[key] is None
                else f"{g[key]:+.2f}"
                if key == "mean_signed_error"
                else f"{g[key]:.2f}"
                for key in ("mean_reference", "mean_score", "mean_signed_error")
            ),
        )
    return [figures, groups]


def run_human_eval(
    folder: Path,
    split: Split,
    context: Context,
    json_path: Path | None,
    limits: Mapping[str, float | None],
    run: Any,
    concurrency: int = 4,
) -> int:
    """Grade, print the tables, write the JSON; the exit status (1 when a threshold breaks)."""
    thresholds = [
        Threshold(metric, HUMAN_METRIC_BOUNDS[metric], value)
        for metric, value in limits.items()
        if value is not None
    ]
    graded, metrics = run(evaluate_human(folder, split, context, concurrency))
    for table in agreement_tables(metrics):
        console.print(table)
    if not is_rubric(context.model):
        # A model that cannot be reached, or replies with no scores, leaves the rubric's grades:
        # the figures would then be the rubric's under the model's name.
        by_model = sum(g.brain == "llm" for g in graded)
        metrics["graded_by_model"] = by_model
        if by_model < len(graded):
            err_console.print(
                f"[bold yellow]warning:[/] {context.model} graded {by_model} of {len(graded)} "
                "answers; the rest fell back to the rubric brain (a failed call or a reply "
                "with no scores)"
            )
    values = {k: v for k, v in metrics.items() if isinstance(v, int | float) or v is None}
    if json_path:
        data = {
            "answers": [g.to_json() for g in graded],
            "metrics": metrics,
            "thresholds": [
                {
                    "metric": t.metric,
                    "bound": t.bound,
                    "value": t.value,
                    "failure": t.failure(values),
                }
                for t in thresholds
            ],
            "settings": {"folder": str(folder), "split": split, "model": context.model},
        }
        try:
            json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            err_console.print(f"[bold red]error:[/] cannot write {json_path}: {exc}")
            return 2
        console.print(f"[dim]JSON written to {json_path}[/]")
    failures = threshold_failures(values, thresholds)
    for failure in failures:
        err_console.print(f"[bold red]threshold:[/] {failure}")
    return 1 if failures else 0
