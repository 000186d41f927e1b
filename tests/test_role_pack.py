import re
from pathlib import Path

import pytest
import yaml

from graph.config import Context
from graph.errors import RolePackError
from graph.state import TOPICS
from nodes.phase_plan import choose_question, phase_budget
from rubric.analysis import analyse_answer
from rubric.role_pack import ROLES_DIR, load_role_pack, slot_of
from rubric.text import IndexedText

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


# --- Variants, clarifications, hints, corrections and the role FAQ -------------------------

LEVELS_BY_TOPIC = {
    **{t: ("junior", "mid", "senior") for t in set(TOPICS) - NON_TECHNICAL},
    **{
        t: ("mid", "senior")
        for t in ("collaboration", "disagreement", "growth_mindset", "challenges")
    },
    "background": ("intro",),
    "candidate_questions": ("closing",),
}


def _first_and_variants(bank, level):
    """The questions of one topic and level: `<topic>.<level>` first, then its variants."""
    base = f"{bank.topic}.{level}"
    return [q for q in bank.questions if q.id == base or q.id.startswith(f"{base}.")]


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_and_level_has_at_least_two_variants(pack, topic):
    bank = pack.topics[topic]
    for level in LEVELS_BY_TOPIC[topic]:
        questions = _first_and_variants(bank, level)
        assert [q.id for q in questions][:2] == [f"{topic}.{level}", f"{topic}.{level}.2"]
        assert len({q.text for q in questions}) == len(questions), "variants must differ"


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_variants_have_rubrics_like_their_first_question(pack, topic):
    bank = pack.topics[topic]
    for level in LEVELS_BY_TOPIC[topic]:
        first, *variants = _first_and_variants(bank, level)
        for q in variants:
            assert q.criteria == first.criteria, q.id
            assert q.difficulty == first.difficulty, q.id
            assert q.weight == first.weight, q.id
            assert 5 <= len(q.key_points) <= 8, q.id
            assert 2 <= len(q.probes) <= 4 and all(p.hint for p in q.probes), q.id
            for kp in q.key_points:
                assert 10 <= len(kp.phrases) <= 25, f"{q.id}.{kp.id}: {len(kp.phrases)} phrases"
            # Soft-skill variants read the STAR parts through the same shared lexicons.
            hooks = {kp.lexicon for kp in first.key_points} - {None}
            assert hooks <= {kp.lexicon for kp in q.key_points}, q.id


def test_every_question_has_a_clarification_and_a_hint(pack):
    for q in pack._questions.values():
        assert q.clarify is not None and q.clarify.rephrase.strip(), q.id
        assert q.hint and q.hint.strip(), q.id
        assert len(q.clarify.terms) <= 5, q.id


def test_every_red_flag_has_a_correction(pack):
    flags = [
        f
        for bank in pack.topics.values()
        for f in [*bank.red_flags, *(f for q in bank.questions for f in q.red_flags)]
    ]
    assert len(flags) > 100
    assert [f.label for f in flags if not (f.correction and f.correction.strip())] == []


def _clarification_text(q) -> str:
    # The terms themselves stand in the question already; their definitions are Sophia's words.
    return " ".join([q.clarify.rephrase, q.clarify.scope or "", *q.clarify.terms.values()])


def test_clarifications_and_hints_do_not_give_the_answer_away(pack):
    """Read as an answer, a clarification or a hint earns at most one of the question's key
    points: it rephrases, narrows or points somewhere, it does not state what to say."""
    leaks = {}
    for q in pack._questions.values():
        bank = pack.topic_of(q.id)
        for name, text in (("clarify", _clarification_text(q)), ("hint", q.hint)):
            found = [kp.id for kp in analyse_answer(q, bank, [text]).found]
            if len(found) > 1:
                leaks[f"{q.id} {name}"] = found
    assert leaks == {}


def test_the_leak_check_catches_a_hint_that_states_the_answer(pack):
    q = pack.question("auth.junior")
    bank = pack.topic_of(q.id)
    telling = "Authentication is who you are, authorization what you are allowed; hash with bcrypt."
    assert len(analyse_answer(q, bank, [telling]).found) > 1


FAQ_SUBJECTS = {
    "team",
    "stack",
    "on_call",
    "shipping",
    "interview_process",
    "remote_hours",
    "growth",
    "onboarding",
    "first_months",
    "architecture_debt",
}

