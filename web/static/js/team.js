// The hiring-team view (/ui/team/): the interviews, each report, comparisons, and invitations.
//
// The interviewer key is asked for once per browser tab and kept in sessionStorage. Everything
// comes from the server's own API with that key: threads (POST /threads/search), reports
// (the Store's ("reports",) namespace) and invitations (POST /ui/api/invitations).

import { comparisonPage, namesFrom, recommendationPill, reportPage } from "./report.js";
import { ServerError, el, label, request } from "./server.js";

const KEY_STORAGE = "sophia.interviewerKey";
const LIST_LIMIT = 1000;
const EXPIRY_CHOICES = ["1d", "3d", "7d", "14d", "30d"];

const $ = (id) => document.getElementById(id);
const ui = {
  banner: $("error-banner"),
  bannerText: $("error-text"),
  keyCard: $("key-card"),
  keyForm: $("key-form"),
  keyInput: $("api-key"),
  signOut: $("sign-out"),
  view: $("view"),
};
const team = { key: sessionStorage.getItem(KEY_STORAGE), names: namesFrom(null), sort: { by: "updated", dir: -1 } };

function api(path, options = {}) {
  return request(path, { ...options, headers: { "x-api-key": team.key ?? "", ...options.headers } });
}

const MESSAGES = {
  unreachable: "The server cannot be reached. Check that it is running, then reload the page.",
  unauthorized: "That key was not accepted. Enter an interviewer key.",
  expired: "That key was not accepted. Enter an interviewer key.",
  forbidden: "That key is not an interviewer's: the team view needs an interviewer key.",
  rate_limited: "Too many requests this minute; wait a moment and try again.",
};

function showError(error) {
  const kind = error instanceof ServerError ? error.kind : "server";
  if (!(error instanceof ServerError)) console.error(error);
  ui.bannerText.textContent = MESSAGES[kind] ?? `Something went wrong: ${error.message}`;
  ui.banner.hidden = false;
  if (kind === "unauthorized" || kind === "forbidden") askForKey();
}

function clearError() {
  ui.banner.hidden = true;
}

function askForKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  team.key = null;
  ui.view.replaceChildren();
  ui.keyCard.hidden = false;
  ui.signOut.hidden = true;
  ui.keyInput.focus();
}

// --- the list of interviews ---------------------------------------------------------------------

function rowOf(thread, report) {
  const values = thread.values ?? {};
  const metadata = thread.metadata ?? {};
  const finished = Boolean(report) || values.finished === true;
  const expires = Number(metadata.invite_expires_at ?? 0) * 1000;
  let status;
  if (finished) status = "Finished";
  else if (thread.status === "error") status = "Error";
  else if (expires && expires < Date.now()) status = "Link expired";
  else if (thread.status === "busy") status = "In progress";
  else if (values.phase) status = `In progress · ${team.names.phase[values.phase] ?? label(values.phase)}`;
  else status = "Not started";
  return {
    threadId: thread.thread_id,
    candidate: report?.candidate_name || values.profile?.name || metadata.candidate_name || "–",
    role: report?.role ?? "",
    mode: metadata.mode ?? report?.mode ?? "hiring",
    status,
    level: report?.level ?? null,
    overall: report?.overall ?? null,
    recommendation: report?.recommendation ?? null,
    flags: report ? (report.flags ?? []).length : null,
    updated: thread.updated_at ?? "",
    report,
  };
}

const COLUMNS = [
  { key: "candidate", title: "Candidate" },
  { key: "status", title: "Status" },
  { key: "level", title: "Level" },
  { key: "overall", title: "Overall", number: true },
  { key: "recommendation", title: "Recommendation" },
  { key: "flags", title: "Flags", number: true },
  { key: "updated", title: "Last activity" },
];
const RECOMMENDATION_ORDER = ["no_hire", "lean_no_hire", "lean_hire", "hire", "strong_hire"];
const LEVEL_ORDER = ["junior", "mid", "senior"];

function sortValue(row, key) {
  if (key === "recommendation") return row.recommendation ? RECOMMENDATION_ORDER.indexOf(row.recommendation) : null;
  if (key === "level") return row.level ? LEVEL_ORDER.indexOf(row.level) : null;
  return row[key];
}

function sortRows(rows) {
  const { by, dir } = team.sort;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, by);
    const y = sortValue(b, by);
    if (x === y) return 0;
    if (x === null || x === undefined || x === "") return 1; // empty last, either way
    if (y === null || y === undefined || y === "") return -1;
    return (x < y ? -1 : 1) * dir;
  });
}

