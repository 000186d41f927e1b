"""Test candidates: YAML files whose right answers are known (format in docs/contracts.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph.errors import CandidateFileError
from graph.scoring import Level, Recommendation
from graph.state import TOPICS

CANDIDATES_DIR = Path(__file__).resolve().parent / "candidates"


class Expected(BaseModel):
    """What a fair interviewer concludes about the candidate."""

    model_config = ConfigDict(extra="forbid")

    level: Level
    overall_band: tuple[float, float]
    recommendation: list[Recommendation] = Field(min_length=1)


class InterviewSettings(BaseModel):
    """Settings a candidate file interviews under (`sophia eval` and `simulate` apply them)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["hiring", "practice"] = "hiring"
    target_level: Literal["pack", "junior", "mid", "senior"] = "pack"


class TestCandidate(BaseModel):
    """A scripted candidate: answers per topic, and answers to probes per topic.

    An entry of `answers` may be a list of messages: one is sent each time Sophia speaks on
    that topic (a question, a clarification, a hint or a reply), so a file can ask what a
    question means before answering it, or ask several questions at the wrap-up.
    """

    model_config = ConfigDict(extra="forbid")
    __test__ = False  # not a pytest test class

    id: str
    name: str
    pronouns: str | None = None
    years_experience: float = Field(ge=0)
    summary: str = ""
    expected: Expected | None = None
    variant_of: str | None = None
    variant: Literal["fairness", "injection"] | str | None = None
    settings: InterviewSettings = Field(default_factory=InterviewSettings)
    answers: dict[str, str | Annotated[list[str], Field(min_length=1)]]
    follow_up_answers: dict[str, str] = Field(default_factory=dict)

    @field_validator("answers", "follow_up_answers")
    @classmethod
    def _known_topics(cls, answers: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(answers) - set(TOPICS) - {"default"})
        if unknown:
            raise ValueError(f"unknown topics {unknown}; topics are {', '.join(TOPICS)}")
        return answers

    def messages_for(self, topic: str) -> list[str]:
        """The messages scripted for a topic (its answer, or `default`), as a list."""
        scripted = self.answers.get(topic) or self.answers.get("default") or []
        return [scripted] if isinstance(scripted, str) else list(scripted)

    def profile_input(self) -> dict[str, object]:
        """The inline candidate a run starts with."""
        data: dict[str, object] = {
            "name": self.name,
            "years_experience": self.years_experience,
            "summary": self.summary,
        }
        if self.pronouns:
            data["pronouns"] = self.pronouns
        return data


def load_candidate(path: str | Path) -> TestCandidate:
    """Read and validate a test-candidate file; errors name the file and the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CandidateFileError(f"{path}: candidate file not found") from None
    except IsADirectoryError:
        raise CandidateFileError(f"{path}: is a folder, expected a candidate .yaml file") from None
    except UnicodeDecodeError:
        raise CandidateFileError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise CandidateFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CandidateFileError(f"{path}: expected a mapping with id, name, answers, ...")
    try:
        return TestCandidate.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in e['loc']) or '(top level)'}': {e['msg']}"
            for e in exc.errors()[:3]
        )
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise CandidateFileError(f"{path}: {problems}{more}") from None


def load_candidates(folder: str | Path = CANDIDATES_DIR) -> list[TestCandidate]:
    """Every candidate file in a folder, sorted by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CandidateFileError(f"{folder}: candidates folder not found")
    return [load_candidate(p) for p in sorted(folder.glob("*.yaml"))]
