"""Understanding a candidate's turn before anything grades it (rubric brain, deterministic).

A message is one of four things:
- `answer`: anything that says something about the question, including hedged answers ("I'm
  not sure, but I think ..."), honest "I don't know"s, tentative one-liners put as a question
  ("Connection pooling?") and answers that ask themselves a question on the way ("Should we
  cache it? I'd say yes, because ...");
- `clarification_request`: the candidate asks what the question means: to hear it again
  (`repeat`), what a term means (`define`, with the term), how wide it is (`scope`: "do you
  mean users or services?", "can I assume PostgreSQL?"), or to have it put another way
  (`rephrase`);
- `question`: a question to Sophia about the role, the team or the process;
- `skip`: the candidate asks to move on.

How it reads a message: it is split into sentences; sentences that only set up or soften
("Sorry,", "Good question.", "I don't know.", "That's all.") carry no content. When the rest
says something of substance, the message is an answer, whatever questions it contains. When it
does not, the questions decide: a request for clarification first, then a question about the
role or the team; a yes/no question about the subject with neither is a tentative answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from graph.state import Intent
from rubric.text import clean_answer

ClarificationRequest = Literal["repeat", "define", "scope", "rephrase"]

# Words of substance a message needs, beyond its set-up and softeners, to count as an answer
# when it also asks something.
SUBSTANCE_WORDS = 5
# A skip is a short request; a longer message that mentions moving on is an answer.
MAX_SKIP_WORDS = 12
# A term asked about is a few words long; more is a question about something else.
MAX_TERM_WORDS = 5

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


SKIP = _rx(
    r"^\W*(?:skip|pass|next)\W*(?:please|thanks|thank you)?\W*$",
    r"\bskip (?:this|that|it|the question|this question|that question)\b",
    r"\b(?:can|could|may) (?:we|i) (?:skip|pass)\b",
    r"\b(?:i'd|i would|id) like to skip\b",
    r"\b(?:let's|lets|let us|i'll|i will) skip\b",
    r"\b(?:i'll|i will|i'd|i would|let me) pass\b",
    r"\bpass on (?:this|that|it)\b",
    r"\bnext (?:question|one)\b",
    r"\b(?:let's|lets|let us|can we|could we|shall we) (?:just )?move on\b",
    r"\bmove (?:on )?to the next\b",
    r"\brather not answer\b",
    r"\bcome back to (?:this|it|that) later\b",
)

# --- requests for clarification ----------------------------------------------------------------

REPEAT = _rx(
    r"\brepeat\b",
    r"\bsay (?:that|it|the question) (?:again|once more)\b",
    r"\bcome again\b",
    r"\bonce more\b",
    r"\bone more time\b",
    r"\bdidn'?t (?:catch|hear|get) (?:that|it|the question|you)\b",
    r"\bmissed (?:that|the question)\b",
    r"^\W*(?:sorry|pardon|pardon me|excuse me|huh|what|sorry what)\W*$",
)
# "I'm not familiar with the term sharding": a request even without a question mark.
STATEMENT_DEFINE = re.compile(
    r"\b(?:not familiar with|never heard of|haven't heard of|don't know) "
    r"(?:the|that|this) (?:term|word|phrase|acronym) (?P<term>.+)",
    re.I,
)
# Each captures the term asked about as `term`.
DEFINE = (
    re.compile(r"\bwhat do you mean (?:by|when you say) (?P<term>.+)", re.I),
    re.compile(r"\bwhat (?:is|are|'s) meant by (?P<term>.+)", re.I),
    re.compile(r"\bwhat (?:does|do) (?P<term>.+?) (?:mean|stand for|refer to)\b", re.I),
    re.compile(
        r"\b(?:can|could|would) you (?:please )?(?:quickly )?(?:explain|define) "
        r"(?:what )?(?P<term>.+)",
        re.I,
    ),
    re.compile(r"^(?:please )?(?:explain|define) (?P<term>.+)", re.I),
    STATEMENT_DEFINE,
    re.compile(r"\b(?:not sure|don't know|no idea) what (?P<term>.+?) (?:means|is)\b", re.I),
)
# "what is X?" asks for a definition only when X is a short term (not "your stack").
WHAT_IS = re.compile(
    r"(?:^|[,:;]\s*|\b(?:so|and|but|sorry|then|ok|okay)\s+)what(?: is|'s| are| exactly is) "
    r"(?P<term>[^?]+)",
    re.I,
)
SCOPE = _rx(
    r"\b(?:do|did) you mean (?!\?|$)\w",
    r"\bwhen you say\b",
    r"\b(?:is it|would it be|is that) (?:ok|okay|fine|alright|all right)\b",
    r"\b(?:can|could|may|should|shall) i (?:just )?(?:assume|focus|consider|treat|pick|choose|"
    r"go with|talk about|limit|ignore|stick to|start with|cover|include|use)\b",
    r"\b(?:should i|do i need to|do you want me to|would you like me to) "
    r"(?:focus|cover|include|talk|consider|assume|start|go into|describe|design)\b",
    r"\b(?:are|were) (?:we|you) (?:talking|asking) about\b",
    r"\bis (?:this|it|that|the question) (?:about|for|in the context of|specifically)\b",
    r"\bhow (?:much|deep|detailed|far)\b.{0,30}\b(?:detail|depth|go|answer|want)\b",
    r"\bdo you want (?:the|a|me|it|only|just)\b",
    r"\bin (?:which|what) context\b",
    r"\b(?:which|what) (?:part|case|scenario|kind of system|scale)\b",
    r"\babout what\b",
    r"\bwhat (?:are|is) the (?:assumptions|constraints|requirements)\b",
)
REPHRASE = _rx(
    r"\bwhat do you mean\W*$",
    r"\bclarify\b",
    r"\brephrase\b",
    r"\breword\b",
    r"\belaborate\b",
    r"\b(?:put|say|ask) (?:that|it|the question) (?:another|a different|in another|differently)",
    r"\b(?:more|some|a bit more|a little more) context\b",
    r"\bexample of what you\b",
    r"\bwhat (?:exactly )?(?:are|were) you (?:asking|looking for|after)\b",
    r"\bwhat(?:'s| is) the question\b",
    r"\bwhat do you want (?:me to|to hear|to know)\b",
    r"\b(?:don't|do not|didn't|did not) (?:understand|get|follow) (?:the|your|what|that|it)\b",
    r"\bnot sure (?:what|i) (?:you(?:'re| are)? (?:asking|mean|after|looking for)|follow|"
    r"understand)\b",
    r"\bi'?m lost\b",
    r"\bnot sure i (?:follow|understand)\b",
    r"\b(?:give|get) (?:me )?(?:a |some )?hint\b",
    r"\bwhat(?:'s| is) the difference\b",
    r"\bmeaning of the question\b",
)

# Sentences that are not questions but ask all the same ("I don't understand the question").
STATEMENT_REPHRASE = _rx(
    r"\b(?:don't|do not|didn't|did not) (?:understand|get|follow) (?:the question|your question|"
    r"what you|that|you)\b",
    r"\bnot sure (?:what you(?:'re| are)? (?:asking|mean|after|looking for)|i (?:follow|"
    r"understand)(?: the question)?)\b",
    r"\bi'?m lost\b",
    r"^(?:please )?(?:clarify|rephrase|elaborate|reword)\b",
    r"\b(?:some|more|a bit more|a little more) context (?:please|would help)\b",
)
STATEMENT_REPEAT = _rx(
    r"\bdidn'?t (?:catch|hear) (?:that|it|the question|you)\b",
    r"^(?:please )?repeat\b",
    r"\bmissed the question\b",
)
# A sentence that opens with a hedge is a tentative answer, question mark or not ("I think if
# you call something blocking in it, that's bad?").
HEDGED = _rx(
    r"^(?:i think|i guess|i believe|i'd say|i would say|i suppose|my guess is|would it be|"
    r"could it be|isn't it|wouldn't it be|you'd|you would|because)\b",
)

# "Could you give me the numbers?": a request about the question, when no other reading fits.
ASKS_FOR_DETAIL = _rx(
    r"^(?:can|could|would) you (?:please )?(?:give|tell|show|share|provide) (?:me|us)\b"
)

# --- questions to Sophia -----------------------------------------------------------------------

# Words that put a question about the job rather than about the interview question.
ROLE_WORDS = _rx(
    r"\bteams?\b",
    r"\bcompany(?:'s)?\b",
    r"\borgani[sz]ation\b",
    r"\brole\b",
    r"\bposition\b",
    r"\bjob\b",
    r"\bon-?call\b",
    r"\bsalary\b",
    r"\bpay(?:ment)?\b",
    r"\bpaid\b",
    r"\bbenefits\b",
    r"\bremote\b",
    r"\bhybrid\b",
    r"\boffice\b",
    r"\b(?:tech |technology )?stack\b",
    r"\bcode reviews?\b",
    r"\bdeploy(?:s|ment|ments)?\b",
    r"\breleases?\b",
    r"\bprocess\b",
    r"\bnext steps?\b",
    r"\binterview\b",
    r"\bmanager\b",
    r"\breport to\b",
    r"\bmentor(?:ing|ship|s)?\b",
    r"\bonboarding\b",
    r"\bnew (?:joiners|hires|people)\b",
    r"\bfirst (?:few )?(?:days|weeks|months|year|90 days)\b",
    r"\bculture\b",
    r"\bpair programming\b",
    r"\bconferences?\b",
    r"\btraining\b",
    r"\bpromot\w*\b",
    r"\bcareer\b",
    r"\bgrowth\b",
    r"\bhiring\b",
    r"\bcolleagues\b",
    r"\broadmap\b",
    r"\btime zones?\b",
    r"\bvacation|holidays?\b",
    r"\bequity|stock options\b",
    # "you" as the company: "do you use ...", "your stack", "here", "would I ..."
    r"\b(?:do|does|did|are|have) (?:you|y'all|you guys)\b",
    r"\byour\b",
    r"\bhere\b",
    r"\b(?:will|would|could|can|do|should) i (?:be|get|have|work|join|report|need|start)\b",
)
# Statements that ask ("I'd love to know how ...") are questions too.
INDIRECT_QUESTION = _rx(
    r"^(?:i'd|i would) (?:love|like) to (?:know|hear|understand|learn)\b",
    r"^i (?:was|am|'m) (?:wondering|curious)\b",
    r"^i'?m (?:wondering|curious)\b",
    r"^i wonder\b",
    r"^(?:please )?tell me (?:about|more|how|what|whether|if)\b",
    r"^(?:could|can) you tell me\b",
)
# A sentence without a question mark is still a question when it opens like one.
QUESTION_OPENING = _rx(
    r"^(?:can|could|would|will) (?:you|we|i)\b",
    r"^(?:do|does|did) (?:you|we|i|the|it|your)\b",
    r"^(?:is|are) (?:it|there|this|that|we|the|your)\b",
    r"^what(?:'s| is| are| does| do)\b",
    r"^how (?:do|does|is|are|many|much|big|often|long)\b",
    r"^(?:who|where|when) (?:is|are|would|will|do|does)\b",
)
ANNOUNCES_QUESTIONS = _rx(
    r"\b(?:i have|i've got|i got|got|have) (?:a|one|some|a few|a couple of|two|three|few) "
    r"(?:quick |small |more )?questions?\b",
    r"\bquestion for you\b",
)

# --- what carries no content of its own --------------------------------------------------------

# Set-up and softeners that may open a sentence ("Sorry, what is ...", "Before I answer, ...").
LEAD_IN = re.compile(
    r"^(?:(?:sorry|ok|okay|sure|right|yes|yeah|yep|hmm+|um+|uh+|erm|well|so|thanks|thank you|"
    r"great question|good question|quick question|one question|just to (?:check|clarify|be "
    r"sure|confirm)|before i answer|before i start|before we go on|first|also|and|oh|ah|"
    r"i have a question|a question|one more|maybe|perhaps|probably|possibly)\W+)+",
    re.I,
)
# Whole sentences with no content: pleasantries, "I don't know", "that's all", announcements.
HOLLOW = _rx(
    r"^\W*(?:sorry|ok|okay|sure|right|yes|yeah|yep|no|nope|hmm+|um+|uh+|erm|well|thanks|"
    r"thank you|great|cool|got it|i see|alright|all right|good question|great question|"
    r"interesting question|let me think|let me see|one sec|one second)\W*$",
    r"^\W*(?:i|i'm|i am|honestly i|to be honest,? i)\W+(?:really\W+)?(?:don'?t|do not) "
    r"(?:really )?know\W*$",
    r"^\W*(?:no idea|not sure|i'?m not sure|i am not sure)\W*$",
    r"\b(?:that'?s (?:it|all|everything|pretty much (?:it|all|everything))|nothing (?:else|more|"
    r"from me)|no (?:more |other |further )?questions|i'?m done|that covers it)\b",
    r"\b(?:you'?ve|you have) (?:covered|answered) (?:everything|it all)\b",
)
# At the wrap-up, "yes" means "I have questions".
CLOSING_YES = _rx(
    r"^\W*(?:yes|yeah|yep|sure|i do|a few|a couple|one|some|definitely|absolutely|of course)"
    r"\W*(?:please|thanks|actually)?\W*$",
)
_NEGATED_QUESTIONS = _rx(r"\bno(?:t| more| other)? (?:any )?questions?\b", r"\bdon'?t have any\b")
_PRONOUN_TERM = re.compile(r"^(?:it|that|this|they|them|those|these|you|we|i)$", re.I)
_ARTICLE = re.compile(r"^(?:(?:a|an|the|this|that)\s+)?(?:(?:term|word|phrase|acronym)\s+)?", re.I)
_TERM_TAIL = re.compile(
    r"(?:\s+(?:is|are|means|mean|means here|here|exactly|again|please|in this context|"
    r"in this case|for you|is about))+$",
    re.I,
)


@dataclass(frozen=True)
class TurnIntent:
    """What a candidate's message is, and for a clarification request, what it asks for."""

    intent: Intent
    request: ClarificationRequest | None = None
    # The term a `define` request asks about, as the candidate wrote it.
    term: str | None = None
    reason: str = ""


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _core(sentence: str) -> str:
    """The sentence without the set-up that opens it ("Sorry, before I answer, ...")."""
    return LEAD_IN.sub("", sentence).strip()


