"""Durability: `sophia interview` killed with SIGKILL resumes with `--thread`, nothing lost.

Each answer carries a tag, so the final report shows whether every answer given before a kill
is there exactly once. Kills land between answers (the next question is on screen) and in the
middle of a turn (the answer has just been sent), on SQLite and on Postgres.
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

import pytest

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


class Session:
    """A running `sophia interview`, fed one line at a time, its stdout read as it comes."""

    def __init__(self, thread: str, env: dict[str, str], *extra: str) -> None:
        full_env = {
            **os.environ,
            "OPENAI_API_KEY": "",
            "COLUMNS": "120",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        command = [sys.executable, "-m", "cli.main", "interview", "--thread", thread, *SHORT]
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


def report_answers(env: dict[str, str], thread: str) -> list[str]:
    """The answers in the finished interview's report, in order (read from its Store)."""
    from cli.storage import open_persistence
    from graph.store import load_report

    async def read() -> list[str]:
        async with open_persistence() as (_, store):
            report = await load_report(store, thread)
        assert report is not None, "the interview has no report"
        return [q.answer for phase in report.phases for q in phase.questions]

    with environment(env):
        return asyncio.run(read())


# When each kill lands: after the next question is on screen ("between"), or this many seconds
# after the answer was sent, while the graph grades it and asks the next question.
KILLS: tuple[str | float, ...] = ("between", 0.0, "between", 0.03)


def test_sigkill_at_any_point_loses_nothing_and_duplicates_nothing(persistence_env):
    """Four SIGKILLs in one interview, between answers and in the middle of turns.

    On resume, an answer sent before a kill is either kept (the next question comes) or the
    same question is asked again; it is never lost half-way, and never counted twice.
    """
    env, thread = persistence_env, "kill-9"
    outcomes = {"between answers": 0, "mid-turn, answer kept": 0, "mid-turn, asked again": 0}
    session = Session(thread, env, "--name", "Kim", "--years", "4")
    session.wait_for(re.compile(r"question 1 of"))
    n = 1
    for when in KILLS:
        session.send(answer(n))
        if when == "between":
            assert int(session.wait_for(PROGRESS).group(1)) == n + 1
            session.kill()
            assert recorded_answers(env, thread) == [answer(i) for i in range(1, n + 1)]
            outcomes["between answers"] += 1
        else:
            time.sleep(float(when))
            session.kill()
        session = Session(thread, env)
        session.wait_for(re.compile(r"Resuming interview"))
        shown = int(session.wait_for(PROGRESS).group(1))
        assert shown in (n, n + 1), (when, n, shown)
        if when != "between":
            outcomes["mid-turn, answer kept" if shown == n + 1 else "mid-turn, asked again"] += 1
        n = shown  # the question now waiting for an answer
    for k in range(n, QUESTIONS + 1):
        session.send(answer(k))
    session.wait_for(re.compile(r"Your report"))
    session.process.stdin.close()  # type: ignore[union-attr]
    assert session.process.wait(timeout=30) == 0
    assert report_answers(env, thread) == [answer(i) for i in range(1, QUESTIONS + 1)]
    backend = "Postgres" if env["SOPHIA_DATABASE_URL"] else "SQLite"
    print(f"\n{len(KILLS)} SIGKILLs survived on {backend}: {outcomes}")


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
        assert set(asyncio.run(cut_off())) == {"grader", "difficulty", "follow_up"}
    session = Session(thread, env)
    session.wait_for(re.compile(r"Resuming interview"))
    assert int(session.wait_for(PROGRESS).group(1)) == 2
    for n in range(2, QUESTIONS + 1):
        session.send(answer(n))
    session.wait_for(re.compile(r"Your report"))
    session.process.stdin.close()  # type: ignore[union-attr]
    assert session.process.wait(timeout=30) == 0
    assert report_answers(env, thread) == [answer(i) for i in range(1, QUESTIONS + 1)]
