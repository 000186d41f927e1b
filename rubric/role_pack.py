"""The role pack: phases, topics and the question bank, validated on load.

A bad pack fails when it is loaded, naming the file, the field and what was expected, never in
the middle of an interview.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from graph.errors import RolePackError
from graph.scoring import Criterion, Level
from graph.state import Phase, Topic
from rubric.text import IndexedText, compile_phrase

ROLES_DIR = Path(__file__).resolve().parent.parent / "prompts" / "roles"
# `<topic>.<level>.<n>`: a further variant of the first question `<topic>.<level>`.
VARIANT_ID = re.compile(r"^(?P<base>.+)\.(?P<n>[0-9]+)$")

Phrase = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPoint(_Strict):
    """An idea a good answer contains, at the level a candidate is expected to make it."""

    id: str
    level: Level
    label: str
    phrases: list[Phrase] = Field(min_length=1)
    lexicon: str | None = Field(
        default=None,
        description="A shared lexicon of prompts/rubric/signals.yaml that also shows this "
        "point (e.g. star_action for 'what I did'): STAR parts are said in too many ways to "
        "list per question.",
    )


class RedFlag(_Strict):
    """A misconception; saying it costs technical credit."""

    label: str
    phrases: list[Phrase] = Field(min_length=1)
    correction: str | None = Field(
        default=None,
        description="One line that puts the misconception right (said in practice mode).",
    )


class Probe(_Strict):
    """A follow-up question about key points an answer missed."""

    targets: list[str] = Field(min_length=1)
    text: str
    hint: str | None = None


class Clarification(_Strict):
    """What Sophia may say when a candidate asks what a question means: never the answer."""

    rephrase: str = Field(min_length=1, description="The question in other, plainer words.")
    scope: str | None = Field(
        default=None, description="How to narrow the question when it feels too open."
    )
    terms: dict[str, str] = Field(
        default_factory=dict,
        description="Terms of the question a candidate may ask about, each with a one-line "
        "definition that explains the word without answering the question.",
    )


class Question(_Strict):
    """A question with its rubric."""

    id: str
    difficulty: Level
    text: str
    criteria: list[Criterion] = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    key_points: list[KeyPoint] = Field(min_length=1)
    anchors: dict[int, str]
    probes: list[Probe] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    clarify: Clarification | None = None
    hint: str | None = Field(
        default=None,
        description="A nudge for a stuck candidate: where to look, not what to say.",
    )

    def key_points_text(self) -> str:
        """The key points as prompt lines: `- id (level): label`."""
        return "\n".join(f"- {kp.id} ({kp.level}): {kp.label}" for kp in self.key_points)

    def anchors_text(self) -> str:
        """The anchored scale as prompt lines."""
        return "\n".join(f"{score}: {text}" for score, text in sorted(self.anchors.items()))

    def probes_text(self) -> str:
        """The rubric probes as prompt lines: `- targets: text`."""
        return "\n".join(f"- {', '.join(p.targets)}: {p.text}" for p in self.probes) or "(none)"

    @field_validator("anchors")
    @classmethod
    def _anchors_cover_scale(cls, anchors: dict[int, str]) -> dict[int, str]:
        if sorted(anchors) != [1, 2, 3, 4, 5]:
            raise ValueError(f"anchors must have keys 1-5, got {sorted(anchors)}")
        return anchors

    @model_validator(mode="after")
    def _probes_target_key_points(self) -> Question:
        ids = {kp.id for kp in self.key_points}
        if len(ids) != len(self.key_points):
            raise ValueError(f"{self.id}: key point ids must be unique")
        for probe in self.probes:
            unknown = set(probe.targets) - ids
            if unknown:
                raise ValueError(f"{self.id}: probe targets unknown key points {sorted(unknown)}")
        if self.clarify:
            # A term is explained because the candidate read it in the question.
            text = IndexedText(self.text)
            absent = [t for t in self.clarify.terms if text.find(compile_phrase(t)) is None]
            if absent:
                raise ValueError(f"{self.id}: clarify terms not in the question text: {absent}")
        return self


class TopicBank(_Strict):
    """One topic file: the topic's questions and what is shared between them."""

    topic: Topic
    title: str
    vocabulary: list[Phrase] = Field(min_length=1)
    coaching: str
    questions: list[Question] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _variants_follow_their_first_question(self) -> TopicBank:
        by_id: dict[str, Question] = {}
        for q in self.questions:
            if q.id in by_id:
                raise ValueError(f"question id '{q.id}' appears twice")
            by_id[q.id] = q
        for q in self.questions:
            # A variant is picked in place of its first question, so it must exist and match.
            if (match := VARIANT_ID.match(q.id)) is None:
                continue
            first = by_id.get(match["base"])
            if first is None:
                raise ValueError(f"variant '{q.id}' has no first question '{match['base']}'")
            if first.difficulty != q.difficulty:
                raise ValueError(
                    f"variant '{q.id}' is {q.difficulty} but '{first.id}' is {first.difficulty}"
                )
        return self


class FAQEntry(_Strict):
    """Something candidates ask about the role, and Sophia's answer."""

    id: str
    question: str = Field(min_length=1, description="The question in one line.")
    phrases: list[Phrase] = Field(
        min_length=1, description="How candidates ask it (matched like key-point phrases)."
    )
    answer: str = Field(min_length=1)


