"""The report: aggregate the evaluations into the final report, with coaching and resources.

The report goes to the Store (`("reports",)`, key = thread id), not to state; the candidate's
thread only gets Sophia's farewell.
"""

from __future__ import annotations

from collections import defaultdict

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from graph.config import Context
from graph.scoring import CRITERIA, Criterion, recommend, weighted_overall
from graph.session import Session
from graph.state import (
    PHASES,
    AnswerEvaluation,
    CoachingItem,
    FinalReport,
    LearningResource,
    ReportPhase,
    ReportQuestion,
    State,
    Turn,
)
from graph.store import latest_evaluations, load_profile, save_profile, save_report
from rubric.phrasing import line
from rubric.role_pack import RolePack
from tools.coaching import generate_coaching_suggestions
from tools.learning_resources import find_learning_resources

CRITERION_NAMES: dict[Criterion, str] = {
    "technical_knowledge": "Technical knowledge",
    "problem_solving": "Problem solving",
    "communication": "Communication",
    "soft_skills": "Soft skills",
}
STRONG = 4.0
WEAK = 3.0
MAX_COACHING = 5


def criterion_scores(
    pack: RolePack, evaluations: list[AnswerEvaluation]
) -> dict[Criterion, float | None]:
    """Each criterion's mean over the questions that evidence it, weighted by question weight."""
    scores: dict[Criterion, float | None] = {}
    for criterion in CRITERIA:
        weighted = [
            (e.scores[criterion], pack.question(e.question_id).weight)
            for e in evaluations
            if criterion in e.scores
        ]
        total = sum(w for _, w in weighted)
        scores[criterion] = round(sum(s * w for s, w in weighted) / total, 2) if total else None
    return scores


def primary_score(evaluation: AnswerEvaluation) -> float:
    """The score of the first criterion a question evidences (what it mainly tests)."""
    return next(iter(evaluation.scores.values()), 1.0)


def report_phases(turns: list[Turn], evaluations: dict[str, AnswerEvaluation]) -> list[ReportPhase]:
    """The transcript grouped by phase and question, with each question's evaluation."""
    by_phase: dict[str, dict[str, ReportQuestion]] = defaultdict(dict)
    for t in turns:
        questions = by_phase[t["phase"]]
        if t["kind"] == "follow_up" and t["question_id"] in questions:
            questions[t["question_id"]].follow_ups.append(
                {"question": t["question"], "answer": t["answer"]}
            )
        else:
            questions[t["question_id"]] = ReportQuestion(
                id=t["question_id"],
                topic=t["topic"],
                question=t["question"],
                answer=t["answer"],
                evaluation=evaluations.get(t["question_id"]),
            )
    return [
        ReportPhase(phase=phase, questions=list(by_phase[phase].values()))
        for phase in PHASES
        if phase in by_phase
    ]


def strengths_and_improvements(
    pack: RolePack, scores: dict[Criterion, float | None], evaluations: list[AnswerEvaluation]
) -> tuple[list[str], list[str]]:
    """Plain-language strengths and areas to improve, from criteria and topics."""
    strengths = [
        f"{CRITERION_NAMES[c]} ({s:.1f}/5)"
        for c, s in scores.items()
        if s is not None and s >= STRONG
    ]
    improvements = [
        f"{CRITERION_NAMES[c]} ({s:.1f}/5)" for c, s in scores.items() if s is not None and s < WEAK
    ]
    for e in sorted(evaluations, key=primary_score, reverse=True):
        title = pack.topics[e.topic].title
        if primary_score(e) >= STRONG and e.found:
            strengths.append(f"{title}: {e.found[0].label}")
    for e in sorted(evaluations, key=primary_score):
        title = pack.topics[e.topic].title
        if primary_score(e) < WEAK:
            missing = f": missed {e.missed[0].label.lower()}" if e.missed else ""
            improvements.append(f"{title}{missing}")
    return strengths[:8], improvements[:8]


async def coaching_for(
    pack: RolePack, evaluations: list[AnswerEvaluation], level: str
) -> list[CoachingItem]:
    """Coaching and resources for the weakest topics, through the coaching and resource tools."""
    weak = sorted((e for e in evaluations if primary_score(e) < WEAK), key=primary_score)
    items: list[CoachingItem] = []
    for e in weak[:MAX_COACHING]:
        advice = await generate_coaching_suggestions.ainvoke(
            {
                "topic": e.topic,
                "missed_points": [kp.label for kp in e.missed],
                "level": level,
                "role": pack.id,
            }
        )
        resources = await find_learning_resources.ainvoke({"topic": e.topic, "limit": 3})
        items.append(
            CoachingItem(
                area=advice["area"],
                suggestion=" ".join([advice["suggestion"], *advice["practice"]]),
                resources=[LearningResource(title=r["title"], url=r["url"]) for r in resources],
            )
        )
    return items


def review_flags(evaluations: list[AnswerEvaluation], pack: RolePack) -> list[str]:
    """What a human reviewer should look at."""
    flags = []
    for e in evaluations:
        title = pack.topics[e.topic].title
        if "injection" in e.signals:
            flags.append(f"suspected prompt injection in the answer on {title} ({e.question_id})")
        if "red_flag" in e.signals:
            flags.append(f"misconception stated on {title} ({e.question_id})")
        if "truncated" in e.signals:
            flags.append(f"very long answer on {title} graded on its beginning ({e.question_id})")
    return flags


async def report(state: State, runtime: Runtime[Context]) -> dict:
    """Write the final report to the Store and close the interview."""
    session = Session.from_runtime(runtime)
    pack = session.pack
    latest = await latest_evaluations(session.store, session.thread_id)
    evaluations = list(latest.values())
    assessment = await session.assessment(state)
    scores = criterion_scores(pack, evaluations)
    overall = weighted_overall(scores)
    strengths, improvements = strengths_and_improvements(pack, scores, evaluations)
    profile = state["profile"]
    final = FinalReport(
        candidate_id=profile["id"],
        candidate_name=profile["name"],
        role=pack.title,
        level=assessment.level,
        scores={c: s for c, s in scores.items() if s is not None},
        overall=overall,
        recommendation=recommend(overall),
        phases=report_phases(state.get("turns", []), latest),
        strengths=strengths,
        improvements=improvements,
        coaching=await coaching_for(pack, evaluations, assessment.level),
        flags=review_flags(evaluations, pack),
        model=session.context.model,
        brain="rubric",
        usage={},
    )
    await save_report(session.store, session.thread_id, final)
    # A second interview can see the candidate's earlier ones.
    if stored := await load_profile(session.store, profile["id"]):
        history = [t for t in stored.get("interviews", []) if t != session.thread_id]
        await save_profile(session.store, {**stored, "interviews": [*history, session.thread_id]})
    farewell = line("farewell", session.thread_id, name=profile["name"].split()[0])
    return {"messages": [AIMessage(content=farewell, name="Sophia")], "finished": True}
