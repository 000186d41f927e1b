"""The `sophia` command, run as a user runs it (subprocesses, piped stdin, SQLite on disk)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.report_checks import check_report

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT / "evals" / "candidates"
ANSWER = (
    "In my last job I built FastAPI services on PostgreSQL with SQLAlchemy sessions per "
    "request, async endpoints, JWT auth, Redis caching with TTLs and Prometheus metrics."
)


def sophia(
    *args: str, stdin: str | bytes = b"", home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `sophia` as a user does; `env` adds settings (e.g. SOPHIA_DATABASE_URL)."""
    env = {
        **os.environ,
        "SOPHIA_HOME": str(home),
        "SOPHIA_DATABASE_URL": "",
        "OPENAI_API_KEY": "",
        "COLUMNS": "120",
        **(env or {}),
    }
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


pytestmark = pytest.mark.integration


def test_piped_interview_saves_at_end_of_input_and_resumes_with_thread(tmp_path, persistence_env):
    """The same interview on SQLite (default) and on Postgres (SOPHIA_DATABASE_URL)."""
    db = persistence_env
    first = sophia(
        "interview",
        "--thread",
        "cli-1",
        "--name",
        "Kim",
        "--years",
        "4",
        stdin="\n".join([ANSWER] * 4) + "\n",
        home=tmp_path,
        env=db,
    )
    assert first.returncode == 0, first.stderr.decode()
    out = first.stdout.decode()
    assert "Sophia:" in out and "Kim" in out
    assert "sophia interview --thread cli-1" in out

    second = sophia(
        "interview",
        "--thread",
        "cli-1",
        stdin="\n".join([ANSWER] * 60) + "\n",
        home=tmp_path,
        env=db,
    )
    assert second.returncode == 0, second.stderr.decode()
    out = second.stdout.decode()
    assert "Resuming interview 'cli-1'" in out
    assert "Your report" in out

    report = sophia(
        "report",
        "cli-1",
        "--json",
        str(tmp_path / "r.json"),
        "--markdown",
        str(tmp_path / "r.md"),
        home=tmp_path,
        env=db,
    )
    assert report.returncode == 0, report.stderr.decode()
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["candidate_id"]
    check_report(data)
    answers = [q["answer"] for p in data["phases"] for q in p["questions"]]
    assert len(answers) == 18 and all(a == ANSWER for a in answers)  # nothing lost on resume
    assert (tmp_path / "r.md").read_text().startswith("# Interview report")

    again = sophia("interview", "--thread", "cli-1", home=tmp_path, env=db)
    assert "has finished" in again.stdout.decode()
    if db["SOPHIA_DATABASE_URL"]:  # nothing went to the SQLite files, and no password is shown
        assert not (tmp_path / "home" / "checkpoints.sqlite").exists()
        assert "postgresql://" in first.stdout.decode()
    else:  # both SQLite files journal with WAL
        for name in ("checkpoints.sqlite", "store.sqlite"):
            with sqlite3.connect(f"file:{tmp_path / 'home' / name}?mode=ro", uri=True) as conn:
                assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal", name


