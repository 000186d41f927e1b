"""Reading an answer as claims: what it asserts, and how firmly.

A rubric phrase found in an answer is only evidence when the answer asserts it. The answer is
cut into sentences and clauses, and each clause gets a stance:

- `asserted`: said as a fact, a practice or advice: full credit;
- `hedged`: said with a hedge ("maybe", "I guess"), or in a sentence that leans on a vague
  appeal ("following best practices", "the industry standard") or a sweeping claim ("it scales
  infinitely", "the gateway handles it for you") in place of a reason: part credit;
- `named`: a bare list of terms, with no sentence around them: little credit;
- `questioned`: asked back ("is it the event loop?"): no credit;
- `unknown`: disclaimed ("I've heard of the GIL but don't know what it does"): no credit.

A disclaimer later in a sentence reaches back: in "there are read replicas, but I don't know how
you'd set them up" the replicas are only hedged.

A phrase negated in its clause ("there is no event loop") earns nothing either, unless the key
point is itself a limitation ("async does not help CPU-bound work"). A phrase made only of the
question's own words earns nothing. Misconceptions are read the other way round: a hedge or a
question still states the belief, and only a denial ("it's a myth that...", "X is not Y", or a
"No." answering the question) takes it back.

The word lists are in `prompts/rubric/signals.yaml` (`ignorance`, `hedge`, `denial`,
`disavowal`, `contrast`, `function_words`, `senses`, and the signal lists `vague` and
`overclaim`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rubric.text import (
    IndexedText,
    Phrase,
    Sense,
    compile_phrase,
    compile_sense,
    split_sentences,
    stems,
    words,
)

Stance = Literal["asserted", "hedged", "named", "questioned", "unknown"]

# Share of a key point's credit each stance earns.
STANCE_CREDIT: dict[Stance, float] = {
    "asserted": 1.0,
    "hedged": 0.5,
    "named": 0.1,
    "questioned": 0.0,
    "unknown": 0.0,
}
# A denial this many words before a phrase, in its clause, negates it ("not useful for I/O").
NEGATION_REACH = 1000
# The parts of an `a + b` misconception stand within this many words, in one sentence.
CLAIM_WINDOW = 16
# A list of at least this many short items with no function word is named, not explained.
NAMED_ITEMS = 3

# Clause breaks inside a sentence: commas, semicolons, colons, dashes and contrast words.
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:()]\s+|\s+[-–—]+\s+|\s+(?=(?:but|whereas|although|though|however|while)\b)", re.I
)


@dataclass(frozen=True)
class Lexicons:
    """The stance word lists, compiled."""

    ignorance: tuple[Phrase, ...]
    hedge: tuple[Phrase, ...]
    denial: frozenset[str]
    denial_exempt_before: frozenset[str]
    denial_exempt_after: frozenset[str]
    disavowal: tuple[Phrase, ...]
    contrast: frozenset[str]
    denial_reply: tuple[Phrase, ...]
    function_words: frozenset[str]
    senses: tuple[Sense, ...]
    vague: tuple[Phrase, ...] = ()
    overclaim: tuple[Phrase, ...] = ()


@cache
def lexicons(raw: tuple[tuple[str, tuple[str, ...]], ...]) -> Lexicons:
    """Compile the stance lexicons from `signals.yaml`'s lists (passed as a hashable tuple)."""
    lists = dict(raw)

    def phrases(name: str) -> tuple[Phrase, ...]:
        return tuple(compile_phrase(p) for p in lists.get(name, ()))

    def stem_set(name: str) -> frozenset[str]:
        return frozenset(s for p in lists.get(name, ()) for s in stems(p))

    return Lexicons(
        ignorance=phrases("ignorance"),
        hedge=phrases("hedge"),
        denial=stem_set("denial"),
        denial_exempt_before=stem_set("denial_exempt_before"),
        denial_exempt_after=stem_set("denial_exempt_after"),
        disavowal=phrases("disavowal"),
        contrast=stem_set("contrast"),
        denial_reply=phrases("denial_reply"),
        function_words=frozenset(w for p in lists.get("function_words", ()) for w in words(p)),
        senses=tuple(compile_sense(s) for s in lists.get("senses", ())),
        vague=phrases("vague"),
        overclaim=phrases("overclaim"),
    )


@dataclass(frozen=True)
class Clause:
    """A clause of the answer: its tokens are `start` to `end` (exclusive) in the reading."""

    sentence: int
    start: int
    end: int
    stance: Stance


@dataclass(frozen=True)
class Evidence:
    """Where a phrase is asserted: the credit it earns there and the sentence that says it."""

    credit: float
    sentence: str