# How candidates ask, and the entry that should answer (None: the honest fallback).
CANDIDATE_QUESTIONS = [
    ("How big is the team I'd be joining?", "team"),
    ("Who would I be working with day to day?", "team"),
    ("Who would I report to?", "team"),
    ("How much people are in the team?", "team"),
    ("What's your tech stack?", "stack"),
    ("Which database do you use, Postgres or something else?", "stack"),
    ("Do you use FastAPI everywhere or also Django?", "stack"),
    ("Is there an on-call rotation?", "on_call"),
    ("Would I have to carry a pager?", "on_call"),
    ("Do you expect people to work weekends?", "on_call"),
    ("What happens if something breaks at night?", "on_call"),
    ("How do you do code reviews?", "shipping"),
    ("How often do you deploy to production?", "shipping"),
    ("What does your CI/CD pipeline look like?", "shipping"),
    ("What are the next steps after this interview?", "interview_process"),
    ("When will I hear back from you?", "interview_process"),
    ("How many interview rounds are there?", "interview_process"),
    ("Is this role remote?", "remote_hours"),
    ("Can I work from home some days?", "remote_hours"),
    ("What are the working hours like?", "remote_hours"),
    ("How do engineers grow here? Is there a career path?", "growth"),
    ("Is there a budget for conferences or training?", "growth"),
    ("Would I have a mentor?", "growth"),
    ("What does onboarding look like for new joiners?", "onboarding"),
    ("What would my first week be like?", "onboarding"),
    ("What would success look like in the first three months?", "first_months"),
    ("What do you expect from me in the first six months?", "first_months"),
    ("What's the biggest technical challenge the team has right now?", "architecture_debt"),
    ("How much technical debt is there?", "architecture_debt"),
    ("Is it a monolith or microservices?", "architecture_debt"),
    ("How is work planned and prioritised?", "planning"),
    ("Do you work in sprints?", "planning"),
    ("What does a typical day look like?", "planning"),
    ("What's the salary range for this role?", None),
    ("How many days of holiday do I get?", None),
    ("Do you offer stock options?", None),
]


def _faq_entry_for(faq, question: str) -> str | None:
    """The first entry whose phrases match the question (entries are ordered specific first)."""
    text = IndexedText(question)
    return next((e.id for e in faq.entries if text.contains_any(e.phrases) is not None), None)


def test_faq_covers_what_candidates_ask_about(pack):
    assert pack.faq is not None
    assert {e.id for e in pack.faq.entries} >= FAQ_SUBJECTS
    assert 8 <= len(pack.faq.entries) <= 15
    assert "follow up" in pack.faq.fallback
    for entry in pack.faq.entries:
        assert len(entry.phrases) >= 10, entry.id
        assert 2 <= entry.answer.count(". ") + 1 <= 4, entry.id


@pytest.mark.parametrize(("question", "expected"), CANDIDATE_QUESTIONS)
def test_faq_phrases_match_typical_candidate_questions(pack, question, expected):
    assert _faq_entry_for(pack.faq, question) == expected


def test_faq_is_optional_and_validated(tmp_path):
    _copy_pack(tmp_path / "without")
    assert load_role_pack("broken", tmp_path / "without" / "roles").faq is None
    target = _copy_pack(tmp_path / "duplicated")
    faq = yaml.safe_load((ROLES_DIR / "backend_python" / "faq.yaml").read_text())
    faq["entries"][1]["id"] = faq["entries"][0]["id"]
    (target / "faq.yaml").write_text(yaml.safe_dump(faq))
    with pytest.raises(RolePackError, match=r"faq\.yaml.*unique"):
        load_role_pack("broken", tmp_path / "duplicated" / "roles")


def test_variant_must_follow_a_first_question_of_its_level(tmp_path):
    target = _copy_pack(tmp_path)
    caching = target / "questions" / "caching.yaml"
    data = yaml.safe_load(caching.read_text())
    variant = next(q for q in data["questions"] if q["id"] == "caching.mid.2")
    variant["difficulty"] = "senior"
    caching.write_text(yaml.safe_dump(data))
    with pytest.raises(RolePackError, match=r"caching\.yaml.*caching\.mid\.2"):
        load_role_pack("broken", tmp_path / "roles")


def test_clarify_terms_must_come_from_the_question(tmp_path):
    target = _copy_pack(tmp_path)
    auth = target / "questions" / "auth.yaml"
    data = yaml.safe_load(auth.read_text())
    data["questions"][0]["clarify"]["terms"] = {"kerberos": "a network authentication protocol"}
    auth.write_text(yaml.safe_dump(data))
    with pytest.raises(RolePackError, match="kerberos"):
        load_role_pack("broken", tmp_path / "roles")


def test_an_interview_asks_each_topic_and_level_once_first_variant_first(pack):
    spec = pack.phase("soft_skills")
    context = Context(model="rubric", questions_per_phase=10)
    budget = phase_budget(pack, spec, context)
    assert budget == 8  # four topics at two levels, however many variants each has
    asked: list[str] = []
    for index in range(budget):
        asked.append(choose_question(pack, spec, index, set(asked), "mid").id)
    assert len({slot_of(i) for i in asked}) == budget
    assert all(slot_of(i) == i for i in asked), "first variants come first"
