"""How a candidate's turn moves the interview: what it is understood as, and the caps that keep
the conversation bounded. Everything here reads state alone, so routers can use it.

- A clarification request gets a clarification and the same question stays open; after
  `MAX_CLARIFICATIONS` on one question, the next message is taken as the answer.
- A question to Sophia gets a reply and the same question stays open; mid-interview, after
  `MAX_QUESTIONS_PER_QUESTION` on one question, the next message is taken as the answer.
- At the wrap-up, the candidate's questions get replies until they are done, or until
  `MAX_WRAP_UP_QUESTIONS`; then the interview closes. The closing question is graded only when
  it is answered before any question is asked (a candidate with no questions at all).
- A stuck candidate (an "I don't know", an empty or a vague answer) gets one hint per question
  when they are being interviewed at junior level or practising.
"""

from __future__ import annotations

from graph.scoring import Level
from graph.state import AskedQuestion, Mode, State, Turn, intent_of, is_graded
from rubric.intent import TurnIntent, classify_turn

MAX_CLARIFICATIONS = 2
MAX_QUESTIONS_PER_QUESTION = 2
MAX_WRAP_UP_QUESTIONS = 5
# Answer signals (`rubric/analysis.py`) that show a candidate is stuck.
STUCK_SIGNALS = frozenset({"dont_know", "empty", "vague"})


def turns_on(state: State, question_id: str) -> list[Turn]:
    """The turns spent on one question (it is asked once per interview)."""
    return [t for t in state.get("turns", []) if t["question_id"] == question_id]


def count_intent(turns: list[Turn], intent: str) -> int:
    """How many of `turns` were of `intent`."""
    return sum(1 for t in turns if intent_of(t) == intent)


def wrap_up_questions(state: State) -> int:
    """How many questions the candidate has asked Sophia at the wrap-up."""
    return sum(
        1 for t in state.get("turns", []) if t["phase"] == "wrap_up" and intent_of(t) == "question"
    )


def at_closing(current: AskedQuestion) -> bool:
    """Whether Sophia is waiting at the wrap-up (the closing question, or "anything else?")."""
    return current["phase"] == "wrap_up"


def understand(state: State, text: str) -> TurnIntent:
    """What the candidate's message is, in this interview, with the caps applied."""
    current = state["current"]
    understood = classify_turn(text, closing=at_closing(current))
    spent = turns_on(state, current["question_id"])
    if (
        understood.intent == "clarification_request"
        and count_intent(spent, "clarification_request") >= MAX_CLARIFICATIONS
    ):
        return TurnIntent("answer", reason="clarifications used up: taken as the answer")
    if (
        understood.intent == "question"
        and not at_closing(current)
        and count_intent(spent, "question") >= MAX_QUESTIONS_PER_QUESTION
    ):
        return TurnIntent("answer", reason="questions on this question used up: an answer")
    return understood


def done_asking(state: State) -> bool:
    """Whether the last turn ends the interview ungraded: at the wrap-up, the candidate has
    asked their questions and now says they are done."""
    turns = state.get("turns", [])
    return (
        bool(turns)
        and turns[-1]["phase"] == "wrap_up"
        and is_graded(turns[-1])
        and wrap_up_questions(state) > 0
    )


def questions_done(state: State) -> bool:
    """Whether the candidate's questions at the wrap-up reached the cap (the last is replied to,
    then the interview closes)."""
    turns = state.get("turns", [])
    return (
        bool(turns)
        and turns[-1]["phase"] == "wrap_up"
        and intent_of(turns[-1]) == "question"
        and wrap_up_questions(state) >= MAX_WRAP_UP_QUESTIONS
    )


def hint_given(state: State, question_id: str) -> bool:
    """Whether the candidate has had a hint on this question."""
    return any(t["kind"] == "hint" for t in turns_on(state, question_id))


def deserves_hint(mode: Mode, difficulty: Level) -> bool:
    """Who gets a hint when stuck: anyone practising, and anyone interviewed at junior level
    (the question's difficulty is the level the candidate was assessed at when it was asked)."""
    return mode == "practice" or difficulty == "junior"
