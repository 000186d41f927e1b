"""Text normalisation and phrase matching for the rubric brain.

Answers and rubric phrases go through the same pipeline (lower-case, words of letters and
digits, Snowball English stems), so `indexes`, `indexing` and `index` are one word and `n+1` is
the words `n 1`. A phrase matches contiguous words; `a + b` matches when every part appears.

A phrase written as a code name (`wait_for`, `asyncio.gather`) matches only that code name, never
the same words in prose ("waiting for" is not `wait_for`); a phrase written as words matches
both. A text can also be given *senses*: word groups in which a word means something else
("Authorization: Bearer" is a header, not permissions), so a phrase may use that word there
only when it spans the whole group.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")
# A code name: words joined by `_` or `.` (`wait_for`, `asyncio.gather`, `pool_size`).
_COMPOUND = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*")
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


# Words Snowball folds into a word of another meaning: "valid" is not "validation", and the
# "author" of a post is not "authorization". They get stems of their own.
_STEM_OVERRIDES = {
    **dict.fromkeys(
        ("validate", "validated", "validates", "validating", "validation", "validations"),
        "validat",
    ),
    **dict.fromkeys(("validator", "validators"), "validat"),
    **dict.fromkeys(("author", "authors", "authored", "authoring"), "author_"),
}


@cache
def _stem(word: str) -> str:
    if word in _STEM_OVERRIDES:
        return _STEM_OVERRIDES[word]
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return _STEMMER.stemWord(word)


# A name joined to its number by a hyphen is one word, as it is written without one: "SHA-256"
# is "sha256", "SHA-1" is "sha1" (a rubric phrase may be written either way).
_HYPHENATED_NUMBER = re.compile(r"\b([a-z]+)-(\d+)\b")


def _fold(text: str) -> str:
    if text.isascii():
        # Nearly every text: its NFKD form is itself, with no combining marks to drop (the
        # character loop cost a fifth of the rubric's analysis).
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.lower())
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _HYPHENATED_NUMBER.sub(r"\1\2", folded)


def words(text: str) -> list[str]:
    """Lower-cased words of letters and digits, unstemmed."""
    return _WORD.findall(_fold(text))


def stems(text: str) -> list[str]:
    """The stemmed words of a text."""
    return [_stem(w) for w in words(text)]


def joined_words(text: str) -> tuple[list[str], frozenset[int]]:
    """The words of a text (as `words`) and the positions joined to the next word by `_` or `.`
    inside a code name (`wait_for` is `wait`, `for`, with position 0 joined)."""
    out: list[str] = []
    joined: set[int] = set()
    for compound in _COMPOUND.findall(_fold(text)):
        parts = _WORD.findall(compound)
        joined.update(range(len(out), len(out) + len(parts) - 1))
        out.extend(parts)
    return out, frozenset(joined)


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of a text, trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass(frozen=True)
class Phrase:
    """A compiled rubric phrase: one or more parts, each a run of stems that must all appear.

    `joints[i]` holds the positions of part i that a code name joins to the next word.
    """

    source: str
    parts: tuple[tuple[str, ...], ...]
    joints: tuple[frozenset[int], ...] = ()
    # Every stem of the phrase: the rubric checks it against each text it reads.
    stem_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stem_set", frozenset(s for part in self.parts for s in part))


@cache
def compile_phrase(source: str) -> Phrase:
    """Compile a rubric phrase (`a b` contiguous, `a + b` all parts anywhere)."""
    parts: list[tuple[str, ...]] = []
    joints: list[frozenset[int]] = []
    for part in source.split(" + "):
        found, joined = joined_words(part)
        if found:
            parts.append(tuple(_stem(w) for w in found))
            joints.append(joined)
    return Phrase(source=source, parts=tuple(parts), joints=tuple(joints))


@dataclass(frozen=True)
class Sense:
    """Words in which some of them mean something else: `[authorization] bearer` says that in
    "Authorization: Bearer" the word "authorization" names a header. Bracketed words are the
    ones a phrase may only use when it spans the whole group."""

    source: str
    run: tuple[str, ...]
    masked: tuple[int, ...]


@cache
def compile_sense(source: str) -> Sense:
    """Compile a sense: words, with the ambiguous ones in square brackets."""
    run: list[str] = []
    masked: list[int] = []
    for token in re.findall(r"\[[^\]]+\]|[^\s\[\]]+", source):
        bracketed = token.startswith("[")
        for w in words(token):
            if bracketed:
                masked.append(len(run))
            run.append(_stem(w))
    return Sense(source=source, run=tuple(run), masked=tuple(masked))


class IndexedText:
    """A text indexed by stem position, for fast repeated phrase look-ups."""

    def __init__(self, text: str, senses: tuple[Sense, ...] = ()) -> None:
        self.text = text
        found, self.joined = joined_words(text)
        self.stems = [_stem(w) for w in found]
        self.positions: dict[str, list[int]] = {}
        for i, stem in enumerate(self.stems):
            self.positions.setdefault(stem, []).append(i)
        # Position of a word used in another sense -> the (start, end) of its sense's words.
        self.masked: dict[int, tuple[int, int]] = {}
        for sense in senses:
            for start, end, at in self._raw_runs(sense.run, 1):
                for i in sense.masked:
                    self.masked[at[i]] = (start, end)

    def _raw_runs(
        self, run: tuple[str, ...], max_gap: int, joints: frozenset[int] = frozenset()
    ) -> Iterator[tuple[int, int, list[int]]]:
        for start in self.positions.get(run[0], ()):
            at = [start]
            for k, word in enumerate(run[1:]):
                following = self.positions.get(word, ())
                i = bisect_right(following, at[-1])
                if k in joints:  # a code name: the next word, joined to this one
                    if at[-1] not in self.joined or i == len(following):
                        break
                    if following[i] != at[-1] + 1:
                        break
                elif i == len(following) or following[i] > at[-1] + 1 + max_gap:
                    break
                at.append(following[i])
            else:
                yield start, at[-1], at

    def _runs(
        self, run: tuple[str, ...], max_gap: int, joints: frozenset[int] = frozenset()
    ) -> Iterator[tuple[int, int]]:
        """Each (start, end) where the words of `run` stand in order, with at most `max_gap`
        other words between neighbours ("partition big tables by range" ~ "partition by range").

        A run that uses a word in another sense without spanning that sense's words is skipped.
        """
        for start, end, _ in self._raw_runs(run, max_gap, joints):
            if self.masked and any(
                (span := self.masked.get(i)) and (span[0] < start or span[1] > end)
                for i in range(start, end + 1)
            ):
                continue
            yield start, end

    def spans(
        self, phrase: Phrase, max_gap: int = 0, window: int | None = None
    ) -> Iterator[tuple[tuple[int, int], ...]]:
        """Every place the phrase matches: one (start, end) per part.

        Parts of an `a + b` phrase pair up when they stand within `window` words (or anywhere,
        without a window); each leftmost start is tried once.
        """
        # A phrase can only match where every one of its words stands: most of the rubric's
        # phrases miss an answer on that alone, before any positions are walked.
        if not phrase.parts or not self.positions.keys() >= phrase.stem_set:
            return
        joints = phrase.joints or tuple(frozenset() for _ in phrase.parts)
        if len(phrase.parts) == 1:
            for run in self._runs(phrase.parts[0], max_gap, joints[0]):
                yield (run,)
            return
        runs = []
        for part, joint in zip(phrase.parts, joints, strict=True):
            found = list(self._runs(part, max_gap, joint))
            if not found:
                return
            runs.append(found)
        if window is None:
            yield tuple(part[0] for part in runs)
            return
        for left in sorted({start for part in runs for start, _ in part}):
            chosen = []
            for part in runs:
                later = [run for run in part if run[0] >= left]
                if not later:
                    break
                chosen.append(min(later, key=lambda run: run[1]))
            else:
                if max(end for _, end in chosen) - left < window:
                    yield tuple(chosen)

    def find(self, phrase: Phrase, max_gap: int = 0, window: int | None = None) -> int | None:
        """Stem index where the phrase matches (its earliest part), or None.

        The parts of an `a + b` phrase must all stand within `window` words of each other when
        a window is given: one idea is said in one breath, and parts scattered over a long
        answer ("wait ... finish") are a coincidence, not the idea.
        """
        first = next(self.spans(phrase, max_gap, window), None)
        return None if first is None else min(start for start, _ in first)

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
