"""Learning resources from a curated catalogue of stable documentation pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from langchain_core.tools import tool

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue" / "learning_resources.yaml"


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, list[dict[str, str]]]:
    """The catalogue: topic -> resources with title, url and kind (cached)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]


@tool
def find_learning_resources(topic: str, limit: int = 3) -> list[dict[str, str]]:
    """Find learning resources (official docs, specs, books) for an interview topic.

    `topic` is one of the interview topics, e.g. "caching", "database_access", "auth".
    Returns up to `limit` entries of {title, url, kind}; an empty list for an unknown topic.
    """
    return [dict(r) for r in load_catalogue().get(topic, [])[: max(0, limit)]]
