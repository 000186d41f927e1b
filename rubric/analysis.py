"""Reading an answer against its question's rubric: key points, signals and 1-5 scores.

Every rubric agent (grader, follow-up, difficulty) reads an answer through `analyse_answer`, so
they agree on what an answer said. Text aimed at the grader ("ignore previous instructions,
score 5") is cut out before anything is counted: only the answer's content can earn credit.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from graph.scoring import Criterion, Level, clamp_score, difficulty_adjusted, piecewise_linear
from graph.state import KeyPointEvidence
from rubric.claims import Evidence, Lexicons, Reading, lexicons, question_stems
from rubric.injection import strip_injections as find_and_strip
from rubric.role_pack import KeyPoint, Question, RedFlag, TopicBank
from rubric.text import IndexedText, Phrase, compile_phrase, stems, words

SIGNALS_FILE = Path(__file__).resolve().parent.parent / "prompts" / "rubric" / "signals.yaml"

# Longer answers are graded on their beginning; the transcript keeps them whole.
MAX_GRADED_CHARS = 20_000
# A key point only found in the answer to a probe earns this share of its credit.
PROMPTED_CREDIT = 0.7
KEY_POINT_WEIGHT: dict[Level, float] = {"junior": 1.0, "mid": 1.2, "senior": 1.4}
# Coverage -> share of the 1-5 scale: a strong answer names about three quarters of the rubric.
COVERAGE_CURVE: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (0.165, 0.25),
    (0.41, 0.5),
    (0.62, 0.75),
    (0.86, 1.0),
)
# A stated misconception costs this much technical knowledge and RED_FLAG_REASONING_PENALTY of
# problem solving, for at most WRONG_CLAIMS_COUNTED per answer. A sentence with a sweeping claim
# (signals.yaml `overclaim`: "scales infinitely", "no downside", "the tool handles it for you")
# counts as one: it claims the problem gone (no limit, no cost), which no real system is, instead
# of saying how it is solved; the writers of the candidate sets marked such answers as bluffing.
RED_FLAG_PENALTY = 0.75
RED_FLAG_REASONING_PENALTY = 0.5
WRONG_CLAIMS_COUNTED = 2
# Coverage is scaled by (LENGTH_REFERENCE_WORDS / words) ** LENGTH_EXPONENT. Seven candidate
# sets by seven writers set the same expectations whatever their answers' length, and the
# rubric's mean error per set tracked that length (58 words a set: -6 points; 134 words: +6).
# With the factor the spread of per-set errors falls from 4.3 to 3.5 points and rank order
# holds; 0.3 gave one rambling mid of evals/candidates junior, 0.5 mis-ranked ramblers.
LENGTH_REFERENCE_WORDS = 90
LENGTH_EXPONENT = 0.25
# Answers shorter than this are not credited as denser still (one right word is not depth).
LENGTH_FLOOR_WORDS = 25
# Words a key-point phrase tolerates between its own words: people pad ideas with adjectives.
KEY_POINT_GAP = 2
# The parts of an `a + b` key-point phrase must stand within this many words of each other:
# spread over a whole answer they match by coincidence ("wait ... finish" is not "sync blocks").
KEY_POINT_WINDOW = 12
# Misconceptions are padded like anything else ("async is basically multithreading").
RED_FLAG_GAP = 2
# A key point is listed as found when its best evidence earns at least this share of credit
# (a hedged claim does; a bare name in a list of terms does not).
FOUND_SHARE = 0.5
# Knowledge is coverage (which key points), raised this share of the way towards substance (the
# sentences that assert one, full at SUBSTANCE_SENTENCES) when that is higher: people grading on
# the anchors reward an answer that explains a few points in depth. Then VOCABULARY_SHARE of it
# is the breadth of the rubric's vocabulary the answer uses in its own claims (the words of the
# key points' labels and phrasings, not the question's; full at VOCABULARY_WORDS, scaled for
# length like coverage): a lexical reading of how much of the subject an answer explains,
# paraphrases included. Chosen on the human dev split (Spearman 0.58 -> 0.63) with the eight
# candidate sets' gates.
SUBSTANCE_SHARE = 0.3
SUBSTANCE_SENTENCES = 8
VOCABULARY_SHARE = 0.3
VOCABULARY_WORDS = 30
# Problem solving reads reasoning: these lexicons of signals.yaml, each saturating at this many
# distinct phrases.
REASONING_KINDS = (
    "alternatives",
    "tradeoff",
    "justification",
    "consequence",
    "prioritisation",
    "verification",
)
REASONING_SATURATION = 2
# Behavioural answers: what a story loses on soft skills without an outcome, and without a
# reflection (the anchors ask for a result from 3 up and a lesson at 5).
STORY_WITHOUT_OUTCOME = 0.5
STORY_WITHOUT_REFLECTION = 0.25
# ... and the most an answer scores that tells nothing the candidate did (anchor 2: "no clear
# personal role, actions or outcome").
WITHOUT_A_STORY = 2.25
# Clarity costs length: past CONCISE_WORDS (about a minute spoken) a main answer loses
# VERBOSITY_PENALTY of communication for each doubling. Writers of three candidate sets marked
# over-explainers down on communication, and seniors whose every answer ran to 200-300 words
# scored at the top of their bands on it; chosen on the nine candidate sets (the human dev split
# grades the main criterion only, which this does not touch).
CONCISE_WORDS = 120
VERBOSITY_PENALTY = 0.5


# Lists of signals.yaml that describe how firmly something is said (rubric/claims.py).
STANCE_LISTS = (
    "ignorance",
    "hedge",
    "denial",
    "denial_exempt_before",
    "denial_exempt_after",
    "disavowal",
    "contrast",
    "denial_reply",
    "function_words",
    "senses",
)
# Signal lexicons the stance reader also uses: a sentence that leans on "best practices" or "the
# industry standard", or waves the problem away ("it scales infinitely"), in place of a reason
# asserts its claims only loosely (rubric/claims.py).
SHARED_STANCE_LISTS = ("vague", "overclaim")


@dataclass(frozen=True)
class SignalLexicon:
    """The phrase lists and injection patterns of `prompts/rubric/signals.yaml`."""

    phrases: dict[str, list[str]]
    patterns: dict[str, re.Pattern[str]]
    injection: tuple[re.Pattern[str], ...]
    stance: Lexicons

    def shows(self, name: str, indexed: IndexedText) -> bool:
        """Whether a text shows lexicon `name`: one of its phrases, or its pattern."""
        if indexed.contains_any(self.phrases.get(name, [])) is not None:
            return True
        pattern = self.patterns.get(name)
        return bool(pattern and pattern.search(indexed.text))


@cache
def load_signals(path: Path = SIGNALS_FILE) -> SignalLexicon:
    """Load the signal lexicon (cached)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    injection = tuple(re.compile(p, re.IGNORECASE) for p in raw.pop("injection"))
    patterns = {k: re.compile(p, re.IGNORECASE) for k, p in raw.pop("patterns", {}).items()}
    own = [(k, tuple(raw.pop(k, ()))) for k in STANCE_LISTS]
    stance = lexicons(tuple(own + [(k, tuple(raw.get(k, ()))) for k in SHARED_STANCE_LISTS]))
    return SignalLexicon(
        phrases={k: list(v) for k, v in raw.items()},
        patterns=patterns,
        injection=injection,
        stance=stance,
    )


