"""`python -m evals.feature_study [DIR] [--json F]`: what mixes of the grader's parts can reach.

Before a change to the rubric brain, this says how far a new mix of what it already measures
could agree with the raters of `DIR/answers.jsonl` (default `evals/human`). It reads the
**dev split only**: the test split stays unseen whatever is tried here.

- Each part of the main criterion alone (`rubric.analysis.grader_parts`, plus the log of the
  word count): its Spearman with the raters' mean.
- Each mix of parts: a ridge regression fit on part of the dev split and scored on the rest,
  10 folds repeated 5 times, and once leaving each collection round out (the id's leading
  letters; rounds a, b and c were collected together). Out-of-fold predictions are pooled and
  ranked against the raters, so a figure is what the mix would score on answers it was not fit
  on, not how well it fits.

The raters' agreement with each other and the word-count baseline are printed beside it: the
ceiling, and the floor a grader must clear by 0.2.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.evaluators import spearman
from evals.human import HumanAnswer, load_human_answers, rater_agreement
from rubric.analysis import grader_parts
from rubric.role_pack import load_role_pack

HUMAN_DIR = Path(__file__).resolve().parent / "human"
FOLDS = 10
REPEATS = 5
# Ridge penalty on standardised parts: enough to tame parts that move together (coverage,
# key points found, vocabulary), small beside 200 answers.
RIDGE_ALPHA = 3.0
# Rounds collected together and graded by the same raters count as one.
ROUND_OF_PREFIX = {"a": "a-c", "b": "a-c", "c": "a-c"}
MIXES: tuple[tuple[str, ...], ...] = (
    ("quality",),
    ("quality", "log_words"),
    ("coverage", "substance", "vocabulary", "reasoning", "wrong_claims", "log_words"),
    (
        "quality",
        "coverage",
        "key_points_found",
        "substance",
        "vocabulary",
        "reasoning",
        "wrong_claims",
        "log_words",
    ),
)

Features = dict[str, float]


def answer_features(answers: Sequence[HumanAnswer], role: str = "backend_python") -> list[Features]:
    """The grader's parts for each answer, read as the main answer to its question."""
    pack = load_role_pack(role)
    rows: list[Features] = []
    for answer in answers:
        question = pack.question(answer.question_id)
        parts = grader_parts(question, pack.topic_of(question.id), answer.text)
        rows.append(parts | {"log_words": math.log1p(parts["words"])})
    return rows


def collection_round(answer_id: str) -> str:
    """The collection round of an answer, from its id's leading letters ("d104" is round d)."""
    prefix = answer_id.rstrip("0123456789") or answer_id
    return ROUND_OF_PREFIX.get(prefix, prefix)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems here are at most 10 x 10)."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        tail = sum(a[r][c] * solution[c] for c in range(r + 1, n))
        solution[r] = (a[r][n] - tail) / a[r][r]
    return solution


def fit_ridge(
    rows: Sequence[Sequence[float]], targets: Sequence[float], alpha: float = RIDGE_ALPHA
) -> Callable[[Sequence[float]], float]:
    """A ridge regression on standardised columns; returns the fitted predictor."""
    n, d = len(rows), len(rows[0])
    means = [sum(r[j] for r in rows) / n for j in range(d)]
    # A column with no spread in the fold carries nothing: scale 1 keeps it at zero.
    scales = [math.sqrt(sum((r[j] - means[j]) ** 2 for r in rows) / n) or 1.0 for j in range(d)]
    xs = [[(r[j] - means[j]) / scales[j] for j in range(d)] for r in rows]
    mean_y = sum(targets) / n
    gram = [
        [sum(x[i] * x[j] for x in xs) + (alpha if i == j else 0.0) for j in range(d)]
        for i in range(d)
    ]
    moment = [sum(x[i] * (y - mean_y) for x, y in zip(xs, targets, strict=True)) for i in range(d)]
    weights = _solve(gram, moment)

    def predict(row: Sequence[float]) -> float:
        return mean_y + sum(
            w * (v - m) / s for w, v, m, s in zip(weights, row, means, scales, strict=True)
        )

    return predict


