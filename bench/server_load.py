"""Sophia under load on a real LangGraph server: `langgraph dev` driven by many candidates at once.

The server runs the committed `langgraph.json`, re-rooted in a temporary folder (absolute paths,
no `.env`), on a free port. Sophia runs there on the rubric brain, or on the LLM path against
`bench/fake_openai.py` through `OPENAI_BASE_URL`: the server process cannot see a model
registered in this one. Each simulated candidate is a `langgraph-sdk` client that streams every
run (`messages` and `updates`, as a front end does) and answers each question as soon as it is
ready.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from evals.candidate import CANDIDATES_DIR, TestCandidate, load_candidates
from evals.simulated_candidate import ScriptedCandidate

REPO = Path(__file__).resolve().parent.parent
LANGGRAPH = Path(sys.executable).parent / "langgraph"
GRAPH_ID = "interview"
READY_TIMEOUT = 90.0
MAX_TURNS = 100


class ServerError(RuntimeError):
    """`langgraph dev` would not start, or a run failed."""


@dataclass
class ServerInterview:
    """One candidate's interview through the server: the wait after each answer, for the run's
    first event (the server started it) and for Sophia's first words."""

    thread_id: str
    start_seconds: float = 0.0
    turn_seconds: list[float] = field(default_factory=list)
    run_start_seconds: list[float] = field(default_factory=list)
    first_words_seconds: list[float] = field(default_factory=list)
    finished: bool = False
    # From the interview's usage records in the Store: model calls, and rubric fallbacks.
    model_calls: int = 0
    fallbacks: list[str] = field(default_factory=list)

    def normal_turns(self) -> list[float]:
        """Waits for a next question (the first run and the report's turn left out)."""
        return self.turn_seconds[:-1] if self.finished else list(self.turn_seconds)

    def normal_first_words(self) -> list[float]:
        """Waits for Sophia's first words in the same turns."""
        return self.first_words_seconds[: len(self.normal_turns())]

    def normal_run_starts(self) -> list[float]:
        """Waits for the run's first event in the same turns."""
        return self.run_start_seconds[: len(self.normal_turns())]


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rooted_config(folder: Path) -> Path:
    """The committed langgraph.json with its paths made absolute, written into `folder`."""
    config = json.loads((REPO / "langgraph.json").read_text(encoding="utf-8"))

    def absolute(spec: str) -> str:
        path, _, name = spec.partition(":")
        return f"{(REPO / path).resolve()}:{name}"

    config["dependencies"] = [str((REPO / d).resolve()) for d in config["dependencies"]]
    config["graphs"] = {gid: absolute(spec) for gid, spec in config["graphs"].items()}
    if "auth" in config:
        config["auth"]["path"] = absolute(config["auth"]["path"])
    if "app" in config.get("http", {}):
        config["http"]["app"] = absolute(config["http"]["app"])
    config["env"] = str(folder / ".env")  # never written: the server runs without one
    path = folder / "langgraph.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without model, tracing or Sophia settings (auth off), plus `extra`."""
    dropped = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "LANGGRAPH_", "SOPHIA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        LANGSMITH_TRACING="false",
        LANGGRAPH_CLI_NO_ANALYTICS="1",
        LANGGRAPH_NO_VERSION_CHECK="true",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> bool:
    """True when `/ok` answers; False when the port was taken meanwhile."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"langgraph dev exited with {process.returncode}:\n{log.read_text()}")
        if "already in use" in log.read_text(errors="replace"):
            return False
        try:
            with urllib.request.urlopen(f"{url}/ok", timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise ServerError(f"langgraph dev not ready after {READY_TIMEOUT:.0f}s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server's own process group (uvicorn runs the app in a child process)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def langgraph_dev(
    env: dict[str, str] | None = None, jobs: int = 1, folder: Path | None = None
) -> Iterator[str]:
    """`langgraph dev` on a free port; yields its URL, then stops it.

    `env` adds to the server's clean environment (`server_env`): keys, `OPENAI_BASE_URL` for a
    fake endpoint. `jobs` is how many runs the server executes at once (`--n-jobs-per-worker`):
    `langgraph dev` runs one at a time unless told otherwise, whatever its `--help` says. The
    server runs in `folder` (its `server.log` stays there for a test to read), else in a
    temporary folder removed afterwards.
    """
    if not LANGGRAPH.exists():
        raise ServerError(f"{LANGGRAPH} not found: pip install -e '.[dev]' (the dev extras)")
    with ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sophia-server-")))
        config, log = rooted_config(folder), folder / "server.log"
        for _ in range(3):
            port = free_port()
            command = [str(LANGGRAPH), "dev", "--config", str(config), "--host", "127.0.0.1"]
            command += ["--port", str(port), "--no-browser", "--no-reload"]
            command += ["--n-jobs-per-worker", str(jobs)]
            with log.open("wb") as out:
                process = subprocess.Popen(
                    command,
                    cwd=folder,
                    env=server_env(env),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group, so stop_server reaches every child
                )
            url = f"http://127.0.0.1:{port}"
            try:
                ready = wait_until_ready(url, process, log)
            except BaseException:
                stop_server(process)
                raise
            if ready:
                break
            stop_server(process)
        else:
            raise ServerError(f"no free port for langgraph dev after 3 tries:\n{log.read_text()}")
        try:
            yield url
        finally:
            stop_server(process)


@contextmanager
def fake_openai(latency: float) -> Iterator[str]:
    """`bench/fake_openai.py` on a free port in its own process; yields its `/v1` base URL."""
    with tempfile.TemporaryDirectory(prefix="sophia-bench-openai-") as tmp:
        log = Path(tmp) / "fake_openai.log"
        port = free_port()
        command = [sys.executable, "-m", "bench.fake_openai", "--port", str(port)]
        command += ["--latency", str(latency)]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=REPO,
                env=server_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(f"the fake OpenAI server did not start:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{url}/v1/models", timeout=1):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.1)
            yield f"{url}/v1"
        finally:
            stop_server(process)


def served_calls(base_url: str) -> dict[str, int]:
    """How many requests the fake OpenAI server answered, by agent."""
    stats = base_url.removesuffix("/v1") + "/stats"
    with urllib.request.urlopen(stats, timeout=5) as response:
        return json.loads(response.read())


@dataclass
class TimedRun:
    """One run as its client saw it, in seconds from the request: its first event (the server
    started the run), Sophia's first words, and the next question (None: the interview ended)."""

    seconds: float
    run_start: float
    first_words: float | None
    question: dict[str, Any] | None


