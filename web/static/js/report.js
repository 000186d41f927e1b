// A finished interview's report, as a page a hiring manager would rather look at than read:
// the verdict, the criteria against their weights, each question with the candidate's own words
// as evidence, the flags, the transcript and the coaching. Printing it gives a clean PDF.

import { criteriaChart } from "./chart.js";
import { el, label, messageText } from "./server.js";

/** Titles and labels from the scoring scale (`/ui/api/scale`). */
export function namesFrom(scale) {
  const byId = (items, key) => Object.fromEntries((items ?? []).map((i) => [i.id, i[key]]));
  return {
    criteria: scale?.criteria ?? [],
    criterion: byId(scale?.criteria, "label"),
    recommendation: byId(scale?.recommendations, "label"),
    phase: byId(scale?.phases, "title"),
    topic: byId(scale?.topics, "title"),
  };
}

export function recommendationPill(recommendation, names, attributes = {}) {
  if (!recommendation) return el("span", { class: "pill" }, "–");
  return el(
    "span",
    { class: `pill ${recommendation}`, ...attributes },
    names.recommendation[recommendation] ?? label(recommendation),
  );
}

function section(title, ...children) {
  return el("section", { class: "card" }, el("h2", {}, title), ...children);
}

function bulletList(items, empty) {
  if (!items?.length) return el("p", { class: "empty" }, empty);
  return el("ul", {}, items.map((item) => el("li", {}, item)));
}

function evidence(evaluation) {
  const found = evaluation?.found ?? [];
  const missed = evaluation?.missed ?? [];
  return el(
    "div",
    { class: "evidence" },
    el(
      "div",
      { class: "credited" },
      el("h5", {}, `Credited (${found.length})`),
      found.length
        ? el(
            "ul",
            {},
            found.map((point) =>
              el(
                "li",
                {},
                point.label,
                point.prompted ? " (after a follow-up)" : "",
                point.quote ? [el("br"), el("span", { class: "quote" }, `“${point.quote}”`)] : null,
              ),
            ),
          )
        : el("p", { class: "empty" }, "Nothing the rubric looks for."),
    ),
    el(
      "div",
      { class: "missed" },
      el("h5", {}, `Missed (${missed.length})`),
      missed.length
        ? el("ul", {}, missed.map((point) => el("li", {}, point.label)))
        : el("p", { class: "empty" }, "Nothing."),
    ),
  );
}

function question(q, names) {
  const evaluation = q.evaluation;
  const scores = Object.entries(evaluation?.scores ?? {});
  return el(
    "article",
    { class: "question", "data-question-id": q.id },
    el(
      "h4",
      {},
      names.topic[q.topic] ?? label(q.topic),
      evaluation?.difficulty ? el("span", { class: "meta" }, ` · ${evaluation.difficulty} question`) : null,
    ),
    el("p", { class: "asked" }, q.question),
    el("blockquote", { class: "answer" }, q.answer || "(no answer)"),
    (q.follow_ups ?? []).map((f) => [
      el("p", { class: "asked" }, `Follow-up: ${f.question}`),
      el("blockquote", { class: "answer" }, f.answer || "(no answer)"),
    ]),
    scores.length
      ? el(
          "div",
          { class: "scoreline" },
          scores.map(([c, s]) =>
            el("span", { class: "pill" }, `${names.criterion[c] ?? label(c)} ${Number(s).toFixed(1)}`),
          ),
          (evaluation.signals ?? []).map((s) => el("span", { class: "pill flags" }, label(s))),
        )
      : null,
    evaluation ? evidence(evaluation) : el("p", { class: "empty" }, "Not graded."),
    evaluation?.rationale ? el("p", { class: "meta" }, evaluation.rationale) : null,
  );
}

/** The transcript: the report's own when it has one, else the thread's messages. */
function transcript(report, state) {
  const lines = report.transcript?.length
    ? report.transcript.map((t) => ({ speaker: t.speaker, text: t.text }))
    : (state?.values?.messages ?? [])
        .filter((m) => m.type === "ai" || m.type === "human")
        .map((m) => ({ speaker: m.type === "ai" ? "sophia" : "candidate", text: messageText(m.content) }));
  const name = report.candidate_name || "Candidate";
  return el(
    "ol",
    { class: "transcript" },
    lines.map((line) =>
      el(
        "li",
        { class: line.speaker },
        el("span", { class: "who" }, line.speaker === "sophia" ? "Sophia" : name),
        line.text,
      ),
    ),
  );
}

