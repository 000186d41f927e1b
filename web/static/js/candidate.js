// The candidate page: an interview with Sophia from an invitation link (/ui/?invite=TOKEN).
//
// The token is the candidate's credential (sent as x-invite-token) for one thread. The page
// only ever resumes the interview: it loads the thread's state to rebuild the conversation,
// then sends each answer as `command: {resume: answer}` and streams Sophia's reply
// (`messages-tuple` for her words as they are generated, `updates` for the pause that carries
// the next question's phase and progress). It never reads the Store.

import { ServerError, el, label, messageText, request, streamRun } from "./server.js";

const STREAM_MODES = ["messages-tuple", "updates"];
// Performance API names: a Send mark, and measures to the run's first event (the server has
// started the run) and to Sophia's first words. `bench/ui_latency.py` reads them.
const SEND_MARK = "sophia-send";
const RUN_STARTED = "send-to-run-start";
const FIRST_WORDS = "send-to-first-words";
const BUSY_POLL_MS = 1000;
const BUSY_POLL_LIMIT = 120;

const $ = (id) => document.getElementById(id);
const ui = {
  progress: $("progress"),
  banner: $("error-banner"),
  bannerText: $("error-text"),
  retry: $("error-retry"),
  conversation: $("conversation"),
  thinking: $("thinking"),
  finished: $("finished"),
  finishedText: $("finished-text"),
  practiceReport: $("practice-report"),
  composer: $("composer"),
  answer: $("answer"),
  send: $("send"),
};

const page = {
  // `?invite=` as `sophia invite` prints it; `#invite=` also works, and never reaches a server.
  token:
    new URLSearchParams(location.search).get("invite") ??
    new URLSearchParams(location.hash.slice(1)).get("invite"),
  threadId: null,
  assistantId: null,
  mode: "hiring",
  phaseTitles: {},
  sending: false,
  retry: null,
};

// --- what the candidate is told ---------------------------------------------------------------

const MESSAGES = {
  unreachable: () =>
    "We can't reach the interview server right now. Check your connection and try again: " +
    "everything you have sent so far is saved.",
  expired: () => "This invitation link has expired. Please ask the hiring team for a new one.",
  unauthorized: () =>
    "This invitation link is not valid. Check that you opened the whole link, or ask the " +
    "hiring team for a new one.",
  forbidden: () => "This invitation link is for a different interview.",
  not_found: () => "This interview could not be found. Please ask the hiring team for a new link.",
  too_large: (error) => {
    const sizes = /is ([\d,]+) characters; the limit is ([\d,]+)/.exec(error.message);
    const what = sizes ? ` (${sizes[1]} characters; the limit is ${sizes[2]})` : "";
    return `Your answer is too long to send${what}. Please shorten it and send it again.`;
  },
  rate_limited: (error) =>
    "You are sending answers faster than the interview allows. Please wait " +
    (error.retryAfter ? `${error.retryAfter} seconds` : "a moment") + " and send again.",
  invalid: () => "The interview could not take that answer. Please try again.",
  server: () => "Something went wrong on our side. Please try again in a moment.",
};

function showError(error, retry = null) {
  const kind = error instanceof ServerError ? error.kind : "server";
  if (!(error instanceof ServerError)) console.error(error);
  ui.bannerText.textContent = (MESSAGES[kind] ?? MESSAGES.server)(error);
  ui.banner.dataset.kind = kind;
  ui.banner.hidden = false;
  page.retry = retry;
  ui.retry.hidden = retry === null;
}

function clearError() {
  ui.banner.hidden = true;
  ui.bannerText.textContent = "";
  delete ui.banner.dataset.kind;
}

// --- the conversation ---------------------------------------------------------------------------

const calm = matchMedia("(prefers-reduced-motion: reduce)").matches;

function bubble(speaker, text = "", { scroll = true } = {}) {
  const sophia = speaker === "sophia";
  const body = el("div", { class: "text" }, text);
  const item = el(
    "li",
    {
      class: `message ${speaker}`,
      dataset: { testid: sophia ? "sophia-message" : "candidate-message" },
    },
    el("p", { class: "speaker" }, sophia ? "Sophia" : "You"),
    body,
  );
  ui.conversation.append(item);
  if (scroll) item.scrollIntoView({ block: "end", behavior: calm ? "auto" : "smooth" });
  return item;
}