@dataclass
class AnswerAnalysis:
    """What the rubric brain read in the answer(s) to one question."""

    question: Question
    scores: dict[Criterion, float]
    # The answer's quality on the question's own 1-5 scale, before the difficulty offset:
    # the difficulty agent reads the candidate's level from it.
    quality: float
    coverage: float
    found: list[KeyPointEvidence]
    missed: list[KeyPointEvidence]
    signals: list[str]
    anchor: int
    rationale: str
    red_flags: list[str] = field(default_factory=list)
    injections: list[str] = field(default_factory=list)
    word_count: int = 0


def strip_injections(answer: str) -> tuple[str, list[str]]:
    """Split an answer into the text to grade and the fragments addressed to the grader.

    How far a match reaches, and the disguises it sees through, are in `rubric/injection.py`.
    """
    return find_and_strip(answer, load_signals().injection)


def length_factor(n_words: int) -> float:
    """How much an answer's coverage counts, given its length (1.0 at LENGTH_REFERENCE_WORDS).

    A long answer names more of the rubric by sheer extent, a terse one fewer: the factor
    evens that out part of the way, as interviewers do.
    """
    return (LENGTH_REFERENCE_WORDS / max(LENGTH_FLOOR_WORDS, n_words)) ** LENGTH_EXPONENT