def _is_question(sentence: str) -> bool:
    core = _core(sentence)
    return (
        sentence.rstrip().endswith("?")
        or bool(QUESTION_OPENING.search(core))
        or bool(INDIRECT_QUESTION.search(core))
    )


def _clean_term(raw: str) -> str | None:
    term = raw.strip().strip("?.!,;:").strip().strip("'\"`").strip()
    term = _TERM_TAIL.sub("", term)
    term = _ARTICLE.sub("", term).strip().strip("'\"`").strip()
    if not term or len(_words(term)) > MAX_TERM_WORDS or _PRONOUN_TERM.match(term):
        return None
    return term


def _term_asked(sentence: str) -> tuple[bool, str | None]:
    """Whether the sentence asks what a term means, and the term (None: "what is it?")."""
    for pattern in DEFINE:
        if (match := pattern.search(sentence)) and not _PRONOUN_TERM.match(
            match.group("term").strip().strip("?.!").strip()
        ):
            return True, _clean_term(match.group("term"))
    if match := WHAT_IS.search(sentence):
        raw = match.group("term")
        if ROLE_WORDS.search(raw) or REPHRASE.search(sentence):
            return False, None
        term = _clean_term(raw)
        if term is not None:
            return True, term
        if _PRONOUN_TERM.match(raw.strip().strip("?.!").strip()):
            return True, None
    return False, None


