"""The feature study: ridge mixes scored out of fold, on the dev split only."""

from __future__ import annotations

import json

import pytest

from evals.feature_study import collection_round, fit_ridge, main, out_of_fold, study
from evals.human import HumanAnswer
from rubric.analysis import analyse_answer, grader_parts
from rubric.role_pack import load_role_pack

SENTENCES = (
    "Cache-aside: read from Redis first, on a miss read the database and set the key with a TTL.",
    "On writes I invalidate the key after the transaction commits.",
    "Otherwise a reader can put the old value back into the cache.",
    "For hot keys I add request coalescing so a miss does not stampede the database.",
    "I add jitter to the TTLs so keys do not all expire at once.",
    "I watch the hit ratio and the eviction rate in the metrics.",
)


def test_ridge_recovers_a_linear_rule():
    rows = [[x, (x * 7) % 5] for x in range(12)]
    targets = [2 * a - b + 1 for a, b in rows]
    predict = fit_ridge(rows, targets, alpha=1e-9)
    assert predict([20, 3]) == pytest.approx(38, abs=1e-6)


def test_out_of_fold_predictions_never_see_their_own_row():
    # Each target is unrelated to the feature but for one row: a model fit with that row
    # would predict it; fit without it, it cannot.
    rows = [[float(i)] for i in range(6)]
    targets = [0.0, 0.0, 0.0, 0.0, 0.0, 100.0]
    held_out = out_of_fold(rows, targets, [[i] for i in range(6)])
    assert held_out[5] == pytest.approx(0.0, abs=1e-9)


def test_rounds_come_from_the_id_and_the_first_three_count_as_one():
    assert [collection_round(i) for i in ("a004", "b12", "c7", "d104", "e031")] == [
        "a-c",
        "a-c",
        "a-c",
        "d",
        "e",
    ]


def test_grader_parts_hold_the_graders_own_score():
    pack = load_role_pack("backend_python")
    question = pack.question("caching.mid")
    text = " ".join(SENTENCES)
    parts = grader_parts(question, pack.topic_of(question.id), text)
    assert parts["quality"] == pytest.approx(
        analyse_answer(question, pack.topic_of(question.id), [text]).quality
    )
    assert parts["words"] > 50 and parts["coverage"] > 0


def _answer(id_, n_sentences, split="dev", question="caching.mid"):
    grade = 1 + 4 * n_sentences / len(SENTENCES)
    return HumanAnswer(
        id=id_,
        question_id=question,
        text=" ".join(SENTENCES[:n_sentences]) or "I am not sure.",
        split=split,
        ratings={
            "r1": {"score": grade, "mistake": False},
            "r2": {"score": grade, "mistake": False},
        },
    )


def test_the_study_reads_only_the_dev_split(tmp_path, capsys):
    dev = [_answer(f"{r}{i}", i % 7) for r in "ad" for i in range(7)]
    # A test answer naming no real question would break the study if it were read.
    unseen = _answer("t1", 3, split="test", question="no_such.question")
    lines = [json.dumps(a.model_dump()) for a in [*dev, unseen]]
    (tmp_path / "answers.jsonl").write_text("\n".join(lines) + "\n")
    result = study(tmp_path)
    assert result["split"] == "dev" and result["n"] == 14
    assert result["rounds"] == {"a-c": 7, "d": 7}
    # More of the rubric said, graded higher: the grader and the mixes rank these answers.
    assert result["alone"]["quality"] > 0.8
    quality_mix = result["mixes"][0]
    assert quality_mix["k_fold"] > 0.8 and set(quality_mix["by_round"]) == {"a-c", "d"}
    assert main([str(tmp_path), "--json", str(tmp_path / "out.json")]) == 0
    assert "the test split is not read" in capsys.readouterr().out
    assert json.loads((tmp_path / "out.json").read_text())["n"] == 14
