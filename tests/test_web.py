"""The interview in a browser: invitations, the candidate page and the hiring-team view.

One `langgraph dev` for the module (auth on with keys, `SOPHIA_INVITE_SECRET` set, a free port),
running the committed `langgraph.json` (which mounts `web/app.py`). The invitation API is tested
through HTTP; the pages through Playwright driving Debian's Chromium (`/usr/bin/chromium`, or
`SOPHIA_CHROMIUM`). Without Chromium or Playwright the browser tests are skipped, and say why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client

from bench.server_load import langgraph_dev
from evals.candidate import CANDIDATES_DIR, TestCandidate, load_candidate
from evals.simulated_candidate import ScriptedCandidate
from graph.invites import Invite, sign_invite, verify_invite
from graph.state import PHASES

pytestmark = [pytest.mark.integration, pytest.mark.server]

STAFF, CANDIDATE_KEY = "key-web-staff", "key-web-candidate-ada"
RATED_ID, RATED_RUNS_PER_MINUTE = "cy-rated", 2
API_KEYS = {
    STAFF: {"role": "interviewer", "identity": "iris"},
    CANDIDATE_KEY: {"role": "candidate", "identity": "ada"},
    # No one holds this key; it gives the invited candidate "cy-rated" a low run-rate limit.
    "key-web-unused": {"role": "candidate", "identity": RATED_ID, "runs_per_minute": 2},
}
SECRET = "web-test-secret-" + "x" * 32
SHORT = {"questions_per_phase": 1, "max_follow_ups": 0}
CHROMIUM = Path(os.environ.get("SOPHIA_CHROMIUM", "/usr/bin/chromium"))
SOPHIA = Path(sys.executable).parent / "sophia"
TURN_TIMEOUT_MS = 30_000


# --- the server, the browser, invitations ---------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    env = {"SOPHIA_API_KEYS": json.dumps(API_KEYS), "SOPHIA_INVITE_SECRET": SECRET}
    with langgraph_dev(env, jobs=2) as url:
        yield url


@pytest.fixture(scope="module")
def staff(server):
    return get_sync_client(url=server, api_key=STAFF)


@pytest.fixture(scope="module")
def short_assistant(staff) -> str:
    """An assistant with one question per phase and no probes: six answers an interview."""
    return staff.assistants.create("interview", context=SHORT, name="Sophia (web tests)")[
        "assistant_id"
    ]


def invite(server: str, key: str | None = STAFF, **fields: Any) -> httpx.Response:
    body = {"name": "Ada Lovelace", "years_experience": 4, **fields}
    headers = {"x-api-key": key} if key else {}
    return httpx.post(f"{server}/ui/api/invitations", json=body, headers=headers, timeout=60)


def invited(server: str, **fields: Any) -> dict[str, Any]:
    response = invite(server, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def person(name: str) -> TestCandidate:
    return load_candidate(CANDIDATES_DIR / f"{name}.yaml")


def pending(staff, thread_id: str) -> dict[str, Any] | None:
    """The question Sophia is waiting on (what the interviewer's SDK sees), once her run is over."""
    for _ in range(100):
        if staff.threads.get(thread_id)["status"] != "busy":
            break
        time.sleep(0.1)
    interrupts = staff.threads.get_state(thread_id)["interrupts"]
    return interrupts[0]["value"] if interrupts else None


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set SOPHIA_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own session storage) on a desktop-sized screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def said(tab, testid: str) -> list[str]:
    """The words of each message of one speaker (without the "Sophia"/"You" label)."""
    return tab.locator(f'[data-testid="{testid}"] .text').all_inner_texts()


def composer_ready(tab) -> None:
    # Visible too: the answer box sits in a hidden form until the page has loaded the thread,
    # and keys typed before then would not reach it.
    box = tab.get_by_test_id("answer-input")
    expect(box).to_be_visible(timeout=TURN_TIMEOUT_MS)
    expect(box).to_be_enabled(timeout=TURN_TIMEOUT_MS)