def _clarification(sentence: str) -> tuple[ClarificationRequest | None, str | None]:
    """The clarification a sentence asks for, if any, and the term for `define`."""
    core = _core(sentence) or sentence
    if REPEAT.search(core) or REPEAT.search(sentence):
        return "repeat", None
    asks_term, term = _term_asked(core)
    if asks_term:
        return "define", term
    if SCOPE.search(core):
        return "scope", None
    if REPHRASE.search(core):
        return "rephrase", None
    if ASKS_FOR_DETAIL.search(core) and not ROLE_WORDS.search(core):
        return "scope", None
    return None, None


@dataclass
class _Reading:
    """A message sorted sentence by sentence."""

    asking: list[str] = field(default_factory=list)
    clarifications: list[tuple[ClarificationRequest, str | None]] = field(default_factory=list)
    substance: list[str] = field(default_factory=list)
    announces: bool = False

    def substance_words(self) -> int:
        return sum(len(_words(s)) for s in self.substance)


def _read(sentences: list[str], closing: bool) -> _Reading:
    """Sort each sentence: a question (and what it asks), a request, content, or set-up.

    Outside the wrap-up, reading stops once the message has said something of substance: it is
    an answer then, whatever follows (`classify_turn`), and the rest of a long answer would
    cost about 0.3 ms on the path to Sophia's reply.
    """
    reading = _Reading()
    for sentence in sentences:
        if not closing and reading.substance_words() >= SUBSTANCE_WORDS:
            break
        core = _core(sentence) or sentence
        if HEDGED.search(core):
            reading.substance.append(core)
        elif _is_question(sentence):
            reading.asking.append(sentence)
            request, term = _clarification(sentence)
            if request:
                reading.clarifications.append((request, term))
        elif STATEMENT_REPEAT.search(core):
            reading.clarifications.append(("repeat", None))
        elif STATEMENT_REPHRASE.search(core):
            reading.clarifications.append(("rephrase", None))
        elif (define := STATEMENT_DEFINE.search(core)) is not None:
            # "I'm not familiar with the term sharding." asks, even without a question mark.
            reading.clarifications.append(("define", _clean_term(define.group("term"))))
        elif (ANNOUNCES_QUESTIONS.search(core) and not _NEGATED_QUESTIONS.search(core)) or (
            closing and CLOSING_YES.search(sentence)
        ):
            reading.announces = True
        elif not HOLLOW.search(sentence):
            reading.substance.append(core)
    return reading


