"""Durability: `sophia interview` killed with SIGKILL resumes with `--thread`, nothing lost.

Each answer carries a tag, so the final report shows whether every answer given before a kill
is there exactly once, and `check_report` that every one of them was graded. Kills land between
answers (the next question is on screen) and at two fixed points in the middle of a turn
(`tests/paused_cli.py`: the answer taken but not saved, or saved and being graded), on SQLite
and on Postgres. No kill waits on a clock.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import pytest

from graph.state import FinalReport
from tests.paused_cli import PAUSED_LINE
from tests.report_checks import check_report
from tests.test_cli import ROOT

pytestmark = pytest.mark.integration

SHORT = ["--questions-per-phase", "1", "--max-follow-ups", "0"]  # six questions, no probes
QUESTIONS = 6
PROGRESS = re.compile(r"question (\d+) of \d+")


def answer(n: int) -> str:
    """The n-th answer, tagged so the report shows where it went."""
    return (
        f"[a{n}] In my last job I built FastAPI services on PostgreSQL with SQLAlchemy, async "
        f"endpoints, JWT auth and Redis caching."
    )


Kill = Literal["between", "await_answer", "grader"]
PAUSED = re.compile(re.escape(PAUSED_LINE))


class Session:
    """A running `sophia interview`, fed one line at a time, its stdout read as it comes.

    `pause=(node, n)` runs it with that node stopped on answer n (`tests/paused_cli.py`).
    """

    def __init__(
        self, thread: str, env: dict[str, str], *extra: str, pause: tuple[str, int] | None = None
    ) -> None:
        full_env = {
            **os.environ,
            "OPENAI_API_KEY": "",
            "COLUMNS": "120",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        program = ["tests.paused_cli", pause[0], str(pause[1])] if pause else ["cli.main"]
        command = [sys.executable, "-m", *program, "interview", "--thread", thread, *SHORT]
        self.process = subprocess.Popen(
            [*command, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=full_env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in self.process.stdout:  # type: ignore[union-attr]
            self.lines.put(raw.decode("utf-8", errors="replace"))
        self.lines.put(None)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 30.0) -> re.Match[str]:
        """Read output until a line matches; fail with what was printed otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if match := pattern.search(line):
                return match
        pytest.fail(f"no line matching {pattern.pattern!r}; output:\n{''.join(self.seen)}")

    def send(self, text: str) -> None:
        """Type one answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL


def recorded_answers(env: dict[str, str], thread: str) -> list[str]:
    """The answers in the thread's last checkpoint, read as the CLI would read them."""
    from cli.storage import open_persistence
    from graph.builder import build_graph

    async def read() -> list[str]:
        async with open_persistence() as (saver, store):
            graph = build_graph().compile(checkpointer=saver, store=store)
            snapshot = await graph.aget_state({"configurable": {"thread_id": thread}})
            return [t["answer"] for t in snapshot.values.get("turns", [])]

    with environment(env):
        return asyncio.run(read())


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """This process's environment with `env` set, for reading the CLI's storage."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def finished_report(env: dict[str, str], thread: str) -> FinalReport:
    """The finished interview's report, read from its Store; it must pass `check_report`."""
    from cli.storage import open_persistence
    from graph.store import load_report

    async def read() -> FinalReport | None:
        async with open_persistence() as (_, store):
            return await load_report(store, thread)

    with environment(env):
        report = asyncio.run(read())
    assert report is not None, "the interview has no report"
    check_report(report)
    return report


def report_answers(report: FinalReport) -> list[str]:
    """The answers in a report, in order."""
    return [q.answer for phase in report.phases for q in phase.questions]


# Where each kill lands: after the next question is on screen ("between"); in `await_answer`,
# with the answer taken from the resume but not yet saved (the question is asked again); in
# the grader, with the answer's checkpoint written (the turn is finished on resume).
KILLS: tuple[Kill, ...] = ("between", "grader", "between", "await_answer")
# The answers a checkpoint holds after a kill on answer n, and the question asked on resume.
KEPT = {"between": 0, "grader": 0, "await_answer": -1}


