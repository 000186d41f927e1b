"""Prompt files: Markdown with `{named}` placeholders, loaded once and rendered with values.

Literal braces in a prompt are doubled (`{{` and `}}`); values are inserted as they are, so
candidate text cannot add placeholders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent


@cache
def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.md`."""
    return (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")


def render_prompt(prompt: str, /, **values: object) -> str:
    """`prompts/<prompt>.md` with its placeholders filled in."""
    return load_prompt(prompt).format(**values)
