import pytest

from graph.scoring import (
    CRITERIA_WEIGHTS,
    ability_for_years,
    clamp_score,
    level_for_ability,
    level_for_years,
    recommend,
    weighted_overall,
)


def test_weights_are_the_role_specs():
    assert CRITERIA_WEIGHTS == {
        "technical_knowledge": 0.40,
        "problem_solving": 0.30,
        "communication": 0.15,
        "soft_skills": 0.15,
    }


def test_overall_is_twenty_times_weighted_mean():
    scores = {"technical_knowledge": 5, "problem_solving": 4, "communication": 3, "soft_skills": 2}
    assert weighted_overall(scores) == pytest.approx(20 * (2.0 + 1.2 + 0.45 + 0.3))
    assert weighted_overall(dict.fromkeys(CRITERIA_WEIGHTS, 1.0)) == 20.0
    assert weighted_overall(dict.fromkeys(CRITERIA_WEIGHTS, 5.0)) == 100.0


def test_missing_criteria_are_left_out_not_zeroed():
    assert weighted_overall({"technical_knowledge": 4.0, "problem_solving": None}) == 80.0


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
