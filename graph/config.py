"""Runtime context: the settings a user tunes per assistant (Studio shows them as a form)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

RUBRIC_MODEL = "rubric"
DEFAULT_LLM_MODEL = "openai:gpt-4o-mini"
DEFAULT_ROLE = "backend_python"


MAX_ANSWER_CHARS_ENV = "SOPHIA_MAX_ANSWER_CHARS"
DEFAULT_MAX_ANSWER_CHARS = 100_000
# A limit below this would cut ordinary answers: a long, careful answer is a few thousand.
MIN_ANSWER_CHARS = 1_000


def max_answer_chars() -> int:
    """The longest answer kept: `SOPHIA_MAX_ANSWER_CHARS`, default 100,000 characters.

    The server refuses longer answers at the door (`graph/auth.py`, 413); anywhere else (the
    CLI, the graph run from code) `nodes/await_answer.py` keeps the first that many characters
    and says so. An environment setting, not a Context field: the server's auth reads it before
    any run (and its context) exists.
    """
    try:
        limit = int(os.environ.get(MAX_ANSWER_CHARS_ENV) or DEFAULT_MAX_ANSWER_CHARS)
    except ValueError:
        limit = DEFAULT_MAX_ANSWER_CHARS
    return max(MIN_ANSWER_CHARS, limit)


def default_model() -> str:
    """`openai:gpt-4o-mini` when an OpenAI key is set, else the offline rubric brain."""
    return DEFAULT_LLM_MODEL if os.environ.get("OPENAI_API_KEY") else RUBRIC_MODEL


@dataclass(kw_only=True)
class Context:
    """How Sophia runs an interview."""

    model: str = field(
        default_factory=default_model,
        metadata={
            "description": "Chat model as provider:model (e.g. openai:gpt-4o-mini), or "
            "'rubric' for the deterministic offline brain."
        },
    )
    role: str = field(
        default=DEFAULT_ROLE,
        metadata={"description": "Role pack id: a folder under prompts/roles/."},
    )
    start_level: Literal["auto", "junior", "mid", "senior"] = field(
        default="auto",
        metadata={
            "description": "Level of the first questions; 'auto' derives it from the "
            "candidate's years of experience."
        },
    )
    questions_per_phase: int = field(
        default=0,
        metadata={
            "description": "Main questions per phase (introduction and wrap-up always ask "
            "one); 0 uses the role pack's budgets."
        },
    )
    max_follow_ups: int = field(
        default=1,
        metadata={"description": "At most this many follow-up probes per question (0-3)."},
    )
    temperature: float = field(
        default=0.2,
        metadata={"description": "Sampling temperature for the LLM brain."},
    )
    agent_models: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "description": 'Per-agent model overrides, e.g. {"grader": "openai:gpt-4o"} '
            "(agents: interviewer, which also speaks the acknowledgement, grader, follow_up, "
            "difficulty, report)."
        },
    )
    model_timeout: float = field(
        default=60.0,
        metadata={"description": "Seconds before a model call is abandoned (then retried)."},
    )
    max_output_tokens: int = field(
        default=1024,
        metadata={"description": "Most tokens a model may write in one reply."},
    )
    max_retries: int = field(
        default=2,
        metadata={"description": "Retries per model call (backoff, honouring Retry-After)."},
    )
    mode: Literal["hiring", "practice"] = field(
        default="hiring",
        metadata={
            "description": "'hiring': the assessment stays hidden from the candidate. "
            "'practice': feedback after each answer and a coaching report for the candidate. "
            "Fixed when the interview starts."
        },
    )
    target_level: Literal["pack", "junior", "mid", "senior"] = field(
        default="pack",
        metadata={
            "description": "The level being hired for; the recommendation is judged against "
            "it. 'pack' uses the role pack's target level. Fixed when the interview starts."
        },
    )
    vary_questions: bool = field(
        default=True,
        metadata={
            "description": "Pick among each topic's question variants per interview (seeded by "
            "the thread id); off: always the first variant."
        },
    )

    def __post_init__(self) -> None:
        # Studio and the API can send anything: clamp rather than fail mid-interview.
        self.max_follow_ups = max(0, min(3, int(self.max_follow_ups)))
        self.questions_per_phase = max(0, min(10, int(self.questions_per_phase)))
        self.max_retries = max(0, min(5, int(self.max_retries)))
        self.model_timeout = max(1.0, float(self.model_timeout))
        self.agent_models = dict(self.agent_models or {})
        if self.mode not in ("hiring", "practice"):
            self.mode = "hiring"
        if self.target_level not in ("pack", "junior", "mid", "senior"):
            self.target_level = "pack"