def send(tab, text: str, *, by: str = "enter") -> None:
    """Type an answer and send it with Enter, or with the Send button."""
    box = tab.get_by_test_id("answer-input")
    box.fill(text)
    if by == "enter":
        box.press("Enter")
    else:
        tab.get_by_test_id("send-button").click()


def answer_to_the_end(tab, staff, thread_id: str, candidate: TestCandidate) -> list[str]:
    """Answer every question on the page as the scripted candidate would; the answers sent."""
    sent: list[str] = []
    script = ScriptedCandidate(candidate)
    for turn in range(100):
        composer_ready(tab)
        payload = pending(staff, thread_id)
        assert payload is not None
        answer = script.answer(payload)
        send(tab, answer, by="enter" if turn % 2 == 0 else "button")
        sent.append(answer)
        finished = tab.get_by_test_id("interview-finished")
        tab.wait_for_function(
            "() => !document.getElementById('finished').hidden || "
            "!document.getElementById('answer').disabled",
            timeout=TURN_TIMEOUT_MS,
        )
        if finished.is_visible():
            return sent
    pytest.fail("the interview did not end")


# --- invitations through the API ------------------------------------------------------------------


def test_only_an_interviewer_key_can_invite(server):
    assert invite(server, key=None).status_code == 401
    assert invite(server, key="not-a-key").status_code == 401
    refused = invite(server, key=CANDIDATE_KEY)
    # A candidate key is refused at the door: invitations are not on a candidate's routes.
    assert refused.status_code == 403 and "/ui/api/invitations" in refused.json()["detail"]
    token = invited(server)["token"]
    as_invitee = httpx.post(
        f"{server}/ui/api/invitations",
        json={"name": "X", "years_experience": 1},
        headers={"x-invite-token": token},
    )
    assert as_invitee.status_code == 403
    for bad in ({"years_experience": -1}, {"name": ""}, {"expires": "1y"}, {"mode": "exam"}):
        response = invite(server, **bad)
        assert response.status_code == 422, bad
    assert invite(server, assistant_id="no-such-assistant").status_code == 404


def test_an_invitation_prepares_the_interview_for_the_candidate(server, staff):
    made = invited(server, name="Grace Hopper", years_experience=9, summary="Compilers, COBOL.")
    claims = verify_invite(made["token"], SECRET.encode())
    assert (claims.candidate_id, claims.thread_id) == (made["candidate_id"], made["thread_id"])
    assert made["path"] == f"/ui/?invite={made['token']}"
    assert made["url"] == server + made["path"]
    assert abs(claims.expires_at - (time.time() + 7 * 86400)) < 120  # the default: 7 days
    thread = staff.threads.get(made["thread_id"])
    assert thread["metadata"]["owner"] == made["candidate_id"]
    profile = staff.store.get_item(["profiles"], made["candidate_id"])["value"]
    assert profile["name"] == "Grace Hopper" and profile["years_experience"] == 9
    # Sophia has already greeted them: the interview waits for the first answer.
    state = staff.threads.get_state(made["thread_id"])
    assert state["values"]["profile"]["id"] == made["candidate_id"]
    assert state["interrupts"][0]["value"]["phase"] == "introduction"
    assert "Grace" in state["values"]["messages"][0]["content"]


def test_an_invitation_opens_its_own_thread_and_nothing_else(server):
    mine, other = invited(server), invited(server, name="Bo")
    headers = {"x-invite-token": mine["token"]}
    get = lambda path, **h: httpx.get(f"{server}{path}", headers={**headers, **h}, timeout=30)  # noqa: E731
    assert get(f"/threads/{mine['thread_id']}/state").status_code == 200
    assert get(f"/threads/{other['thread_id']}/state").status_code == 403
    assert get("/store/items?namespace=profiles&key=" + mine["candidate_id"]).status_code == 403
    created = httpx.post(f"{server}/threads", json={}, headers=headers)
    assert created.status_code == 403
    # A later expiry or another thread in the claims: the signature no longer matches.
    claims = verify_invite(mine["token"], SECRET.encode())
    forged = sign_invite(
        Invite(claims.candidate_id, other["thread_id"], claims.expires_at), b"k" * 32
    )
    expired = sign_invite(
        Invite(claims.candidate_id, claims.thread_id, int(time.time()) - 5), SECRET.encode()
    )
    refused = get(f"/threads/{other['thread_id']}/state", **{"x-invite-token": forged})
    assert refused.status_code == 401
    late = get(f"/threads/{mine['thread_id']}/state", **{"x-invite-token": expired})
    assert late.status_code == 401 and "expired" in late.json()["detail"]