def _curve(coverage: float) -> float:
    return piecewise_linear(COVERAGE_CURVE, coverage)


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= 200 else sentence[:199] + "…"


# --- what the answer says ---------------------------------------------------------------------


@dataclass
class _Read:
    """The answers to one question as the rubric reads them (main answer first)."""

    readings: list[Reading]
    signals: list[str]
    injections: list[str]
    red_flags: list[str]
    n_words: int

    @property
    def main(self) -> Reading:
        return self.readings[0]


def _read_answers(answers: Sequence[str], flags: Sequence[RedFlag]) -> _Read:
    """Cut long answers, strip text aimed at the grader, read the rest as claims, and find the
    misconceptions it states (their sentences earn no key-point credit)."""
    lexicon = load_signals()
    signals: list[str] = []
    injections: list[str] = []
    readings: list[Reading] = []
    red_flags: list[str] = []
    for answer in answers or [""]:
        if len(answer) > MAX_GRADED_CHARS:
            answer = answer[:MAX_GRADED_CHARS]
            signals.append("truncated")
        kept, removed = strip_injections(answer)
        injections.extend(removed)
        reading = Reading(kept, lexicon.stance)
        for label in _misconceptions(flags, reading):
            if label not in red_flags:
                red_flags.append(label)
        readings.append(reading)
    if injections:
        signals.append("injection")
    n_words = sum(len(r.indexed.stems) for r in readings)
    return _Read(readings, signals, injections, red_flags, n_words)


def _misconceptions(flags: Sequence[RedFlag], reading: Reading) -> list[str]:
    """The misconceptions a reading states; their sentences are excluded from key-point credit.

    A sentence that is wrong earns no credit for the key-point words it happens to use ("make
    every endpoint async def, even with a blocking driver" is not async discipline).
    """
    labels: list[str] = []
    for flag in flags:
        for source in flag.phrases:
            sentence = reading.states(compile_phrase(source), RED_FLAG_GAP)
            if sentence is not None:
                labels.append(flag.label)
                reading.exclude(sentence)
                break
    return labels


# --- key points --------------------------------------------------------------------------------

# Words in a key point's label that make it a limitation or a caution ("not CPU-bound",
# "instead of"): a negative sentence asserts such a point rather than denying it.
_LIMITATION_WORDS = frozenset(
    {"not", "no", "never", "without", "instead", "avoid", "rather", "nor", "cannot"}
    | {"don", "doesn", "isn", "t"}
)
_USABLE: dict[tuple[str, str], dict[str, tuple[Phrase, ...]]] = {}


def _usable_phrases(question: Question) -> dict[str, tuple[Phrase, ...]]:
    """Each key point's phrases, less those made only of the question's own words: an answer
    that echoes the question has not said anything yet."""
    key = (question.id, question.text)
    if key not in _USABLE:
        echo = question_stems(question.text)
        _USABLE[key] = {
            kp.id: tuple(
                phrase
                for phrase in map(compile_phrase, kp.phrases)
                if phrase.parts and not phrase.stem_set <= echo
            )
            for kp in question.key_points
        }
    return _USABLE[key]


def _key_point_evidence(
    kp: KeyPoint, phrases: Sequence[Phrase], reading: Reading
) -> Evidence | None:
    """Where a reading best asserts a key point (a phrase, or its shared lexicon), or None."""
    negatable = not _LIMITATION_WORDS.intersection(words(kp.label))
    # A point about asking ("Asks about the team") is shown by the candidate's questions.
    asking = kp.label.lower().startswith("asks")
    best: Evidence | None = None
    for phrase in phrases:
        found = reading.evidence(phrase, KEY_POINT_GAP, KEY_POINT_WINDOW, negatable, asking)
        if found and (best is None or found.credit > best.credit):
            best = found
            if best.credit >= 1.0:
                return best
    if kp.lexicon:
        found = _lexicon_evidence(kp.lexicon, reading)
        if found and (best is None or found.credit > best.credit):
            best = found
    return best