function table(rows, selected, onSelect) {
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Compare")),
    COLUMNS.map((column) =>
      el(
        "th",
        {
          scope: "col",
          class: column.number ? "number" : null,
          "aria-sort": team.sort.by === column.key ? (team.sort.dir > 0 ? "ascending" : "descending") : "none",
        },
        el(
          "button",
          {
            type: "button",
            dataset: { sort: column.key },
            onclick: () => {
              const same = team.sort.by === column.key;
              team.sort = { by: column.key, dir: same ? -team.sort.dir : column.number ? -1 : 1 };
              onSelect();
            },
          },
          column.title,
        ),
      ),
    ),
  );
  const body = sortRows(rows).map((row) =>
    el(
      "tr",
      { "data-testid": "interview-row", "data-thread-id": row.threadId },
      el(
        "td",
        {},
        row.report
          ? el("input", {
              type: "checkbox",
              "aria-label": `Compare ${row.candidate}`,
              checked: selected.has(row.threadId),
              onchange: (event) => {
                if (event.target.checked) selected.add(row.threadId);
                else selected.delete(row.threadId);
                onSelect(false);
              },
            })
          : null,
      ),
      el(
        "td",
        {},
        row.report ? el("a", { href: `#/report/${row.threadId}` }, row.candidate) : row.candidate,
        row.mode === "practice" ? el("span", { class: "meta" }, " · practice") : null,
      ),
      el("td", {}, row.status),
      el("td", {}, row.level ? label(row.level) : "–"),
      el("td", { class: "number" }, row.overall === null ? "–" : row.overall.toFixed(1)),
      el("td", {}, row.recommendation ? recommendationPill(row.recommendation, team.names) : "–"),
      el("td", { class: "number" }, row.flags ? el("span", { class: "pill flags" }, row.flags) : row.flags === 0 ? "0" : "–"),
      el("td", {}, row.updated ? new Date(row.updated).toLocaleString() : "–"),
    ),
  );
  return el(
    "div",
    { class: "table-scroll" },
    el("table", { class: "interviews" }, el("thead", {}, head), el("tbody", {}, body)),
  );
}

// --- inviting a candidate -----------------------------------------------------------------------

function field(id, text, control, wide = false) {
  return el("div", { class: wide ? "field wide" : "field" }, el("label", { for: id }, text), control);
}

function options(values, chosen, describe = label) {
  return values.map((v) => el("option", { value: v, selected: v === chosen }, describe(v)));
}

function inviteCard() {
  const result = el("div", { "aria-live": "polite" });
  const form = el(
    "form",
    { class: "form-grid", id: "invite-form" },
    field("invite-name", "Candidate's name", el("input", { id: "invite-name", name: "name", required: true, maxlength: 200 })),
    field("invite-years", "Years of experience", el("input", { id: "invite-years", name: "years_experience", type: "number", min: 0, max: 60, step: "0.5", required: true })),
    field("invite-mode", "Mode", el("select", { id: "invite-mode", name: "mode" }, options(["hiring", "practice"], "hiring"))),
    field(
      "invite-level",
      "Hiring for",
      el("select", { id: "invite-level", name: "target_level" }, options(["pack", "junior", "mid", "senior"], "pack", (v) => (v === "pack" ? "The role's level" : label(v)))),
    ),
    field("invite-expires", "Link valid for", el("select", { id: "invite-expires", name: "expires" }, options(EXPIRY_CHOICES, "7d", (v) => `${Number.parseInt(v, 10)} days`))),
    field("invite-summary", "Summary (optional: a line from the CV)", el("textarea", { id: "invite-summary", name: "summary", rows: 2, maxlength: 2000 }), true),
    el("div", { class: "field" }, el("button", { type: "submit" }, "Create the invitation")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    data.years_experience = Number(data.years_experience);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    result.replaceChildren(el("p", { class: "meta" }, "Preparing the interview…"));
    try {
      const invited = await api("/ui/api/invitations", { method: "POST", body: data });
      const url = new URL(invited.path, location.origin).href;
      const copy = el("button", { type: "button", class: "secondary" }, "Copy the link");
      copy.addEventListener("click", async () => {
        await navigator.clipboard?.writeText(url);
        copy.textContent = "Copied";
      });
      result.replaceChildren(
        el(
          "div",
          { class: "invite-result" },
          el("p", {}, `Send this link to ${invited.name}. It works until ${new Date(invited.expires_at).toLocaleString()}.`),
          el("p", {}, el("a", { href: url, "data-testid": "invite-link", target: "_blank", rel: "noopener noreferrer" }, url)),
          copy,
        ),
      );
      form.reset();
    } catch (error) {
      result.replaceChildren(el("p", { class: "banner", role: "alert" }, `The invitation failed: ${error.message}`));
    } finally {
      button.disabled = false;
    }
  });
  return el(
    "section",
    { class: "card" },
    el("details", {}, el("summary", {}, "Invite a candidate"), el("p", { class: "meta" }, "Sophia greets the candidate as soon as the link is made; the interview waits for them."), form, result),
  );
}

