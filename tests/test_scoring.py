import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from cli.report_markdown import render_markdown
from graph import scoring
from graph.scoring import (
    CRITERIA_WEIGHTS,
    CRITERION_NAMES,
    ability_for_years,
    clamp_score,
    criterion_scores,
    level_for_ability,
    level_for_years,
    recommend,
    weighted_overall,
)
from graph.state import AnswerEvaluation, FinalReport
from nodes.report import review_flags

ROLE_SPEC = Path(__file__).resolve().parent.parent / "docs" / "role-spec.md"


def test_weights_and_names_are_the_role_specs():
    spec = ROLE_SPEC.read_text(encoding="utf-8")
    criteria = spec[spec.index("## Evaluation Criteria") :]
    stated = {
        name.lower().replace("-", " "): int(percent) / 100
        for name, percent in re.findall(r"\*\*([^*]+)\*\* \((\d+)%\)", criteria)
    }
    assert {CRITERION_NAMES[c].lower(): w for c, w in CRITERIA_WEIGHTS.items()} == stated
    assert sum(CRITERIA_WEIGHTS.values()) == pytest.approx(1.0)


def a_report(scores: dict[str, float]) -> FinalReport:
    overall = weighted_overall(scores)
    return FinalReport(
        candidate_id="c",
        level="mid",
        scores=scores,
        overall=overall,
        recommendation=recommend(overall),
        phases=[],
    )


def test_the_reports_labels_are_built_from_the_scoring_constants(monkeypatch, pack):
    scores = {"technical_knowledge": 4.0, "soft_skills": 3.0}
    assert "| Technical knowledge (40%) | 4.00 |" in render_markdown(a_report(scores))
    weak = a_report({"technical_knowledge": 2.7, "soft_skills": 3.0})
    assert weak.recommendation == "lean_no_hire"
    assert "Recommendation: **lean no hire**" in render_markdown(weak)
    disagreeing = AnswerEvaluation(
        turn=1,
        question_id="caching.mid",
        topic="caching",
        phase="problem_solving",
        difficulty="mid",
        kind="question",
        scores={"technical_knowledge": 2.0},
        anchor=2,
        signals=["disagreement"],
    )
    assert "differ by over 1.5 points" in review_flags([disagreeing], pack)[0]
    # Change a constant, and what people read follows it.
    monkeypatch.setitem(CRITERIA_WEIGHTS, "technical_knowledge", 0.5)
    monkeypatch.setattr(scoring, "DISAGREEMENT", 2.0)
    assert "| Technical knowledge (50%) | 4.00 |" in render_markdown(a_report(scores))
    assert "differ by over 2 points" in review_flags([disagreeing], pack)[0]


def test_overall_is_twenty_times_weighted_mean():
    scores = {"technical_knowledge": 5, "problem_solving": 4, "communication": 3, "soft_skills": 2}
    assert weighted_overall(scores) == pytest.approx(20 * (2.0 + 1.2 + 0.45 + 0.3))
    assert weighted_overall(dict.fromkeys(CRITERIA_WEIGHTS, 1.0)) == 20.0
    assert weighted_overall(dict.fromkeys(CRITERIA_WEIGHTS, 5.0)) == 100.0


def test_missing_criteria_are_left_out_not_zeroed():
    assert weighted_overall({"technical_knowledge": 4.0, "problem_solving": None}) == 80.0
    assert weighted_overall({}) == 20.0  # no evidence at all: the bottom of the scale


def test_figures_are_rounded_as_reported():
    # 20 x (0.40 x 3.33 + 0.15 x 4.17) / 0.55 = 71.18...
    assert weighted_overall({"technical_knowledge": 3.33, "communication": 4.17}) == 71.2
    assert clamp_score(3.14159) == 3.14


def evaluation(pack, question_id: str, score: float) -> AnswerEvaluation:
    question = pack.question(question_id)
    return AnswerEvaluation(
        turn=1,
        question_id=question_id,
        topic=pack.topic_of(question_id).topic,
        phase="foundation",
        difficulty=question.difficulty,
        kind="question",
        scores={"technical_knowledge": score},
        anchor=3,
    )


def test_criterion_scores_weigh_each_question_by_its_weight(pack):
    answers = [evaluation(pack, "auth.mid", 5.0), evaluation(pack, "caching.mid", 2.0)]
    # Equal weights (every question of the default pack weighs 1): (5 + 2 + the prior's 3) / 3.
    assert criterion_scores(pack, answers)["technical_knowledge"] == 3.33
    # A pack in which auth.mid weighs 2: (2 x 5 + 2 + 3) / 4.
    weights = {"auth.mid": 2.0, "caching.mid": 1.0}
    heavier = SimpleNamespace(question=lambda qid: SimpleNamespace(weight=weights[qid]))
    assert criterion_scores(heavier, answers)["technical_knowledge"] == 3.75


@pytest.mark.parametrize(
    ("overall", "expected"),
    [
        (90, "strong_hire"),
        (85, "strong_hire"),
        (75, "hire"),
        (60, "lean_hire"),
        (50, "lean_no_hire"),
        (30, "no_hire"),
    ],
)
def test_recommendation_bars(overall, expected):
    assert recommend(overall) == expected


def test_levels():
    assert [level_for_years(y) for y in (0, 1.9, 2, 4.9, 5, 12)] == [
        "junior",
        "junior",
        "mid",
        "mid",
        "senior",
        "senior",
    ]
    assert [level_for_ability(a) for a in (0, 0.59, 0.6, 1.44, 1.45, 2)] == [
        "junior",
        "junior",
        "mid",
        "mid",
        "senior",
        "senior",
    ]
    assert clamp_score(7) == 5.0 and clamp_score(-1) == 1.0


def test_the_experience_prior_is_continuous_and_agrees_with_the_spec_ranges():
    years = [y / 10 for y in range(0, 151)]
    priors = [ability_for_years(y) for y in years]
    assert priors == sorted(priors) and priors[0] == 0.0 and priors[-1] == 2.0
    for y, prior in zip(years, priors, strict=True):
        assert level_for_ability(prior) == level_for_years(y), y
    # 5 years (where the spec's mid and senior ranges meet) is a weaker senior prior than 12.
    assert ability_for_years(5) < ability_for_years(8) == ability_for_years(12)