# --- the candidate page ---------------------------------------------------------------------------


@pytest.mark.browser
def test_a_whole_interview_from_sophia_invite_to_the_team_views_row(
    server, staff, short_assistant, page, browser
):
    jordan = person("junior-bootcamp-jordan")
    done = subprocess.run(
        [str(SOPHIA), "invite", "--server", server, "--api-key", STAFF, "--name", jordan.name,
         "--years", str(jordan.years_experience), "--summary", jordan.summary,
         "--assistant", short_assistant],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert re.fullmatch(rf"{re.escape(server)}/ui/\?invite=[\w.-]+", link), link
    thread_id = verify_invite(link.split("invite=")[1], SECRET.encode()).thread_id

    page.goto(link)
    composer_ready(page)
    expect(page.get_by_test_id("sophia-message").first).to_contain_text(jordan.name.split()[0])
    expect(page.get_by_test_id("progress")).to_contain_text("Introduction")
    sent = answer_to_the_end(page, staff, thread_id, jordan)

    # One answer per phase; at the wrap-up the candidate asks a question, then says they are done.
    *answered, asked, _done = sent
    assert len(answered) == len(PHASES) - 1
    expect(page.get_by_test_id("interview-finished")).to_be_visible()
    expect(page.get_by_test_id("answer-input")).to_be_hidden()
    assert said(page, "candidate-message") == sent
    # Sophia's greeting, one reply per answer (the last is her farewell).
    assert page.get_by_test_id("sophia-message").count() == len(sent) + 1
    # The report is stored, with the candidate's words exactly as typed.
    report = staff.store.get_item(["reports"], thread_id)["value"]
    answers = [q["answer"] for phase in report["phases"] for q in phase["questions"]]
    assert answers == answered
    # The candidate's question is answered, not graded: the wrap-up has no graded answer.
    assert [p["phase"] for p in report["phases"]] == list(PHASES[:-1])
    assert [q["question"] for q in report["candidate_questions"]] == [asked]

    team = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    team.goto(f"{server}/ui/team/")
    team.get_by_test_id("api-key-input").fill(STAFF)
    team.get_by_test_id("api-key-input").press("Enter")
    row = team.locator(f'[data-testid="interview-row"][data-thread-id="{thread_id}"]')
    expect(row).to_contain_text(jordan.name)
    expect(row).to_contain_text("Finished")
    expect(row).to_contain_text(f"{report['overall']:.1f}")
    row.get_by_role("link", name=jordan.name).click()
    expect(team.get_by_test_id("report-overall")).to_have_text(f"{report['overall']:.1f}")
    expect(team.get_by_test_id("report-recommendation")).to_have_text(
        report["recommendation"].replace("_", " ").capitalize()
    )
    team.context.close()


@pytest.mark.browser
def test_leaving_and_coming_back_finds_the_conversation_where_it_was(
    server, staff, short_assistant, browser
):
    priya = person("mid-solid-priya")
    made = invited(
        server,
        name=priya.name,
        years_experience=priya.years_experience,
        assistant_id=short_assistant,
    )
    script = ScriptedCandidate(priya)
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server + made["path"])
    for _ in range(2):
        composer_ready(tab)
        send(tab, script.answer(pending(staff, made["thread_id"])))
    composer_ready(tab)
    before = said(tab, "sophia-message")
    progress = tab.get_by_test_id("progress").inner_text()
    context.close()  # the candidate closes the browser

    back = browser.new_context().new_page()
    back.goto(server + made["path"])
    composer_ready(back)
    assert said(back, "sophia-message") == before
    assert back.get_by_test_id("candidate-message").count() == 2
    assert back.get_by_test_id("progress").inner_text() == progress
    send(back, script.answer(pending(staff, made["thread_id"])), by="button")
    composer_ready(back)
    assert back.get_by_test_id("candidate-message").count() == 3
    assert len(staff.threads.get_state(made["thread_id"])["values"]["turns"]) == 3
    back.context.close()