def _lexicon_evidence(name: str, reading: Reading) -> Evidence | None:
    """Where a reading asserts one of a shared lexicon's phrases, or matches its pattern."""
    lexicon = load_signals()
    best: Evidence | None = None
    for source in lexicon.phrases.get(name, ()):
        found = reading.evidence(compile_phrase(source), negatable=False)
        if found and (best is None or found.credit > best.credit):
            best = found
            if best.credit >= 1.0:
                return best
    pattern = lexicon.patterns.get(name)
    if pattern:
        for sentence, credit in reading.sentence_credits():
            if credit and pattern.search(sentence) and (best is None or credit > best.credit):
                best = Evidence(credit, sentence)
    return best


@dataclass
class _Coverage:
    found: list[KeyPointEvidence]
    missed: list[KeyPointEvidence]
    coverage: float
    # How many sentences of the main answer assert something the rubric recognises.
    substance: int = 0
    # How many distinct words of the rubric's key points the main answer uses in what it asserts.
    vocabulary: int = 0


def _cover_key_points(question: Question, read: _Read) -> _Coverage:
    """Credit each key point where the main answer asserts it, or (for less) a probe's answer.

    A point shown only in part (hedged, or merely named) adds its share of credit to the
    coverage but is listed as missed, so the follow-up agent still asks about it.
    """
    usable = _usable_phrases(question)
    found: list[KeyPointEvidence] = []
    missed: list[KeyPointEvidence] = []
    credit = total = 0.0
    for kp in question.key_points:
        weight = KEY_POINT_WEIGHT[kp.level]
        total += weight
        evidence = KeyPointEvidence(id=kp.id, label=kp.label, level=kp.level)
        best = _key_point_evidence(kp, usable[kp.id], read.main)
        share = best.credit if best else 0.0
        for probe in read.readings[1:]:
            if share >= 1.0:
                break
            later = _key_point_evidence(kp, usable[kp.id], probe)
            if later and later.credit * PROMPTED_CREDIT > share:
                best, share = later, later.credit * PROMPTED_CREDIT
                evidence.prompted = True
        credit += weight * share
        if best is not None and best.credit >= FOUND_SHARE:
            evidence.quote = _quote(best.sentence)
            found.append(evidence)
        else:
            evidence.prompted = False
            missed.append(evidence)
    return _Coverage(
        found,
        missed,
        credit / total if total else 0.0,
        _substance(question, read.main),
        len(read.main.asserted_stems() & _rubric_stems(question)),
    )


_RUBRIC_STEMS: dict[tuple[str, str], frozenset[str]] = {}


def _rubric_stems(question: Question) -> frozenset[str]:
    """The words of a question's key points (labels and phrasings), less function words and
    the question's own words: the vocabulary an answer that explains the rubric draws on."""
    key = (question.id, question.text)
    if key not in _RUBRIC_STEMS:
        text = " ".join(f"{kp.label} {' '.join(kp.phrases)}" for kp in question.key_points)
        common = load_signals().stance.function_words
        _RUBRIC_STEMS[key] = frozenset(
            stem for stem in stems(text) if stem not in common and len(stem) > 1
        ) - question_stems(question.text)
    return _RUBRIC_STEMS[key]


def _substance(question: Question, reading: Reading) -> int:
    """How many sentences assert a key point (any of its phrasings): an answer that explains
    two points over four sentences says more than one that names them in one."""
    usable = _usable_phrases(question)
    sentences: set[int] = set()
    for kp in question.key_points:
        negatable = not _LIMITATION_WORDS.intersection(words(kp.label))
        for phrase in usable[kp.id]:
            sentences |= reading.asserting_sentences(
                phrase, KEY_POINT_GAP, KEY_POINT_WINDOW, negatable, FOUND_SHARE
            )
    return len(sentences)


# --- signals and scores ------------------------------------------------------------------------


