"""What Sophia says about an answer: a neutral acknowledgement, or practice-mode feedback.

Hiring mode acknowledges from the answer's text alone, never from its grade: it refers to a
word of the topic the candidate used, or thanks them, so a strong and a weak answer sound the
same and nothing of the assessment shows (and the line can be written before the grading is
done). Practice mode says what was good and what was missing, from the evaluation, praises only
an answer that earned it, and puts a stated misconception right in one line.
"""

from __future__ import annotations

import re
import unicodedata

from graph.state import AnswerEvaluation, KeyPointEvidence
from rubric.analysis import load_signals
from rubric.phrasing import Phrasebook
from rubric.role_pack import Question, RedFlag, TopicBank
from rubric.text import IndexedText, compile_phrase, stems, words

# An answer this short that says "I don't know" is an "I don't know" ("I'm not sure, but I
# think ..." goes on to answer).
DONT_KNOW_WORDS = 15
# Practice feedback praises an answer only at or above this score on its main criterion, and
# never one that stated a misconception.
PRAISE_SCORE = 3.0
# Key points named in one line of feedback.
POINTS_PER_LINE = 2
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_CLAIM = re.compile(r"^(?:thinks|believes|assumes|claims)\s+(?:that\s+)?", re.I)


def _folded(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def spoken_term(answer: str, bank: TopicBank, question_text: str) -> str | None:
    """A word of the topic's vocabulary the answer used (as the candidate wrote it), that the
    question and the topic's title did not: the most specific (longest), the earliest among
    equals."""
    indexed = IndexedText(answer)
    asked = set(stems(question_text)) | set(stems(bank.title))
    best: tuple[int, int, int] | None = None
    for phrase in bank.vocabulary:
        compiled = compile_phrase(phrase)
        if len(compiled.parts) != 1 or set(compiled.parts[0]) <= asked:
            continue
        start = indexed.find(compiled)
        if start is None:
            continue
        key = (-len(phrase), start, -len(compiled.parts[0]))
        if best is None or key < best:
            best = key
    if best is None:
        return None
    _, start, negative_length = best
    tokens = list(_TOKEN.finditer(_folded(answer)))
    if len(tokens) != len(words(answer)):  # the folded text tokenised differently: say it plain
        return " ".join(words(answer)[start : start - negative_length])
    first, last = tokens[start], tokens[start - negative_length - 1]
    folded = _folded(answer)
    term = folded[first.start() : last.end()]
    opens_sentence = (
        not folded[: first.start()].strip() or folded[: first.start()].rstrip()[-1] in ".!?:"
    )
    if opens_sentence and term[:1].isupper() and term[1:] == term[1:].lower():
        term = term[:1].lower() + term[1:]  # "Synchronous code ..." -> "synchronous"
    return term


def says_dont_know(answer: str) -> bool:
    """A short answer that says the candidate does not know."""
    if len(words(answer)) > DONT_KNOW_WORDS:
        return False
    return IndexedText(answer).contains_any(load_signals().phrases["dont_know"]) is not None


def acknowledgement(
    answer: str, skipped: bool, bank: TopicBank, question: Question, book: Phrasebook
) -> str | None:
    """A neutral acknowledgement of an answer, from its text alone (None: nothing fresh to say).

    Technical answers may hear back a term they used; stories (background, teamwork) are
    thanked.
    """
    if skipped or not words(answer):
        return book.optional_line("acknowledge.skip")
    if says_dont_know(answer):
        return book.optional_line("acknowledge.dont_know")
    technical = "technical_knowledge" in question.criteria
    term = spoken_term(answer, bank, question.text) if technical else None
    if term:
        line = book.optional_line("acknowledge.term", term=term)
        if line:
            return line
    return book.optional_line("acknowledge.neutral")


def _points(evidence: list[KeyPointEvidence]) -> str:
    labels = [kp.label[:1].lower() + kp.label[1:] for kp in evidence[:POINTS_PER_LINE]]
    return "; ".join(labels)


def correction(flag: RedFlag, book: Phrasebook) -> str:
    """One line that puts a stated misconception right: the pack's, else built from its label."""
    if flag.correction:
        return book.line("feedback.correction", correction=flag.correction.strip())
    label = flag.label.strip().rstrip(".")
    if _CLAIM.match(label):
        return book.line("feedback.correction_claim", claim=_CLAIM.sub("", label))
    return book.line("feedback.correction_label", claim=label[:1].lower() + label[1:])


def stated_flags(
    evaluation: AnswerEvaluation, question: Question, bank: TopicBank
) -> list[RedFlag]:
    """The role pack's red flags behind the misconceptions an evaluation records."""
    flags = {f.label: f for f in [*question.red_flags, *bank.red_flags]}
    return [flags[label] for label in evaluation.red_flags if label in flags]


def earned_praise(evaluation: AnswerEvaluation) -> bool:
    """Whether an answer may be praised: a fair score on its main criterion, no misconception,
    and not an "I don't know", empty, off-topic or skipped answer."""
    primary = next(iter(evaluation.scores.values()), 1.0)
    quiet = {"red_flag", "dont_know", "empty", "off_topic"}
    return primary >= PRAISE_SCORE and not quiet & set(evaluation.signals)


def practice_feedback(
    evaluation: AnswerEvaluation, question: Question, bank: TopicBank, book: Phrasebook
) -> str:
    """Short feedback on a question's answer(s): what was good, what was missing, and one line
    for the first misconception stated."""
    parts: list[str] = []
    stuck = {"dont_know", "empty", "off_topic"} & set(evaluation.signals)
    if evaluation.found and not stuck:
        slot = "feedback.good" if earned_praise(evaluation) else "feedback.mentioned"
        parts.append(book.line(slot, points=_points(evaluation.found)))
    if stuck or not evaluation.found:
        missed = evaluation.missed or evaluation.found
        parts.append(book.line("feedback.stuck", points=_points(missed)))
    elif evaluation.missed:
        parts.append(book.line("feedback.missing", points=_points(evaluation.missed)))
    else:
        parts.append(book.line("feedback.complete"))
    flags = stated_flags(evaluation, question, bank)
    if flags:
        parts.append(correction(flags[0], book))
    return " ".join(parts)
