"""Replying to a candidate's questions from the role pack's FAQ (rubric brain).

Each sentence of the candidate's message is matched against the FAQ's phrases the way key
points are matched (stemmed words; `a + b` within a window). Every entry that matches is
answered once per interview; a question nothing matches gets the honest fallback ("the hiring
team will follow up on that"), the pack's own the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rubric.phrasing import Phrasebook
from rubric.role_pack import FAQEntry, RoleFAQ
from rubric.text import IndexedText, split_sentences

# Matching tolerances, as for key points: padding words inside a phrase, and how close the
# parts of an `a + b` phrase must stand.
FAQ_GAP = 2
FAQ_WINDOW = 12
# A message this short with no question in it announces questions to come.
ANNOUNCEMENT_WORDS = 8


@dataclass
class FAQMatch:
    """What a candidate's message asks of the FAQ."""

    entries: list[FAQEntry] = field(default_factory=list)
    # Some question in the message matched nothing.
    unanswered: bool = False
    # The message asked nothing yet ("Yes, I have a couple of questions.").
    announced_only: bool = False


def match_faq(faq: RoleFAQ | None, text: str) -> FAQMatch:
    """The FAQ entries a message asks about, in the order it asks."""
    match = FAQMatch()
    for sentence in split_sentences(text):
        indexed = IndexedText(sentence)
        found = [
            entry
            for entry in (faq.entries if faq else [])
            if indexed.contains_any(entry.phrases, FAQ_GAP, FAQ_WINDOW) is not None
        ]
        match.entries += [entry for entry in found if entry not in match.entries]
        if not found and sentence.rstrip().endswith("?"):
            match.unanswered = True
    if not match.entries and "?" not in text:
        # "Yes, I have a couple of questions." asks nothing yet; a longer statement that
        # matched nothing ("I'd love to know how decisions get made") is a question unanswered.
        match.announced_only = len(text.split()) <= ANNOUNCEMENT_WORDS
        match.unanswered = not match.announced_only
    return match


def faq_reply(faq: RoleFAQ | None, text: str, book: Phrasebook) -> str:
    """Sophia's answer to the candidate's question(s): the FAQ's answers, or the fallback."""
    match = match_faq(faq, text)
    if match.announced_only and not match.entries:
        return book.line("reply.go_ahead")
    parts: list[str] = []
    repeated = False
    for entry in match.entries:
        if book.repeats(entry.answer):
            repeated = True
            continue
        book.note(entry.answer)
        parts.append(entry.answer.strip())
    if match.unanswered or (not parts and not repeated):
        parts.append(_fallback(faq, book))
    elif repeated and not parts:
        parts.append(book.line("reply.repeated"))
    return " ".join(parts)


def _fallback(faq: RoleFAQ | None, book: Phrasebook) -> str:
    """The honest "the hiring team will follow up": the pack's line first, then variants."""
    if faq and not book.repeats(faq.fallback):
        book.note(faq.fallback)
        return faq.fallback.strip()
    return book.line("reply.fallback")
