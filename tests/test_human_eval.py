"""Agreement with human raters: the metrics on hand-made data, the loader, `sophia eval --human`."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from cli.main import app
from evals.evaluators import spearman
from evals.human import (
    GradedHumanAnswer,
    HumanAnswer,
    agreement,
    grade_1_to_5,
    load_human_answers,
    pearson,
    quadratic_weighted_kappa,
    rater_agreement,
)
from graph.errors import CandidateFileError


def human(id_, r1, r2, m1=False, m2=False, text="word " * 10, split="dev", question="caching.mid"):
    return HumanAnswer(
        id=id_,
        question_id=question,
        text=text,
        split=split,
        ratings={"r1": {"score": r1, "mistake": m1}, "r2": {"score": r2, "mistake": m2}},
    )


def test_quadratic_weighted_kappa_matches_a_hand_computation():
    # Pairs (1,1) (2,2) (3,4): one disagreement of one step, weight 1/16; chance expects
    # 21/16 over the 3x3 products of the marginals, / 3 answers. Kappa = 1 - (1/16)/(21/48).
    assert quadratic_weighted_kappa([1, 2, 3], [1, 2, 4]) == pytest.approx(6 / 7)
    # Grades are rounded half up before they are compared: 3.5 is a 4.
    assert quadratic_weighted_kappa([1, 2, 3], [1.2, 2.4, 3.5]) == pytest.approx(6 / 7)
    assert quadratic_weighted_kappa([1, 3, 5], [1, 3, 5]) == pytest.approx(1.0)
    # Perfectly reversed grades on a symmetric spread disagree as much as possible.
    assert quadratic_weighted_kappa([1, 5], [5, 1]) == pytest.approx(-1.0)
    assert quadratic_weighted_kappa([3, 3], [3, 3]) is None  # no spread: undefined


def test_spearman_with_ties_and_pearson():
    # x ranks 1, 2.5, 2.5, 4 against 1, 3, 2, 4: rho = 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10).
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(3 / math.sqrt(10))
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 1], [1, 2]) is None


def test_grades_round_half_up_and_stay_on_the_scale():
    assert [grade_1_to_5(x) for x in (0.2, 1.49, 1.5, 2.5, 3.5, 4.51, 7)] == [1, 1, 2, 3, 4, 5, 5]


def test_groups_reference_and_mistake_consensus():
    assert human("a", 4, 5).group == "excellent" and human("a", 4, 5).reference == 4.5
    assert human("b", 3, 2).group == "partial"  # 2.5 is partial
    assert human("c", 2, 2).group == "weak"
    mistaken = human("d", 4, 4, m1=True, m2=True)
    assert mistaken.mistake is True and mistaken.group == "mistaken"
    split = human("e", 4, 4, m1=True)
    assert split.mistake is None and split.group == "excellent"


def test_agreement_figures_on_hand_made_grades():
    answers = [
        human("ex", 5, 5),
        human("pa", 3, 3),
        human("we", 1, 2),
        human("mi", 3, 2, m1=True, m2=True),
        human("disputed", 4, 4, m1=True),
    ]
    graded = [
        GradedHumanAnswer(answers[0], 4.5, False),
        GradedHumanAnswer(answers[1], 3.5, True),  # a false positive
        GradedHumanAnswer(answers[2], 1.0, False),
        GradedHumanAnswer(answers[3], 2.0, True),  # a mistake caught
        GradedHumanAnswer(answers[4], 4.0, True),  # raters disagree: counts for neither
    ]
    figures = agreement(graded)
    assert figures["n"] == 5
    assert figures["misconception_recall"] == 1.0
    assert figures["misconception_false_positive_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert figures["mistaken_n"] == 1 and figures["clean_n"] == 3
    assert figures["groups"]["excellent"] == {
        "n": 2,
        "mean_reference": 4.5,
        "mean_score": 4.25,
        "mean_signed_error": -0.25,
    }
    assert figures["groups"]["mistaken"]["mean_signed_error"] == pytest.approx(-0.5)
    assert figures["spearman"] == pytest.approx(
        spearman([4.5, 3.5, 1.0, 2.0, 4.0], [5, 3, 1.5, 2.5, 4]), abs=1e-3
    )
    assert figures["raters"]["spearman"] == pytest.approx(
        spearman([5, 3, 1, 3, 4], [5, 3, 2, 2, 4]), abs=1e-3
    )
    assert figures["raters"]["mistake_agreement"] == pytest.approx(0.8)
    assert figures["word_count_spearman"] is None  # every text has the same length


def test_rater_agreement_is_perfect_when_raters_agree():
    answers = [human(str(i), s, s) for i, s in enumerate((1, 2, 3, 4, 5))]
    assert rater_agreement(answers) == {
        "spearman": 1.0,
        "pearson": 1.0,
        "kappa": 1.0,
        "mistake_agreement": 1.0,
    }


def _write(folder, answers):
    folder.mkdir(exist_ok=True)
    lines = [json.dumps(a.model_dump()) if isinstance(a, HumanAnswer) else a for a in answers]
    (folder / "answers.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_loader_keeps_one_split_and_names_a_broken_line(tmp_path):
    folder = _write(tmp_path / "h", [human("a", 3, 3), human("b", 4, 4, split="test")])
    assert [a.id for a in load_human_answers(folder, "dev")] == ["a"]
    assert [a.id for a in load_human_answers(folder, "all")] == ["a", "b"]
    bad = _write(tmp_path / "bad", [human("a", 3, 3), '{"id": "b", "question_id": "x"}'])
    with pytest.raises(CandidateFileError, match=r"answers.jsonl:2: field 'text'"):
        load_human_answers(bad)
    with pytest.raises(CandidateFileError, match="cannot read"):
        load_human_answers(tmp_path / "missing")
    with pytest.raises(CandidateFileError, match="no answers in split 'test'"):
        load_human_answers(_write(tmp_path / "dev_only", [human("a", 3, 3)]), "test")


STRONG = (
    "Cache-aside: read from Redis first, on a miss read the database and set the key with a "
    "TTL. On writes I invalidate the key after the transaction commits, because otherwise a "
    "reader can put the old value back. For hot keys I add a lock or request coalescing so a "
    "miss does not stampede the database, and I add jitter to the TTLs."
)


def test_eval_human_prints_the_agreement_and_writes_json(tmp_path):
    folder = _write(
        tmp_path / "h",
        [
            human("strong", 5, 4, text=STRONG),
            human("weak", 1, 2, text="I would use a cache."),
            human("none", 1, 1, text="I don't know."),
            human("other", 3, 3, text=STRONG, split="test"),
        ],
    )
    out = tmp_path / "human.json"
    result = CliRunner().invoke(
        app,
        ["eval", "--human", str(folder), "--split", "dev", "--model", "rubric", "--json", str(out)],
        env={"COLUMNS": "160", "OPENAI_API_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    assert "Agreement with the raters (3 answers)" in result.output
    data = json.loads(out.read_text())
    assert [a["id"] for a in data["answers"]] == ["strong", "weak", "none"]
    assert data["answers"][0]["quality"] > data["answers"][1]["quality"]
    assert data["metrics"]["n"] == 3 and data["settings"]["split"] == "dev"


def test_eval_human_threshold_breaks_exit_1_and_bad_split_exits_2(tmp_path):
    folder = _write(
        tmp_path / "h",
        [human("a", 5, 5, text="I don't know."), human("b", 1, 1, text=STRONG)],
    )
    runner = CliRunner()
    env = {"COLUMNS": "160", "OPENAI_API_KEY": ""}
    broken = runner.invoke(
        app, ["eval", "--human", str(folder), "--min-spearman", "0.5", "--model", "rubric"], env=env
    )
    assert broken.exit_code == 1
    assert "spearman" in broken.output
    bad = runner.invoke(app, ["eval", "--human", str(folder), "--split", "train"], env=env)
    assert bad.exit_code == 2 and "--split" in bad.output


def test_eval_human_warns_when_the_model_graded_fewer_answers_than_asked(tmp_path):
    """A model that replies with no scores leaves the rubric's grades: the run must say so rather
    than print the rubric's figures under the model's name."""
    from langchain_core.language_models import FakeListChatModel

    from graph.llm import register_model
    from tests.fake_models import GRADE

    empty = json.dumps({"anchor": 3, "rationale": "x", "misconceptions": [], "found": []})
    # Replies cycle: one answer gets scores, the other two get none.
    register_model("human-eval-half", FakeListChatModel(responses=[GRADE, empty, empty, empty]))
    folder = _write(
        tmp_path / "h",
        [human("a", 5, 4, text=STRONG), human("b", 1, 2, text="I would use a cache.")],
    )
    out = tmp_path / "human.json"
    args = ["eval", "--human", str(folder), "--json", str(out), "--concurrency", "1"]
    env = {"COLUMNS": "200", "OPENAI_API_KEY": ""}
    result = CliRunner().invoke(app, [*args, "--model", "fake:human-eval-half"], env=env)
    assert result.exit_code == 0, result.output
    assert "fake:human-eval-half graded 1 of 2 answers" in " ".join(result.output.split())
    data = json.loads(out.read_text())
    assert [a["brain"] for a in data["answers"]] == ["llm", "rubric"]
    assert data["metrics"]["graded_by_model"] == 1
    rubric = CliRunner().invoke(app, [*args, "--model", "rubric"], env=env)
    assert "warning" not in rubric.output
