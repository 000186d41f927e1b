"""The evaluation as one self-contained HTML page: metrics, charts (inline SVG), candidates.

It renders the JSON report (`EvalResult.to_json()`), so a saved JSON file can be turned into a
page later. Nothing is loaded from the network: no scripts, fonts or stylesheets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from graph.scoring import CRITERIA, MAX_SCORE, MIN_SCORE, criterion_label, recommendation_label

CRITERION_COLOURS = {
    "technical_knowledge": "#4e79a7",
    "problem_solving": "#f28e2b",
    "communication": "#59a14f",
    "soft_skills": "#b07aa1",
}
GOOD, BAD, NEUTRAL = "#2e7d32", "#c62828", "#757575"
LABEL_WIDTH = 230
PLOT_WIDTH = 520
OVERALL_RANGE = (20.0, 100.0)

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; color: #222;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; font-size: 1.2rem; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #2e7d32; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.muted { color: #888; } .small { font-size: 12px; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
          vertical-align: -1px; border-radius: 2px; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg .axis { stroke: #ccc; stroke-width: 1; }
"""


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _mark(rate: float | None) -> str:
    if rate is None:
        return '<span class="muted">–</span>'
    if rate >= 1.0:
        return '<span class="pass">✓</span>'
    if rate <= 0.0:
        return '<span class="fail">✗</span>'
    return f'<span class="fail">{rate:.0%}</span>'


def _x(value: float, low: float, high: float) -> float:
    """Horizontal position of `value` on a plot spanning `low`..`high`."""
    clipped = min(high, max(low, value))
    return LABEL_WIDTH + (clipped - low) / (high - low) * PLOT_WIDTH


def _label(candidate: Mapping[str, Any]) -> str:
    variant = candidate.get("variant")
    shown = f" ({variant})" if variant and variant not in candidate["id"] else ""
    return escape(f"{candidate['id']}{shown}")