def says_words(event: str, data: Any) -> bool:
    """Whether a streamed event carries words of Sophia's (`messages` or `messages-tuple`)."""
    if not event.startswith("messages") or event == "messages/metadata":
        return False
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return False
    message = data[0]
    return message.get("type") in ("ai", "AIMessageChunk") and bool(message.get("content"))


async def _timed_run(
    sdk: LangGraphClient, thread_id: str, assistant_id: str, **run: Any
) -> TimedRun:
    """Stream one run; when its first event, Sophia's first words and the next question came."""
    started = time.perf_counter()
    ready: float | None = None
    run_start: float | None = None
    first_words: float | None = None
    question: dict[str, Any] | None = None
    async for part in sdk.runs.stream(
        thread_id, assistant_id, stream_mode=["messages", "updates"], **run
    ):
        now = time.perf_counter() - started
        run_start = now if run_start is None else run_start
        if part.event == "error":
            raise ServerError(f"run failed on thread {thread_id}: {part.data}")
        if first_words is None and says_words(part.event, part.data):
            first_words = now
        if part.event == "updates" and "__interrupt__" in part.data:
            ready = now
            question = part.data["__interrupt__"][0]["value"]
    end = time.perf_counter() - started
    return TimedRun(
        seconds=ready if ready is not None else end,
        run_start=run_start if run_start is not None else end,
        first_words=first_words,
        question=question,
    )


async def candidate_interview(
    sdk: LangGraphClient, assistant_id: str, person: TestCandidate, answers: int = MAX_TURNS
) -> ServerInterview:
    """One scripted candidate's interview, answering each question as soon as it arrives.

    It stops after `answers` answers (the interview then stays open) or at the interview's end.
    """
    answer = ScriptedCandidate(person).answer
    thread = await sdk.threads.create()
    seen = ServerInterview(thread_id=thread["thread_id"])
    first = await _timed_run(
        sdk, seen.thread_id, assistant_id, input={"candidate": person.profile_input()}
    )
    seen.start_seconds, question = first.seconds, first.question
    for _ in range(answers):
        if question is None:
            break
        timed = await _timed_run(
            sdk, seen.thread_id, assistant_id, command={"resume": answer(question)}
        )
        question = timed.question
        seen.turn_seconds.append(timed.seconds)
        seen.run_start_seconds.append(timed.run_start)
        seen.first_words_seconds.append(
            timed.first_words if timed.first_words is not None else timed.seconds
        )
    seen.finished = question is None
    usage = await sdk.store.search_items(["usage", seen.thread_id], limit=100)
    for item in usage["items"]:
        seen.model_calls += int(item["value"].get("calls", 0))
        seen.fallbacks += list(item["value"].get("fallbacks", []))
    return seen


async def load_test(
    url: str,
    concurrent: int,
    settings: dict[str, Any],
    rounds: int = 1,
    answers: int = MAX_TURNS,
) -> list[ServerInterview]:
    """`rounds` waves of `concurrent` candidates interviewed at once, on one new assistant.

    Each candidate gives at most `answers` answers. The candidates are the files of
    evals/candidates in turn.
    """
    people = load_candidates(CANDIDATES_DIR)
    sdk = get_client(url=url, api_key=None)
    assistant = await sdk.assistants.create(GRAPH_ID, context=settings, name="Sophia (bench)")
    interviews: list[ServerInterview] = []
    for wave in range(rounds):
        interviews += await asyncio.gather(
            *(
                candidate_interview(
                    sdk,
                    assistant["assistant_id"],
                    people[(wave * concurrent + i) % len(people)],
                    answers,
                )
                for i in range(concurrent)
            )
        )
    return interviews