def start(thread: str, env: dict[str, str], kill: Kill | None, n: int, *extra: str) -> Session:
    """A session that will be killed on answer n where `kill` says (None: not killed)."""
    pause = None if kill in (None, "between") else (kill, n)
    return Session(thread, env, *extra, pause=pause)


def test_sigkill_at_any_point_loses_nothing_and_duplicates_nothing(persistence_env):
    """Four SIGKILLs in one interview, between answers and at fixed points mid-turn.

    After each kill, the checkpoint holds exactly the answers it should: with the CLI's
    `durability="sync"`, an answer saved before its grading is kept, and one taken but not
    saved is asked again. The report has every answer once, each with its evaluation.
    """
    env, thread = persistence_env, "kill-9"
    n = 1
    session = start(thread, env, KILLS[0], n, "--name", "Kim", "--years", "4")
    session.wait_for(re.compile(r"question 1 of"))
    for index, kill in enumerate(KILLS):
        session.send(answer(n))
        if kill == "between":
            assert int(session.wait_for(PROGRESS).group(1)) == n + 1
        else:
            session.wait_for(PAUSED)
        session.kill()
        kept = n + KEPT[kill]
        assert recorded_answers(env, thread) == [answer(i) for i in range(1, kept + 1)], kill
        following = KILLS[index + 1] if index + 1 < len(KILLS) else None
        session = start(thread, env, following, kept + 1)
        session.wait_for(re.compile(r"Resuming interview"))
        assert int(session.wait_for(PROGRESS).group(1)) == kept + 1, kill
        n = kept + 1  # the question now waiting for an answer
    for k in range(n, QUESTIONS + 1):
        session.send(answer(k))
    session.wait_for(re.compile(r"Your report"))
    session.process.stdin.close()  # type: ignore[union-attr]
    assert session.process.wait(timeout=30) == 0
    report = finished_report(env, thread)
    assert report_answers(report) == [answer(i) for i in range(1, QUESTIONS + 1)]


def test_an_interview_cut_off_mid_turn_finishes_that_turn_on_resume(tmp_path):
    """The state a kill can leave: the answer saved, its grading not run yet. The CLI finishes
    that turn on resume (it does not restart the interview, nor take the answer twice)."""
    from langgraph.types import Command

    from cli.storage import open_persistence
    from graph.builder import build_graph
    from graph.config import Context

    env, thread = {"SOPHIA_HOME": str(tmp_path / "home"), "SOPHIA_DATABASE_URL": ""}, "cut"
    config = {"configurable": {"thread_id": thread}}
    context = Context(model="rubric", questions_per_phase=1, max_follow_ups=0)

    async def cut_off() -> tuple[str, ...]:
        async with open_persistence() as (saver, store):
            graph = build_graph().compile(checkpointer=saver, store=store)
            async for _ in graph.astream({"candidate": {"name": "Kim"}}, config, context=context):
                pass
            resume = Command(resume=answer(1))
            async for chunk in graph.astream(resume, config, context=context, durability="sync"):
                if "await_answer" in chunk:
                    break  # stop the run right after the answer is recorded, as a kill would
            return (await graph.aget_state(config)).next

    with environment(env):
        assert set(asyncio.run(cut_off())) == {"grader", "difficulty", "follow_up", "acknowledge"}
    session = Session(thread, env)
    session.wait_for(re.compile(r"Resuming interview"))
    assert int(session.wait_for(PROGRESS).group(1)) == 2
    for n in range(2, QUESTIONS + 1):
        session.send(answer(n))
    session.wait_for(re.compile(r"Your report"))
    session.process.stdin.close()  # type: ignore[union-attr]
    assert session.process.wait(timeout=30) == 0
    report = finished_report(env, thread)
    assert report_answers(report) == [answer(i) for i in range(1, QUESTIONS + 1)]
