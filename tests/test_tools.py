"""The LangChain tools Sophia's agents call."""

from __future__ import annotations

from graph.state import TOPICS
from graph.store import save_profile
from tools import (
    find_learning_resources,
    generate_coaching_suggestions,
    lookup_candidate_profile,
)
from tools.learning_resources import load_catalogue


async def test_lookup_candidate_profile_returns_only_the_interview_fields(store):
    profile = {"id": "c1", "name": "Ada", "years_experience": 4, "notes": "staff only"}
    await save_profile(store, profile)
    found = await lookup_candidate_profile.ainvoke({"candidate_id": "c1", "store": store})
    assert found == {"found": True, "name": "Ada", "years_experience": 4}
    missing = await lookup_candidate_profile.ainvoke({"candidate_id": "nope", "store": store})
    assert missing == {"found": False}


def test_injected_arguments_are_hidden_from_the_model():
    profile = lookup_candidate_profile.tool_call_schema.model_json_schema()
    assert not profile.get("properties")  # neither the store nor whose profile it reads
    coaching = generate_coaching_suggestions.tool_call_schema.model_json_schema()["properties"]
    assert "role" not in coaching and "topic" in coaching


def test_every_topic_has_stable_https_resources():
    catalogue = load_catalogue()
    for topic in TOPICS:
        entries = catalogue[topic]
        assert len(entries) >= 2, topic
        for entry in entries:
            assert entry["url"].startswith("https://") and entry["title"], entry


def test_find_learning_resources():
    assert len(find_learning_resources.invoke({"topic": "caching", "limit": 2})) == 2
    assert find_learning_resources.invoke({"topic": "knitting"}) == []


def test_coaching_suggestions_use_missed_points_and_level():
    junior = generate_coaching_suggestions.invoke(
        {"topic": "caching", "missed_points": ["Invalidates on write"], "level": "junior"}
    )
    assert junior["area"] == "Caching strategies"
    assert any("invalidates on write" in p.lower() for p in junior["practice"])
    assert any("small project" in p for p in junior["practice"])
    senior = generate_coaching_suggestions.invoke(
        {"topic": "caching", "missed_points": [], "level": "senior"}
    )
    assert any("trade-off" in p for p in senior["practice"])
    unknown = generate_coaching_suggestions.invoke({"topic": "knitting", "missed_points": []})
    assert unknown["area"] == "knitting" and "knitting" in unknown["suggestion"]
