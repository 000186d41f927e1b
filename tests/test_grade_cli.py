"""`sophia grade`: single answers and batches graded without an interview."""

from __future__ import annotations

import json

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

from cli.main import app
from graph.llm import register_model

ENV = {"COLUMNS": "160", "OPENAI_API_KEY": ""}
GOOD = (
    "Synchronous code blocks until each call finishes. Asynchronous code runs coroutines on an "
    "event loop: await gives control back while a network call waits, so one thread serves "
    "many requests. It helps I/O-bound work, not CPU-bound work."
)


def grade(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["grade", *args], env=ENV, input=input)


def test_one_answer_prints_scores_quality_and_quoted_evidence():
    result = grade("async_programming.mid", "--answer", GOOD, "--model", "rubric")
    assert result.exit_code == 0, result.output
    assert "Technical knowledge" in result.output and "Quality (anchors)" in result.output
    assert "event loop" in result.output and "found" in result.output


def test_answer_from_stdin():
    result = grade("async_programming.mid", "--answer", "-", "--model", "rubric", input=GOOD)
    assert result.exit_code == 0, result.output
    assert "found" in result.output


def test_batch_writes_the_results_contract(tmp_path):
    batch = tmp_path / "answers.jsonl"
    lines = [
        {"id": "good", "question_id": "async_programming.mid", "text": GOOD},
        {"id": "none", "question_id": "async_programming.mid", "text": "No idea, sorry."},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    out = tmp_path / "out.json"
    result = grade("--batch", str(batch), "--json", str(out), "--model", "rubric")
    assert result.exit_code == 0, result.output
    results = json.loads(out.read_text())["results"]
    assert [r["id"] for r in results] == ["good", "none"]
    good, none = results
    assert {"id", "question_id", "scores", "quality", "signals", "found", "missed"} <= set(good)
    assert set(good["scores"]) == {"technical_knowledge", "communication"}
    # `scores` carry the mid question's difficulty offset; `quality` is on the anchors.
    assert good["quality"] > good["scores"]["technical_knowledge"]
    assert all(kp["quote"] and kp["quote"] in GOOD for kp in good["found"])
    assert none["quality"] < good["quality"] and "dont_know" in none["signals"]


def test_llm_brain_grades_on_the_anchors_and_the_offset_is_applied_in_code(tmp_path):
    reply = json.dumps(
        {
            "technical_knowledge": 4.0,
            "communication": 4.0,
            "anchor": 4,
            "found": ["sync_blocks", "async_event_loop", "threads_comparison"],
            "quotes": {
                "sync_blocks": "Synchronous code blocks until each call finishes.",
                "async_event_loop": "Async code uses green threads.",  # not in the answer
                "threads_comparison": "Threads are preemptive.",  # nor this
            },
            "misconceptions": ["says async runs on several cores"],
            "rationale": "Clear on blocking and the loop.",
        }
    )
    register_model("grade-cli", FakeListChatModel(responses=[reply]))
    out = tmp_path / "out.json"
    result = grade(
        "async_programming.mid", "--answer", GOOD, "--model", "fake:grade-cli", "--json", str(out)
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())["results"][0]
    assert row["brain"] == "llm"
    assert row["quality"] == 4.0
    assert row["scores"]["technical_knowledge"] == 3.6  # 4.0 on the anchors, -0.4 for mid
    assert row["scores"]["communication"] == 4.0  # no offset on communication
    quotes = {kp["id"]: kp["quote"] for kp in row["found"]}
    assert quotes["sync_blocks"] == "Synchronous code blocks until each call finishes."
    # A quote the answer does not contain is replaced by the rubric's sentence, or dropped.
    assert quotes["async_event_loop"] in GOOD and "green threads" not in quotes["async_event_loop"]
    assert quotes["threads_comparison"] is None
    assert row["misconceptions"] == ["says async runs on several cores"]
    assert "red_flag" in row["signals"]


def test_errors_are_one_line_with_status_2(tmp_path):
    assert grade("async_programming.mid").exit_code == 2  # no answer
    unknown = grade("no_such.question", "--answer", "x", "--model", "rubric")
    assert unknown.exit_code == 2 and "no_such.question" in unknown.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question_id": "caching.mid"}\n')
    broken = grade("--batch", str(bad), "--model", "rubric")
    assert broken.exit_code == 2 and "bad.jsonl:1" in broken.output
    assert grade("--batch", str(tmp_path / "missing.jsonl")).exit_code == 2


def test_an_llm_reply_that_scores_nothing_falls_back_to_the_rubric(tmp_path):
    reply = json.dumps(
        {"anchor": 3, "rationale": "x", "misconceptions": ["empty", "anchor"], "found": []}
    )
    register_model("grade-cli-null", FakeListChatModel(responses=[reply]))
    out = tmp_path / "out.json"
    result = grade(
        "async_programming.mid",
        "--answer",
        GOOD,
        "--model",
        "fake:grade-cli-null",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text())["results"][0]
    assert row["brain"] == "rubric" and "fallback" in row["signals"]
    assert row["misconceptions"] == []


def test_a_broken_batch_is_one_line_naming_the_file_and_the_line(tmp_path):
    line = {"id": "a", "question_id": "async_programming.mid", "text": GOOD}
    cases = {
        "not json": [json.dumps(line), "{oops"],
        "field 'text'": [json.dumps({"id": "b", "question_id": "async_programming.mid"})],
        "id 'a' is repeated": [json.dumps(line), json.dumps(line)],
    }
    for words, lines in cases.items():
        batch = tmp_path / "answers.jsonl"
        batch.write_text("\n".join(lines) + "\n")
        result = grade("--batch", str(batch), "--json", str(tmp_path / "o.json"))
        assert result.exit_code == 2, (words, result.output)
        message = " ".join(result.output.split())
        assert f"answers.jsonl:{len(lines)}" in message and words in message.lower(), message
