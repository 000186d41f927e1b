"""The final report as Markdown, for people (the JSON is for programs)."""

from __future__ import annotations

from graph.scoring import criterion_label, recommendation_label
from graph.state import FinalReport


def render_markdown(report: FinalReport) -> str:
    """A readable report: summary, scores, strengths, coaching, then the annotated transcript.

    A practice interview's report is its candidate's: it has no recommendation.
    """
    recommendation = (
        []
        if report.mode == "practice"
        else [
            f"- Recommendation: **{recommendation_label(report.recommendation)}** "
            f"(for a {report.target_level} post)"
        ]
    )
    out = [
        f"# Interview report: {report.candidate_name or report.candidate_id}",
        "",
        f"- Role: {report.role}",
        f"- Level: **{report.level}**",
        f"- Overall: **{report.overall:.1f} / 100**",
        *recommendation,
        f"- Brain: {report.brain} (model `{report.model}`)",
        "",
        "## Scores",
        "",
        "| Criterion | Score (1-5) |",
        "| --- | --- |",
    ]
    out += [f"| {criterion_label(c)} | {s:.2f} |" for c, s in report.scores.items()]
    for title, items in (("Strengths", report.strengths), ("To improve", report.improvements)):
        out += ["", f"## {title}", ""] + ([f"- {i}" for i in items] or ["- (none noted)"])
    out += ["", "## Coaching", ""]
    if not report.coaching:
        out.append("No weak areas stood out.")
    for item in report.coaching:
        out += [f"### {item.area}", "", item.suggestion, ""]
        out += [f"- [{r.title}]({r.url})" for r in item.resources]
        out.append("")
    if report.flags:
        out += ["## For the reviewer", ""] + [f"- {f}" for f in report.flags] + [""]
    out += ["## Transcript", ""]
    for phase in report.phases:
        out += [f"### {phase.phase.replace('_', ' ').title()}", ""]
        for q in phase.questions:
            out += [f"**Q ({q.id}):** {q.question}", "", f"> {_quote(q.answer)}", ""]
            for f in q.follow_ups:
                asked = "Hint" if f.get("kind") == "hint" else "Follow-up"
                out += [f"**{asked}:** {f['question']}", "", f"> {_quote(f['answer'])}", ""]
            if q.evaluation:
                scores = ", ".join(f"{c} {s:.1f}" for c, s in q.evaluation.scores.items())
                out += [f"*Scores: {scores}.* {q.evaluation.rationale}", ""]
    if report.candidate_questions:
        out += ["## The candidate's questions", ""]
        for asked in report.candidate_questions:
            out += [f"> {_quote(asked.question)}", "", asked.reply, ""]
    return "\n".join(out).rstrip() + "\n"


def _quote(text: str, limit: int = 2000) -> str:
    text = text if len(text) <= limit else text[:limit] + " […]"
    return (text or "(no answer)").replace("\n", "\n> ")