def band_chart(candidates: Sequence[Mapping[str, Any]]) -> str:
    """Per candidate: the expected band (grey bar) and the overall given (dot; runs as ticks)."""
    low, high = OVERALL_RANGE
    row = 24
    height = row * len(candidates) + 30
    parts = [f'<svg width="{LABEL_WIDTH + PLOT_WIDTH + 20}" height="{height}" role="img">']
    for tick in range(int(low), int(high) + 1, 10):
        x = _x(tick, low, high)
        parts.append(f'<line class="axis" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{tick}</text>')
    for i, c in enumerate(candidates):
        y = i * row + 4
        mid = y + row / 2 - 2
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{mid + 4:.1f}" text-anchor="end">')
        parts.append(f"{_label(c)}</text>")
        expected = c.get("expected") or {}
        band = expected.get("overall_band")
        if band:
            x0, x1 = _x(band[0], low, high), _x(band[1], low, high)
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" '
                f'height="{row - 10}" fill="#d9d9d9" rx="3">'
                f"<title>expected {band[0]:g}–{band[1]:g}</title></rect>"
            )
        for run in c.get("runs") or []:
            xr = _x(run["overall"], low, high)
            parts.append(
                f'<line x1="{xr:.1f}" y1="{y + 2}" x2="{xr:.1f}" y2="{y + row - 6}" '
                f'stroke="#555" stroke-width="1" opacity="0.6"/>'
            )
        overall = c.get("overall")
        if overall is not None:
            inside = band is not None and band[0] <= overall <= band[1]
            colour = GOOD if inside else (BAD if band else NEUTRAL)
            parts.append(
                f'<circle cx="{_x(overall, low, high):.1f}" cy="{mid:.1f}" r="6" '
                f'fill="{colour}"><title>{escape(c["id"])}: {overall:.1f}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def criteria_chart(candidates: Sequence[Mapping[str, Any]]) -> str:
    """Per candidate: one bar per criterion on the 1–5 scale."""
    bar, gap = 7, 10
    row = bar * len(CRITERIA) + gap
    height = row * len(candidates) + 30
    parts = [f'<svg width="{LABEL_WIDTH + PLOT_WIDTH + 60}" height="{height}" role="img">']
    for tick in range(int(MIN_SCORE), int(MAX_SCORE) + 1):
        x = _x(tick, MIN_SCORE, MAX_SCORE)
        parts.append(f'<line class="axis" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{tick}</text>')
    for i, c in enumerate(candidates):
        y = i * row + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + row / 2:.1f}" text-anchor="end">'
            f"{_label(c)}</text>"
        )
        for j, criterion in enumerate(CRITERIA):
            score = (c.get("scores") or {}).get(criterion)
            if score is None:
                continue
            x0 = _x(MIN_SCORE, MIN_SCORE, MAX_SCORE)
            width = _x(score, MIN_SCORE, MAX_SCORE) - x0
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + j * bar}" width="{max(width, 1):.1f}" '
                f'height="{bar - 1}" fill="{CRITERION_COLOURS[criterion]}">'
                f"<title>{escape(criterion_label(criterion))}: {score:.2f}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _metrics_table(data: Mapping[str, Any]) -> str:
    thresholds: dict[str, list[Mapping[str, Any]]] = {}
    for t in data.get("thresholds") or []:
        thresholds.setdefault(t["metric"], []).append(t)
    comments = data.get("metric_comments") or {}
    rows = []
    for key, value in (data.get("metrics") or {}).items():
        limits = thresholds.get(key, [])
        limit_text = ", ".join(f"{t['bound']} {t['value']:g}" for t in limits) or "–"
        if not limits:
            verdict = '<span class="muted">–</span>'
        elif any(t.get("failure") for t in limits):
            verdict = '<span class="fail">fail</span>'
        else:
            verdict = '<span class="pass">pass</span>'
        rows.append(
            f"<tr><td>{escape(key)}</td>"
            f"<td class='num'>{'n/a' if value is None else f'{value:.3f}'}</td>"
            f"<td>{escape(limit_text)}</td><td>{verdict}</td>"
            f"<td class='small muted'>{escape(str(comments.get(key, '')))}</td></tr>"
        )
    return (
        "<table><tr><th>metric</th><th>value</th><th>threshold</th><th></th><th>note</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _candidates_table(candidates: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for c in candidates:
        expected = c.get("expected") or {}
        band = expected.get("overall_band")
        checks = c.get("checks") or {}
        overall = _fmt(c.get("overall"))
        if c.get("overall_sd"):
            overall += f" ± {c['overall_sd']:.1f}"
        failures = "<br>".join(escape(f) for f in c.get("failures") or [])
        flags = len(c.get("flags") or [])
        rows.append(
            "<tr>"
            f"<td>{_label(c)}<div class='small muted'>{escape(c.get('name') or '')}</div></td>"
            f"<td>{escape(expected.get('level', '–'))}</td><td>{escape(c.get('level') or '')}</td>"
            f"<td class='num'>{escape(overall)}</td>"
            f"<td>{escape(f'{band[0]:g}–{band[1]:g}') if band else '–'}</td>"
            f"<td>{escape(recommendation_label(c.get('recommendation') or ''))}</td>"
            f"<td>{_mark(checks.get('level_match'))}</td>"
            f"<td>{_mark(checks.get('overall_in_band'))}</td>"
            f"<td>{_mark(checks.get('recommendation_accepted'))}</td>"
            f"<td>{_mark(_both(checks))}</td>"
            f"<td class='num'>{c.get('questions', 0)} / {c.get('follow_ups', 0)}</td>"
            f"<td class='num'>{flags}</td>"
            f"<td class='small'>{failures}</td>"
            "</tr>"
        )
    head = (
        "<tr><th>candidate</th><th>expected</th><th>level</th><th>overall</th><th>band</th>"
        "<th>recommendation</th><th>level</th><th>band</th><th>rec.</th><th>path</th>"
        "<th>questions / probes</th><th>flags</th><th>what went wrong</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _both(checks: Mapping[str, float | None]) -> float | None:
    """The worse of the two trajectory checks."""
    rates = [checks.get("phases_in_order"), checks.get("follow_up_after_thin_answer")]
    present = [r for r in rates if r is not None]
    return min(present) if present else None


def render_html(data: Mapping[str, Any], title: str = "Sophia offline evaluation") -> str:
    """The JSON report as a standalone HTML page."""
    candidates = data.get("candidates") or []
    settings = data.get("settings") or {}
    described = ", ".join(f"{k}: {v}" for k, v in settings.items() if k != "thresholds")
    legend = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>'
        f"{escape(criterion_label(criterion))}</span>"
        for criterion, colour in CRITERION_COLOURS.items()
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in data.get("notes") or [])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">{len(candidates)} candidates · {escape(described)} ·
{_fmt(data.get("seconds"))} s</p>
<h2>Metrics</h2>
{_metrics_table(data)}
{f"<ul class='small'>{notes}</ul>" if notes else ""}
<h2>Expected band and overall given</h2>
<p class="small muted">Grey: the band the candidate file expects. Dot: the mean overall given
(green inside the band, red outside). Ticks: single runs.</p>
{band_chart(candidates)}
<h2>Criteria per candidate</h2>
<p class="legend small">{legend}</p>
{criteria_chart(candidates)}
<h2>Candidates</h2>
{_candidates_table(candidates)}
</body></html>
"""
