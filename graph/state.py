"""The interview's state and the structured outputs of its agents.

What a candidate must not see (evaluations, the level estimate, the report) is never put in
state: every channel of a thread is readable by whoever can read the thread, so those go to the
Store (see `nodes/grader.py`, `nodes/difficulty.py`, `nodes/report.py`).
"""

from __future__ import annotations

import operator
from typing import Annotated, Literal, NotRequired, get_args

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from graph.scoring import Criterion, Level, Recommendation

Phase = Literal[
    "introduction", "foundation", "problem_solving", "system_design", "soft_skills", "wrap_up"
]
PHASES: tuple[Phase, ...] = get_args(Phase)

Topic = Literal[
    "background",
    "python_fastapi",
    "database_access",
    "async_programming",
    "auth",
    "api_design",
    "schema_optimization",
    "concurrency_performance",
    "caching",
    "microservices",
    "database_scaling",
    "rate_limiting_load_balancing",
    "observability",
    "collaboration",
    "disagreement",
    "growth_mindset",
    "challenges",
    "candidate_questions",
]
TOPICS: tuple[Topic, ...] = get_args(Topic)

QuestionKind = Literal["question", "follow_up", "closing"]


# --- what a run starts with, carries, and shows ------------------------------------------------


class CandidateInput(TypedDict, total=False):
    """An inline candidate profile, for runs that do not use a stored profile."""

    name: str
    years_experience: float
    summary: str
    pronouns: str


class CandidateProfile(TypedDict):
    """The profile the interview runs with (from the Store or the run input)."""

    id: str
    name: str
    years_experience: float
    summary: str
    pronouns: NotRequired[str]


class AskedQuestion(TypedDict):
    """The question (or probe) Sophia is waiting on; the interrupt payload is built from it."""

    phase: Phase
    question_id: str
    topic: Topic
    kind: QuestionKind
    difficulty: Level
    text: str
    hint: NotRequired[str]


class Turn(TypedDict):
    """One answer, with the question it answered. The transcript is a list of these."""

    turn: int
    phase: Phase
    question_id: str
    topic: Topic
    kind: QuestionKind
    question: str
    answer: str


class Probe(TypedDict):
    """A follow-up the follow_up agent decided to ask about the current question."""

    text: str
    hint: NotRequired[str]


class InputState(TypedDict, total=False):
    """What a run starts with: a stored profile's id or an inline candidate (or neither)."""

    messages: Annotated[list[AnyMessage], add_messages]
    candidate_id: str
    candidate: CandidateInput


class OutputState(TypedDict, total=False):
    """What a client sees of a finished run: the conversation and where it ended."""

    messages: Annotated[list[AnyMessage], add_messages]
    phase: Phase
    finished: bool


class State(InputState, total=False):
    """Everything the interview carries between nodes (all of it candidate-visible)."""

    profile: CandidateProfile
    phase: Phase
    # Main questions asked so far in the current phase (follow-ups do not count).
    phase_questions: int
    # How many main questions the current phase asks (settings, capped by the bank).
    phase_budget: int
    asked: Annotated[list[str], operator.add]
    current: AskedQuestion
    # Follow-ups asked on the current question.
    follow_ups: int
    probe: Probe | None
    turns: Annotated[list[Turn], operator.add]
    finished: bool


# --- structured outputs of the agents -----------------------------------------------------------


class KeyPointEvidence(BaseModel):
    """A rubric key point and, when found, the words of the answer that show it."""

    id: str
    label: str
    level: Level
    quote: str | None = Field(default=None, description="The answer's sentence that shows it.")
    prompted: bool = Field(default=False, description="Found only after a follow-up probe.")


class AnswerEvaluation(BaseModel):
    """The grader's verdict on one question's answer(s), with the evidence behind it."""

    turn: int
    question_id: str
    topic: Topic
    phase: Phase
    difficulty: Level
    kind: QuestionKind
    scores: dict[Criterion, float] = Field(description="1.0-5.0 for each criterion evidenced.")
    anchor: int = Field(ge=1, le=5, description="The rubric anchor the answer is closest to.")
    found: list[KeyPointEvidence] = Field(default_factory=list)
    missed: list[KeyPointEvidence] = Field(default_factory=list)
    signals: list[str] = Field(
        default_factory=list,
        description="empty, dont_know, vague, off_topic, injection, red_flag, truncated, ...",
    )
    rationale: str = ""
    brain: str = "rubric"
    quality: float | None = Field(
        default=None,
        description="The main criterion on the question's own 1-5 anchors, before the "
        "difficulty offset (what a rater grading on the anchors would give).",
    )
    misconceptions: list[str] = Field(
        default_factory=list, description="The misconceptions the answer states."
    )