def test_bad_bytes_and_blank_lines_on_stdin_are_handled(tmp_path):
    result = sophia(
        "interview",
        "--thread",
        "cli-2",
        "--name",
        "Kim",
        stdin=b"\n   \n\xff\xfe caf\xc3\xa9 \x00\x1b[2J\n",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert "Skipped an empty input line" in result.stderr.decode()


def test_simulate_writes_json_and_markdown(tmp_path):
    candidate = sorted(CANDIDATES.glob("*.yaml"))[0]
    result = sophia(
        "simulate",
        str(candidate),
        "--json",
        str(tmp_path / "s.json"),
        "--markdown",
        str(tmp_path / "s.md"),
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads((tmp_path / "s.json").read_text())
    assert set(data) >= {
        "candidate_id",
        "level",
        "scores",
        "overall",
        "recommendation",
        "phases",
        "strengths",
        "improvements",
        "coaching",
        "flags",
        "model",
        "brain",
        "usage",
        "mode",
        "target_level",
        "transcript",
        "candidate_questions",
    }
    # The candidate asked questions at the wrap-up: replied to, not graded.
    assert [p["phase"] for p in data["phases"]] == [
        "introduction",
        "foundation",
        "problem_solving",
        "system_design",
        "soft_skills",
    ]
    assert data["candidate_questions"] and all(q["reply"] for q in data["candidate_questions"])
    speakers = {line["speaker"] for line in data["transcript"]}
    assert speakers == {"sophia", "candidate"}


def test_simulate_prints_the_conversation(tmp_path):
    candidate = ROOT / "evals" / "listening" / "mid-clarifier-nora.yaml"
    result = sophia("simulate", str(candidate), "--transcript", home=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Nora [clarification request]: Before I answer, what do you mean by" in out
    assert "Sophia [clarification]:" in out and "Sophia [reply]:" in out


def test_a_practice_report_shows_no_recommendation(tmp_path):
    candidate = ROOT / "evals" / "listening" / "practice-priya.yaml"
    result = sophia("simulate", str(candidate), "--markdown", str(tmp_path / "p.md"), home=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "Recommendation" not in result.stdout.decode()
    assert "ecommendation" not in (tmp_path / "p.md").read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "candidate file not found"),
        ("id: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("id: x\nname: X\nyears_experience: 2\nanswers: {cooking: hi}\n", "unknown topics"),
        ("id: x\nname: X\nanswers: {}\nshoe_size: 9\n", "shoe_size"),
    ],
)
def test_bad_candidate_files_give_one_clear_line_and_status_2(tmp_path, content, message):
    path = tmp_path / "c.yaml"
    if content is not None:
        path.write_text(content)
    result = sophia("simulate", str(path), home=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert message in err and "Traceback" not in err


def test_unknown_thread_report_is_a_clear_error(tmp_path):
    result = sophia("report", "nope", home=tmp_path)
    assert result.returncode == 2
    assert "no finished interview 'nope'" in result.stderr.decode()


def test_unavailable_model_is_a_clear_error(tmp_path):
    candidate = sorted(CANDIDATES.glob("*.yaml"))[0]
    result = sophia("simulate", str(candidate), "--model", "nonsense", home=tmp_path)
    assert result.returncode == 2
    assert "model 'nonsense'" in result.stderr.decode()


def test_unreachable_database_is_a_clear_error(tmp_path):
    url = "postgresql://sophia:s3cret-pw@127.0.0.1:9/test"
    result = sophia("report", "x", home=tmp_path, env={"SOPHIA_DATABASE_URL": url})
    err = result.stderr.decode()
    assert result.returncode == 2 and "cannot use the database" in err
    assert "s3cret-pw" not in err + result.stdout.decode() and "Traceback" not in err


def test_ctrl_c_while_the_prompt_is_set_up_is_a_saved_interruption(monkeypatch):
    """A Ctrl-C that lands as the prompt takes over SIGINT (raised from `signal.signal` itself,
    about one time in three when pressed just as the question appears) must end as
    `Interrupted`, which saves and prints how to resume, not as a bare KeyboardInterrupt."""
    import signal as signals

    from cli import interview_session

    real = signals.signal
    pressed = []

    def swap(signum, handler):
        if handler is signals.default_int_handler and not pressed:
            pressed.append(True)
            real(signum, handler)
            raise KeyboardInterrupt
        return real(signum, handler)

    monkeypatch.setattr(interview_session.signal, "signal", swap)
    before = signals.getsignal(signals.SIGINT)
    with pytest.raises(interview_session.Interrupted):
        interview_session.interruptible(lambda: "never read")
    assert pressed and signals.getsignal(signals.SIGINT) is before  # the handler is restored
