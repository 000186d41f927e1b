"""Agreement with people: answers written by people, graded by two blind raters.

`DIR/answers.jsonl` holds one answer a line:
`{"id", "question_id", "text", "source", "author", "licence", "split": "dev"|"test",
"ratings": {"r1": {"score": 1-5, "mistake": bool, "note": str}, "r2": {...}}}`.

- The reference grade is the mean of the raters' scores, on the question's own 1-5 anchors; the
  grader's figure beside it is `AnswerEvaluation.quality` (the main criterion before the
  difficulty offset), since the raters graded on the anchors too.
- An answer "contains a mistake" when every rater says so and "has none" when no rater does;
  answers the raters disagree on count for neither misconception recall nor false positives.
- Groups are exclusive: `mistaken` (the raters agree on a mistake), else by the reference grade
  `excellent` (>= 4), `partial` (2.5 to 4), `weak` (< 2.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from evals.evaluators import spearman
from evals.jsonl import read_records
from graph.errors import CandidateFileError
from rubric.text import words

Split = Literal["dev", "test", "all"]
Group = Literal["excellent", "partial", "weak", "mistaken"]
GROUPS: tuple[Group, ...] = ("excellent", "partial", "weak", "mistaken")
ANSWERS_FILE = "answers.jsonl"
EXCELLENT_FROM = 4.0
PARTIAL_FROM = 2.5


class Rating(BaseModel):
    """One rater's grade of one answer."""

    score: float = Field(ge=1, le=5)
    mistake: bool
    note: str = ""


class HumanAnswer(BaseModel):
    """An answer written by a person, with its source and the raters' grades."""

    id: str = Field(min_length=1)
    question_id: str = Field(min_length=1)
    text: str
    source: str = ""
    author: str = ""
    licence: str = ""
    split: Literal["dev", "test"]
    ratings: dict[str, Rating] = Field(min_length=1)

    @property
    def reference(self) -> float:
        """The mean of the raters' scores."""
        return sum(r.score for r in self.ratings.values()) / len(self.ratings)

    @property
    def mistake(self) -> bool | None:
        """True when every rater flags a mistake, False when none does, None when they differ."""
        flags = {r.mistake for r in self.ratings.values()}
        return next(iter(flags)) if len(flags) == 1 else None

    @property
    def group(self) -> Group:
        """The answer's group (see the module docstring)."""
        if self.mistake:
            return "mistaken"
        if self.reference >= EXCELLENT_FROM:
            return "excellent"
        return "partial" if self.reference >= PARTIAL_FROM else "weak"


def load_human_answers(folder: Path, split: Split = "all") -> list[HumanAnswer]:
    """The answers of `folder/answers.jsonl` in one split (or all); one clear error if broken."""
    path = folder / ANSWERS_FILE
    answers = [a for a in read_records(path, HumanAnswer) if split in ("all", a.split)]
    if not answers:
        raise CandidateFileError(f"{path}: no answers in split '{split}'")
    return answers