/** Style the practice-mode feedback at the head of Sophia's latest message. */
function markFeedback(item, message, feedback) {
  if (!item || !feedback) return;
  const text = messageText(message ?? "");
  const rest = text.startsWith(feedback) ? text.slice(feedback.length).trim() : text;
  item.querySelector(".feedback")?.remove();
  item.querySelector(".text").textContent = rest;
  item.insertBefore(
    el(
      "div",
      { class: "feedback", "data-testid": "sophia-feedback" },
      el("p", { class: "feedback-title" }, "Feedback on your answer"),
      el("p", {}, feedback),
    ),
    item.querySelector(".text"),
  );
}

function progressText(payload) {
  const progress = payload?.progress;
  const phase = payload?.phase;
  const title = progress?.phase_title ?? page.phaseTitles[phase] ?? (phase ? label(phase) : "");
  if (progress?.number && progress?.total) {
    return `${title} · question ${progress.number} of ${progress.total}`;
  }
  return title;
}

/** The answer box: "open", "busy" (shown, disabled while Sophia replies) or "closed". */
function setComposer(state) {
  ui.composer.hidden = state === "closed";
  ui.answer.disabled = state !== "open";
  ui.send.disabled = state !== "open";
}

function scrollToEnd() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
}

function awaitAnswer(payload) {
  ui.progress.textContent = progressText(payload);
  if (payload?.feedback) {
    const sophia = ui.conversation.querySelectorAll('[data-testid="sophia-message"]');
    markFeedback(sophia[sophia.length - 1], payload.message, payload.feedback);
  }
  setComposer("open");
  ui.answer.focus({ preventScroll: true });
  scrollToEnd();
}

function finish(values) {
  setComposer("closed");
  ui.thinking.hidden = true;
  ui.progress.textContent = "Finished";
  const report = values?.practice_report;
  if (page.mode === "practice" || report) {
    ui.finishedText.textContent = "Well done for practising. Here is your coaching report.";
  }
  if (report) ui.practiceReport.replaceChildren(practiceReport(report));
  ui.finished.hidden = false;
  ui.finished.focus();
}

// --- the practice report (practice mode only: the candidate's own coaching) ----------------------

function list(items, render = (x) => x) {
  return el("ul", {}, (items ?? []).map((item) => el("li", {}, render(item))));
}