// --- the views ----------------------------------------------------------------------------------

async function listView() {
  const [threads, reports] = await Promise.all([
    api("/threads/search", { method: "POST", body: { limit: LIST_LIMIT, sort_by: "updated_at", sort_order: "desc" } }),
    api("/store/items/search", { method: "POST", body: { namespace_prefix: ["reports"], limit: LIST_LIMIT } }),
  ]);
  const byThread = Object.fromEntries(reports.items.map((item) => [item.key, item.value]));
  const rows = threads.map((thread) => rowOf(thread, byThread[thread.thread_id]));
  const selected = new Set();
  const compare = el("button", { type: "button", class: "secondary", disabled: true }, "Compare selected");
  compare.addEventListener("click", () => {
    location.hash = `#/compare/${[...selected].join(",")}`;
  });
  const holder = el("div");
  const draw = (redraw = true) => {
    compare.disabled = selected.size < 2;
    compare.textContent = selected.size >= 2 ? `Compare ${selected.size} candidates` : "Compare selected";
    if (redraw) holder.replaceChildren(rows.length ? table(rows, selected, draw) : el("p", { class: "empty" }, "No interviews yet: invite a candidate above."));
  };
  draw();
  const refresh = el("button", { type: "button", class: "secondary", onclick: () => route() }, "Refresh");
  return [
    el("div", { class: "toolbar" }, el("h1", {}, "Interviews"), compare, refresh),
    inviteCard(),
    el("section", { class: "card" }, holder),
  ];
}

async function reportView(threadId) {
  const [item, state] = await Promise.all([
    api(`/store/items?namespace=reports&key=${encodeURIComponent(threadId)}`).catch((error) => {
      if (error.kind === "not_found") return null;
      throw error;
    }),
    api(`/threads/${encodeURIComponent(threadId)}/state`).catch(() => null),
  ]);
  if (!item) {
    return [
      el("p", {}, el("a", { href: "#/" }, "← All interviews")),
      el("section", { class: "card" }, el("h1", {}, "No report yet"), el("p", {}, "This interview has not finished.")),
    ];
  }
  document.title = `${item.value.candidate_name} · Sophia report`;
  return [reportPage(item.value, { state, names: team.names, threadId })];
}

async function comparisonView(ids) {
  const entries = await Promise.all(
    ids.map(async (threadId) => {
      const item = await api(`/store/items?namespace=reports&key=${encodeURIComponent(threadId)}`);
      return { threadId, report: item.value };
    }),
  );
  document.title = "Comparison · Sophia";
  return [comparisonPage(entries, { names: team.names })];
}

async function route() {
  if (!team.key) {
    askForKey();
    return;
  }
  clearError();
  ui.keyCard.hidden = true;
  ui.signOut.hidden = false;
  document.title = "Sophia · Hiring team";
  const [, view, arg] = location.hash.split("/");
  ui.view.setAttribute("aria-busy", "true");
  try {
    let content;
    if (view === "report" && arg) content = await reportView(decodeURIComponent(arg));
    else if (view === "compare" && arg) content = await comparisonView(arg.split(",").filter(Boolean));
    else content = await listView();
    ui.view.replaceChildren(...content);
  } catch (error) {
    showError(error);
  } finally {
    ui.view.setAttribute("aria-busy", "false");
  }
}

ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  team.key = ui.keyInput.value.trim();
  if (!team.key) return;
  sessionStorage.setItem(KEY_STORAGE, team.key);
  ui.keyInput.value = "";
  route();
});
ui.signOut.addEventListener("click", askForKey);
window.addEventListener("hashchange", () => {
  window.scrollTo(0, 0);
  $("main").focus({ preventScroll: true });
  route();
});
// Print every part of a report, folded or not.
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details")) details.open = true;
});

request("/ui/api/scale")
  .then((scale) => {
    team.names = namesFrom(scale);
  })
  .catch(() => {})
  .finally(route);
