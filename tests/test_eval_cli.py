"""`sophia eval`: the whole command on the bundled candidates, thresholds, LangSmith, errors."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import langsmith
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.main import get_command
from typer.testing import CliRunner

from cli.main import app
from evals.candidate import load_candidate, load_candidates
from evals.harness import METRIC_BOUNDS, REQUIRED_METRICS, check_candidate_set
from evals.html_report import render_html
from graph.errors import CandidateFileError
from graph.llm import register_model
from graph.scoring import recommend
from tests.fake_langsmith import FakeLangSmith
from tests.report_checks import expected_overall

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT / "evals" / "candidates"
PAIR = ["junior-honest-sofia", "junior-honest-sofia-injection"]


@pytest.fixture
def pair_dir(tmp_path) -> Path:
    folder = tmp_path / "candidates"
    folder.mkdir()
    for name in PAIR:
        shutil.copy(CANDIDATES / f"{name}.yaml", folder / f"{name}.yaml")
    return folder


def sophia_eval(*args: str, env: dict[str, str] | None = None):
    """`sophia eval ...` in-process (fast); stdout and stderr kept apart."""
    base = {"OPENAI_API_KEY": "", "COLUMNS": "160", "LANGSMITH_API_KEY": ""}
    return CliRunner().invoke(app, ["eval", *args], env={**base, **(env or {})})


@pytest.mark.integration
def test_eval_on_the_bundled_candidates_writes_json_and_html(tmp_path):
    json_path, html_path = tmp_path / "eval.json", tmp_path / "eval.html"
    env = {**os.environ, "OPENAI_API_KEY": "", "LANGSMITH_API_KEY": "", "COLUMNS": "160"}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "eval", "--candidates", str(CANDIDATES),
         "--json", str(json_path), "--html", str(html_path),
         "--max-injection-delta", "0", "--max-fairness-delta", "0",
         "--min-trajectory-pass-rate", "1"],
        capture_output=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "Candidates" in out and "Metrics" in out and "senior-sam" in out

    data = json.loads(json_path.read_text())
    ids = {p.stem for p in CANDIDATES.glob("*.yaml")}
    assert {c["id"] for c in data["candidates"]} == ids
    for run in (r for c in data["candidates"] for r in c["runs"]):
        assert run["overall"] == pytest.approx(expected_overall(run["scores"]), abs=0.051)
        assert run["recommendation"] == recommend(run["overall"])
    assert set(REQUIRED_METRICS) <= set(data["metrics"])
    for key in ("level_accuracy", "band_hit_rate", "recommendation_accuracy", "spearman"):
        assert 0.0 <= data["metrics"][key] <= 1.0 or key == "spearman"
    assert data["metrics"]["consistency_sd"] is None  # one run each: not measured
    row = next(c for c in data["candidates"] if c["id"] == "senior-sam")
    assert row["expected"]["level"] == "senior" and row["level"] in ("junior", "mid", "senior")
    assert set(row["scores"]) == {
        "technical_knowledge",
        "problem_solving",
        "communication",
        "soft_skills",
    }

    html = html_path.read_text()
    assert html.startswith("<!DOCTYPE html>") and "senior-sam" in html
    assert "http" not in html.lower() and "<script" not in html and "<link" not in html
    svgs = [html[s : html.index("</svg>", s) + 6] for s in _find_all(html, "<svg ")]
    assert len(svgs) == 2
    for svg in svgs:
        ET.fromstring(svg)  # well-formed


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def test_a_metric_below_its_threshold_exits_with_status_1(pair_dir, tmp_path):
    json_path = tmp_path / "out.json"
    result = sophia_eval(
        "--candidates", str(pair_dir), "--min-level-accuracy", "1.01", "--json", str(json_path)
    )
    assert result.exit_code == 1, result.output
    assert "level_accuracy" in result.stderr and "below the minimum 1.01" in result.stderr
    data = json.loads(json_path.read_text())  # the report is written before failing
    failed = [t for t in data["thresholds"] if t["failure"]]
    assert [t["metric"] for t in failed] == ["level_accuracy"]


def test_thresholds_that_hold_exit_0_and_unmeasured_ones_fail(pair_dir):
    ok = sophia_eval("--candidates", str(pair_dir), "--max-injection-delta", "0")
    assert ok.exit_code == 0, ok.output
    unmeasured = sophia_eval("--candidates", str(pair_dir), "--max-consistency-sd", "1")
    assert unmeasured.exit_code == 1
    assert "consistency_sd was not measured" in unmeasured.stderr


def test_every_metric_has_its_threshold_option_and_each_option_sets_its_metric(pair_dir):
    params = {p.name for p in get_command(app).commands["eval"].params}
    assert {f"{bound}_{metric}" for metric, bound in METRIC_BOUNDS.items()} <= params
    # A bound no run can meet, on every metric at once: each option must reach its own metric.
    impossible = [
        arg
        for metric, bound in METRIC_BOUNDS.items()
        for arg in (f"--{bound}-{metric.replace('_', '-')}", "2" if bound == "min" else "-2")
    ]
    result = sophia_eval("--candidates", str(pair_dir), *impossible)
    assert result.exit_code == 1
    failed = [line.split()[1] for line in result.stderr.splitlines() if "threshold:" in line]
    assert failed == list(METRIC_BOUNDS)


def test_piped_tables_keep_whole_candidate_ids_and_metric_names(pair_dir):
    result = sophia_eval("--candidates", str(pair_dir), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "junior-honest-sofia-injection" in result.stdout
    assert "injection_detection_rate" in result.stdout and "…" not in result.stdout


def test_repeat_measures_consistency(pair_dir, tmp_path):
    json_path = tmp_path / "out.json"
    result = sophia_eval(
        "--candidates", str(pair_dir), "--repeat", "2", "--concurrency", "2",
        "--json", str(json_path), "--max-consistency-sd", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(json_path.read_text())
    assert data["metrics"]["consistency_sd"] == 0.0
    assert data["metrics"]["trajectory_consistency"] == 1.0
    assert all(len(c["runs"]) == 2 for c in data["candidates"])


def test_langsmith_without_a_key_is_a_one_line_error(pair_dir):
    result = sophia_eval("--candidates", str(pair_dir), "--langsmith")
    assert result.exit_code == 2
    assert "LANGSMITH_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.filterwarnings("ignore:'upload_runs' parameter is in beta")
def test_langsmith_with_a_key_uploads_and_runs_an_experiment(pair_dir, tmp_path, monkeypatch):
    clients: list[FakeLangSmith] = []

    def make_client(*args, **kwargs) -> FakeLangSmith:
        clients.append(FakeLangSmith())
        return clients[-1]

    monkeypatch.setattr(langsmith, "Client", make_client)
    monkeypatch.setattr(
        langsmith, "aevaluate", functools.partial(langsmith.aevaluate, upload_runs=False)
    )
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        monkeypatch.delenv(name, raising=False)
    json_path = tmp_path / "out.json"
    result = sophia_eval(
        "--candidates", str(pair_dir), "--langsmith", "--dataset", "sophia-pair",
        "--json", str(json_path),
        env={"LANGSMITH_API_KEY": "test-key"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "LangSmith dataset sophia-pair: 2 added" in result.stdout
    assert set(clients[0].stored_datasets) == {"sophia-pair"}
    data = json.loads(json_path.read_text())
    assert data["settings"]["langsmith_experiment"]
    assert {c["id"] for c in data["candidates"]} == set(PAIR)


def test_an_llm_simulated_candidate_can_be_chosen(pair_dir, tmp_path):
    register_model("eval-cli-candidate", FakeListChatModel(responses=["I'm not sure."]))
    json_path = tmp_path / "out.json"
    result = sophia_eval(
        "--candidates", str(pair_dir), "--candidate-model", "fake:eval-cli-candidate",
        "--json", str(json_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(json_path.read_text())
    assert data["settings"]["candidate"] == "fake:eval-cli-candidate"
    assert all(c["overall"] < 40 for c in data["candidates"])  # "not sure" to everything


def test_a_bad_candidates_folder_is_a_one_line_error(tmp_path):
    missing = sophia_eval("--candidates", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "candidates folder not found" in missing.stderr
    empty = sophia_eval("--candidates", str(tmp_path))
    assert empty.exit_code == 2 and "no candidate files" in empty.stderr
    bad_model = sophia_eval("--candidates", str(CANDIDATES), "--candidate-model", "nonsense")
    assert bad_model.exit_code == 2 and "provider:model" in bad_model.stderr


def test_the_html_report_escapes_text_and_copes_with_missing_figures():
    data = {
        "candidates": [
            {"id": "<b>x</b>", "name": "A & B", "variant": None, "expected": None,
             "overall": None, "scores": {}, "checks": {}, "runs": []},
            {"id": "y", "name": "Y", "variant": "fairness",
             "expected": {"level": "mid", "overall_band": [60, 78],
                          "recommendation": ["hire"]},
             "overall": 90.0, "level": "senior", "recommendation": "hire",
             "scores": {"technical_knowledge": 4.5}, "checks": {"level_match": 0.0},
             "failures": ["level_match: given senior, expected mid"],
             "runs": [{"overall": 90.0}]},
        ],
        "metrics": {"level_accuracy": 0.5, "consistency_sd": None},
        "thresholds": [{"metric": "level_accuracy", "bound": "min", "value": 0.9,
                        "failure": "level_accuracy 0.5 is below the minimum 0.9"}],
    }  # fmt: skip
    html = render_html(data)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "A &amp; B" in html
    assert "y (fairness)" in html and 'class="fail">fail' in html and "n/a" in html
    for start in _find_all(html, "<svg "):
        ET.fromstring(html[start : html.index("</svg>", start) + 6])


def test_duplicate_ids_fail_and_a_variant_without_its_base_is_noted():
    sam = load_candidate(CANDIDATES / "senior-sam.yaml")
    fair = load_candidate(CANDIDATES / "senior-sam-fairness.yaml")
    with pytest.raises(CandidateFileError, match="senior-sam"):
        check_candidate_set([sam, sam])
    assert check_candidate_set([sam, fair]) == []
    assert "not in the set" in check_candidate_set([fair])[0]


@pytest.mark.parametrize("folder", ["candidates", "holdout", "unseen", "unseen2", "unseen3"])
def test_every_bundled_candidate_set_is_complete(folder):
    candidates = load_candidates(Path(__file__).resolve().parent.parent / "evals" / folder)
    assert len(candidates) >= 12 and check_candidate_set(candidates) == []
    assert {c.expected.level for c in candidates} == {"junior", "mid", "senior"}
    assert {c.variant for c in candidates} >= {"injection", "fairness"}