function coaching(items) {
  if (!items?.length) return el("p", { class: "empty" }, "No coaching: no weak areas.");
  return el(
    "ul",
    {},
    items.map((item) =>
      el(
        "li",
        {},
        el("strong", {}, item.area),
        ": ",
        item.suggestion,
        item.resources?.length
          ? el(
              "ul",
              {},
              item.resources.map((r) =>
                el("li", {}, el("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, r.title)),
              ),
            )
          : null,
      ),
    ),
  );
}

/** The whole report page. */
export function reportPage(report, { state = null, names, threadId }) {
  const flags = report.flags ?? [];
  const when = state?.created_at ? new Date(state.created_at).toLocaleDateString() : null;
  return el(
    "div",
    { class: "report", "data-thread-id": threadId },
    el(
      "div",
      { class: "toolbar no-print" },
      el("a", { href: "#/" }, "← All interviews"),
      el("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Print or save as PDF"),
    ),
    el(
      "section",
      { class: "card report-head" },
      el(
        "div",
        { class: "who" },
        el("h1", {}, report.candidate_name || report.candidate_id),
        el("p", { class: "meta" }, report.role),
        el(
          "p",
          { class: "meta" },
          [
            report.mode ? `${label(report.mode)} interview` : null,
            report.target_level && report.target_level !== "pack" ? `hiring for ${report.target_level}` : null,
            `brain: ${report.brain ?? report.model}`,
            when,
          ]
            .filter(Boolean)
            .join(" · "),
        ),
      ),
      el(
        "div",
        { class: "verdict" },
        el(
          "div",
          { class: "figure" },
          el("span", { class: "value", "data-testid": "report-overall" }, Number(report.overall).toFixed(1)),
          el("span", { class: "caption" }, "overall / 100"),
        ),
        el(
          "div",
          { class: "figure" },
          el("span", { class: "value" }, label(report.level)),
          el("span", { class: "caption" }, "level"),
        ),
        el(
          "div",
          { class: "figure" },
          el("span", { class: "value" }, recommendationPill(report.recommendation, names, { "data-testid": "report-recommendation" })),
          el("span", { class: "caption" }, "recommendation"),
        ),
      ),
    ),
    section(
      "The criteria against their weights",
      el("div", { class: "chart" }, criteriaChart(report.scores, names.criteria)),
      el(
        "p",
        { class: "chart caption" },
        "Each column is as wide as the criterion's weight and as tall as its score; the shaded " +
          `share of the frame is the overall score, ${Number(report.overall).toFixed(1)} of 100.`,
      ),
    ),
    el(
      "div",
      { class: "two-columns" },
      section("Strengths", bulletList(report.strengths, "None stood out.")),
      section("To probe or improve", bulletList(report.improvements, "None stood out.")),
    ),
    section(
      `Flags (${flags.length})`,
      flags.length
        ? el("ul", { class: "flags" }, flags.map((f) => el("li", { class: "flag" }, f)))
        : el("p", { class: "empty" }, "Nothing for a reviewer to check."),
    ),
    section(
      "Question by question",
      (report.phases ?? []).map((phase) => [
        el("h3", {}, names.phase[phase.phase] ?? label(phase.phase)),
        phase.questions.map((q) => question(q, names)),
      ]),
    ),
    report.candidate_questions?.length
      ? section(
          "The candidate's questions",
          el(
            "dl",
            {},
            report.candidate_questions.map((q) => [el("dt", {}, q.question), el("dd", {}, q.reply)]),
          ),
        )
      : null,
    section("Coaching", coaching(report.coaching)),
    section("Transcript", el("details", {}, el("summary", {}, "Show the whole conversation"), transcript(report, state))),
  );
}

/** Side by side: the same figures for each candidate. */
export function comparisonPage(entries, { names }) {
  const roles = new Set(entries.map((e) => e.report.role));
  return el(
    "div",
    { class: "comparison" },
    el(
      "div",
      { class: "toolbar no-print" },
      el("a", { href: "#/" }, "← All interviews"),
      el("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Print or save as PDF"),
    ),
    el("h1", {}, `Comparing ${entries.length} candidates`),
    roles.size > 1
      ? el("p", { class: "banner", role: "note" }, "These interviews were for different roles.")
      : el("p", { class: "meta" }, [...roles][0] ?? ""),
    el(
      "div",
      { class: "compare" },
      entries.map(({ threadId, report }) =>
        el(
          "section",
          { class: "card", "data-thread-id": threadId },
          el("h2", {}, el("a", { href: `#/report/${threadId}` }, report.candidate_name || report.candidate_id)),
          el(
            "p",
            {},
            el("strong", { class: "big" }, Number(report.overall).toFixed(1)),
            " / 100 · ",
            label(report.level),
            " · ",
            recommendationPill(report.recommendation, names),
          ),
          el(
            "div",
            { class: "bars" },
            names.criteria.map((c) => {
              const score = report.scores?.[c.id];
              const bar = el("span", { class: "fill" });
              bar.style.width = `${((score ?? 0) / 5) * 100}%`;
              return el(
                "div",
                { class: "bar" },
                el("span", {}, `${c.label} (${Math.round(c.weight * 100)}%)`),
                el("span", { class: "track" }, bar),
                el("span", { class: "num" }, score?.toFixed?.(1) ?? "–"),
              );
            }),
          ),
          el("h3", {}, "Strengths"),
          bulletList(report.strengths?.slice(0, 4), "None stood out."),
          el("h3", {}, "To probe"),
          bulletList(report.improvements?.slice(0, 4), "None stood out."),
          el("p", { class: "meta" }, `${report.flags?.length ?? 0} flag(s)`),
        ),
      ),
    ),
  );
}
