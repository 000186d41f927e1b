import re
from pathlib import Path

import pytest
import yaml

from graph.errors import RolePackError
from graph.state import TOPICS
from rubric.role_pack import ROLES_DIR, load_role_pack

ROLE_SPEC = Path(__file__).resolve().parent.parent / "docs" / "role-spec.md"
# The role spec's foundation questions, in its order, are the mid questions of these topics.
SEED_TOPICS = ("python_fastapi", "database_access", "async_programming", "auth")
NON_TECHNICAL = {
    "background",
    "collaboration",
    "disagreement",
    "growth_mindset",
    "challenges",
    "candidate_questions",
}


def test_pack_covers_every_topic_in_phase_order(pack):
    assert set(pack.topics) == set(TOPICS)
    assert [p.id for p in pack.phases] == [
        "introduction",
        "foundation",
        "problem_solving",
        "system_design",
        "soft_skills",
        "wrap_up",
    ]


@pytest.mark.parametrize("topic", sorted(set(TOPICS) - NON_TECHNICAL))
def test_technical_topics_have_three_levels_with_full_rubrics(pack, topic):
    questions = pack.topics[topic].questions
    assert {q.difficulty for q in questions} == {"junior", "mid", "senior"}
    for q in questions:
        assert len(q.key_points) >= 5, q.id
        assert len(q.probes) >= 2, q.id
        assert all(len(kp.phrases) >= 3 for kp in q.key_points), q.id
        assert "technical_knowledge" in q.criteria


def test_the_role_specs_questions_are_asked_in_its_words(pack):
    spec = ROLE_SPEC.read_text(encoding="utf-8")
    foundation = spec[spec.index("### Phase 2") : spec.index("### Phase 3")]
    seeds = re.findall(r'^\d+\. "(.+)"$', foundation, re.M)
    assert len(seeds) == len(SEED_TOPICS)
    for topic, seed in zip(SEED_TOPICS, seeds, strict=True):
        # The spec leaves two without a question mark; Sophia's questions end with one.
        expected = seed if seed.endswith("?") else f"{seed}?"
        assert pack.question(f"{topic}.mid").text == expected


def test_every_question_ends_as_a_sentence(pack):
    unfinished = [
        q.id
        for bank in pack.topics.values()
        for q in bank.questions
        if not q.text.rstrip().endswith(("?", ".", "!"))
    ]
    assert unfinished == []


def test_soft_skill_questions_evidence_soft_skills(pack):
    for topic in ("collaboration", "disagreement", "growth_mindset", "challenges"):
        assert all("soft_skills" in q.criteria for q in pack.topics[topic].questions)


def _copy_pack(tmp_path: Path) -> Path:
    target = tmp_path / "roles" / "broken"
    (target / "questions").mkdir(parents=True)
    source = ROLES_DIR / "backend_python"
    (target / "pack.yaml").write_text((source / "pack.yaml").read_text())
    for f in (source / "questions").glob("*.yaml"):
        (target / "questions" / f.name).write_text(f.read_text())
    return target


def test_bad_pack_fails_naming_file_and_field(tmp_path):
    target = _copy_pack(tmp_path)
    caching = target / "questions" / "caching.yaml"
    data = yaml.safe_load(caching.read_text())
    data["questions"][0]["difficulty"] = "wizard"
    caching.write_text(yaml.safe_dump(data))
    with pytest.raises(RolePackError) as err:
        load_role_pack("broken", tmp_path / "roles")
    assert "caching.yaml" in str(err.value)
    assert "questions.0.difficulty" in str(err.value)


def test_probe_must_target_known_key_points(tmp_path):
    target = _copy_pack(tmp_path)
    auth = target / "questions" / "auth.yaml"
    data = yaml.safe_load(auth.read_text())
    data["questions"][0]["probes"][0]["targets"] = ["no_such_point"]
    auth.write_text(yaml.safe_dump(data))
    with pytest.raises(RolePackError, match="no_such_point"):
        load_role_pack("broken", tmp_path / "roles")


def test_unknown_role_lists_known_ones():
    with pytest.raises(RolePackError, match="backend_python"):
        load_role_pack("frontend_cobol")
