"""The interview's state and the structured outputs of its agents.

What a candidate must not see (evaluations, the level estimate, the report) is never put in
state: every channel of a thread is readable by whoever can read the thread, so those go to the
Store (see `nodes/grader.py`, `nodes/difficulty.py`, `nodes/report.py`).
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, get_args

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

# What Sophia just did (the interrupt payload's `kind`): asked a main question, probed, gave a
# hint to a stuck candidate, clarified the open question, replied to the candidate's question,
# or asked the closing question.
QuestionKind = Literal["question", "follow_up", "hint", "clarification", "reply", "closing"]
# What a candidate's message is (`rubric/intent.py`): only answers and skips are graded.
Intent = Literal["answer", "clarification_request", "question", "skip"]
INTENTS: tuple[Intent, ...] = get_args(Intent)
GRADED_INTENTS: frozenset[Intent] = frozenset({"answer", "skip"})
# `hiring`: the assessment stays hidden from the candidate. `practice`: short feedback after
# each answer and a coaching report of their own at the end.
Mode = Literal["hiring", "practice"]
Speaker = Literal["sophia", "candidate"]


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
    """The question (or probe) Sophia is waiting on; the interrupt payload is built from it.

    `text` is the question that is open (the main question, a probe, or a hint's nudge);
    `kind` is what Sophia did last: a clarification or a reply keeps the same question open.
    No difficulty: it follows the level estimate, which the candidate must not read in state
    (the role pack knows each question's difficulty from its id).
    """

    phase: Phase
    question_id: str
    topic: Topic
    kind: QuestionKind
    text: str
    hint: NotRequired[str]


class Turn(TypedDict):
    """One candidate message, with the question that was open. Only answers and skips are
    graded (`intent`; a turn without one, from an older interview, is an answer)."""

    turn: int
    phase: Phase
    question_id: str
    topic: Topic
    kind: QuestionKind
    question: str
    answer: str
    intent: NotRequired[Intent]
    # For a clarification request: what it asks for (repeat, define, scope, rephrase) and the
    # term to define.
    request: NotRequired[str]
    term: NotRequired[str]
    # The nudge Sophia gave, when this message answered a hint.
    hint: NotRequired[str]


class TranscriptEntry(TypedDict):
    """One line of the conversation, in order (the report's `transcript`).

    Sophia's kinds are the payload's plus `feedback` (practice mode); the candidate's are the
    intents.
    """

    speaker: Speaker
    kind: str
    text: str
    phase: Phase
    question_id: str


class Probe(TypedDict):
    """A follow-up the follow_up agent decided to ask about the current question: a probe, or
    (`kind: hint`) a nudge for a stuck candidate, who then gets one more try."""

    text: str
    hint: NotRequired[str]
    kind: NotRequired[Literal["follow_up", "hint"]]


class InputState(TypedDict, total=False):
    """What a run starts with: a stored profile's id or an inline candidate (or neither)."""

    messages: Annotated[list[AnyMessage], add_messages]
    candidate_id: str
    candidate: CandidateInput


class OutputState(TypedDict, total=False):
    """What a client sees of a finished run: the conversation and where it ended (and, in
    practice mode, the candidate's own coaching report)."""

    messages: Annotated[list[AnyMessage], add_messages]
    phase: Phase
    finished: bool
    transcript: Annotated[list[TranscriptEntry], operator.add]
    practice_report: dict[str, Any]


class State(InputState, total=False):
    """Everything the interview carries between nodes (all of it candidate-visible)."""

    profile: CandidateProfile
    # Fixed when the interview starts (`load_profile`), so a later run's settings cannot turn
    # a hiring interview into a practice one.
    mode: Mode
    target_level: Level
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
    transcript: Annotated[list[TranscriptEntry], operator.add]
    # Ids of the phrasing lines Sophia has said (rubric brain): none is said twice.
    said: Annotated[list[str], operator.add]
    finished: bool
    # Practice mode only: the candidate's coaching report (`PracticeReport` as JSON).
    practice_report: dict[str, Any]


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
    red_flags: list[str] = Field(
        default_factory=list,
        description="The role pack's red flags (their labels) the rubric found stated; practice "
        "mode corrects each one.",
    )
    rationale: str = ""
    brain: str = "rubric"
    quality: float | None = Field(
        default=None,
        description="The main criterion on the question's own 1-5 anchors, before the "
        "difficulty offset (what a rater grading on the anchors would give).",
    )
    misconceptions: list[str] = Field(
        default_factory=list,
        description="The misconceptions this brain found: the red flags' labels (rubric), or "
        "the model's own words (LLM brain).",
    )


class FollowUpDecision(BaseModel):
    """Whether the last answer needs a probe (or, for a stuck candidate, a hint), and which."""

    needs_follow_up: bool
    kind: Literal["follow_up", "hint"] = "follow_up"
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
    overclaimed: list[str] = Field(
        default_factory=list,
        description="Question ids whose answers overclaimed: each weakens the experience prior.",
    )
    evidence: list[str] = Field(default_factory=list)


class GradeJudgement(BaseModel):
    """What the LLM grader returns for one question (turned into an `AnswerEvaluation`).

    Scores are on the question's own anchored scale (3: an adequate answer to it); the grader
    moves technical knowledge and problem solving by the question's difficulty, as the rubric
    grader does, so both brains share one scale.
    """

    intent: Intent = Field(
        default="answer",
        description="What the candidate's latest message is: an answer, a request to clarify "
        "the question, a question to the interviewer, or a request to skip.",
    )
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


class TranscriptLine(BaseModel):
    """One line of the conversation in the report (see `TranscriptEntry`)."""

    speaker: Speaker
    kind: str
    text: str
    phase: Phase
    question_id: str


class CandidateQuestion(BaseModel):
    """A question the candidate asked Sophia, and her reply (never graded)."""

    question: str
    reply: str


class QuestionFeedback(BaseModel):
    """The feedback a practice-mode candidate got on one question."""

    question_id: str
    question: str
    feedback: str


class PracticeReport(BaseModel):
    """A practice-mode candidate's own coaching report: no hire or no-hire anywhere in it."""

    candidate_name: str = ""
    role: str = ""
    target_level: Level = "mid"
    scores: dict[Criterion, float] = Field(default_factory=dict)
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    coaching: list[CoachingItem] = Field(default_factory=list)
    feedback: list[QuestionFeedback] = Field(default_factory=list)


class FinalReport(BaseModel):
    """The interview's outcome (the report contract in docs/contracts.md)."""

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
    mode: Mode = "hiring"
    # The level being hired for: the recommendation is judged against it.
    target_level: Level = "mid"
    transcript: list[TranscriptLine] = Field(default_factory=list)
    candidate_questions: list[CandidateQuestion] = Field(default_factory=list)

    def practice_view(self) -> PracticeReport:
        """The candidate's own report: everything but the hiring judgement, plus the feedback
        they heard on each question (practice mode)."""
        asked = {q.id: q.question for phase in self.phases for q in phase.questions}
        return PracticeReport(
            candidate_name=self.candidate_name,
            role=self.role,
            target_level=self.target_level,
            scores=self.scores,
            strengths=self.strengths,
            improvements=self.improvements,
            coaching=self.coaching,
            feedback=[
                QuestionFeedback(
                    question_id=line.question_id,
                    question=asked.get(line.question_id, ""),
                    feedback=line.text,
                )
                for line in self.transcript
                if line.speaker == "sophia" and line.kind == "feedback"
            ],
        )


def intent_of(turn: Turn) -> Intent:
    """What a turn's message was (turns recorded before intents existed were answers)."""
    return turn.get("intent", "answer")


def is_graded(turn: Turn) -> bool:
    """Whether a turn is graded: answers and skips are; clarification requests and questions
    to Sophia are not."""
    return intent_of(turn) in GRADED_INTENTS


def graded_turns(turns: list[Turn]) -> list[Turn]:
    """The turns that are graded: answers and skips, except at the wrap-up once the candidate
    has asked a question (their "that's all" closes the interview, it answers nothing)."""
    graded: list[Turn] = []
    asked_at_wrap_up = False
    for t in turns:
        if t["phase"] == "wrap_up" and intent_of(t) == "question":
            asked_at_wrap_up = True
        if is_graded(t) and not (t["phase"] == "wrap_up" and asked_at_wrap_up):
            graded.append(t)
    return graded


def answers_for(turns: list[Turn], question_id: str) -> list[str]:
    """The graded answers to a question: the main answer first, then answers to its probes and
    hints. A skip is graded as an empty answer."""
    return [
        "" if intent_of(t) == "skip" else t["answer"]
        for t in graded_turns(turns)
        if t["question_id"] == question_id
    ]


def recent_summary(turns: list[Turn], last: int = 3, chars: int = 160) -> str:
    """A short rolling summary for prompts: progress plus the last few answers, clipped.

    Agents get this and the current question and answer, never the whole transcript, so a
    turn's prompt stays the same size however long the interview runs.
    """
    turns = graded_turns(turns)
    if not turns:
        return ""
    topics = len({t["question_id"] for t in turns})
    recent = [
        f"{t['topic']}: {t['answer'][:chars].replace(chr(10), ' ')}"
        + ("…" if len(t["answer"]) > chars else "")
        for t in turns[-last:]
    ]
    return f"{topics} questions answered so far. Latest answers: " + " | ".join(recent)