class RoleFAQ(_Strict):
    """The role's FAQ (`faq.yaml`): what Sophia can tell a candidate about the job."""

    entries: list[FAQEntry] = Field(min_length=1)
    fallback: str = Field(min_length=1, description="What Sophia says when the FAQ has no answer.")

    @model_validator(mode="after")
    def _entry_ids_are_unique(self) -> RoleFAQ:
        ids = [e.id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"entry ids must be unique: {sorted({i for i in ids if ids.count(i) > 1})}"
            )
        return self


class PhaseSpec(_Strict):
    """A phase of the interview: its topics in order and how many questions it asks."""

    id: Phase
    title: str
    budget: int = Field(ge=1)
    topics: list[Topic] = Field(min_length=1)


class RolePack(_Strict):
    """A whole role: phases in order and a bank per topic."""

    id: str
    title: str
    # The level the role hires for by default (the `target_level` setting can override it).
    target_level: Level = "mid"
    phases: list[PhaseSpec]
    topics: dict[Topic, TopicBank]
    faq: RoleFAQ | None = None
    _questions: dict[str, Question] = PrivateAttr(default_factory=dict)
    _slots: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: object) -> None:
        self._questions = {q.id: q for bank in self.topics.values() for q in bank.questions}
        # Worked out once: every turn's interrupt payload counts the planned questions.
        slots = {t: len({slot_of(q.id) for q in bank.questions}) for t, bank in self.topics.items()}
        self._slots = {p.id: sum(slots.get(t, 0) for t in p.topics) for p in self.phases}

    @model_validator(mode="after")
    def _every_phase_topic_has_a_bank(self) -> RolePack:
        for phase in self.phases:
            missing = [t for t in phase.topics if t not in self.topics]
            if missing:
                raise ValueError(f"phase {phase.id} names topics with no question file: {missing}")
        return self

    def phase(self, phase_id: Phase) -> PhaseSpec:
        """The spec of one phase."""
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    def question(self, question_id: str) -> Question:
        """A question by id."""
        return self._questions[question_id]

    def slots(self, phase_id: Phase) -> int:
        """How many questions a phase can ask: its topics' topic-and-level slots (a topic's
        variants of one level share a slot)."""
        return self._slots[phase_id]

    def topic_of(self, question_id: str) -> TopicBank:
        """The topic bank a question belongs to (ids are `<topic>.<variant>`)."""
        return self.topics[question_id.split(".", 1)[0]]  # type: ignore[index]


def slot_of(question_id: str) -> str:
    """The id of a question's first variant (`<topic>.<level>`): its variants share that slot."""
    match = VARIANT_ID.match(question_id)
    return match["base"] if match else question_id


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RolePackError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise RolePackError(f"{path}: not valid YAML: {exc}") from None


def _explain(path: Path, exc: ValidationError) -> RolePackError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return RolePackError(f"{path}: field '{where}': {first['msg']}{more}")


# Extra folders of role packs, searched after prompts/roles/ (os.pathsep-separated).
ROLES_PATH_ENV = "SOPHIA_ROLES_PATH"


def roles_dirs() -> list[Path]:
    """Where role packs are looked up: prompts/roles/, then the folders in SOPHIA_ROLES_PATH."""
    extra = [Path(p) for p in os.environ.get(ROLES_PATH_ENV, "").split(os.pathsep) if p]
    return [ROLES_DIR, *extra]


@cache
def _roles_dir_of(role: str, roles_path: str) -> Path:
    """The folder holding pack `role` (cached per search path: nodes look packs up often)."""
    return next((d for d in roles_dirs() if (d / role).is_dir()), ROLES_DIR)


def load_role_pack(role: str, roles_dir: Path | None = None) -> RolePack:
    """Load and validate the role pack `role` (cached: packs are read-only data).

    It is looked up in `roles_dir` when given, else in `roles_dirs()` in order.
    """
    if roles_dir is None:
        roles_dir = _roles_dir_of(role, os.environ.get(ROLES_PATH_ENV, ""))
    return _load_role_pack(role, roles_dir)


@cache
def _load_role_pack(role: str, roles_dir: Path) -> RolePack:
    folder = roles_dir / role
    if not folder.is_dir():
        known = ", ".join(
            sorted({p.parent.name for d in roles_dirs() for p in d.glob("*/pack.yaml")})
        )
        raise RolePackError(f"unknown role pack '{role}' (known: {known or 'none'})")
    pack_path = folder / "pack.yaml"
    raw = _read_yaml(pack_path)
    if not isinstance(raw, dict):
        raise RolePackError(f"{pack_path}: expected a mapping at the top level")
    topics: dict[str, TopicBank] = {}
    for path in sorted((folder / "questions").glob("*.yaml")):
        data = _read_yaml(path)
        try:
            bank = TopicBank.model_validate(data)
        except ValidationError as exc:
            raise _explain(path, exc) from None
        if bank.topic != path.stem:
            raise RolePackError(f"{path}: field 'topic': '{bank.topic}' must match the file name")
        for q in bank.questions:
            if not q.id.startswith(f"{bank.topic}."):
                raise RolePackError(f"{path}: question '{q.id}' must start with '{bank.topic}.'")
        topics[bank.topic] = bank
    faq_path = folder / "faq.yaml"
    faq = None
    if faq_path.is_file():
        try:
            faq = RoleFAQ.model_validate(_read_yaml(faq_path))
        except ValidationError as exc:
            raise _explain(faq_path, exc) from None
    try:
        return RolePack.model_validate({**raw, "topics": topics, "faq": faq})
    except ValidationError as exc:
        raise _explain(pack_path, exc) from None
