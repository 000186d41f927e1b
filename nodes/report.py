"""The report: aggregate the evaluations into the final report, with coaching and resources.

The report goes to the Store (`("reports",)`, key = thread id), not to state; the candidate's
thread only gets Sophia's farewell, and in practice mode their own coaching report
(`practice_report`: strengths, areas to work on, coaching and the feedback they heard, never a
recommendation). The recommendation is judged against the level hired for (`recommend`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime

from graph.config import Context
from graph.llm import (
    StructuredOutputError,
    agent_model,
    candidate_text,
    is_rubric,
    model_for,
    schema_text,
    structured_call,
)
from graph.scoring import (
    CRITERION_NAMES,
    STRONG,
    WEAK,
    Criterion,
    criterion_scores,
    disagreement_label,
    primary_score,
    recommend,
    weighted_overall,
)
from graph.session import Session
from graph.state import (
    PHASES,
    AnswerEvaluation,
    CandidateQuestion,
    CoachingItem,
    FinalReport,
    LearningResource,
    Mode,
    ReportNarrative,
    ReportPhase,
    ReportQuestion,
    State,
    TranscriptEntry,
    TranscriptLine,
    Turn,
    graded_turns,
    intent_of,
)
from graph.store import latest_evaluations, load_profile, save_profile, save_report
from graph.tool_loop import ask_with_tools
from graph.usage import AgentLedger, load_usage, save_ledger
from graph.voice import Voice, sophias_words
from prompts import render_prompt
from rubric.analysis import strip_injections
from rubric.phrasing import Phrasebook
from rubric.role_pack import RolePack
from tools.coaching import generate_coaching_suggestions
from tools.learning_resources import find_learning_resources

MAX_COACHING = 5
# Tool rounds the report agent may take before it must write the narrative.
MAX_REPORT_TOOL_ROUNDS = 4
AGENTS = ("interviewer", "grader", "follow_up", "difficulty", "report")


def report_phases(turns: list[Turn], evaluations: dict[str, AnswerEvaluation]) -> list[ReportPhase]:
    """The graded answers grouped by phase and question, with each question's evaluation.

    A question's first graded answer is its answer; later ones answer its probes and hints.
    Clarification requests and questions to Sophia are only in the transcript.
    """
    by_phase: dict[str, dict[str, ReportQuestion]] = defaultdict(dict)
    for t in graded_turns(turns):
        questions = by_phase[t["phase"]]
        if t["question_id"] in questions:
            asked = t.get("hint") if t["kind"] == "hint" else t["question"]
            questions[t["question_id"]].follow_ups.append(
                {"question": asked or t["question"], "answer": t["answer"], "kind": t["kind"]}
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


def ungraded_injections(turns: list[Turn]) -> list[str]:
    """Flags for text aimed at the grader in messages nothing graded (questions to Sophia,
    clarification requests): it could not pay, but a reviewer should know it was tried."""
    graded = {t["turn"] for t in graded_turns(turns)}
    flags = []
    for t in turns:
        if t["turn"] not in graded and strip_injections(t["answer"])[1]:
            what = "a question to Sophia" if intent_of(t) == "question" else "a message"
            flags.append(
                f"suspected prompt injection in {what} ({t['phase']}, {t['question_id']}), "
                "not graded"
            )
    return flags


def candidate_questions(transcript: list[TranscriptEntry]) -> list[CandidateQuestion]:
    """The candidate's questions to Sophia, each with the reply she gave."""
    pairs = []
    for index, entry in enumerate(transcript):
        if entry["speaker"] != "candidate" or entry["kind"] != "question":
            continue
        reply = next((e["text"] for e in transcript[index + 1 :] if e["speaker"] == "sophia"), "")
        pairs.append(CandidateQuestion(question=entry["text"], reply=reply))
    return pairs


# What a reviewer is told about an evaluation with each signal, in the order the report lists
# them ({title}: the topic, {qid}: the question, {gap}: the disagreement bar).
REVIEW_FLAGS = {
    "injection": "suspected prompt injection in the answer on {title} ({qid})",
    "red_flag": "misconception stated on {title} ({qid})",
    "disagreement": "LLM and rubric graders differ by {gap} on {title} ({qid})",
    "injection_capped": (
        "LLM score raised after an injection attempt, rubric score kept on {title} ({qid})"
    ),
    "unverifiable": (
        "answer on {title} ({qid}) largely in another script: the rubric cannot check the "
        "model's reading"
    ),
    "held_for_review": (
        "LLM score over the rubric's by more than the margin on {title} ({qid}): rubric score "
        "kept, held for review"
    ),
    "intent_disagreement": (
        "the LLM grader read a message graded as an answer on {title} as a question or a "
        "clarification request ({qid})"
    ),
    "truncated": "very long answer on {title} graded on its beginning ({qid})",
}


