"""Text normalisation and phrase matching for the rubric brain.

Answers and rubric phrases go through the same pipeline (lower-case, words of letters and
digits, Snowball English stems), so `indexes`, `indexing` and `index` are one word and `n+1` is
the words `n 1`. A phrase matches contiguous words; `a + b` matches when every part appears.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# C0/C1 control characters except tab and newline: they are noise from terminals and pastes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STEMMER = snowballstemmer.stemmer("english")


def clean_answer(text: str) -> str:
    """Answer text as it is kept: Unicode-normalised, control characters removed, trimmed."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


@cache
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased words of letters and digits, unstemmed."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(folded)


def stems(text: str) -> list[str]:
    """The stemmed words of a text."""
    return [_stem(w) for w in words(text)]


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of a text, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class Phrase:
    """A compiled rubric phrase: one or more parts, each a run of stems that must all appear."""

    source: str
    parts: tuple[tuple[str, ...], ...]


@cache
def compile_phrase(source: str) -> Phrase:
    """Compile a rubric phrase (`a b` contiguous, `a + b` all parts anywhere)."""
    parts = tuple(tuple(stems(part)) for part in source.split(" + "))
    return Phrase(source=source, parts=tuple(p for p in parts if p))


class IndexedText:
    """A text indexed by stem position, for fast repeated phrase look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stems = stems(text)
        self.positions: dict[str, list[int]] = {}
        for i, stem in enumerate(self.stems):
            self.positions.setdefault(stem, []).append(i)

    def _find_run(self, run: tuple[str, ...]) -> int | None:
        for start in self.positions.get(run[0], ()):
            if tuple(self.stems[start : start + len(run)]) == run:
                return start
        return None

    def find(self, phrase: Phrase) -> int | None:
        """Stem index where the phrase's first part starts, or None when it does not match."""
        if not phrase.parts:
            return None
        first: int | None = None
        for part in phrase.parts:
            at = self._find_run(part)
            if at is None:
                return None
            first = at if first is None else min(first, at)
        return first

    def contains_any(self, phrases: list[str]) -> str | None:
        """The first of `phrases` that matches, or None."""
        for source in phrases:
            if self.find(compile_phrase(source)) is not None:
                return source
        return None

    def count_matching(self, phrases: list[str]) -> int:
        """How many of `phrases` match."""
        return sum(1 for p in phrases if self.find(compile_phrase(p)) is not None)


def sentence_containing(text: str, phrase: Phrase, limit: int = 200) -> str:
    """The first sentence of `text` in which `phrase` matches, shortened to `limit` chars."""
    for sentence in split_sentences(text):
        if IndexedText(sentence).find(phrase) is not None:
            return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
    return ""
