"""What every finished report must satisfy, whatever the candidate and however it was run.

Integration tests call `check_report` on each report they get (from the Store, a server or a
`--json` file); `tests/conftest.py` also runs it on every report the report node saves in this
process. The overall is recomputed here from the weights, not with `weighted_overall`, so a
report that averaged its criteria some other way is caught.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from graph.scoring import CRITERIA_WEIGHTS, recommend
from graph.state import FinalReport


def expected_overall(scores: Mapping[str, float]) -> float:
    """20 x the mean of the criterion scores weighted by the role spec's weights."""
    weights = {c: CRITERIA_WEIGHTS[c] for c in scores}  # type: ignore[index]
    return 20 * sum(weights[c] * s for c, s in scores.items()) / sum(weights.values())


def check_report(report: FinalReport | Mapping[str, Any]) -> None:
    """The overall is the weighted mean of the criterion scores (to its rounding), the
    recommendation is the bar that overall reaches for the level hired for, and every answered
    question carries its evaluation (none is lost, for instance to a kill and a resume)."""
    if isinstance(report, Mapping):
        report = FinalReport.model_validate(report)
    if report.scores:
        assert report.overall == pytest.approx(expected_overall(report.scores), abs=0.051), (
            f"overall {report.overall} is not the weighted mean of {report.scores}"
        )
    assert report.recommendation == recommend(report.overall, report.target_level, report.level)
    questions = [q for phase in report.phases for q in phase.questions]
    assert [q.id for q in questions if q.evaluation is None] == [], "answered, not evaluated"
    assert all(q.evaluation.question_id == q.id for q in questions if q.evaluation)
