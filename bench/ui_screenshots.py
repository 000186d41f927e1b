"""`python -m bench.ui_screenshots`: photograph the pages for the README (`docs/screenshots/*.png`).

It starts `langgraph dev` (the committed `langgraph.json`, auth on), interviews three scripted
candidates to the end through the API, takes a fourth part-way through on the candidate page,
and saves: the candidate page mid-interview (desktop and phone), the end of an interview, the
team's list, a report and a comparison. Needs the dev extras and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx
from langgraph_sdk import get_sync_client

from bench.server_load import langgraph_dev
from evals.candidate import CANDIDATES_DIR, load_candidate
from evals.simulated_candidate import ScriptedCandidate

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
STAFF = "screenshots-staff-key"
ENV = {
    "SOPHIA_API_KEYS": json.dumps({STAFF: {"role": "interviewer", "identity": "iris"}}),
    "SOPHIA_INVITE_SECRET": "screenshots-secret-" + "s" * 32,
}
FINISHED = ("senior-sam", "mid-solid-priya", "junior-bootcamp-jordan")
SHORT = {"questions_per_phase": 1, "max_follow_ups": 0}
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def invite(url: str, name: str, **fields) -> dict:
    person = load_candidate(CANDIDATES_DIR / f"{name}.yaml")
    body = {"name": person.name, "years_experience": person.years_experience, **fields}
    response = httpx.post(
        f"{url}/ui/api/invitations", json=body, headers={"x-api-key": STAFF}, timeout=60
    )
    response.raise_for_status()
    return {**response.json(), "script": ScriptedCandidate(person)}


def pending(staff, thread_id: str) -> dict | None:
    interrupts = staff.threads.get_state(thread_id)["interrupts"]
    return interrupts[0]["value"] if interrupts else None


def wait_for_composer(page) -> None:
    page.wait_for_function(
        "() => !document.getElementById('answer').disabled || "
        "!document.getElementById('finished').hidden",
        timeout=60_000,
    )
    page.wait_for_timeout(700)  # the last message's smooth scroll


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(prog="python -m bench.ui_screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with langgraph_dev(ENV, jobs=2) as url, sync_playwright() as playwright:
        staff = get_sync_client(url=url, api_key=STAFF)
        short = staff.assistants.create("interview", context=SHORT, name="Sophia (short)")
        threads = []
        for name in FINISHED:
            made = invite(url, name, assistant_id=short["assistant_id"])
            while (payload := pending(staff, made["thread_id"])) is not None:
                staff.runs.wait(
                    made["thread_id"],
                    short["assistant_id"],
                    command={"resume": made["script"].answer(payload)},
                )
            threads.append(made["thread_id"])
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)

        # The candidate page, part-way through a full interview, then at the end of a short one.
        live = invite(url, "mid-solid-priya")
        page = browser.new_context(viewport=DESKTOP).new_page()
        page.goto(url + live["path"])
        for _ in range(3):
            wait_for_composer(page)
            page.fill("#answer", live["script"].answer(pending(staff, live["thread_id"])))
            page.press("#answer", "Enter")
        wait_for_composer(page)
        page.fill("#answer", "I'd start from the access pattern: which queries are hot, ")
        page.screenshot(path=out / "candidate-desktop.png")
        phone = browser.new_context(viewport=PHONE, is_mobile=True, device_scale_factor=2)
        small = phone.new_page()
        small.goto(url + live["path"])
        wait_for_composer(small)
        small.screenshot(path=out / "candidate-phone.png")

        ending = invite(url, "senior-sam", assistant_id=short["assistant_id"])
        page.goto(url + ending["path"])
        while True:
            wait_for_composer(page)
            if page.locator("#finished").is_visible():
                break
            page.fill("#answer", ending["script"].answer(pending(staff, ending["thread_id"])))
            page.press("#answer", "Enter")
        page.screenshot(path=out / "candidate-finished.png")

        # The hiring team's view: the list, one report, a comparison.
        team = browser.new_context(viewport=DESKTOP).new_page()
        team.goto(f"{url}/ui/team/")
        team.fill("#api-key", STAFF)
        team.press("#api-key", "Enter")
        team.wait_for_selector('[data-testid="interview-row"]')
        team.screenshot(path=out / "team-list.png")
        team.goto(f"{url}/ui/team/#/report/{threads[1]}")
        team.wait_for_selector('[data-testid="report-overall"]')
        team.screenshot(
            path=out / "report.png",
            clip={"x": 0, "y": 0, "width": 1280, "height": 1700},
            full_page=True,
        )
        # One question with a margin, from the whole page: an element screenshot would have the
        # sticky header over its top and no room at its edges.
        question = team.locator(".question").nth(2)
        question.scroll_into_view_if_needed()
        box = question.bounding_box()
        top = box["y"] + team.evaluate("window.scrollY")
        team.evaluate("window.scrollTo(0, 0)")  # the fixed header back over the page's top
        team.screenshot(
            path=out / "report-question.png",
            full_page=True,
            clip={
                "x": max(0, box["x"] - 24),
                "y": max(0, top - 24),
                "width": box["width"] + 48,
                "height": box["height"] + 48,
            },
        )
        team.goto(f"{url}/ui/team/#/compare/{','.join(threads)}")
        team.wait_for_selector(".compare")
        team.screenshot(path=out / "compare.png", full_page=True)
        browser.close()
    for png in sorted(out.glob("*.png")):
        print(f"{png} ({png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