class Reading:
    """An answer cut into sentences and clauses, indexed once, each clause with its stance."""

    def __init__(self, text: str, lex: Lexicons) -> None:
        self.text = text
        self.lex = lex
        self.sentences = split_sentences(text)
        pieces: list[tuple[int, str]] = []
        for number, sentence in enumerate(self.sentences):
            pieces.extend((number, c) for c in _CLAUSE_BREAK.split(sentence) if c and c.strip())
        self.indexed = IndexedText(" ".join(c for _, c in pieces), lex.senses)
        self.clauses: list[Clause] = []
        self.clause_of: list[int] = []
        at = 0
        questions = {n for n, s in enumerate(self.sentences) if _is_question(s)}
        named = {n for n, s in enumerate(self.sentences) if self._is_term_list(s)}
        vague = {n for n, s in enumerate(self.sentences) if self._is_vague(s)}
        for number, text_ in pieces:
            n = len(words(text_))
            stance = self._stance(text_, number in questions, number in named, number in vague)
            self.clause_of.extend([len(self.clauses)] * n)
            self.clauses.append(Clause(number, at, at + n, stance))
            at += n
        self._disclaim_backwards()
        self.excluded: set[int] = set()
        # Tokenising clause by clause and the joined text must agree (both split on the same
        # characters); if they ever do not, fall back to one clause per token position.
        if at != len(self.indexed.stems):  # pragma: no cover - defensive
            self.clause_of = [0] * len(self.indexed.stems)
            self.clauses = [Clause(0, 0, len(self.indexed.stems), "asserted")]

    def _is_term_list(self, sentence: str) -> bool:
        """A sentence that only names terms: several short items and no function word."""
        items = [i for i in re.split(r"[,;/]|\s+(?:and|or)\s+", sentence) if words(i)]
        all_words = words(sentence)
        if not all_words or self.lex.function_words.intersection(all_words):
            return False
        return len(items) >= NAMED_ITEMS or len(all_words) <= 3

    def _disclaim_backwards(self) -> None:
        """A sentence that names something and then disclaims knowing it ("read replicas, but I
        don't really know how you'd set them up") shows awareness, not knowledge: the clauses
        before the disclaimer are asserted only loosely (hedged)."""
        for i, clause in enumerate(self.clauses):
            if clause.stance != "unknown":
                continue
            for j in range(i - 1, -1, -1):
                earlier = self.clauses[j]
                if earlier.sentence != clause.sentence:
                    break
                if earlier.stance == "asserted":
                    self.clauses[j] = Clause(earlier.sentence, earlier.start, earlier.end, "hedged")

    def _is_vague(self, sentence: str) -> bool:
        """A sentence that rests on a vague appeal ("best practices", "the industry standard")
        or waves a problem away ("it scales infinitely", "the gateway handles it for you"):
        what it claims is said on authority, not explained, so it counts as hedged."""
        indexed = IndexedText(sentence)
        return any(indexed.find(p) is not None for p in (*self.lex.vague, *self.lex.overclaim))

    def _stance(self, clause: str, question: bool, named: bool, vague: bool = False) -> Stance:
        indexed = IndexedText(clause)
        if any(indexed.find(p) is not None for p in self.lex.ignorance):
            return "unknown"
        if question:
            return "questioned"
        if named:
            return "named"
        if vague or any(indexed.find(p) is not None for p in self.lex.hedge):
            return "hedged"
        return "asserted"

    def asserted_stems(self) -> set[str]:
        """The stems of the clauses that assert something (firmly or hedged), outside the
        sentences that state a misconception."""
        found: set[str] = set()
        for clause in self.clauses:
            if clause.stance in ("asserted", "hedged") and clause.sentence not in self.excluded:
                found.update(self.indexed.stems[clause.start : clause.end])
        return found

    def exclude(self, sentence: str) -> None:
        """Take a sentence out of key-point evidence (it states a misconception)."""
        self.excluded.update(n for n, s in enumerate(self.sentences) if s == sentence)

    def sentence_credits(self) -> Iterable[tuple[str, float]]:
        """Each sentence with the credit its first clause's stance earns (0 when excluded)."""
        firsts: dict[int, Clause] = {}
        for clause in self.clauses:
            firsts.setdefault(clause.sentence, clause)
        for number, sentence in enumerate(self.sentences):
            clause = firsts.get(number)
            excluded = number in self.excluded or clause is None
            yield sentence, 0.0 if excluded else STANCE_CREDIT[clause.stance]

    # --- key points --------------------------------------------------------------------------

    def _denied_before(self, start: int, own: frozenset[str]) -> bool:
        """Whether a denial stands within NEGATION_REACH words before `start`, in its clause."""
        clause = self.clauses[self.clause_of[start]]
        stems_ = self.indexed.stems
        for i in range(max(clause.start, start - NEGATION_REACH), start):
            word = stems_[i]
            if word not in self.lex.denial or word in own:
                continue
            before = stems_[i - 1] if i > clause.start else ""
            after = stems_[i + 1] if i + 1 < len(stems_) else ""
            if before in self.lex.denial_exempt_before or after in self.lex.denial_exempt_after:
                continue
            return True
        return False

    def evidence(
        self,
        phrase: Phrase,
        max_gap: int = 0,
        window: int | None = None,
        negatable: bool = True,
        asking: bool = False,
    ) -> Evidence | None:
        """The best place the answer asserts `phrase`, or None when it never does.

        `negatable` is False for key points that state a limitation, which a negative
        sentence asserts rather than denies; `asking` is True for points shown by asking
        (the candidate's own questions at the end of an interview).
        """
        best: Evidence | None = None
        for credit, sentence in self._evidences(phrase, max_gap, window, negatable, asking):
            if best is None or credit > best.credit:
                best = Evidence(credit, self.sentences[sentence])
                if credit >= 1.0:
                    break
        return best

    def asserting_sentences(
        self,
        phrase: Phrase,
        max_gap: int = 0,
        window: int | None = None,
        negatable: bool = True,
        least: float = 0.5,
    ) -> set[int]:
        """The numbers of the sentences that assert `phrase` with at least `least` credit."""
        return {
            sentence
            for credit, sentence in self._evidences(phrase, max_gap, window, negatable, False)
            if credit >= least
        }

    def _evidences(
        self, phrase: Phrase, max_gap: int, window: int | None, negatable: bool, asking: bool
    ) -> Iterable[tuple[float, int]]:
        own = phrase.stem_set
        check_denial = negatable and not (own & self.lex.denial)
        for spans in self.indexed.spans(phrase, max_gap, window):
            clauses = [self.clauses[self.clause_of[start]] for start, _ in spans]
            if any(c.sentence in self.excluded for c in clauses):
                continue
            credit = min(
                1.0 if asking and c.stance == "questioned" else STANCE_CREDIT[c.stance]
                for c in clauses
            )
            if credit and check_denial and any(self._denied_before(s, own) for s, _ in spans):
                credit = 0.0
            if credit:
                yield credit, self.clauses[self.clause_of[min(spans)[0]]].sentence

    # --- misconceptions ----------------------------------------------------------------------

    def states(self, phrase: Phrase, max_gap: int = 0) -> str | None:
        """The sentence that states a misconception's phrase, or None.

        Hedged, questioned and disclaimed sentences still state it; a denial takes it back: a
        negation or a disavowal ("it's a myth that") before it in its clause or sentence, a
        negation padded into it, or a question answered "No." in the next sentence.
        """
        own = phrase.stem_set
        for spans in self.indexed.spans(phrase, max_gap, CLAIM_WINDOW):
            start = min(s for s, _ in spans)
            end = max(e for _, e in spans)
            clause = self.clauses[self.clause_of[start]]
            number = clause.sentence
            # The parts of an `a + b` misconception make one claim only within one sentence,
            # with no contrast between them ("async is one thread, but processes use all cores").
            if len(spans) > 1 and (
                any(self.clauses[self.clause_of[s]].sentence != number for s, _ in spans)
                or self.lex.contrast.intersection(self.indexed.stems[start : end + 1])
            ):
                continue
            sentence = self.sentences[number]
            if clause.stance != "questioned":
                if self._disavowed(clause, start, end, own):
                    continue
            elif number + 1 < len(self.sentences) and _starts_with(
                self.sentences[number + 1], self.lex.denial_reply
            ):
                continue
            return sentence
        return None

    def _disavowed(self, clause: Clause, start: int, end: int, own: frozenset[str]) -> bool:
        stems_ = self.indexed.stems
        inside = {stems_[i] for i in range(start, end + 1)} - own
        before = stems_[clause.start : start]
        if (inside | set(before)) & (self.lex.denial - own):
            return True
        # Disavowals ("don't", "never", "it's a myth that", "rather than") reach over the
        # sentence up to the claim's end ("it's a myth, often repeated, that ...").
        first = next(c for c in self.clauses if c.sentence == clause.sentence).start
        for disavowal in self.lex.disavowal:
            if disavowal.stem_set & own:
                continue
            for spans in self.indexed.spans(disavowal):
                if first <= spans[0][0] < end:
                    return True
        return False


# A sentence that ends in a tag ("..., right?", "..., isn't it?") asserts; it does not ask.
_TAG_QUESTION = re.compile(
    r",\s*(?:right|yeah|yes|no|ok|okay|correct|true|you know|isn'?t it|aren'?t they|"
    r"don'?t you think|wouldn'?t you say|or not|I think|I guess)\s*\?+\s*$",
    re.I,
)


def _is_question(sentence: str) -> bool:
    stripped = sentence.rstrip()
    return stripped.endswith("?") and not _TAG_QUESTION.search(stripped)


def _starts_with(sentence: str, replies: Iterable[Phrase]) -> bool:
    head = IndexedText(" ".join(words(sentence)[:3]))
    return any(head.find(p) == 0 for p in replies)


def question_stems(text: str) -> frozenset[str]:
    """The stems of a question's text: phrases made only of these echo the question."""
    return frozenset(stems(text))
