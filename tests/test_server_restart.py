"""Durability on the LangGraph server: `langgraph dev` killed with SIGKILL between answers, then
started again on the same folder, resumes the interview with nothing lost.

`langgraph dev` keeps threads, runs, checkpoints and the Store in memory and writes them to
`.langgraph_api/*.pckl` in its working folder every 10 seconds (and at a clean shutdown):
`langgraph_runtime_inmem/_persistence.py`, `_flush_interval = 10`. A SIGKILL loses whatever
changed since the last write, so this test kills the server once the answers so far have been
written; SECURITY.md says what that means. The production server keeps all of it in Postgres
and writes every checkpoint as it happens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench.server_load import free_port, rooted_config, server_env, wait_until_ready
from bench.server_load import stop_server as stop
from graph.state import PHASES
from tests.test_server import GRAPH_ID, LANGGRAPH, SHORT, client

pytestmark = [pytest.mark.integration, pytest.mark.server]

FLUSH_WAIT = 15.0  # the dev server writes its files every 10 s


def start(folder: Path) -> tuple[subprocess.Popen, str]:
    """`langgraph dev` in `folder` (auth off) on a free port; the process and its URL."""
    port = free_port()
    log = folder / f"server-{port}.log"
    command = [str(LANGGRAPH), "dev", "--config", str(folder / "langgraph.json")]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-browser", "--no-reload"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    if not wait_until_ready(url, process, log):
        stop(process)
        pytest.fail("port taken; run again")
    return process, url


def wait_for_flush(folder: Path, since: float) -> None:
    """Wait until the dev server has written every one of its files after `since`."""
    files = folder / ".langgraph_api"
    deadline = time.time() + FLUSH_WAIT
    while time.time() < deadline:
        written = list(files.glob("*.pckl"))
        if written and all(f.stat().st_mtime > since for f in written):
            return
        time.sleep(0.2)
    pytest.fail(f"the dev server wrote nothing to {files} in {FLUSH_WAIT:.0f}s")


def answer(n: int) -> str:
    """The n-th answer, tagged."""
    return f"[a{n}] I build FastAPI services on PostgreSQL with async SQLAlchemy and Redis."


async def test_server_killed_between_answers_resumes_after_restart(tmp_path):
    rooted_config(tmp_path)
    process, url = start(tmp_path)
    try:
        sdk = client(url)
        assistant = await sdk.assistants.create(GRAPH_ID, context=SHORT, name="short")
        thread_id = (await sdk.threads.create())["thread_id"]
        await sdk.runs.wait(thread_id, assistant["assistant_id"], input={"candidate": {}})
        for n in (1, 2):
            await sdk.runs.wait(thread_id, assistant["assistant_id"], command={"resume": answer(n)})
        answered = time.time()
        wait_for_flush(tmp_path, answered)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        stop(process)

    process, url = start(tmp_path)
    try:
        sdk = client(url)
        state = await sdk.threads.get_state(thread_id)
        assert [t["answer"] for t in state["values"]["turns"]] == [answer(1), answer(2)]
        assert state["interrupts"][0]["value"]["phase"] == PHASES[2]  # the third question waits
        # The interview goes on from there: the next answer is the third, nothing twice.
        await sdk.runs.wait(thread_id, assistant["assistant_id"], command={"resume": answer(3)})
        state = await sdk.threads.get_state(thread_id)
        assert [t["answer"] for t in state["values"]["turns"]] == [answer(n) for n in (1, 2, 3)]
        assert state["interrupts"][0]["value"]["phase"] == PHASES[3]
    finally:
        stop(process)
