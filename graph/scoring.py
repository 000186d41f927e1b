"""How Sophia scores an interview, in one place: from an answer's scores to the recommendation.

1. The grader scores each answer 1-5 on the criteria its question evidences; a question's
   difficulty shifts its technical and problem-solving scores (`DIFFICULTY_OFFSET`, applied by
   `rubric/analysis.py`).
2. `criterion_scores`: each criterion's mean over its questions, weighted by question weight
   and pulled toward `PRIOR_SCORE` by `PRIOR_ANSWERS` answers' worth.
3. `weighted_overall`: 20 x the mean of those, weighted by `CRITERIA_WEIGHTS` (20-100).
4. `recommend`: the first of `RECOMMENDATION_BARS` the overall reaches.

The report's strengths and weak areas use `STRONG` and `WEAK`; the LLM grader's cross-check uses
`DISAGREEMENT`. Every label shown to people (criterion names with their weights, the
disagreement flag) is built from these constants, so the grader, the report, the CLI and the
evaluators cannot drift apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # graph.state and rubric.role_pack import this module
    from graph.state import AnswerEvaluation
    from rubric.role_pack import RolePack

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

# What people read for each criterion.
CRITERION_NAMES: dict[Criterion, str] = {
    "technical_knowledge": "Technical knowledge",
    "problem_solving": "Problem solving",
    "communication": "Communication",
    "soft_skills": "Soft skills",
}

MIN_SCORE = 1.0
MAX_SCORE = 5.0

# A criterion (or a question's main score) at or above STRONG is a strength; below WEAK it is an
# area to improve, and its topic gets coaching.
STRONG = 4.0
WEAK = 3.0

# One interview is limited evidence: each criterion's mean is pulled toward 3 ("adequate") by one
# answer's worth, so a criterion resting on four answers (soft skills) moves less than one
# resting on twelve. Measured on the 73 bundled candidates' human-set bands: hits 64 -> 67.
PRIOR_ANSWERS = 1.0
PRIOR_SCORE = 3.0

# Points on the 1-5 scale between the LLM grader's and the rubric grader's score on a criterion
# that a reviewer should see.
DISAGREEMENT = 1.5
# Points an LLM grader's score may stand above the rubric's; a larger rise is held for review
# (the rubric's score stands), and after an injection attempt no rise is believed at all.
LLM_LIFT_MARGIN = 0.5

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


def criterion_label(criterion: Criterion) -> str:
    """A criterion's name with its weight, e.g. "Technical knowledge (40%)"."""
    return f"{CRITERION_NAMES[criterion]} ({CRITERIA_WEIGHTS[criterion]:.0%})"


def recommendation_label(recommendation: str) -> str:
    """A recommendation as people read it, e.g. "lean no hire"."""
    return recommendation.replace("_", " ")


def disagreement_label() -> str:
    """How far apart two graders' scores must be for the reviewer to look: "over 1.5 points"."""
    return f"over {DISAGREEMENT:g} points"


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


def criterion_scores(
    pack: RolePack, evaluations: Sequence[AnswerEvaluation]
) -> dict[Criterion, float | None]:
    """Each criterion's mean over the questions that evidence it (None without evidence),
    weighted by the questions' weights in the role pack and pulled toward PRIOR_SCORE by
    PRIOR_ANSWERS answers' worth."""
    scores: dict[Criterion, float | None] = {}
    for criterion in CRITERIA:
        weighted = [
            (e.scores[criterion], pack.question(e.question_id).weight)
            for e in evaluations
            if criterion in e.scores
        ]
        total = sum(w for _, w in weighted)
        if not total:
            scores[criterion] = None
            continue
        evidence = sum(s * w for s, w in weighted) + PRIOR_ANSWERS * PRIOR_SCORE
        scores[criterion] = round(evidence / (total + PRIOR_ANSWERS), 2)
    return scores


def primary_score(evaluation: AnswerEvaluation) -> float:
    """The score of the first criterion a question evidences (what it mainly tests)."""
    return next(iter(evaluation.scores.values()), MIN_SCORE)


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


# The bars above are set for a mid-level post. For another level hired for they move by what
# the difficulty offsets make of the same quality of answer: technical knowledge and problem
# solving (their weights) score DIFFICULTY_OFFSET[level] - DIFFICULTY_OFFSET["mid"] apart on
# the 1-5 scale, and 20 times that on the overall. Junior post: -16.8; senior post: +14.0.
OVERALL_PER_SCORE_POINT = 20.0
# A candidate assessed below the level hired for gets at most this recommendation.
BELOW_TARGET_CAP: Recommendation = "lean_no_hire"


def target_bar_shift(target_level: Level) -> float:
    """How far the recommendation bars move for a post at `target_level` (0 for mid)."""
    weight = sum(CRITERIA_WEIGHTS[c] for c in OFFSET_CRITERIA)
    gap = DIFFICULTY_OFFSET[target_level] - DIFFICULTY_OFFSET["mid"]
    return round(OVERALL_PER_SCORE_POINT * weight * gap, 1)


def recommend(
    overall: float, target_level: Level = "mid", level: Level | None = None
) -> Recommendation:
    """The recommendation for an overall score, judged against the level hired for.

    The bars (RECOMMENDATION_BARS, set for a mid post) move by `target_bar_shift`, so a strong
    junior can be a hire for a junior post; and a candidate whose assessed `level` is below the
    post's gets at most BELOW_TARGET_CAP, however well they did at their own level.
    """
    shift = target_bar_shift(target_level)
    chosen: Recommendation = "no_hire"
    for bar, recommendation in RECOMMENDATION_BARS:
        if overall >= bar + shift:
            chosen = recommendation
            break
    if level is not None and LEVEL_VALUE[level] < LEVEL_VALUE[target_level]:
        cap = RECOMMENDATIONS.index(BELOW_TARGET_CAP)
        chosen = RECOMMENDATIONS[max(cap, RECOMMENDATIONS.index(chosen))]
    return chosen
