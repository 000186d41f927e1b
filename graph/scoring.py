"""The scoring scale every agent shares: criteria weights, levels and recommendation bars.

Kept in one module so the grader, the report and the evaluators cannot drift apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Literal, get_args

Criterion = Literal["technical_knowledge", "problem_solving", "communication", "soft_skills"]
Level = Literal["junior", "mid", "senior"]
Recommendation = Literal["strong_hire", "hire", "lean_hire", "lean_no_hire", "no_hire"]

CRITERIA: tuple[Criterion, ...] = get_args(Criterion)
LEVELS: tuple[Level, ...] = get_args(Level)
RECOMMENDATIONS: tuple[Recommendation, ...] = get_args(Recommendation)

CRITERIA_WEIGHTS: dict[Criterion, float] = {
    "technical_knowledge": 0.40,
    "problem_solving": 0.30,
    "communication": 0.15,
    "soft_skills": 0.15,
}

MIN_SCORE = 1.0
MAX_SCORE = 5.0

# Overall (20-100) at or above which each recommendation is given, best first.
RECOMMENDATION_BARS: tuple[tuple[float, Recommendation], ...] = (
    (85.0, "strong_hire"),
    (72.0, "hire"),
    (60.0, "lean_hire"),
    (45.0, "lean_no_hire"),
    (0.0, "no_hire"),
)

# A level is a point on one axis: junior 0, mid 1, senior 2. The ability estimate lives on it.
LEVEL_VALUE: dict[Level, float] = {"junior": 0.0, "mid": 1.0, "senior": 2.0}
# Upper bounds of the junior and mid bands on that axis.
JUNIOR_BELOW = 0.6
MID_BELOW = 1.45

# A question's difficulty moves a per-answer score: a perfect answer to a junior question is
# less evidence than a perfect answer to a senior one.
DIFFICULTY_OFFSET: dict[Level, float] = {"junior": -1.6, "mid": -0.4, "senior": 0.6}
# The criteria the offset moves: knowledge and reasoning grow with the level asked; clarity and
# teamwork are judged the same at every level.
OFFSET_CRITERIA: frozenset[Criterion] = frozenset({"technical_knowledge", "problem_solving"})


def clamp_score(value: float) -> float:
    """Clamp a criterion score to the 1.0-5.0 scale, rounded to two decimals."""
    return round(min(MAX_SCORE, max(MIN_SCORE, value)), 2)


def difficulty_adjusted(
    anchored: Mapping[Criterion, float], difficulty: Level
) -> dict[Criterion, float]:
    """Scores on a question's own 1-5 anchors, moved by its difficulty (and clamped).

    Both brains grade on the anchors and call this, so one set of bars serves both.
    """
    offset = DIFFICULTY_OFFSET[difficulty]
    return {c: clamp_score(s + offset if c in OFFSET_CRITERIA else s) for c, s in anchored.items()}


def level_for_ability(ability: float) -> Level:
    """Map an ability estimate on the junior(0)-senior(2) axis to a level."""
    if ability < JUNIOR_BELOW:
        return "junior"
    if ability < MID_BELOW:
        return "mid"
    return "senior"


# The role spec's experience ranges: junior 0-2 years, mid 2-5, senior 5+.
MID_YEARS = 2.0
SENIOR_YEARS = 5.0


def level_for_years(years: float) -> Level:
    """The role spec's starting level from years of experience (0-2 junior, 2-5 mid, 5+ senior)."""
    if years < MID_YEARS:
        return "junior"
    if years < SENIOR_YEARS:
        return "mid"
    return "senior"


# Years of experience on the ability axis: the role spec's ranges (junior 0-2, mid 2-5, senior
# 5+) meet the axis's band edges, so 2 years sits at the junior/mid edge and 5 at the mid/senior
# edge; past 8 years the prior is a full senior.
YEARS_TO_ABILITY: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (2.0, JUNIOR_BELOW),
    (5.0, MID_BELOW),
    (8.0, LEVEL_VALUE["senior"]),
)


def piecewise_linear(points: tuple[tuple[float, float], ...], x: float) -> float:
    """The line through `points` (sorted by x) at `x`, flat beyond the first and last point."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def ability_for_years(years: float) -> float:
    """The prior ability for `years` of experience (piecewise linear through YEARS_TO_ABILITY).

    Continuous, so 5 years (where the spec's mid and senior ranges meet) is not taken for the
    same evidence as 12.
    """
    return round(piecewise_linear(YEARS_TO_ABILITY, years), 3)


def weighted_overall(scores: Mapping[str, float | None]) -> float:
    """Overall = 20 x weighted mean of the criteria that have evidence (20-100).

    A criterion with no evidence (None) is left out and the weights of the rest renormalised,
    so an interview cut short is not punished for questions it never asked.
    """
    present = {c: s for c, s in scores.items() if s is not None and c in CRITERIA_WEIGHTS}
    if not present:
        return 20.0
    total_weight = sum(CRITERIA_WEIGHTS[c] for c in present)  # type: ignore[index]
    mean = sum(CRITERIA_WEIGHTS[c] * s for c, s in present.items()) / total_weight  # type: ignore[index]
    return round(20.0 * mean, 1)


def recommend(overall: float) -> Recommendation:
    """The recommendation for an overall score, from RECOMMENDATION_BARS."""
    for bar, recommendation in RECOMMENDATION_BARS:
        if overall >= bar:
            return recommendation
    return "no_hire"
