"""`python -m bench.analysis_timing [--human DIR] [--json F]`: how long one answer's analysis takes.

Every answer of every candidate set in `evals/` is read against every question of its topic
(an interview may ask any level), plus, with `--human`, every answer of `DIR/answers.jsonl`
against its question. Each analysis is cold: the analysis cache is bypassed (`_analyse` is
called directly), so the figure is what a new answer costs. Prints p50, p95 and the slowest, and
exits 1 when p95 is over the goal (30 ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

from rubric.analysis import _analyse
from rubric.role_pack import Question, TopicBank, load_role_pack

EVALS = Path(__file__).resolve().parent.parent / "evals"
GOAL_P95_MS = 30.0


def _work(human: Path | None) -> list[tuple[Question, TopicBank, str]]:
    pack = load_role_pack("backend_python")
    items: list[tuple[Question, TopicBank, str]] = []
    for path in sorted(EVALS.glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for topic, answer in (data.get("answers") or {}).items():
            if topic not in pack.topics:
                continue
            messages = answer if isinstance(answer, list) else [answer]
            bank = pack.topics[topic]
            for text in messages:
                items.extend((q, bank, str(text)) for q in bank.questions)
    if human is not None:
        for line in (human / "answers.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                question = pack.question(row["question_id"])
                items.append((question, pack.topic_of(question.id), row["text"]))
    return items


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--human", type=Path, help="a folder with answers.jsonl to include")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    items = _work(args.human)
    _analyse(*items[0][:2], [items[0][2]])  # load lexicons and compile phrases first
    timings = []
    for question, bank, text in items:
        started = time.perf_counter()
        _analyse(question, bank, [text])
        timings.append((time.perf_counter() - started) * 1000)
    figures = {
        "analyses": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "goal_p95_ms": GOAL_P95_MS,
    }
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if figures["p95_ms"] <= GOAL_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