class FollowUpDecision(BaseModel):
    """Whether the last answer needs a probe, and which."""

    needs_follow_up: bool
    probe: str | None = None
    targets: list[str] = Field(default_factory=list)
    hint: str | None = None
    reason: str = ""


class LevelAssessment(BaseModel):
    """The candidate's current level and the next question's difficulty."""

    level: Level
    ability: float = Field(description="Estimate on the junior(0)-mid(1)-senior(2) axis.")
    prior: float = Field(description="The starting estimate, from experience or settings.")
    next_difficulty: Level
    observations: dict[str, float] = Field(
        default_factory=dict, description="Implied ability per question id answered so far."
    )
    evidence: list[str] = Field(default_factory=list)


class GradeJudgement(BaseModel):
    """What the LLM grader returns for one question (turned into an `AnswerEvaluation`)."""

    technical_knowledge: float | None = Field(default=None, ge=1, le=5)
    problem_solving: float | None = Field(default=None, ge=1, le=5)
    communication: float | None = Field(default=None, ge=1, le=5)
    soft_skills: float | None = Field(default=None, ge=1, le=5)
    found: list[str] = Field(default_factory=list, description="Key point ids covered.")
    missed: list[str] = Field(default_factory=list, description="Key point ids missed.")
    anchor: int = Field(ge=1, le=5, description="The closest point of the anchored scale.")
    rationale: str = Field(description="Two or three sentences of evidence from the answer.")
    quotes: dict[str, str] = Field(
        default_factory=dict,
        description="For each key point id in `found`, the candidate's own sentence that "
        "asserts it, copied exactly.",
    )
    misconceptions: list[str] = Field(
        default_factory=list,
        description="Each wrong technical claim the answer makes, in a few words (also when "
        "hedged, asked or told as experience); empty when there is none.",
    )


class LevelJudgement(BaseModel):
    """What the LLM difficulty agent returns."""

    level: Level
    next_difficulty: Level
    evidence: str = Field(description="One sentence: what in the answers shows this level.")


class ReportNarrative(BaseModel):
    """What the LLM report agent writes around the computed scores."""

    strengths: list[str] = Field(description="2-5 specific strengths, grounded in answers.")
    improvements: list[str] = Field(description="2-5 specific improvements.")


class LearningResource(BaseModel):
    """A stable page a candidate can learn from."""

    title: str
    url: str


class CoachingItem(BaseModel):
    """Advice for one weak area, with resources."""

    area: str
    suggestion: str
    resources: list[LearningResource] = Field(default_factory=list)


class ReportQuestion(BaseModel):
    """One question of the report: what was asked, answered and concluded."""

    id: str
    topic: Topic
    question: str
    answer: str
    follow_ups: list[dict[str, str]] = Field(default_factory=list)
    evaluation: AnswerEvaluation | None = None


class ReportPhase(BaseModel):
    """The questions of one phase, in the order they were asked."""

    phase: Phase
    questions: list[ReportQuestion] = Field(default_factory=list)


class FinalReport(BaseModel):
    """The interview's outcome (contract in DESIGN.md, "Report")."""

    candidate_id: str
    candidate_name: str = ""
    role: str = ""
    level: Level
    scores: dict[Criterion, float]
    overall: float
    recommendation: Recommendation
    phases: list[ReportPhase]
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    coaching: list[CoachingItem] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    model: str = "rubric"
    brain: str = "rubric"
    usage: dict[str, dict[str, int]] = Field(default_factory=dict)


def answers_for(turns: list[Turn], question_id: str) -> list[str]:
    """The answers given to a question: the main answer first, then answers to its probes."""
    return [t["answer"] for t in turns if t["question_id"] == question_id]


def recent_summary(turns: list[Turn], last: int = 3, chars: int = 160) -> str:
    """A short rolling summary for prompts: progress plus the last few answers, clipped.

    Agents get this and the current question and answer, never the whole transcript, so a
    turn's prompt stays the same size however long the interview runs.
    """
    if not turns:
        return ""
    topics = len({t["question_id"] for t in turns})
    recent = [
        f"{t['topic']}: {t['answer'][:chars].replace(chr(10), ' ')}"
        + ("…" if len(t["answer"]) > chars else "")
        for t in turns[-last:]
    ]
    return f"{topics} questions answered so far. Latest answers: " + " | ".join(recent)