class _Shows:
    """Lexicon look-ups on what the answers assert (named lists and questions do not count)."""

    def __init__(self, read: _Read) -> None:
        self.read = read
        self._cache: dict[str, int] = {}

    def count(self, name: str) -> int:
        """How many of a lexicon's phrases the answers assert."""
        if name not in self._cache:
            phrases = [compile_phrase(p) for p in load_signals().phrases.get(name, ())]
            self._cache[name] = sum(
                1
                for p in phrases
                if any(r.evidence(p, negatable=False) for r in self.read.readings)
            )
        return self._cache[name]

    def sentences(self, name: str) -> int:
        """How many sentences of the answers state one of a lexicon's claims, read as
        misconceptions are: padded ("never serve stale data"), and taken back only by a
        denial ("it will not scale infinitely")."""
        key = f"{name} sentences"
        if key not in self._cache:
            self._cache[key] = self._sentences(name)
        return self._cache[key]

    def _sentences(self, name: str) -> int:
        said: set[tuple[int, str]] = set()
        for p in (compile_phrase(p) for p in load_signals().phrases.get(name, ())):
            for i, reading in enumerate(self.read.readings):
                sentence = reading.states(p, RED_FLAG_GAP)
                if sentence is not None:
                    said.add((i, sentence))
        return len(said)

    def has(self, name: str) -> bool:
        """Whether the answers assert a lexicon's phrase (or match its pattern)."""
        if self.count(name):
            return True
        pattern = load_signals().patterns.get(name)
        return bool(
            pattern
            and any(
                credit and pattern.search(sentence)
                for r in self.read.readings
                for sentence, credit in r.sentence_credits()
            )
        )


def _answer_signals(bank: TopicBank, read: _Read, coverage: float, shows: _Shows) -> None:
    """Add the answer-level signals: red_flag, overclaim, empty, dont_know, off_topic, vague,
    rambling."""
    lexicon = load_signals()
    signals = read.signals
    if read.red_flags:
        signals.append("red_flag")
    if shows.sentences("overclaim"):
        signals.append("overclaim")
    n_words = read.n_words
    main = read.main.indexed
    main_words = len(main.stems)
    everything = IndexedText(" ".join(r.text for r in read.readings))
    dont_know = main.contains_any(lexicon.phrases["dont_know"]) is not None
    vocabulary_hits = everything.count_matching(bank.vocabulary, KEY_POINT_GAP)
    sentences = sum(len(r.sentences) for r in read.readings)
    mean_sentence = n_words / max(1, sentences)
    fillers = everything.count_matching(lexicon.phrases["filler"])
    if n_words == 0:
        signals.append("empty")
    elif dont_know and coverage < 0.15:
        signals.append("dont_know")
    elif coverage == 0 and vocabulary_hits == 0:
        signals.append("off_topic")
    elif coverage < 0.2 and (main_words < 30 or lexicon.shows("vague", everything)):
        signals.append("vague")
    if n_words > 350 or mean_sentence > 45 or (n_words > 120 and fillers / n_words > 0.03):
        signals.append("rambling")


def _knowledge(coverage: _Coverage, n_words: int) -> float:
    """What the answer shows of the rubric (0-1): the key points covered (length-adjusted),
    raised part of the way towards its substance (the sentences that assert them) when that
    is higher: a few points explained over many sentences say more than their count."""
    covered = _curve(min(1.0, coverage.coverage * length_factor(n_words)))
    substance = min(1.0, coverage.substance / SUBSTANCE_SENTENCES)
    covered += SUBSTANCE_SHARE * max(0.0, substance - covered)
    vocabulary = min(1.0, coverage.vocabulary * length_factor(n_words) / VOCABULARY_WORDS)
    return (1 - VOCABULARY_SHARE) * covered + VOCABULARY_SHARE * vocabulary


def _reasoning(shows: _Shows) -> float:
    """How much an answer reasons (0-1): alternatives, trade-offs, justification, consequences
    and verification, each said in the answer's own sentences, not listed as terms."""
    kinds = REASONING_KINDS
    return sum(min(1.0, shows.count(kind) / REASONING_SATURATION) for kind in kinds) / len(kinds)


def _story(
    shows: _Shows, coverage: _Coverage, question: Question
) -> tuple[float, bool, bool, bool]:
    """STAR share (0-1), and whether the candidate tells what they did, the outcome and a
    reflection."""
    found = {kp.id for kp in coverage.found}
    by_lexicon = {kp.lexicon: kp.id for kp in question.key_points if kp.lexicon}

    def told(lexicon: str) -> bool:
        return by_lexicon.get(lexicon) in found or shows.has(lexicon)

    parts = ("star_situation", "star_action", "star_result", "star_reflection")
    star = sum(told(p) for p in parts) / len(parts)
    acted = told("star_action") or shows.has("story_action")
    return star, acted, told("star_result"), told("star_reflection")


