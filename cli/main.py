"""`sophia`: practise an interview, simulate one against a test candidate, read a report,
evaluate Sophia against every test candidate."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.console import console, err_console, print_report, report_table
from graph.config import Context, default_model
from graph.errors import CandidateFileError, SophiaError, UnknownThreadError
from graph.report_markdown import render_markdown
from graph.state import FinalReport

app = typer.Typer(
    name="sophia",
    help="Sophia, an AI technical interviewer built on LangGraph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
_debug = {"on": False}

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="provider:model (e.g. openai:gpt-4o-mini) or 'rubric'. Default: rubric unless "
        "OPENAI_API_KEY is set.",
    ),
]
JsonOption = Annotated[Path | None, typer.Option("--json", help="Write the report as JSON here.")]
MarkdownOption = Annotated[
    Path | None, typer.Option("--markdown", help="Write the report as Markdown here.")
]
MinThreshold = Annotated[
    float | None, typer.Option(help="Exit with status 1 when the metric is below this.")
]
MaxThreshold = Annotated[
    float | None, typer.Option(help="Exit with status 1 when the metric is above this.")
]


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Sophia interviews candidates phase by phase and writes a coaching report."""
    _debug["on"] = debug


def _run(coro: Any) -> Any:
    """Run a coroutine; user-facing errors become one line and exit status 2."""
    try:
        return asyncio.run(coro)
    except SophiaError as exc:
        if _debug["on"]:
            raise
        # One line, never wrapped: a multi-line message (a YAML parser's) is joined up.
        err_console.print(
            f"[bold red]error:[/] {escape(' '.join(str(exc).split()))}", soft_wrap=True
        )
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None


# Thread ids become Store namespace labels, which cannot hold a period; keep them plain.
_THREAD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:@+-]{0,99}$")


def _check_thread_id(thread: str) -> None:
    """Exit with status 2 and one line when a thread id cannot name an interview."""
    if not _THREAD_ID.match(thread):
        err_console.print(
            f"[bold red]error:[/] '{escape(thread)}' is not a usable interview id: use up to 100 "
            "letters, digits and - _ : @ +, starting with a letter or digit",
            soft_wrap=True,
        )
        raise typer.Exit(2)


def _context(model: str | None, **settings: Any) -> Context:
    return Context(model=model or default_model(), **settings)


def _write_outputs(report: FinalReport, json_path: Path | None, md_path: Path | None) -> None:
    if json_path:
        json_path.write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
        console.print(f"[dim]JSON report written to {json_path}[/]")
    if md_path:
        md_path.write_text(render_markdown(report))
        console.print(f"[dim]Markdown report written to {md_path}[/]")