function practiceReport(report) {
  const scores = report.scores ?? report.criterion_scores ?? {};
  const questions = report.questions ?? report.per_question ?? report.feedback ?? [];
  return el(
    "div",
    { class: "practice-report", "data-testid": "practice-report" },
    Object.keys(scores).length
      ? el(
          "section",
          {},
          el("h3", {}, "How you did"),
          el(
            "dl",
            { class: "scores" },
            Object.entries(scores).map(([criterion, score]) => [
              el("dt", {}, label(criterion)),
              el("dd", {}, `${Number(score).toFixed(1)} / 5`),
            ]),
          ),
        )
      : null,
    report.strengths?.length ? [el("h3", {}, "Strengths"), list(report.strengths)] : null,
    report.improvements?.length
      ? [el("h3", {}, "What to work on"), list(report.improvements)]
      : null,
    Array.isArray(questions) && questions.length
      ? [
          el("h3", {}, "Question by question"),
          list(questions, (q) =>
            typeof q === "string"
              ? q
              : [el("strong", {}, q.question ?? label(q.topic ?? q.question_id ?? "")), " ",
                 q.feedback ?? ""],
          ),
        ]
      : null,
    report.coaching?.length
      ? [
          el("h3", {}, "Coaching"),
          list(report.coaching, (item) => [
            el("strong", {}, item.area ?? ""),
            " ",
            item.suggestion ?? "",
            item.resources?.length
              ? list(item.resources, (r) =>
                  el("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, r.title),
                )
              : null,
          ]),
        ]
      : null,
  );
}

// --- loading, and coming back -------------------------------------------------------------------

function claimsOf(token) {
  const part = (token ?? "").split(".")[0].replaceAll("-", "+").replaceAll("_", "/");
  try {
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}

function pendingPause(state) {
  const interrupts = state.interrupts?.length
    ? state.interrupts
    : (state.tasks ?? []).flatMap((task) => task.interrupts ?? []);
  return interrupts[0]?.value ?? null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function load() {
  clearError();
  ui.conversation.setAttribute("aria-busy", "true");
  const headers = { "x-invite-token": page.token };
  const [scale, thread] = await Promise.all([
    request("/ui/api/scale").catch(() => null),
    request(`/threads/${page.threadId}`, { headers }),
  ]);
  for (const phase of scale?.phases ?? []) page.phaseTitles[phase.id] = phase.title;
  page.assistantId = thread.metadata?.assistant_id;
  page.mode = thread.metadata?.mode ?? page.mode;
  let state = await request(`/threads/${page.threadId}/state`, { headers });
  // Left while Sophia was answering: wait for that run to finish, then show where it ended.
  for (let i = 0; i < BUSY_POLL_LIMIT && thread.status === "busy" && !pendingPause(state); i++) {
    ui.thinking.hidden = false;
    await sleep(BUSY_POLL_MS);
    const now = await request(`/threads/${page.threadId}`, { headers });
    state = await request(`/threads/${page.threadId}/state`, { headers });
    thread.status = now.status;
  }
  ui.thinking.hidden = true;
  ui.conversation.replaceChildren();
  for (const message of state.values?.messages ?? []) {
    const text = messageText(message.content);
    if (!text) continue;
    if (message.type === "ai") bubble("sophia", text, { scroll: false });
    else if (message.type === "human") bubble("candidate", text, { scroll: false });
  }
  ui.conversation.setAttribute("aria-busy", "false");
  const pause = pendingPause(state);
  if (state.values?.finished) finish(state.values);
  else if (pause) awaitAnswer(pause);
  else showError(new ServerError("server", "the interview is not waiting for an answer"), load);
}

// --- sending an answer and streaming Sophia's reply ---------------------------------------------

function isSophia(message) {
  return message?.type === "ai" || message?.type === "AIMessageChunk";
}

async function sendAnswer() {
  const answer = ui.answer.value;
  if (page.sending || !answer.trim()) return;
  page.sending = true;
  clearError();
  setComposer("busy");
  performance.clearMarks(SEND_MARK);
  performance.mark(SEND_MARK);
  const mine = bubble("candidate", answer);
  ui.answer.value = "";
  ui.thinking.hidden = false;
  const replies = new Map(); // message id -> Sophia's bubble
  let pause = null;
  let accepted = false;
  let firstWords = false;
  try {
    const run = { assistant_id: page.assistantId, command: { resume: answer }, stream_mode: STREAM_MODES };
    for await (const { event, data } of streamRun(page.threadId, run, {
      headers: { "x-invite-token": page.token },
    })) {
      if (!accepted) performance.measure(RUN_STARTED, SEND_MARK);
      accepted = true;
      if (event === "messages" && Array.isArray(data) && isSophia(data[0])) {
        const [message] = data;
        const text = messageText(message.content);
        if (!text) continue; // a tool call's chunk: nothing to say yet
        if (!firstWords) {
          firstWords = true;
          performance.measure(FIRST_WORDS, SEND_MARK);
          ui.thinking.hidden = true;
        }
        let item = replies.get(message.id);
        if (!item) replies.set(message.id, (item = bubble("sophia")));
        const body = item.querySelector(".text");
        body.textContent = message.type === "AIMessageChunk" ? body.textContent + text : text;
      } else if (event === "updates" && data?.__interrupt__) {
        pause = data.__interrupt__[0]?.value ?? null;
      }
    }
    ui.thinking.hidden = true;
    if (pause) awaitAnswer(pause);
    else {
      const state = await request(`/threads/${page.threadId}/state`, {
        headers: { "x-invite-token": page.token },
      });
      if (state.values?.finished) finish(state.values);
      else await load();
    }
  } catch (error) {
    ui.thinking.hidden = true;
    if (!accepted) {
      // Refused (too long, too fast, link expired) or never sent: nothing was kept.
      mine.remove();
      ui.answer.value = answer;
      const canResend = ["too_large", "rate_limited", "unreachable", "invalid", "server"];
      setComposer(canResend.includes(error.kind) ? "open" : "closed");
      showError(error, null);
      if (!ui.composer.hidden) ui.answer.focus();
    } else {
      // The server has the answer; the connection broke while Sophia replied.
      showError(error, load);
    }
  } finally {
    page.sending = false;
  }
}

// --- wiring -------------------------------------------------------------------------------------

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  sendAnswer();
});
ui.answer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendAnswer();
  }
});
ui.retry.addEventListener("click", () => {
  const retry = page.retry;
  if (retry) retry().catch((error) => showError(error, retry));
});

const claims = claimsOf(page.token);
if (!page.token) {
  ui.bannerText.textContent =
    "This page needs your invitation link. Open the link the hiring team sent you.";
  ui.banner.hidden = false;
} else if (!claims?.thr) {
  showError(new ServerError("unauthorized", "malformed invitation"));
} else {
  page.threadId = encodeURIComponent(claims.thr);
  load().catch((error) => showError(error, error.kind === "unreachable" ? load : null));
}
