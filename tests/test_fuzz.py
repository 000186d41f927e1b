"""Bad input, fuzzed with hypothesis: the interview always finishes, the transcript keeps what
the candidate wrote, and the CLI answers with a clear line, never a traceback.

Through the graph (in memory, rubric brain): empty and whitespace answers, control characters,
emoji, other languages, markdown and HTML, SQL and shell strings, 100 KB answers, mixed. Through
the CLI (in process, SQLite under a temporary home): arbitrary bytes on stdin, including invalid
UTF-8; candidate files that are missing, malformed or carry unknown keys.
"""

from __future__ import annotations

import asyncio
import re
import traceback
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.main import app
from evals.candidate import TestCandidate
from evals.runner import interview
from graph.config import DEFAULT_MAX_ANSWER_CHARS, Context
from graph.llm import MODEL_ANSWER_CHARS
from graph.usage import AgentLedger
from nodes.await_answer import answer_text, bounded_answer
from nodes.grader import GradingInput, LLMGrader
from rubric.text import clean_answer
from tests.fake_models import GRADE, scripted
from tests.report_checks import check_report

SHORT = Context(model="rubric", questions_per_phase=1, max_follow_ups=1)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Figures for the report: examples run per test (printed at the end of the module).
RUN: dict[str, int] = {}

OTHER_LANGUAGES = [
    "Я использую FastAPI и PostgreSQL, асинхронные эндпоинты и Redis для кэша.",
    "我用 FastAPI 和 PostgreSQL 构建服务，用 Redis 做缓存。",
    "FastAPI と SQLAlchemy を使って非同期 API を作りました。",
    "أستخدم FastAPI مع PostgreSQL وأضع ذاكرة تخزين مؤقت Redis أمامها.",
    "मैंने FastAPI और PostgreSQL के साथ सेवाएँ बनाई हैं।",
    "Utilizo FastAPI con PostgreSQL y un caché en Redis con TTL.",
    "Ich nutze FastAPI mit PostgreSQL und einen Redis-Cache mit TTL.",
    "עבדתי עם FastAPI ו-PostgreSQL.",
]
MARKUP = [
    "# Heading\n\n* item one\n* item two\n\n```python\nasync def f(): ...\n```",
    "<script>alert('x')</script><b>bold</b> <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[link](javascript:alert(1)) ![img](http://127.0.0.1/x.png) **bold** _it_ ~~s~~",
    "<!-- a comment --> <div style='display:none'>hidden</div> &lt;&amp;&gt; &#0;",
    "[bold red]rich markup[/] [link=file:///etc/passwd]x[/link] \\[escaped]",
]
SQL_AND_SHELL = [
    "'; DROP TABLE checkpoints; --",
    "1' OR '1'='1' UNION SELECT * FROM store --",
    "Robert'); DELETE FROM store WHERE ('1'='1",
    "$(rm -rf /) `reboot` ; cat /etc/passwd | nc 127.0.0.1 9 && echo ${IFS}pwned",
    "%s%s%s%n {0} {__class__} {{7*7}} ${7*7} <%= 7*7 %>",
    "\\x00\\n\\r\\u0000 \\\\ '\"' NULL None null undefined NaN -0 1e309",
    "../../../../etc/passwd C:\\Windows\\System32 \\\\?\\C:\\",
]
SOLID = (
    "In my last job I built FastAPI services on PostgreSQL with SQLAlchemy sessions per "
    "request, async endpoints, JWT auth, Redis caching with TTLs and Prometheus metrics. "
)
BIG = (SOLID * (DEFAULT_MAX_ANSWER_CHARS // len(SOLID) + 1))[:DEFAULT_MAX_ANSWER_CHARS]

whitespace = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003\u3000\u200b\ufeff", max_size=30)
controls = st.text(alphabet=st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\x9b"))
emoji = st.text(
    alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.just("\u200d"),
    max_size=40,
)
answers = st.one_of(
    st.just(""),
    whitespace,
    controls,
    emoji,
    st.text(max_size=300),  # anything Unicode, including combining marks and private use
    st.sampled_from(OTHER_LANGUAGES + MARKUP + SQL_AND_SHELL),
    st.lists(
        st.sampled_from([SOLID, *OTHER_LANGUAGES, *MARKUP, *SQL_AND_SHELL, "🙂", "\x1b[2J"]),
        min_size=2,
        max_size=6,
    ).map(" ".join),
    st.just(BIG),
)


def stored_form(answer: str) -> str:
    """What the transcript keeps of an answer: cleaned (NFKC, no control characters), whole."""
    return answer_text(answer)


async def run_fuzzed_interview(given_answers: list[str]):
    """A short interview answered with `given_answers` in turn; the answers as sent."""
    sent: list[str] = []

    def answer(payload: dict) -> str:
        text = given_answers[len(sent) % len(given_answers)]
        sent.append(text)
        return text

    candidate = TestCandidate(id="fuzz", name="Fuzz", years_experience=3, answers={})
    run = await interview(candidate, SHORT, answer, thread_id=f"fuzz-{uuid.uuid4().hex[:8]}")
    return run, sent


@FUZZ
@given(st.lists(answers, min_size=1, max_size=8))
def test_any_answers_finish_the_interview_and_are_kept_as_written(given_answers):
    RUN["graph interviews"] = RUN.get("graph interviews", 0) + 1
    run, sent = asyncio.run(run_fuzzed_interview(given_answers))
    RUN["graph answers"] = RUN.get("graph answers", 0) + len(sent)
    report = run.report
    # Every message is in the transcript as written; the graded ones are among them, in order.
    kept = [line.text for line in report.transcript if line.speaker == "candidate"]
    assert kept == [stored_form(a) for a in sent]
    graded = [
        text
        for phase in report.phases
        for q in phase.questions
        for text in [q.answer, *(f["answer"] for f in q.follow_ups)]
    ]
    remaining = iter(kept)
    assert all(text in remaining for text in graded)
    check_report(report)
    assert all(1.0 <= s <= 5.0 for s in report.scores.values())
    assert [p.phase for p in report.phases][-1] == "wrap_up"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000) | st.binary(max_size=2000), st.integers(1_000, 5_000))
def test_answer_text_is_clean_and_bounded(raw, limit):
    text = bounded_answer(answer_text(raw), limit)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert len(text) <= limit + 80
    RUN["answer_text cases"] = RUN.get("answer_text cases", 0) + 1


def test_a_100kb_answer_is_kept_whole_and_cut_for_the_model(pack):
    run, _ = asyncio.run(run_fuzzed_interview([BIG, SOLID]))
    first = run.report.phases[0].questions[0].answer
    assert first == BIG and len(first) == 100_000  # the transcript keeps all of it
    question = pack.question(run.report.phases[0].questions[0].id)
    turn = {
        "turn": 1,
        "phase": "introduction",
        "question_id": question.id,
        "topic": pack.topic_of(question.id).topic,
        "kind": "question",
        "question": question.text,
        "answer": BIG,
    }
    model = scripted(GRADE)
    asyncio.run(
        LLMGrader(model, AgentLedger("grader")).grade(
            GradingInput(
                turn=turn, question=question, bank=pack.topic_of(question.id), answers=[BIG]
            )
        )
    )
    prompt = str(model.prompts[0][0].content)
    assert f"[answer truncated for the model: {100_000 - MODEL_ANSWER_CHARS} more chars]" in prompt
    assert len(prompt) < MODEL_ANSWER_CHARS + 20_000
    over = answer_text(BIG + "x" * 5)
    assert over.startswith(BIG) and over.endswith("[answer cut at 100,000 characters: 5 more]")


# --- the CLI, in process ----------------------------------------------------------------------

runner = CliRunner()


def invoke(args: list[str], home: Path, stdin: bytes = b""):
    """Run `sophia` in this process with its own SOPHIA_HOME; returns click's result."""
    env = {"SOPHIA_HOME": str(home), "SOPHIA_DATABASE_URL": "", "OPENAI_API_KEY": ""}
    return runner.invoke(app, args, input=stdin, env=env)


def assert_no_traceback(result) -> None:
    """Exited by itself (0 or the one-line error status 2), never by an exception."""
    if result.exception and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"exception escaped the CLI:\n{trace}")
    assert "Traceback" not in result.output + result.stderr


