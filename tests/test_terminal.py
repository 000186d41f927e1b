"""`sophia interview` at a real terminal (a pty): Ctrl-C, resuming, and the profile prompts.

Each step waits for the text the CLI prints (the prompt, the resume line), never for a time.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time

import pytest

from tests.test_cli import ROOT
from tests.test_durability import environment, recorded_answers

pytestmark = pytest.mark.integration

SHORT = ["--questions-per-phase", "1", "--max-follow-ups", "0"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
FIRST = "I build FastAPI services on PostgreSQL with SQLAlchemy and Redis caching."
SECOND = "Pydantic models validate requests, and Depends gives each request its session."


class Terminal:
    """`sophia interview` on a pseudo-terminal, as a person runs it."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-m", "cli.main", "interview", *args]
        full_env = {**os.environ, "OPENAI_API_KEY": "", "COLUMNS": "200", **env}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the pty is its controlling terminal
            os.chdir(ROOT)
            os.execve(sys.executable, command, full_env)
        self.output = ""

    def wait_for(self, text: str, timeout: float = 60.0, times: int = 1) -> str:
        """Read until `text` has been printed (`times` times); fail with the output otherwise."""
        deadline = time.monotonic() + timeout
        while self.output.count(text) < times:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                pytest.fail(f"never printed {text!r}; output:\n{self.output}")
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the child is gone
                pytest.fail(f"exited before printing {text!r}; output:\n{self.output}")
            self.output += ANSI.sub("", chunk.decode("utf-8", errors="replace"))
        return self.output

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode() + b"\r")

    def ctrl_c(self) -> None:
        os.write(self.fd, b"\x03")  # the terminal sends SIGINT to the foreground process

    def exit_status(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            try:  # keep draining, so the child never blocks on a full pty
                if select.select([self.fd], [], [], 0.1)[0]:
                    self.output += ANSI.sub("", os.read(self.fd, 65536).decode(errors="replace"))
            except OSError:
                pass
        os.kill(self.pid, signal.SIGKILL)
        pytest.fail(f"still running; output:\n{self.output}")


def test_ctrl_c_saves_loses_nothing_and_a_resume_asks_no_profile(tmp_path):
    env = {"SOPHIA_HOME": str(tmp_path / "home"), "SOPHIA_DATABASE_URL": ""}
    first = Terminal(env, "--thread", "ctrl-c", "--name", "Kim", "--years", "4", *SHORT)
    first.wait_for("You:")
    first.type(FIRST)
    first.wait_for("question 2 of")
    first.wait_for("You:", times=2)
    first.ctrl_c()  # the first Ctrl-C at the prompt
    out = first.wait_for("Resume with: sophia interview --thread ctrl-c")
    assert first.exit_status() == 130
    assert "Traceback" not in out

    again = Terminal(env, "--thread", "ctrl-c", *SHORT)
    again.wait_for("Resuming interview 'ctrl-c'")
    again.wait_for("You:")
    assert "Your name" not in again.output and "Years of experience" not in again.output
    assert "question 2 of" in again.output  # the question that was waiting, asked again
    again.type(SECOND)
    again.wait_for("question 3 of")
    again.wait_for("You:", times=2)
    again.ctrl_c()
    again.wait_for("Resume with: sophia interview --thread ctrl-c")
    assert again.exit_status() == 130
    with environment(env):
        assert recorded_answers(env, "ctrl-c") == [FIRST, SECOND]


def test_a_new_interview_in_a_terminal_asks_for_the_name(tmp_path):
    env = {"SOPHIA_HOME": str(tmp_path / "home"), "SOPHIA_DATABASE_URL": ""}
    session = Terminal(env, "--thread", "named", *SHORT)
    session.wait_for("Your name")
    session.type("Ada Byron")
    session.wait_for("Years of experience")
    session.type("2")
    out = session.wait_for("You:")
    assert "Ada" in out and "Candidate" not in out
    session.ctrl_c()
    session.wait_for("Resume with")
    assert session.exit_status() == 130


def test_practice_mode_shows_feedback_and_a_coaching_report_without_a_recommendation(tmp_path):
    env = {"SOPHIA_HOME": str(tmp_path / "home"), "SOPHIA_DATABASE_URL": ""}
    session = Terminal(
        env, "--thread", "practice", "--name", "Kim", "--years", "3", "--mode", "practice", *SHORT
    )
    for prompt in range(1, 20):
        out = session.wait_for("You:", times=prompt)
        if "Full report" in out:
            break
        closing = "last question" in re.findall(r"question \d+ of \d+.*", out)[-1]
        session.type("No, that's all." if closing else FIRST)
        if closing:
            break
    out = session.wait_for("Full report: sophia report practice")
    assert session.exit_status() == 0
    assert "Feedback:" in out and "Your coaching report" in out
    assert "Feedback on each question" in out
    assert "ecommendation" not in out and not re.search(r"\bhire\b", out.lower())