def _question_without_request(asking: list[str]) -> TurnIntent:
    """A question that asks for no clarification: about the job, the case meant, or a guess."""
    if any(ROLE_WORDS.search(_core(s)) for s in asking):
        return TurnIntent("question", reason="asks about the role or the team")
    core = _core(asking[0])
    if " or " in f" {core.lower()} ":
        return TurnIntent("clarification_request", "scope", reason="asks which case is meant")
    if re.match(r"^(?:what|how|why|which|who|where|when)\b", core, re.I):
        return TurnIntent("clarification_request", "scope", reason="asks about the situation")
    return TurnIntent("answer", reason="a tentative answer put as a question")


def classify_turn(text: str, *, closing: bool = False) -> TurnIntent:
    """Classify a candidate's message.

    `closing` says Sophia has just asked whether the candidate has questions (or whether there
    is anything else): there, any question is a question to Sophia, a bare "yes" announces
    some, and a message without one means the candidate is done.
    """
    text = clean_answer(text).translate(_QUOTES)
    words = _words(text)
    if not words:
        return TurnIntent("answer", reason="empty")
    if len(words) <= MAX_SKIP_WORDS and SKIP.search(text):
        return TurnIntent("skip", reason="asks to move on")
    reading = _read(_sentences(text), closing)
    if closing and len(reading.asking) > len(reading.clarifications):
        return TurnIntent("question", reason="a question at the wrap-up")
    if reading.substance_words() >= SUBSTANCE_WORDS:
        return TurnIntent("answer", reason="says something of substance")
    if reading.clarifications:
        request, term = reading.clarifications[0]
        if request == "define" and term is None:
            term = next((t for r, t in reading.clarifications if r == "define" and t), None)
        return TurnIntent("clarification_request", request, term, reason="asks what it means")
    if reading.asking:
        if closing:
            return TurnIntent("question", reason="a question at the wrap-up")
        return _question_without_request(reading.asking)
    if reading.announces:
        return TurnIntent("question", reason="announces a question")
    return TurnIntent("answer", reason="no question asked")
