"""The scripted simulated candidate: answers from a test-candidate file (docs/contracts.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from evals.candidate import TestCandidate

NOT_SURE = "I'm not sure, to be honest."
# What the candidate says at the wrap-up when their scripted questions are used up.
DONE = "No, that's all from me. Thank you!"
# Sophia's kinds that ask the candidate to answer again on the same question.
RETRIES = frozenset({"follow_up", "hint"})


class ScriptedCandidate:
    """Sends a topic's scripted messages in turn, one each time Sophia speaks on the topic.

    When a topic's messages are used up: a probe or a hint gets `follow_up_answers[topic]`
    (else `follow_up_answers["default"]`, else "I'm not sure"); at the wrap-up the candidate is
    done; another main question on the topic gets the last message again (what a one-message
    file always said); anything else gets "I'm not sure".
    """

    def __init__(self, candidate: TestCandidate) -> None:
        self.candidate = candidate
        self.sent: Counter[str] = Counter()

    def answer(self, payload: dict[str, Any]) -> str:
        """The reply to an interrupt payload (`phase, question_id, topic, kind, message`)."""
        topic = payload.get("topic", "")
        messages = self.candidate.messages_for(topic)
        if self.sent[topic] < len(messages):
            self.sent[topic] += 1
            return messages[self.sent[topic] - 1]
        if payload.get("kind") in RETRIES:
            probes = self.candidate.follow_up_answers
            return probes.get(topic) or probes.get("default") or NOT_SURE
        if payload.get("phase") == "wrap_up":
            return DONE
        if payload.get("kind") == "question" and messages:
            return messages[-1]
        return NOT_SURE
