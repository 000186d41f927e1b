"""Text normalisation and phrase matching for the rubric brain.

Answers and rubric phrases go through the same pipeline (lower-case, words of letters and
digits, Snowball English stems), so `indexes`, `indexing` and `index` are one word and `n+1` is
the words `n 1`. A phrase matches contiguous words; `a + b` matches when every part appears.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
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


# British spellings folded into American ones before stemming, so "organised" and "organized"
# are one word. Both answers and phrases go through it, so a rare false merge costs nothing.
_BRITISH = (
    (re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations|er|ers)$"), r"\1iz\2"),
    (re.compile(r"^(\w{3,})our(s|ed|ing|able)?$"), r"\1or\2"),
    (re.compile(r"^learnt$"), "learned"),
)


@cache
def _stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
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


NEGATORS = frozenset(
    stems("not t cannot never no avoid myth misconception wrong mistake instead rather nor without")
)


class IndexedText:
    """A text indexed by stem position, for fast repeated phrase look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stems = stems(text)
        self.positions: dict[str, list[int]] = {}
        for i, stem in enumerate(self.stems):
            self.positions.setdefault(stem, []).append(i)

    def _runs(self, run: tuple[str, ...], max_gap: int) -> Iterator[tuple[int, int]]:
        """Each (start, end) where the words of `run` stand in order, with at most `max_gap`
        other words between neighbours ("partition big tables by range" ~ "partition by range").
        """
        for start in self.positions.get(run[0], ()):
            at = start
            for word in run[1:]:
                following = self.positions.get(word, ())
                i = bisect_right(following, at)
                if i == len(following) or following[i] > at + 1 + max_gap:
                    break
                at = following[i]
            else:
                yield start, at

    def find(self, phrase: Phrase, max_gap: int = 0, window: int | None = None) -> int | None:
        """Stem index where the phrase matches (its earliest part), or None.

        The parts of an `a + b` phrase must all stand within `window` words of each other when
        a window is given: one idea is said in one breath, and parts scattered over a long
        answer ("wait ... finish") are a coincidence, not the idea.
        """
        if not phrase.parts:
            return None
        if window is None or len(phrase.parts) == 1:
            # The first match of each part is enough (the common case, kept fast).
            firsts = [next(self._runs(part, max_gap), None) for part in phrase.parts]
            return None if None in firsts else min(first[0] for first in firsts)
        runs = []
        for part in phrase.parts:
            found = list(self._runs(part, max_gap))
            if not found:
                return None
            runs.append(found)
        for left in sorted({start for part in runs for start, _ in part}):
            ends = []
            for part in runs:
                later = [end for start, end in part if start >= left]
                if not later:
                    break
                ends.append(min(later))
            else:
                if max(ends) - left < window:
                    return left
        return None

    def find_affirmed(self, phrase: Phrase, window: int = 4, max_gap: int = 0) -> bool:
        """Whether a contiguous phrase is said without a negation just before it or inside it.

        "Never store passwords in plain text" must not count as saying "passwords in plain text",
        nor "async is not multithreading" as "async is multithreading".
        """
        if len(phrase.parts) != 1:
            return self.find(phrase) is not None
        run = phrase.parts[0]
        for start, end in self._runs(run, max_gap):
            before = self.stems[max(0, start - window) : start]
            # Words padded into the phrase, minus the phrase's own ("await doesn't wait").
            padding = set(self.stems[start : end + 1]).difference(run)
            if not NEGATORS.intersection(before) and not NEGATORS.intersection(padding):
                return True
        return False

    def contains_any(
        self, phrases: list[str], max_gap: int = 0, window: int | None = None
    ) -> str | None:
        """The first of `phrases` that matches, or None."""
        for source in phrases:
            if self.find(compile_phrase(source), max_gap, window) is not None:
                return source
        return None

    def count_matching(self, phrases: list[str], max_gap: int = 0) -> int:
        """How many of `phrases` match."""
        return sum(1 for p in phrases if self.find(compile_phrase(p), max_gap) is not None)