# --- statistics ----------------------------------------------------------------------------------


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation; None when it is undefined (fewer than 2 pairs, or no spread)."""
    if len(xs) != len(ys):
        raise ValueError(f"pearson needs paired values, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True))
    vx = sum((a - mx) ** 2 for a in xs)
    vy = sum((b - my) ** 2 for b in ys)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)


def grade_1_to_5(value: float) -> int:
    """A score rounded half up to a whole grade of the 1-5 scale (3.5 is 4, not 4 by chance)."""
    return max(1, min(5, math.floor(value + 0.5)))


def quadratic_weighted_kappa(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Cohen's kappa with quadratic weights on the rounded 1-5 grades of two raters.

    1 is perfect agreement, 0 what chance gives with the same marginals; None when undefined.
    """
    if len(xs) != len(ys):
        raise ValueError(f"kappa needs paired values, got {len(xs)} and {len(ys)}")
    if not xs:
        return None
    a, b = [grade_1_to_5(x) - 1 for x in xs], [grade_1_to_5(y) - 1 for y in ys]
    k, n = 5, len(a)
    observed = [[0.0] * k for _ in range(k)]
    for i, j in zip(a, b, strict=True):
        observed[i][j] += 1
    row = [sum(observed[i]) for i in range(k)]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    disagreement = expected = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2 / (k - 1) ** 2
            disagreement += weight * observed[i][j]
            expected += weight * row[i] * col[j] / n
    if expected == 0:
        return None
    return 1 - disagreement / expected


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- agreement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedHumanAnswer:
    """A human answer beside the grader's reading of it."""

    answer: HumanAnswer
    quality: float
    flagged: bool  # the grader found a misconception
    misconceptions: tuple[str, ...] = ()
    brain: str = "rubric"  # "llm" when the model's judgement stood, else the rubric's

    def to_json(self) -> dict[str, Any]:
        a = self.answer
        return {
            "id": a.id,
            "question_id": a.question_id,
            "split": a.split,
            "group": a.group,
            "reference": round(a.reference, 2),
            "quality": round(self.quality, 2),
            "error": round(self.quality - a.reference, 2),
            "mistake": a.mistake,
            "flagged": self.flagged,
            "misconceptions": list(self.misconceptions),
            "brain": self.brain,
            "words": len(words(a.text)),
        }


def rater_agreement(answers: Sequence[HumanAnswer]) -> dict[str, float | None]:
    """How far the first two raters agree with each other: the ceiling for any grader."""
    names = sorted({name for a in answers for name in a.ratings})[:2]
    pairs = [
        (a.ratings[names[0]], a.ratings[names[1]])
        for a in answers
        if len(names) == 2 and all(n in a.ratings for n in names)
    ]
    first, second = [p[0].score for p in pairs], [p[1].score for p in pairs]
    return {
        "spearman": _round(spearman(first, second)),
        "pearson": _round(pearson(first, second)),
        "kappa": _round(quadratic_weighted_kappa(first, second)),
        "mistake_agreement": _round(
            _mean([float(p[0].mistake == p[1].mistake) for p in pairs]) if pairs else None
        ),
    }


def agreement(graded: Sequence[GradedHumanAnswer]) -> dict[str, Any]:
    """Every agreement figure between the grader and the raters' reference grade."""
    quality = [g.quality for g in graded]
    reference = [g.answer.reference for g in graded]
    counts = [float(len(words(g.answer.text))) for g in graded]
    groups: dict[str, dict[str, float | int | None]] = {}
    for group in GROUPS:
        members = [g for g in graded if g.answer.group == group]
        groups[group] = {
            "n": len(members),
            "mean_reference": _round(_mean([g.answer.reference for g in members]), 2),
            "mean_score": _round(_mean([g.quality for g in members]), 2),
            "mean_signed_error": _round(
                _mean([g.quality - g.answer.reference for g in members]), 2
            ),
        }
    mistaken = [g for g in graded if g.answer.mistake is True]
    clean = [g for g in graded if g.answer.mistake is False]
    return {
        "n": len(graded),
        "spearman": _round(spearman(quality, reference)),
        "pearson": _round(pearson(quality, reference)),
        "kappa": _round(quadratic_weighted_kappa(quality, reference)),
        "mean_absolute_error": _round(
            _mean([abs(q - r) for q, r in zip(quality, reference, strict=True)]), 2
        ),
        "groups": groups,
        "misconception_recall": _round(_mean([float(g.flagged) for g in mistaken])),
        "misconception_false_positive_rate": _round(_mean([float(g.flagged) for g in clean])),
        "mistaken_n": len(mistaken),
        "clean_n": len(clean),
        "word_count_spearman": _round(spearman(counts, reference)),
        "raters": rater_agreement([g.answer for g in graded]),
    }


# Thresholds of `sophia eval --human`: which way each figure must go.
HUMAN_METRIC_BOUNDS: Mapping[str, Literal["min", "max"]] = {
    "spearman": "min",
    "kappa": "min",
    "misconception_recall": "min",
    "misconception_false_positive_rate": "max",
}
