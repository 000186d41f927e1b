"""Sophia's templated lines for the rubric brain (`prompts/rubric/phrasing.yaml`).

Each interview reads the variants of a slot in its own order (seeded by the thread id), and a
`Phrasebook` never says a line twice: it skips the variants the interview has used (their ids
are kept in state) and any variant that would repeat a sentence of `REPEAT_MIN_WORDS` words or
more that Sophia has already said.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PHRASING_FILE = Path(__file__).resolve().parent.parent / "prompts" / "rubric" / "phrasing.yaml"
# Sentences this long or longer are never said twice in an interview ("Thank you." may be).
REPEAT_MIN_WORDS = 6

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")


@cache
def load_phrasing(path: Path = PHRASING_FILE) -> dict[str, Any]:
    """Load the phrasing templates (cached)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def templates(slot: str) -> list[str]:
    """The variants of a slot (dot-separated, e.g. `acknowledge.term`)."""
    node: Any = load_phrasing()
    for key in slot.split("."):
        node = node[key]
    return list(node)


def long_sentences(text: str) -> list[str]:
    """The sentences of `text` that may not be said twice, normalised (lower-case words)."""
    found = []
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence.lower())
        if len(words) >= REPEAT_MIN_WORDS:
            found.append(" ".join(words))
    return found


def variant_order(slot: str, seed: str, count: int) -> list[int]:
    """The order in which one interview (`seed`) tries a slot's `count` variants."""
    order = list(range(count))
    random.Random(zlib.crc32(f"{seed}:{slot}".encode())).shuffle(order)
    return order


class Phrasebook:
    """The lines of one interview: picked in the interview's order, none said twice."""

    def __init__(self, seed: str, said: Iterable[str] = (), spoken: Iterable[str] = ()) -> None:
        self.seed = seed
        self.said = set(said)
        self.spoken = {s for text in spoken for s in long_sentences(text)}
        # Line ids used by this book (to keep in state).
        self.used: list[str] = []

    def repeats(self, text: str) -> bool:
        """Whether `text` would repeat a long sentence already said."""
        return any(s in self.spoken for s in long_sentences(text))

    def note(self, text: str) -> None:
        """Remember `text` as said (text that did not come from a slot: questions, FAQ)."""
        self.spoken.update(long_sentences(text))

    def line(self, slot: str, **values: str) -> str:
        """A variant of `slot`, rendered with `values`, that this interview has not said.

        A variant already used is taken only when every fresh one would repeat a sentence; when
        every variant would, the first is said anyway (use `optional_line` to say nothing).
        """
        picked = self._pick(slot, values)
        if picked is None:
            index = variant_order(slot, self.seed, len(templates(slot)))[0]
            picked = (f"{slot}.{index}", templates(slot)[index].format(**values).strip())
        return self._use(*picked)

    def optional_line(self, slot: str, **values: str) -> str | None:
        """Like `line`, but None when every variant would repeat a sentence already said."""
        picked = self._pick(slot, values)
        return None if picked is None else self._use(*picked)

    def _pick(self, slot: str, values: dict[str, str]) -> tuple[str, str] | None:
        variants = templates(slot)
        reused: tuple[str, str] | None = None
        for index in variant_order(slot, self.seed, len(variants)):
            line_id = f"{slot}.{index}"
            text = variants[index].format(**values).strip()
            if self.repeats(text):
                continue
            if line_id not in self.said:
                return line_id, text
            reused = reused or (line_id, text)
        return reused

    def _use(self, line_id: str, text: str) -> str:
        self.said.add(line_id)
        self.used.append(line_id)
        self.note(text)
        return text
