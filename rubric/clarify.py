"""Clarifying a question without giving the answer away (rubric brain).

What each request gets:
- `repeat`: the open question again, word for word;
- `define`: the term's one-line definition from the role pack (`Question.clarify.terms`); a
  term the question did not use, that the candidate brought in, is not defined (that could
  give part of the answer away): Sophia says she did not use it; else a line that takes the
  term in its usual sense for the topic and offers a way round it;
- `scope`: the pack's way to narrow the question, else "pick the case you know best and say
  which";
- `rephrase`: the pack's plainer wording, else a plainer ask built from the topic's title
  (never from the question's words, which the candidate has just heard).
A clarification that would repeat what Sophia already said falls back to the next of these.
"""

from __future__ import annotations

from rubric.phrasing import Phrasebook
from rubric.role_pack import Question, TopicBank
from rubric.text import IndexedText, compile_phrase


def _topic_name(bank: TopicBank) -> str:
    title = bank.title
    return title if title[:2].isupper() else title[:1].lower() + title[1:]


def defined_term(question: Question, term: str | None) -> tuple[str, str] | None:
    """The pack's (term, definition) that matches the term asked about, if any."""
    if not term or question.clarify is None:
        return None
    asked = IndexedText(term)
    for key, definition in question.clarify.terms.items():
        if asked.find(compile_phrase(key)) is not None or (
            IndexedText(key).find(compile_phrase(term)) is not None
        ):
            return key, definition
    return None


def _definition(
    question: Question, bank: TopicBank, term: str | None, open_text: str, book: Phrasebook
) -> str:
    if (known := defined_term(question, term)) is not None:
        key, definition = known
        return book.line("clarify.define", term=key, definition=definition.strip().rstrip("."))
    if term and IndexedText(open_text).find(compile_phrase(term)) is None:
        return book.line("clarify.define_unasked", term=term)
    if term:
        return book.line("clarify.define_unknown", term=term, topic=_topic_name(bank))
    return _rephrase(question, bank, book)


def _scope(question: Question, book: Phrasebook) -> str:
    if question.clarify and question.clarify.scope and not book.repeats(question.clarify.scope):
        book.note(question.clarify.scope)
        return question.clarify.scope.strip()
    return book.line("clarify.scope")


def _rephrase(question: Question, bank: TopicBank, book: Phrasebook) -> str:
    plain = question.clarify.rephrase.strip() if question.clarify else ""
    if plain and not book.repeats(plain):
        lead = book.line("clarify.rephrase_lead")
        book.note(plain)
        return f"{lead} {plain}"
    if question.clarify and question.clarify.scope and not book.repeats(question.clarify.scope):
        return _scope(question, book)
    return book.line("clarify.rephrase_generic", topic=_topic_name(bank))


def clarification(
    request: str | None,
    term: str | None,
    question: Question,
    bank: TopicBank,
    open_text: str,
    book: Phrasebook,
) -> str:
    """What Sophia says to a clarification request about the open question (`open_text`)."""
    if request == "repeat":
        # The candidate asked to hear it again: the only sentence said twice on purpose.
        return f"{book.line('clarify.repeat')} {open_text}"
    if request == "define":
        return _definition(question, bank, term, open_text, book)
    if request == "scope":
        return _scope(question, book)
    return _rephrase(question, bank, book)
