"""`sophia grade`: grade single answers without an interview, one on the command line or a batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import console, err_console
from evals.answer_grading import AnswerToGrade, GradedAnswer, grade_answers, read_batch
from graph.errors import CandidateFileError


def evaluation_table(graded: GradedAnswer) -> Table:
    """One graded answer for a person: scores, quality, what it showed and what it missed."""
    e = graded.evaluation
    table = Table(title=f"{graded.item.question_id} ({e.brain} brain)", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for criterion, score in e.scores.items():
        table.add_row(criterion.replace("_", " ").capitalize(), f"{score:.2f} / 5")
    if e.quality is not None:
        table.add_row("Quality (anchors)", f"{e.quality:.2f} / 5, closest anchor {e.anchor}")
    for kp in e.found:
        quote = f' [dim]"{escape(kp.quote)}"[/]' if kp.quote else ""
        table.add_row("[green]found[/]", f"{escape(kp.label)}{quote}")
    for kp in e.missed:
        table.add_row("[yellow]missed[/]", escape(kp.label))
    for label in e.misconceptions:
        table.add_row("[red]misconception[/]", escape(label))
    if e.signals:
        table.add_row("Signals", ", ".join(e.signals))
    return table


def grade_command(
    question_id: Annotated[
        str | None, typer.Argument(help="The question's id, e.g. async_programming.mid.")
    ] = None,
    answer: Annotated[
        str | None, typer.Option("--answer", help="The answer's text ('-' reads standard input).")
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help='A JSONL file of {"id", "question_id", "text"} lines.'),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON here.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="provider:model or 'rubric' (default as for interviews)."),
    ] = None,
    role: Annotated[str, typer.Option(help="Role pack id.")] = "backend_python",
    concurrency: Annotated[int, typer.Option(min=1, help="Answers graded at once.")] = 4,
) -> None:
    """Grade answers without an interview: scores as in an interview, plus the anchor-scale
    quality (before the difficulty offset), evidence quotes, misses and signals."""
    from cli.main import _context, _run

    if batch is None and (question_id is None or answer is None):
        err_console.print(
            "[bold red]error:[/] give QUESTION_ID --answer TEXT, or --batch FILE.jsonl"
        )
        raise typer.Exit(2)
    if batch is not None and (question_id is not None or answer is not None):
        err_console.print("[bold red]error:[/] --batch grades a file: drop QUESTION_ID/--answer")
        raise typer.Exit(2)

    async def go() -> list[GradedAnswer]:
        if batch is not None:
            items = read_batch(batch)
        else:
            text = sys.stdin.read() if answer == "-" else answer
            items = [AnswerToGrade(id="answer", question_id=question_id or "", text=text or "")]
        if not items:
            raise CandidateFileError("nothing to grade")
        return await grade_answers(items, _context(model, role=role), concurrency)

    results = _run(go())
    if batch is None:
        console.print(evaluation_table(results[0]))
        if results[0].evaluation.rationale:
            console.print(f"[dim]{escape(results[0].evaluation.rationale)}[/]")
    else:
        table = Table(title=f"{len(results)} answers")
        for name in ("id", "question", "quality", "main score", "found", "misconceptions"):
            table.add_column(name)
        for r in results:
            e = r.evaluation
            table.add_row(
                escape(r.item.id),
                r.item.question_id,
                "–" if e.quality is None else f"{e.quality:.2f}",
                f"{next(iter(e.scores.values())):.2f}",
                str(len(e.found)),
                str(len(e.misconceptions)),
            )
        console.print(table)
    if json_path:
        payload = {"results": [r.to_json() for r in results]}
        try:
            json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            err_console.print(f"[bold red]error:[/] cannot write {json_path}: {exc}")
            raise typer.Exit(2) from None
        console.print(f"[dim]JSON written to {json_path}[/]")