@pytest.mark.browser
def test_enter_sends_and_shift_enter_starts_a_new_line(server, page):
    made = invited(server)
    page.goto(server + made["path"])
    composer_ready(page)
    box = page.get_by_test_id("answer-input")
    box.focus()
    page.keyboard.type("First line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert box.input_value() == "First line\nsecond line"
    assert page.get_by_test_id("candidate-message").count() == 0
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("candidate-message").locator(".text")).to_have_text(
        "First line\nsecond line"
    )
    composer_ready(page)
    assert page.get_by_test_id("sophia-message").count() == 2


@pytest.mark.browser
def test_an_expired_or_altered_link_says_so_and_offers_no_answer_box(server, page):
    made = invited(server)
    claims = verify_invite(made["token"], SECRET.encode())
    expired = sign_invite(
        Invite(claims.candidate_id, claims.thread_id, int(time.time()) - 60), SECRET.encode()
    )
    page.goto(f"{server}/ui/?invite={expired}")
    banner = page.get_by_test_id("error-banner")
    expect(banner).to_contain_text("expired")
    expect(page.get_by_test_id("answer-input")).to_be_hidden()
    assert page.get_by_test_id("sophia-message").count() == 0

    page.goto(f"{server}/ui/?invite={made['token'][:-3]}abc")
    expect(banner).to_contain_text("not valid")
    page.goto(f"{server}/ui/")
    expect(banner).to_contain_text("invitation link")


@pytest.mark.browser
def test_an_answer_over_the_size_limit_is_refused_with_a_message_and_kept(server, staff, page):
    made = invited(server)
    page.goto(server + made["path"])
    composer_ready(page)
    too_long = "x" * 100_001  # SOPHIA_MAX_ANSWER_CHARS defaults to 100,000
    send(page, too_long)
    banner = page.get_by_test_id("error-banner")
    expect(banner).to_contain_text("too long")
    expect(banner).to_contain_text("100,000")
    assert page.get_by_test_id("answer-input").input_value() == too_long  # nothing lost
    assert page.get_by_test_id("candidate-message").count() == 0
    assert staff.threads.get_state(made["thread_id"])["values"]["turns"] == []
    send(page, "A shorter answer.")
    expect(banner).to_be_hidden()
    composer_ready(page)
    assert said(page, "candidate-message") == ["A shorter answer."]


@pytest.mark.browser
def test_answers_over_the_rate_limit_get_a_wait_message(server, page):
    made = invited(server, candidate_id=RATED_ID)
    page.goto(server + made["path"])
    for n in range(RATED_RUNS_PER_MINUTE):
        composer_ready(page)
        send(page, f"Answer {n}.")
    composer_ready(page)
    send(page, "One answer too many.")
    banner = page.get_by_test_id("error-banner")
    expect(banner).to_contain_text(re.compile(r"wait \d+ seconds"))
    assert page.get_by_test_id("answer-input").input_value() == "One answer too many."
    assert page.get_by_test_id("candidate-message").count() == RATED_RUNS_PER_MINUTE


@pytest.mark.browser
def test_an_unreachable_server_is_a_message_not_a_stack_trace(server, page):
    made = invited(server)
    page.route("**/runs/stream", lambda route: route.abort("connectionrefused"))
    page.goto(server + made["path"])
    composer_ready(page)
    send(page, "My answer.")
    banner = page.get_by_test_id("error-banner")
    expect(banner).to_contain_text("can't reach the interview server")
    assert page.get_by_test_id("answer-input").input_value() == "My answer."
    assert not re.search(r"Error|Failed to fetch|\.js", banner.inner_text())
    # At load too, with a way to try again once the server is back.
    page.unroute("**/runs/stream")
    page.route("**/threads/**", lambda route: route.abort("connectionrefused"))
    page.reload()
    expect(banner).to_contain_text("can't reach the interview server")
    page.unroute("**/threads/**")
    page.get_by_role("button", name="Try again").click()
    composer_ready(page)
    expect(banner).to_be_hidden()


