"""Sophia's templated lines for the rubric brain (`prompts/rubric/phrasing.yaml`).

Lines are picked by a stable hash of a seed (the question id and turn), so wording varies across
an interview but the same interview always reads the same.
"""

from __future__ import annotations

import zlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PHRASING_FILE = Path(__file__).resolve().parent.parent / "prompts" / "rubric" / "phrasing.yaml"


@cache
def load_phrasing(path: Path = PHRASING_FILE) -> dict[str, Any]:
    """Load the phrasing templates (cached)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pick(options: list[str], seed: str) -> str:
    """A deterministic choice among `options` for `seed`."""
    return options[zlib.crc32(seed.encode("utf-8")) % len(options)]


def line(path: str, seed: str, **values: str) -> str:
    """Render the template at `path` (dot-separated, e.g. `acknowledge.strong`) for `seed`."""
    node: Any = load_phrasing()
    for key in path.split("."):
        node = node[key]
    return pick(node, seed).format(**values).strip()
