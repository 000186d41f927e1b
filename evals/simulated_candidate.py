"""The scripted simulated candidate: answers from a test-candidate file (docs/contracts.md)."""

from __future__ import annotations

from typing import Any

from evals.candidate import TestCandidate

NOT_SURE = "I'm not sure, to be honest."


class ScriptedCandidate:
    """Answers a question with `answers[topic]`, a probe with `follow_up_answers[topic]`."""

    def __init__(self, candidate: TestCandidate) -> None:
        self.candidate = candidate

    def answer(self, payload: dict[str, Any]) -> str:
        """The answer to an interrupt payload (`phase, question_id, topic, kind, message`)."""
        topic = payload.get("topic", "")
        if payload.get("kind") == "follow_up":
            return self.candidate.follow_up_answers.get(topic, NOT_SURE)
        answers = self.candidate.answers
        return answers.get(topic) or answers.get("default", NOT_SURE)