def review_flags(evaluations: list[AnswerEvaluation], pack: RolePack) -> list[str]:
    """What a human reviewer should look at."""
    gap = disagreement_label()
    return [
        template.format(title=pack.topics[e.topic].title, qid=e.question_id, gap=gap)
        for e in evaluations
        for signal, template in REVIEW_FLAGS.items()
        if signal in e.signals
    ]


@dataclass(frozen=True)
class ReportInput:
    """What the report writer works from: the computed figures and the evaluations."""

    pack: RolePack
    profile: dict
    level: str
    scores: dict[Criterion, float | None]
    overall: float
    evaluations: list[AnswerEvaluation]
    persona: str = ""
    target_level: str = "mid"


@dataclass
class ReportWriting:
    """The words of the report: strengths, improvements and coaching."""

    strengths: list[str]
    improvements: list[str]
    coaching: list[CoachingItem]


class ReportBrain(Protocol):
    """Writes the report's words around the computed scores."""

    async def write(self, item: ReportInput) -> ReportWriting:
        """Strengths, improvements and coaching."""
        ...


class RubricReport:
    """Strengths and improvements from the scores; coaching from the tools for weak topics."""

    async def write(self, item: ReportInput) -> ReportWriting:
        strengths, improvements = strengths_and_improvements(
            item.pack, item.scores, item.evaluations
        )
        coaching = await coaching_for(item.pack, item.evaluations, item.level)
        return ReportWriting(strengths, improvements, coaching)


class LLMReport:
    """A chat model writes the feedback and calls the coaching and resource tools itself."""

    def __init__(self, model: BaseChatModel, ledger: AgentLedger) -> None:
        self.model = model.with_config(tags=[TAG_NOSTREAM])  # the report is not for the thread
        self.ledger = ledger
        self.rubric = RubricReport()
        self.tools = {t.name: t for t in (generate_coaching_suggestions, find_learning_resources)}
        try:
            self.with_tools = self.model.bind_tools(list(self.tools.values()))
        except NotImplementedError:
            self.with_tools = self.model

    def _prompt(self, item: ReportInput) -> str:
        weak = [e for e in item.evaluations if primary_score(e) < WEAK]
        topics = "\n".join(
            f"- {e.topic}: {primary_score(e):.1f}; missed: "
            + ("; ".join(kp.label for kp in e.missed[:4]) or "nothing")
            for e in item.evaluations
        )
        return render_prompt(
            "report",
            persona=item.persona,
            name=candidate_text(str(item.profile.get("name", "the candidate")), 200),
            target_level=item.target_level,
            level=item.level,
            overall=item.overall,
            recommendation=recommend(item.overall, item.target_level, item.level),  # type: ignore[arg-type]
            scores=", ".join(f"{c} {s}" for c, s in item.scores.items() if s is not None),
            topics=topics,
            weak_topics=", ".join(sorted({e.topic for e in weak})) or "none",
            schema=schema_text(ReportNarrative),
        )

    async def write(self, item: ReportInput) -> ReportWriting:
        baseline = await self.rubric.write(item)
        messages: list[BaseMessage] = [
            SystemMessage(self._prompt(item)),
            HumanMessage("Write the report now."),
        ]
        advice: dict[str, dict] = {}
        resources: dict[str, list[dict]] = {}

        async def run_tool(call: ToolCall) -> ToolMessage:
            result = await self._run_tool(call, item)
            topic = str(call.get("args", {}).get("topic", ""))
            if call["name"] == "generate_coaching_suggestions" and topic:
                advice[topic] = result
            elif call["name"] == "find_learning_resources" and topic:
                resources[topic] = result
            return ToolMessage(json.dumps(result), tool_call_id=call["id"])

        try:
            _, messages = await ask_with_tools(
                self.with_tools.ainvoke, messages, run_tool, self.ledger, MAX_REPORT_TOOL_ROUNDS
            )
            narrative, replies = await structured_call(self.model, messages, ReportNarrative)
            self.ledger.record(replies)
        except StructuredOutputError as exc:
            self.ledger.record(exc.replies)
            self.ledger.fell_back(f"malformed output ({exc})")
            return baseline
        except Exception as exc:  # a model fault must never lose the report
            self.ledger.fell_back(f"{type(exc).__name__}: {exc}")
            return baseline
        coaching = [
            CoachingItem(
                area=a.get("area", topic),
                suggestion=" ".join([a.get("suggestion", ""), *a.get("practice", [])]).strip(),
                resources=[
                    LearningResource(title=r["title"], url=r["url"])
                    for r in resources.get(topic, [])
                ],
            )
            for topic, a in advice.items()
            if isinstance(a, dict)
        ]
        if not coaching and baseline.coaching:
            self.ledger.fell_back("the model called no coaching tool; rubric coaching used")
            coaching = baseline.coaching
        return ReportWriting(
            strengths=[s[:300] for s in narrative.strengths[:6]] or baseline.strengths,
            improvements=[s[:300] for s in narrative.improvements[:6]] or baseline.improvements,
            coaching=coaching,
        )

    async def _run_tool(self, call: ToolCall, item: ReportInput) -> object:
        tool = self.tools.get(call["name"])
        if tool is None:
            return {"error": f"unknown tool {call['name']}"}
        args = dict(call.get("args", {}))
        if tool is generate_coaching_suggestions:
            args["role"] = item.pack.id
        try:
            return await tool.ainvoke(args)
        except Exception as exc:  # a bad tool call is the model's mistake: tell it
            return {"error": f"{type(exc).__name__}: {exc}"}