@settings(max_examples=10, deadline=None)
@given(st.lists(st.binary(max_size=200), min_size=0, max_size=12))
def test_cli_takes_any_bytes_on_stdin(tmp_path_factory, lines):
    home = tmp_path_factory.mktemp("cli-fuzz")
    stdin = b"\n".join(lines) + b"\n"
    result = invoke(
        ["interview", "--thread", "fuzz", "--name", "Kim", "--questions-per-phase", "1"],
        home,
        stdin,
    )
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Interview saved" in result.output or "Your report" in result.output
    RUN["cli stdin runs"] = RUN.get("cli stdin runs", 0) + 1


candidate_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
VALID = {
    "id": "fuzz",
    "name": "Fuzz",
    "years_experience": 3,
    "answers": {"default": "I build FastAPI services on PostgreSQL."},
}
candidate_files = st.one_of(
    st.binary(max_size=300),  # not YAML, not UTF-8
    st.text(max_size=300),
    candidate_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.dictionaries(st.sampled_from([*VALID, "expected", "shoe_size"]), candidate_values).map(
        lambda d: yaml.safe_dump({**VALID, **d}, allow_unicode=True)
    ),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(candidate_files)
def test_simulate_takes_any_candidate_file(tmp_path, content):
    path = tmp_path / "candidate.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = invoke(["simulate", str(path)], tmp_path)
    assert_no_traceback(result)
    assert result.exit_code in (0, 2), result.output + result.stderr
    if result.exit_code == 2:
        error = result.stderr.strip()
        assert error.startswith("error:") and len(error.splitlines()) == 1, error
    RUN["candidate files"] = RUN.get("candidate files", 0) + 1


def test_a_missing_candidate_file_and_a_folder_are_clear_errors(tmp_path):
    for path in (tmp_path / "nope.yaml", tmp_path):
        result = invoke(["simulate", str(path)], tmp_path)
        assert result.exit_code == 2 and result.stderr.startswith("error:")


@pytest.mark.parametrize("thread", ["my.interview", "../etc/passwd", "a b", "x" * 101, "_x"])
def test_unusable_interview_ids_are_one_clear_line(tmp_path, thread):
    for args in (["interview", "--thread", thread], ["report", thread]):
        result = invoke(args, tmp_path)
        assert_no_traceback(result)
        assert result.exit_code == 2 and "is not a usable interview id" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_figures():
    """Prints how many fuzz cases ran (pytest -s shows it)."""
    print(f"\nfuzz cases run: {RUN}")
    assert clean_answer(" x ") == "x"
