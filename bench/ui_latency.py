"""`python -m bench.ui_latency`: how long a candidate on the web page waits for Sophia's words.

It starts `langgraph dev` (the committed `langgraph.json`, auth on with keys, on a free port,
the rubric brain), invites scripted candidates (`evals/candidates`) and takes each through a
whole interview in headless Chromium, typing the answers into the candidate page. The page
measures with the Performance API (`web/static/js/candidate.js`), from the Send to:

- `send-to-run-start`: the run's first server-sent event (the server has started the run);
- `send-to-first-words`: the first words of Sophia's reply on the screen.

A person takes some seconds to write an answer; each answer here is sent after a pause drawn
from `--think` (seconds, uniform, seeded), so the Send falls at any moment of the server's
queue cycle, as a person's would. `--think 0` answers at once (a worst case: see
BENCHMARKS.md). Exits with status 1 when the p95 of `send-to-first-words` is over `--goal`.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from langgraph_sdk import get_sync_client

from bench.server_load import langgraph_dev
from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.simulated_candidate import ScriptedCandidate

CHROMIUM = Path("/usr/bin/chromium")
STAFF_KEY = "bench-staff-key"
API_KEYS = {STAFF_KEY: {"role": "interviewer", "identity": "bench"}}
SECRET = "bench-invite-secret-" + "b" * 32
CANDIDATES = ("mid-solid-priya", "senior-sam")
MEASURES = ("send-to-run-start", "send-to-first-words")
GOAL_SECONDS = 1.0
TURN_TIMEOUT_MS = 60_000


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank): the smallest value with q% of values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 3),
        "p95": round(percentile(values, 95), 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def pending(staff, thread_id: str) -> dict[str, Any] | None:
    """The question the interview waits on, once Sophia's run is over."""
    for _ in range(200):
        if staff.threads.get(thread_id)["status"] != "busy":
            break
        time.sleep(0.05)
    interrupts = staff.threads.get_state(thread_id)["interrupts"]
    return interrupts[0]["value"] if interrupts else None


def interview_on_the_page(
    browser, url: str, staff, name: str, think: tuple[float, float], rng: random.Random
) -> list[dict[str, float]]:
    """One scripted candidate's whole interview on the candidate page; a timing per answer."""
    person = load_candidate(CANDIDATES_DIR / f"{name}.yaml")
    made = httpx.post(
        f"{url}/ui/api/invitations",
        json={"name": person.name, "years_experience": person.years_experience},
        headers={"x-api-key": STAFF_KEY},
        timeout=60,
    ).json()
    script = ScriptedCandidate(person)
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + made["path"])
    box = page.locator("#answer")
    timings = []
    while True:
        page.wait_for_function(
            "() => !document.getElementById('answer').disabled || "
            "!document.getElementById('finished').hidden",
            timeout=TURN_TIMEOUT_MS,
        )
        if page.locator("#finished").is_visible():
            break
        payload = pending(staff, made["thread_id"])
        if payload is None:
            break
        box.fill(script.answer(payload))
        time.sleep(rng.uniform(*think))
        box.press("Enter")
        page.wait_for_function(
            f"() => performance.getEntriesByName('send-to-first-words').length > {len(timings)}",
            timeout=TURN_TIMEOUT_MS,
        )
        entries = page.evaluate(
            "names => Object.fromEntries(names.map(n => "
            "[n, performance.getEntriesByName(n).at(-1).duration / 1000]))",
            list(MEASURES),
        )
        timings.append(entries)
    context.close()
    return timings


def measure(
    candidates: tuple[str, ...], think: tuple[float, float], jobs: int, seed: int
) -> dict[str, Any]:
    """Every answer's timings over the candidates' interviews, and their summaries."""
    from playwright.sync_api import sync_playwright

    env = {"SOPHIA_API_KEYS": json.dumps(API_KEYS), "SOPHIA_INVITE_SECRET": SECRET}
    rng = random.Random(seed)
    timings: list[dict[str, float]] = []
    started = time.perf_counter()
    with langgraph_dev(env, jobs=jobs) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        staff = get_sync_client(url=url, api_key=STAFF_KEY)
        for name in candidates:
            timings += interview_on_the_page(browser, url, staff, name, think, rng)
        browser.close()
    return {
        "settings": {
            "candidates": list(candidates),
            "think_seconds": list(think),
            "n_jobs_per_worker": jobs,
            "seed": seed,
            "brain": "rubric",
        },
        "seconds": round(time.perf_counter() - started, 1),
        "answers": timings,
        **{name: summary([t[name] for t in timings]) for name in MEASURES},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_latency", description=__doc__)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--jobs", type=int, default=1, help="langgraph dev --n-jobs-per-worker")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--goal", type=float, default=GOAL_SECONDS, help="p95 goal, seconds")
    parser.add_argument("--json", type=Path, help="write every answer's timings here")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    result = measure(tuple(args.candidates), tuple(args.think), args.jobs, args.seed)
    for name in MEASURES:
        figures = result[name]
        print(
            f"{name:22} n={figures['n']:3}  p50 {figures['p50']:.3f} s  p95 {figures['p95']:.3f} s"
            f"  max {figures['max']:.3f} s  mean {figures['mean']:.3f} s"
        )
    holds = result["send-to-first-words"]["p95"] <= args.goal
    print(f"goal: p95 of send-to-first-words <= {args.goal:.2f} s: {'holds' if holds else 'FAILS'}")
    if args.json:
        args.json.write_text(json.dumps({**result, "goal": args.goal, "holds": holds}, indent=2))
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
