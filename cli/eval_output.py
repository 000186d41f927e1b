"""Rich output of `sophia eval`: the per-candidate table and the metrics table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from evals.harness import Threshold
from graph.scoring import recommendation_label


def _mark(rate: float | None) -> str:
    """✓ when every run passed, ✗ when none did, the share in between; – when not applicable."""
    if rate is None:
        return "[dim]–[/]"
    if rate >= 1.0:
        return "[green]✓[/]"
    if rate <= 0.0:
        return "[red]✗[/]"
    return f"[yellow]{rate:.0%}[/]"


def _trajectory(checks: Mapping[str, float | None]) -> float | None:
    rates = [checks.get("phases_in_order"), checks.get("follow_up_after_thin_answer")]
    present = [r for r in rates if r is not None]
    return min(present) if present else None


def candidates_table(candidates: Sequence[Mapping[str, Any]]) -> Table:
    """One row per candidate: expected vs given level, overall and band, recommendation, marks."""
    table = Table(title="Candidates", show_lines=False)
    for name, justify in (
        ("candidate", "left"),
        ("expected", "left"),
        ("level", "left"),
        ("overall", "right"),
        ("band", "right"),
        ("recommendation", "left"),
        ("lvl", "center"),
        ("band", "center"),
        ("rec", "center"),
        ("path", "center"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in candidates:
        expected = c.get("expected") or {}
        band = expected.get("overall_band")
        checks = c.get("checks") or {}
        overall = "–" if c.get("overall") is None else f"{c['overall']:.1f}"
        if c.get("overall_sd"):
            overall += f" ±{c['overall_sd']:.1f}"
        variant = c.get("variant")
        label = c["id"] + (f" [dim]({variant})[/]" if variant and variant not in c["id"] else "")
        table.add_row(
            label,
            expected.get("level", "–"),
            c.get("level") or "–",
            overall,
            f"{band[0]:g}–{band[1]:g}" if band else "–",
            recommendation_label(c.get("recommendation") or "–"),
            _mark(checks.get("level_match")),
            _mark(checks.get("overall_in_band")),
            _mark(checks.get("recommendation_accepted")),
            _mark(_trajectory(checks)),
        )
    return table


def _value(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def metrics_table(
    metrics: Mapping[str, float | None],
    comments: Mapping[str, str],
    thresholds: Sequence[Threshold] = (),
) -> Table:
    """Each metric with its value, the thresholds given for it and whether it met them."""
    table = Table(title="Metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("threshold")
    table.add_column("")
    table.add_column("note", style="dim")
    for key, value in metrics.items():
        limits = [t for t in thresholds if t.metric == key]
        if not limits:
            verdict = ""
        elif any(t.failure(metrics) for t in limits):
            verdict = "[red]FAIL[/]"
        else:
            verdict = "[green]ok[/]"
        table.add_row(
            key,
            _value(value),
            ", ".join(f"{t.bound} {t.value:g}" for t in limits),
            verdict,
            comments.get(key, ""),
        )
    return table