@app.command()
def interview(
    thread: Annotated[
        str | None,
        typer.Option(
            "--thread", help="Interview id: a new one starts under it, a saved one resumes."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Your name (asked if not given).")] = None,
    years: Annotated[
        float | None, typer.Option(help="Years of experience (asked if not given).")
    ] = None,
    model: ModelOption = None,
    role: Annotated[str, typer.Option(help="Role pack id.")] = "backend_python",
    level: Annotated[str, typer.Option(help="Start level: auto, junior, mid or senior.")] = "auto",
    max_follow_ups: Annotated[int, typer.Option(help="Probes per question, at most.")] = 1,
    questions_per_phase: Annotated[
        int, typer.Option(help="Main questions per phase; 0 uses the role pack's.")
    ] = 0,
) -> None:
    """Practise a live interview in the terminal; it is saved after every answer."""
    from cli.interview_session import run_terminal_interview

    if level not in ("auto", "junior", "mid", "senior"):
        err_console.print(
            f"[bold red]error:[/] --level must be auto, junior, mid or senior, not '{level}'"
        )
        raise typer.Exit(2)
    thread = thread or f"interview-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    _check_thread_id(thread)
    if sys.stdin.isatty():
        name = name or typer.prompt("Your name", default="Candidate")
        if years is None:
            years = typer.prompt("Years of experience", default=3.0, type=float)
    candidate = {"name": name or "Candidate", "years_experience": 3.0 if years is None else years}
    context = _context(
        model,
        role=role,
        start_level=level,
        max_follow_ups=max_follow_ups,
        questions_per_phase=questions_per_phase,
    )
    raise typer.Exit(_run(run_terminal_interview(thread, context, candidate)))


@app.command()
def simulate(
    candidate_file: Annotated[Path, typer.Argument(help="A test-candidate YAML file.")],
    json_path: JsonOption = None,
    md_path: MarkdownOption = None,
    model: ModelOption = None,
    transcript: Annotated[bool, typer.Option(help="Print the whole conversation.")] = False,
) -> None:
    """Run a whole interview against a scripted test candidate and print the report."""
    from evals.candidate import load_candidate
    from evals.runner import run_interview

    async def go() -> tuple[FinalReport, float]:
        candidate = load_candidate(candidate_file)
        started = time.perf_counter()
        report, _ = await run_interview(candidate, _context(model))
        return report, time.perf_counter() - started

    report, seconds = _run(go())
    if transcript:
        console.print(render_markdown(report))
    console.print(report_table(report))
    console.print(
        f"[dim]{sum(len(p.questions) for p in report.phases)} questions in {seconds:.2f}s[/]"
    )
    _write_outputs(report, json_path, md_path)


@app.command()
def report(
    thread: Annotated[str, typer.Argument(help="The interview's thread id.")],
    json_path: JsonOption = None,
    md_path: MarkdownOption = None,
) -> None:
    """Show (and optionally export) the report of a finished interview."""
    from cli.storage import open_persistence
    from graph.store import load_report

    _check_thread_id(thread)

    async def go() -> FinalReport:
        async with open_persistence() as (_, store):
            found = await load_report(store, thread)
        if found is None:
            raise UnknownThreadError(
                f"no finished interview '{thread}' (an unfinished one resumes with "
                f"sophia interview --thread {thread})"
            )
        return found

    found = _run(go())
    print_report(found)
    _write_outputs(found, json_path, md_path)


@app.command("eval")
def eval_command(
    candidates_dir: Annotated[
        Path | None,
        typer.Option(
            "--candidates",
            help="Folder of test-candidate YAML files. Default: evals/candidates.",
            show_default=False,
        ),
    ] = None,
    model: ModelOption = None,
    candidate_model: Annotated[
        str | None,
        typer.Option(
            "--candidate-model",
            help="provider:model for an LLM-simulated candidate that plays each file's persona. "
            "Default: the scripted answers.",
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, help="Interviews per candidate (for consistency).")
    ] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Interviews run at once.")] = 4,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write candidates and metrics as JSON here.")
    ] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    min_level_accuracy: MinThreshold = None,
    min_band_hit_rate: MinThreshold = None,
    min_recommendation_accuracy: MinThreshold = None,
    min_spearman: MinThreshold = None,
    max_consistency_sd: MaxThreshold = None,
    max_injection_delta: MaxThreshold = None,
    max_fairness_delta: MaxThreshold = None,
    min_injection_detection_rate: MinThreshold = None,
    min_trajectory_pass_rate: MinThreshold = None,
    langsmith: Annotated[
        bool,
        typer.Option(
            "--langsmith",
            help="Upload the candidates as a LangSmith dataset and run the evaluation as an "
            "experiment (needs LANGSMITH_API_KEY).",
        ),
    ] = False,
    dataset: Annotated[
        str | None,
        typer.Option(help="LangSmith dataset name. Default: sophia-<candidates folder name>."),
    ] = None,
    human: Annotated[
        Path | None,
        typer.Option(
            "--human",
            help="Instead of interviews: grade DIR/answers.jsonl (answers written by people) and "
            "report agreement with its raters (--min-spearman applies to it).",
        ),
    ] = None,
    split: Annotated[
        str, typer.Option(help="With --human: the split to grade (dev, test or all).")
    ] = "all",
    min_kappa: MinThreshold = None,
    min_misconception_recall: MinThreshold = None,
    max_false_positive_rate: MaxThreshold = None,
) -> None:
    """Interview every test candidate and score Sophia against what each file expects.

    Exits with status 1 when a metric breaks a threshold given on the command line.
    """
    if human is not None:
        from cli.human_eval import run_human_eval

        if split not in ("dev", "test", "all"):
            err_console.print(
                f"[bold red]error:[/] --split must be dev, test or all, not '{split}'"
            )
            raise typer.Exit(2)
        limits = {
            "spearman": min_spearman,
            "kappa": min_kappa,
            "misconception_recall": min_misconception_recall,
            "misconception_false_positive_rate": max_false_positive_rate,
        }
        raise typer.Exit(
            run_human_eval(human, split, _context(model), json_path, limits, _run, concurrency)  # type: ignore[arg-type]
        )
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from cli.eval_output import candidates_table, metrics_table
    from evals.candidate import CANDIDATES_DIR, load_candidates
    from evals.harness import (
        METRIC_BOUNDS,
        EvalResult,
        Threshold,
        evaluate_candidates,
        threshold_failures,
    )
    from evals.html_report import render_html
    from evals.langsmith_experiment import require_langsmith_key, run_langsmith_experiment
    from evals.llm_candidate import llm_candidate

    limits = {
        "level_accuracy": min_level_accuracy,
        "band_hit_rate": min_band_hit_rate,
        "recommendation_accuracy": min_recommendation_accuracy,
        "spearman": min_spearman,
        "consistency_sd": max_consistency_sd,
        "injection_delta": max_injection_delta,
        "fairness_delta": max_fairness_delta,
        "injection_detection_rate": min_injection_detection_rate,
        "trajectory_pass_rate": min_trajectory_pass_rate,
    }
    thresholds = [
        Threshold(metric, METRIC_BOUNDS[metric], value)
        for metric, value in limits.items()
        if value is not None
    ]
    folder = candidates_dir or CANDIDATES_DIR
    context = _context(model)
    settings = {
        "candidates": str(folder),
        "model": context.model,
        "candidate": candidate_model or "scripted",
        "repeat": repeat,
    }
    answerer = (lambda c: llm_candidate(c, candidate_model).answer) if candidate_model else None

    async def go() -> EvalResult:
        if langsmith:
            require_langsmith_key()
        candidates = await asyncio.to_thread(load_candidates, folder)
        if not candidates:
            raise CandidateFileError(f"{folder}: no candidate files (*.yaml) in this folder")
        if candidate_model:  # fail on a bad model name now, not in the middle of the runs
            llm_candidate(candidates[0], candidate_model)
        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Interviewing", total=len(candidates) * repeat)

            def advance(run: Any) -> None:
                progress.update(task, advance=1, description=f"Interviewed {run.candidate_id}")

            if not langsmith:
                result = await evaluate_candidates(
                    candidates, context, repeat, concurrency, answerer, advance, settings
                )
                progress.update(task, description="Interviews done")
                return result
            result, upload, experiment = await run_langsmith_experiment(
                candidates,
                context,
                dataset_name=dataset or f"sophia-{folder.resolve().name}",
                repeat=repeat,
                concurrency=concurrency,
                answerer=answerer,
                on_run_done=advance,
                settings=settings,
            )
            progress.update(task, description="Interviews done")
        console.print(
            f"[dim]LangSmith dataset {upload.dataset_name}: {upload.created} added, "
            f"{upload.updated} updated, {upload.deleted} removed; experiment {experiment}[/]"
        )
        return result

    result = _run(go())
    data = result.to_json(thresholds)
    console.print(candidates_table(data["candidates"]))
    console.print(metrics_table(data["metrics"], data["metric_comments"], thresholds))
    runs = sum(len(c.runs) for c in result.candidates)
    console.print(f"[dim]{runs} interviews in {result.seconds:.1f}s[/]")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    try:
        if json_path:
            json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            console.print(f"[dim]JSON written to {json_path}[/]")
        if html_path:
            html_path.write_text(render_html(data), encoding="utf-8")
            console.print(f"[dim]HTML report written to {html_path}[/]")
    except OSError as exc:
        err_console.print(f"[bold red]error:[/] cannot write the report: {exc}")
        raise typer.Exit(2) from None
    failures = threshold_failures(data["metrics"], thresholds)
    for failure in failures:
        err_console.print(f"[bold red]threshold:[/] {failure}")
    if failures:
        raise typer.Exit(1)


def _register_commands() -> None:
    # Commands that live in their own modules.
    from cli.grade import grade_command

    app.command("grade")(grade_command)


_register_commands()

if __name__ == "__main__":
    app()