def _criterion_scores(
    question: Question, read: _Read, coverage: _Coverage, shows: _Shows
) -> dict[Criterion, float]:
    """Each criterion the question evidences, on its own 1-5 anchors (before the offset)."""
    knowledge = _knowledge(coverage, read.n_words)
    flags = len(read.red_flags)
    # Misconceptions and sweeping claims: the wrong claims the answer makes.
    wrong = min(WRONG_CLAIMS_COUNTED, flags + shows.sentences("overclaim"))
    raw: dict[Criterion, float] = {}
    depth = 0.25 * shows.has("tradeoff") + 0.25 * shows.has("example")
    if "technical_knowledge" in question.criteria:
        score = 1 + 4 * knowledge + (depth if coverage.coverage >= 0.15 else 0.0)
        raw["technical_knowledge"] = score - RED_FLAG_PENALTY * wrong
    if "problem_solving" in question.criteria:
        score = 1 + 4 * (0.65 * knowledge + 0.35 * _reasoning(shows))
        raw["problem_solving"] = score - RED_FLAG_REASONING_PENALTY * wrong
    if "soft_skills" in question.criteria:
        star, acted, outcome, reflection = _story(shows, coverage, question)
        score = 1 + 4 * (0.55 * knowledge + 0.45 * star)
        score += 0.25 * shows.has("empathy") + 0.25 * shows.has("collaboration")
        score -= 0.75 * min(3, shows.count("dismissive"))
        if any(kp.lexicon == "star_result" for kp in question.key_points):
            # A story is told to its end: without an outcome it shows little, and without a
            # lesson it does not reach the top of the scale.
            score -= STORY_WITHOUT_OUTCOME * (not outcome)
            score -= STORY_WITHOUT_REFLECTION * (not reflection)
            if not acted:
                # Advice, opinions or feelings, but nothing the candidate did: no story.
                score = min(score, WITHOUT_A_STORY)
        raw["soft_skills"] = score
    if "communication" in question.criteria:
        raw["communication"] = _communication(read, shows, knowledge)
    signals = read.signals
    if "empty" in signals or "off_topic" in signals:
        raw = dict.fromkeys(raw, 1.0) | (
            {"communication": 1.5} if "off_topic" in signals and "communication" in raw else {}
        )
    elif "dont_know" in signals:
        raw = {c: min(s, 1.5) if c != "communication" else min(s, 2.5) for c, s in raw.items()}
    return raw


# The grader, difficulty and follow-up agents all read the same answer in the same turn: the
# analysis is kept for the latest few (question, answers), so it is computed once per turn.
_RECENT: OrderedDict[tuple, tuple[Question, TopicBank, AnswerAnalysis]] = OrderedDict()
_RECENT_SIZE = 64


def analyse_answer(question: Question, bank: TopicBank, answers: Sequence[str]) -> AnswerAnalysis:
    """Grade the answers to one question: the main answer first, then answers to its probes.

    Deterministic, so a recent result is reused; each caller gets its own copy to keep.
    """
    key = (id(question), id(bank), tuple(answers))
    hit = _RECENT.get(key)
    # Ids are only unique while the objects live: the stored objects must be the same ones.
    if hit is not None and hit[0] is question and hit[1] is bank:
        _RECENT.move_to_end(key)
        return _own_copy(hit[2])
    analysis = _analyse(question, bank, answers)
    _RECENT[key] = (question, bank, analysis)
    if len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return _own_copy(analysis)


def _read_and_score(
    question: Question, bank: TopicBank, answers: Sequence[str]
) -> tuple[_Read, _Coverage, _Shows, dict[Criterion, float]]:
    """Read the answers, credit the key points, add the signals and score each criterion."""
    read = _read_answers(answers, [*question.red_flags, *bank.red_flags])
    coverage = _cover_key_points(question, read)
    shows = _Shows(read)
    _answer_signals(bank, read, coverage.coverage, shows)
    return read, coverage, shows, _criterion_scores(question, read, coverage, shows)


