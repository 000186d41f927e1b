"""The LangChain tools Sophia's agents call."""

from __future__ import annotations

from graph.state import TOPICS, AnswerEvaluation
from graph.store import save_evaluation, save_profile
from tools import (
    find_learning_resources,
    generate_coaching_suggestions,
    get_evaluation_scores,
    lookup_candidate_profile,
)
from tools.learning_resources import load_catalogue


async def test_lookup_candidate_profile(store):
    await save_profile(store, {"id": "c1", "name": "Ada", "years_experience": 4})
    found = await lookup_candidate_profile.ainvoke({"candidate_id": "c1", "store": store})
    assert found["found"] and found["name"] == "Ada"
    missing = await lookup_candidate_profile.ainvoke({"candidate_id": "nope", "store": store})
    assert missing == {"found": False, "candidate_id": "nope"}


def test_injected_arguments_are_hidden_from_the_model():
    assert (
        "store" not in lookup_candidate_profile.tool_call_schema.model_json_schema()["properties"]
    )
    schema = get_evaluation_scores.tool_call_schema.model_json_schema()
    assert "store" not in schema.get("properties", {}) and "config" not in schema.get(
        "properties", {}
    )
    coaching = generate_coaching_suggestions.tool_call_schema.model_json_schema()["properties"]
    assert "role" not in coaching and "topic" in coaching


async def test_get_evaluation_scores_keeps_the_latest_per_question(store):
    def evaluation(turn: int, score: float) -> AnswerEvaluation:
        return AnswerEvaluation(
            turn=turn,
            question_id="caching.mid",
            topic="caching",
            phase="problem_solving",
            difficulty="mid",
            kind="question",
            scores={"technical_knowledge": score, "communication": 3.0},
            anchor=3,
        )

    await save_evaluation(store, "t-9", evaluation(1, 2.0))
    await save_evaluation(store, "t-9", evaluation(2, 4.0))  # re-graded after a probe
    result = await get_evaluation_scores.ainvoke(
        {"store": store}, {"configurable": {"thread_id": "t-9"}}
    )
    assert result["answered"] == 1
    assert result["criteria"]["technical_knowledge"] == 4.0
    assert result["criteria"]["soft_skills"] is None
    # 20 x the mean weighted 0.40 (technical 4.0) and 0.15 (communication 3.0)
    assert result["overall"] == round(20 * (0.40 * 4.0 + 0.15 * 3.0) / 0.55, 1)


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