def out_of_fold(
    rows: Sequence[Sequence[float]], targets: Sequence[float], folds: Sequence[Sequence[int]]
) -> list[float]:
    """Each row's prediction by a ridge fit on the rows outside its fold."""
    predictions = [0.0] * len(rows)
    for fold in folds:
        held = set(fold)
        train = [i for i in range(len(rows)) if i not in held]
        predict = fit_ridge([rows[i] for i in train], [targets[i] for i in train])
        for i in fold:
            predictions[i] = predict(rows[i])
    return predictions


def k_folds(n: int, k: int, seed: int) -> list[list[int]]:
    """`k` shuffled folds of `n` indices (repeatable for a seed)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


@dataclass
class MixFigures:
    """How a mix of parts agrees with the raters on answers it was not fit on."""

    features: tuple[str, ...]
    k_fold: float | None
    leave_one_round_out: float | None
    by_round: dict[str, float | None]


def study_mix(
    features: Sequence[Features],
    targets: Sequence[float],
    rounds: Sequence[str],
    names: Sequence[str],
) -> MixFigures:
    """Cross-validated agreement of a ridge mix of the parts `names`."""
    rows = [[f[name] for name in names] for f in features]
    k = min(FOLDS, len(rows))
    repeats = [
        spearman(out_of_fold(rows, targets, k_folds(len(rows), k, seed)), targets)
        for seed in range(REPEATS)
    ]
    scored = [r for r in repeats if r is not None]
    groups = sorted(set(rounds))
    by_round: dict[str, float | None] = {}
    pooled: float | None = None
    if len(groups) > 1:
        folds = [[i for i, r in enumerate(rounds) if r == g] for g in groups]
        predictions = out_of_fold(rows, targets, folds)
        pooled = spearman(predictions, targets)
        for group, fold in zip(groups, folds, strict=True):
            by_round[group] = spearman([predictions[i] for i in fold], [targets[i] for i in fold])
    return MixFigures(tuple(names), sum(scored) / len(scored) if scored else None, pooled, by_round)


def study(folder: Path = HUMAN_DIR, mixes: Sequence[Sequence[str]] = MIXES) -> dict:
    """Every figure of the study on the dev split of `folder` (see the module docstring)."""
    answers = load_human_answers(folder, "dev")
    features = answer_features(answers)
    targets = [a.reference for a in answers]
    rounds = [collection_round(a.id) for a in answers]
    alone = {name: spearman([f[name] for f in features], targets) for name in features[0]}
    return {
        "split": "dev",
        "n": len(answers),
        "rounds": {r: rounds.count(r) for r in sorted(set(rounds))},
        "alone": alone,
        "mixes": [vars(study_mix(features, targets, rounds, names)) for names in mixes],
        "raters": rater_agreement(answers)["spearman"],
    }


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=HUMAN_DIR)
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    result = study(args.folder)
    rounds = ", ".join(f"{r}: {n}" for r, n in result["rounds"].items())
    print(f"dev split: {result['n']} answers ({rounds}); the test split is not read")
    print(f"raters' agreement (Spearman): {_figure(result['raters'])}")
    print("each part alone (Spearman with the raters' mean):")
    for name, value in sorted(result["alone"].items(), key=lambda kv: -(kv[1] or -1)):
        print(f"  {name:18s} {_figure(value)}")
    print(f"mixes, ridge on answers not fit on ({FOLDS} folds x {REPEATS}; leave a round out):")
    for mix in result["mixes"]:
        rounds_out = " ".join(f"{r} {_figure(v)}" for r, v in mix["by_round"].items())
        print(
            f"  {' + '.join(mix['features'])}\n"
            f"      k-fold {_figure(mix['k_fold'])}   leave a round out "
            f"{_figure(mix['leave_one_round_out'])} ({rounds_out})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