def report_brain(context: Context, ledger: AgentLedger) -> ReportBrain:
    """The report brain for the configured model."""
    model = agent_model(context, "report")
    return RubricReport() if model is None else LLMReport(model, ledger)


def brain_name(context: Context) -> str:
    """`rubric`, `llm`, or `mixed` when some agents run on each."""
    kinds = {is_rubric(model_for(context, agent)) for agent in AGENTS}
    return "rubric" if kinds == {True} else "llm" if kinds == {False} else "mixed"


async def report(state: State, runtime: Runtime[Context]) -> dict:
    """Write the final report to the Store and close the interview."""
    session = Session.from_runtime(runtime)
    pack = session.pack
    # Only the turns in this thread's state: a fork or a retried run reports its own branch.
    latest = await latest_evaluations(session.store, session.thread_id, state.get("turns", []))
    evaluations = list(latest.values())
    assessment = await session.assessment(state)
    scores = criterion_scores(pack, evaluations)
    overall = weighted_overall(scores)
    profile = state["profile"]
    mode: Mode = state.get("mode", "hiring")
    target = state.get("target_level") or session.target_level()
    ledger = AgentLedger("report")
    writing = await report_brain(session.context, ledger).write(
        ReportInput(
            pack=pack,
            profile=dict(profile),
            level=assessment.level,
            scores=scores,
            overall=overall,
            evaluations=evaluations,
            persona=session.persona(),
            target_level=target,
        )
    )
    await save_ledger(session.store, session.thread_id, ledger)
    usage = await load_usage(session.store, session.thread_id)
    fallbacks = [f for record in usage.values() for f in record.get("fallbacks", [])]
    turns = state.get("turns", [])
    book = Phrasebook(
        session.thread_id,
        state.get("said", []),
        sophias_words(state.get("messages", [])),
    )
    # After the closing answer the acknowledge node has begun Sophia's message: continue it.
    voice = Voice.continuing(state.get("messages", []))
    voice.say(book.line(f"farewell.{mode}", name=profile["name"].split()[0]))
    last = state["current"]
    goodbye: TranscriptEntry = {
        "speaker": "sophia",
        "kind": "closing",
        "text": voice.said.strip(),
        "phase": last["phase"],
        "question_id": last["question_id"],
    }
    transcript = [*state.get("transcript", []), goodbye]
    final = FinalReport(
        candidate_id=profile["id"],
        candidate_name=profile["name"],
        role=pack.title,
        level=assessment.level,
        scores={c: s for c, s in scores.items() if s is not None},
        overall=overall,
        recommendation=recommend(overall, target, assessment.level),
        phases=report_phases(turns, latest),
        strengths=writing.strengths,
        improvements=writing.improvements,
        coaching=writing.coaching,
        flags=review_flags(evaluations, pack)
        + ungraded_injections(turns)
        + [f"fallback to the rubric brain: {f}" for f in fallbacks],
        model=session.context.model,
        brain=brain_name(session.context),
        usage=usage_totals(usage),
        mode=mode,
        target_level=target,
        transcript=[TranscriptLine.model_validate(e) for e in transcript],
        candidate_questions=candidate_questions(transcript),
    )
    await save_report(session.store, session.thread_id, final)
    # A second interview can see the candidate's earlier ones.
    if stored := await load_profile(session.store, profile["id"]):
        history = [t for t in stored.get("interviews", []) if t != session.thread_id]
        await save_profile(session.store, {**stored, "interviews": [*history, session.thread_id]})
    update: dict = {
        "messages": [voice.message()],
        "transcript": [goodbye],
        "said": book.used,
        "finished": True,
    }
    if mode == "practice":
        update["practice_report"] = final.practice_view().model_dump(mode="json")
    return update


def usage_totals(usage: dict[str, dict]) -> dict[str, dict[str, int]]:
    """Calls and tokens per agent, and in total (the report's `usage`)."""
    counters = ("calls", "input_tokens", "output_tokens")
    per_agent = {
        agent: {k: int(record.get(k, 0)) for k in counters} for agent, record in usage.items()
    }
    if per_agent:
        per_agent["total"] = {k: sum(a[k] for a in per_agent.values()) for k in counters}
    return per_agent
