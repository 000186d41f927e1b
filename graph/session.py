"""What a node knows about the interview it runs in: settings, role pack, Store and thread."""

from __future__ import annotations

from dataclasses import dataclass

from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from graph.config import Context
from graph.scoring import LEVEL_VALUE, Level, ability_for_years, level_for_ability
from graph.state import AnswerEvaluation, LevelAssessment, State, Turn
from graph.store import load_evaluation, load_level, require_store
from prompts import render_prompt
from rubric.role_pack import RolePack, load_role_pack


@dataclass(frozen=True)
class Session:
    """One interview as nodes see it."""

    context: Context
    pack: RolePack
    store: BaseStore
    thread_id: str

    @classmethod
    def from_runtime(cls, runtime: Runtime[Context]) -> Session:
        """Build the session from a node's runtime."""
        context = runtime.context if isinstance(runtime.context, Context) else Context()
        info = runtime.execution_info
        thread_id = (info.thread_id if info else None) or "default"
        return cls(
            context=context,
            pack=load_role_pack(context.role),
            store=require_store(runtime.store),
            thread_id=thread_id,
        )

    def start_assessment(self, state: State) -> LevelAssessment:
        """The level before any answer: the configured start level, else years of experience."""
        if self.context.start_level != "auto":
            level: Level = self.context.start_level
            ability = LEVEL_VALUE[level]
        else:
            ability = ability_for_years(float(state.get("profile", {}).get("years_experience", 3)))
            level = level_for_ability(ability)
        return LevelAssessment(
            level=level,
            ability=ability,
            prior=ability,
            next_difficulty=level,
            evidence=[f"Start level {level} ({self.context.start_level} setting)."],
        )

    async def assessment(self, state: State, before_turn: int | None = None) -> LevelAssessment:
        """The level after the latest turn in `state` (or before `before_turn`), else the start.

        Only turns present in the thread's state count: a fork or a retried run reads the
        level its own history led to, never one written on another branch.
        """
        turns = state.get("turns", [])
        if before_turn is not None:
            turns = [t for t in turns if t["turn"] < before_turn]
        level = await load_level(self.store, self.thread_id, turns)
        return level or self.start_assessment(state)

    def target_level(self) -> Level:
        """The level being hired for: the setting, or the role pack's when it says `pack`."""
        target = self.context.target_level
        return self.pack.target_level if target == "pack" else target

    def persona(self) -> str:
        """Sophia's persona for this role (`prompts/persona.md`), for LLM prompts."""
        return render_prompt("persona", role=self.pack.title)

    async def evaluation_of(self, turn: Turn) -> AnswerEvaluation | None:
        """The grader's evaluation written for a turn, if there is one."""
        return await load_evaluation(self.store, self.thread_id, turn)