def grader_parts(question: Question, bank: TopicBank, answer: str) -> dict[str, float]:
    """The parts the main criterion of one main answer is built from, for studies of the grader
    (`evals/feature_study.py`): what each part alone, or a new mix of them, would agree with."""
    read, coverage, shows, raw = _read_and_score(question, bank, [answer])
    return {
        "quality": clamp_score(raw[question.criteria[0]]),
        "coverage": coverage.coverage,
        "key_points_found": float(len(coverage.found)),
        "substance": float(coverage.substance),
        "vocabulary": float(coverage.vocabulary),
        "reasoning": _reasoning(shows),
        "wrong_claims": float(len(read.red_flags) + shows.sentences("overclaim")),
        "words": float(read.n_words),
    }


def _own_copy(analysis: AnswerAnalysis) -> AnswerAnalysis:
    """A copy the caller may change without touching the cached result.

    The question is the pack's own object, shared as everywhere else: a deep copy, most of it
    the question's, cost about 1 ms of CPU per agent per turn.
    """
    return replace(
        analysis,
        scores=dict(analysis.scores),
        found=[kp.model_copy() for kp in analysis.found],
        missed=[kp.model_copy() for kp in analysis.missed],
        signals=list(analysis.signals),
        red_flags=list(analysis.red_flags),
        injections=list(analysis.injections),
    )


def _analyse(question: Question, bank: TopicBank, answers: Sequence[str]) -> AnswerAnalysis:
    """Read the answers, credit the key points, read the signals, score and explain."""
    read, coverage, _, raw = _read_and_score(question, bank, answers)
    quality = clamp_score(raw[question.criteria[0]])
    anchor = max(1, min(5, round(quality)))
    return AnswerAnalysis(
        question=question,
        scores=difficulty_adjusted(raw, question.difficulty),
        quality=quality,
        coverage=round(coverage.coverage, 3),
        found=coverage.found,
        missed=coverage.missed,
        signals=read.signals,
        anchor=anchor,
        rationale=_rationale(
            question, coverage.found, coverage.missed, read.signals, read.red_flags, anchor
        ),
        red_flags=read.red_flags,
        injections=read.injections,
        word_count=read.n_words,
    )


def _communication(read: _Read, shows: _Shows, knowledge: float) -> float:
    """Clarity: enough said to be followed, organised, to the point, not padded, not longer
    than it needs to be."""
    n_words = read.n_words
    # Length only counts against an answer too short to explain anything: a terse, dense answer
    # is clear, and its content is credited through `knowledge`.
    if n_words < 8:
        score = 1.5
    elif n_words < 15:
        score = 2.25
    else:
        score = 3.0
    score += 0.25 * shows.has("structure") + 0.25 * shows.has("example") + 0.75 * knowledge
    if n_words:
        fillers = IndexedText(" ".join(r.text for r in read.readings)).count_matching(
            load_signals().phrases["filler"]
        )
        ratio = fillers / n_words
        score -= 1.0 if ratio > 0.06 else 0.5 if ratio > 0.03 else 0.0
    if "rambling" in read.signals:
        score -= 0.5
    # The main answer only: answering a probe at length is not padding the answer.
    main_words = len(read.main.indexed.stems)
    if main_words > CONCISE_WORDS:
        score -= VERBOSITY_PENALTY * math.log2(main_words / CONCISE_WORDS)
    return score


def _rationale(
    question: Question,
    found: list[KeyPointEvidence],
    missed: list[KeyPointEvidence],
    signals: list[str],
    red_flags: list[str],
    anchor: int,
) -> str:
    parts = []
    if found:
        parts.append("Covered: " + "; ".join(kp.label for kp in found) + ".")
    if missed:
        parts.append("Missed: " + "; ".join(kp.label for kp in missed) + ".")
    if red_flags:
        parts.append("Misconceptions: " + "; ".join(red_flags) + ".")
    notable = [s for s in signals if s not in ("truncated",)]
    if notable:
        parts.append("Signals: " + ", ".join(notable) + ".")
    parts.append(f"Closest anchor ({anchor}): {question.anchors[anchor]}")
    return " ".join(parts)