@pytest.mark.browser
def test_the_page_works_on_a_phone_sized_screen(server, browser):
    made = invited(server)
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    tab = phone.new_page()
    tab.goto(server + made["path"])
    composer_ready(tab)
    send(tab, "I build FastAPI services.", by="button")
    composer_ready(tab)
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    expect(tab.get_by_test_id("send-button")).to_be_in_viewport()
    phone.close()


def sse(*events: tuple[str, Any]) -> str:
    """A server-sent-events body as the server writes it (CRLF line ends, a heartbeat)."""
    body = ": heartbeat\r\n\r\n"
    for event, data in events:
        body += f"event: {event}\r\ndata: {json.dumps(data)}\r\n\r\n"
    return body


@pytest.mark.browser
def test_the_page_streams_words_and_shows_the_pauses_progress_and_feedback(server, page):
    """A reply streamed in chunks, and a practice-mode pause with `progress` and `feedback`
    (the payload contract), rendered as the server would stream them."""
    made = invited(server)
    feedback = "Good point about indexes."
    pause = {
        "phase": "foundation",
        "question_id": "caching.mid",
        "topic": "caching",
        "kind": "question",
        "message": f"{feedback} Next: how would you cache it?",
        "progress": {"phase_title": "Foundation questions", "number": 3, "total": 18},
        "mode": "practice",
        "feedback": feedback,
    }
    chunks = [f"{feedback} ", "Next: how would ", "you cache it?"]
    body = sse(
        ("metadata", {"run_id": "r-1", "attempt": 1}),
        ("messages", [{"type": "human", "content": "My answer.", "id": "h-1"}, {}]),
        *(
            ("messages", [{"type": "AIMessageChunk", "content": c, "id": "a-1"}, {}])
            for c in chunks
        ),
        ("updates", {"interviewer": None}),
        ("updates", {"__interrupt__": [{"value": pause, "id": "i-1"}]}),
    )
    page.route(
        "**/runs/stream",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    page.goto(server + made["path"])
    composer_ready(page)
    send(page, "My answer.")
    composer_ready(page)
    reply = page.get_by_test_id("sophia-message").last
    expect(reply.get_by_test_id("sophia-feedback")).to_contain_text(feedback)
    expect(reply.locator(".text")).to_have_text("Next: how would you cache it?")
    expect(page.get_by_test_id("progress")).to_have_text("Foundation questions · question 3 of 18")
    assert said(page, "candidate-message") == ["My answer."]  # the echo is not shown twice
    measured = page.evaluate("performance.getEntriesByName('send-to-first-words').length")
    assert measured == 1


@pytest.mark.browser
def test_server_sent_events_are_read_across_any_chunk_boundary(server, page):
    page.goto(f"{server}/ui/team/")
    events = page.evaluate(
        r"""async () => {
          const { readEvents } = await import("/ui/js/server.js");
          const text = ': hi\r\n\r\nevent: messages\r\ndata: [{"content":"é ok"}]\r\n\r\n' +
            'event: updates\ndata: {"a":\ndata: 1}\n\nevent: end\r\ndata: null\r\n\r\n';
          const bytes = new TextEncoder().encode(text);
          const stream = new ReadableStream({
            start(controller) {  // one byte at a time: every boundary, inside "é" too
              for (const b of bytes) controller.enqueue(new Uint8Array([b]));
              controller.close();
            },
          });
          const seen = [];
          for await (const item of readEvents(stream)) seen.push(item);
          return seen;
        }"""
    )
    assert events == [
        {"event": "messages", "data": [{"content": "é ok"}]},
        {"event": "updates", "data": {"a": 1}},
        {"event": "end", "data": None},
    ]


@pytest.mark.browser
def test_progress_says_which_question_of_how_many(server, page):
    made = invited(server)
    page.goto(server + made["path"])
    composer_ready(page)
    expect(page.get_by_test_id("progress")).to_have_text(
        re.compile(r"^Introduction · question 1 of \d+$"), timeout=2000
    )


@pytest.mark.browser
def test_practice_mode_shows_feedback_and_the_coaching_report(server, staff, short_assistant, page):
    sam = person("senior-sam")
    response = invite(
        server,
        name=sam.name,
        years_experience=sam.years_experience,
        mode="practice",
        assistant_id=short_assistant,
    )
    assert response.status_code == 201, response.text
    made = response.json()
    page.goto(server + made["path"])
    composer_ready(page)
    send(page, ScriptedCandidate(sam).answer(pending(staff, made["thread_id"])))
    composer_ready(page)
    expect(page.get_by_test_id("sophia-feedback").last).to_be_visible()
    answer_to_the_end(page, staff, made["thread_id"], sam)
    report = page.get_by_test_id("practice-report")
    expect(report).to_be_visible()
    expect(report).to_contain_text("Strengths")


# --- the hiring-team view -------------------------------------------------------------------------


def team_view(tab, server: str, key: str = STAFF) -> None:
    tab.goto(f"{server}/ui/team/")
    tab.get_by_test_id("api-key-input").fill(key)
    tab.get_by_test_id("api-key-input").press("Enter")


@pytest.mark.browser
def test_the_team_view_needs_an_interviewer_key(server, page):
    team_view(page, server, "not-a-key")
    expect(page.get_by_test_id("error-banner")).to_contain_text("not accepted")
    expect(page.get_by_test_id("api-key-input")).to_be_visible()
    team_view(page, server, CANDIDATE_KEY)
    expect(page.get_by_test_id("error-banner")).to_contain_text("not an interviewer")
    team_view(page, server)
    expect(page.get_by_test_id("interview-row").first).to_be_visible()
    page.reload()  # the key is kept for this tab's session
    expect(page.get_by_test_id("interview-row").first).to_be_visible()


@pytest.mark.browser
def test_the_team_view_sorts_compares_and_invites(server, staff, short_assistant, page, browser):
    for name in ("senior-sam", "mid-solid-priya"):
        candidate = person(name)
        made = invited(
            server,
            name=candidate.name,
            years_experience=candidate.years_experience,
            assistant_id=short_assistant,
        )
        script = ScriptedCandidate(candidate)
        while (payload := pending(staff, made["thread_id"])) is not None:
            staff.runs.wait(
                made["thread_id"], short_assistant, command={"resume": script.answer(payload)}
            )
    team_view(page, server)
    rows = page.get_by_test_id("interview-row")
    expect(rows.first).to_be_visible()
    page.get_by_role("button", name="Overall").click()
    overall = [
        float(text) for text in page.locator("tbody td.number:nth-child(5)").all_inner_texts()
        if text != "–"
    ]  # fmt: skip
    assert len(overall) >= 2 and overall == sorted(overall, reverse=True)
    page.get_by_role("button", name="Overall").click()
    ascending = [
        float(text) for text in page.locator("tbody td.number:nth-child(5)").all_inner_texts()
        if text != "–"
    ]  # fmt: skip
    assert ascending == sorted(overall)

    boxes = page.locator('[data-testid="interview-row"] input[type="checkbox"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Compare 2 candidates").click()
    expect(page.locator(".compare > section")).to_have_count(2)

    page.goto(f"{server}/ui/team/#/")
    page.get_by_text("Invite a candidate").click()
    page.get_by_label("Candidate's name").fill("Linus Example")
    page.get_by_label("Years of experience").fill("3")
    page.get_by_role("button", name="Create the invitation").click()
    link = page.get_by_test_id("invite-link")
    expect(link).to_be_visible(timeout=TURN_TIMEOUT_MS)
    candidate_page = browser.new_context().new_page()
    candidate_page.goto(link.inner_text())
    composer_ready(candidate_page)
    expect(candidate_page.get_by_test_id("sophia-message").first).to_contain_text("Linus")
    candidate_page.context.close()
