"""`sophia`: practise an interview, simulate one against a test candidate, read a report,
evaluate Sophia against every test candidate."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from cli.console import (
    console,
    err_console,
    print_report,
    print_table,
    print_transcript,
    report_table,
)
from cli.report_markdown import render_markdown
from graph.config import Context, default_model
from graph.errors import CandidateFileError, SophiaError, UnknownThreadError
from graph.state import FinalReport

if TYPE_CHECKING:  # `sophia eval` imports the harness when it runs
    from evals.candidate import TestCandidate
    from evals.harness import AnswererFactory, EvalResult, Threshold

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
        # A practice interview's report is its candidate's: no recommendation in it.
        hidden = {"recommendation"} if report.mode == "practice" else set()
        data = report.model_dump(mode="json", exclude=hidden)
        json_path.write_text(json.dumps(data, indent=2) + "\n")
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
    mode: Annotated[
        str,
        typer.Option(
            help="hiring (the report is for the hiring team) or practice (feedback after each "
            "question and a coaching report for you)."
        ),
    ] = "hiring",
    target_level: Annotated[
        str,
        typer.Option(help="The level hired for: pack (the role pack's), junior, mid or senior."),
    ] = "pack",
) -> None:
    """Take a live interview in the terminal; it is saved after every answer (Ctrl-C saves and
    stops; --thread resumes)."""
    from cli.interview_session import run_terminal_interview

    _check_choice("--level", level, ("auto", "junior", "mid", "senior"))
    _check_choice("--mode", mode, ("hiring", "practice"))
    _check_choice("--target-level", target_level, ("pack", "junior", "mid", "senior"))
    thread = thread or f"interview-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    _check_thread_id(thread)

    def ask_profile() -> dict[str, Any]:
        """Who is interviewed (asked only when a new interview starts)."""
        nonlocal name, years
        if sys.stdin.isatty():
            while not (name or "").strip():
                name = typer.prompt("Your name")
            if years is None:
                years = typer.prompt("Years of experience", default=3.0, type=float)
        profile: dict[str, Any] = {"years_experience": 3.0 if years is None else years}
        if name:
            profile["name"] = name
        return profile

    context = _context(
        model,
        role=role,
        start_level=level,
        max_follow_ups=max_follow_ups,
        questions_per_phase=questions_per_phase,
        mode=mode,
        target_level=target_level,
    )
    raise typer.Exit(_run(run_terminal_interview(thread, context, ask_profile)))


def _check_choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    """Exit with status 2 and one line when an option is not one of its choices."""
    if value not in choices:
        err_console.print(
            f"[bold red]error:[/] {option} must be {', '.join(choices[:-1])} or {choices[-1]}, "
            f"not '{escape(value)}'"
        )
        raise typer.Exit(2)


@app.command()
def simulate(
    candidate_file: Annotated[Path, typer.Argument(help="A test-candidate YAML file.")],
    json_path: JsonOption = None,
    md_path: MarkdownOption = None,
    model: ModelOption = None,
    transcript: Annotated[bool, typer.Option(help="Print the whole conversation.")] = False,
) -> None:
    """Run a whole interview against a scripted test candidate and print the report.

    Each topic's first question variant is asked: the test candidates' answers were written
    for it. The file's `settings` (mode, target level) apply.
    """
    from evals.candidate import load_candidate
    from evals.runner import run_interview

    async def go() -> tuple[FinalReport, float]:
        candidate = load_candidate(candidate_file)
        started = time.perf_counter()
        report, _ = await run_interview(candidate, _context(model, vary_questions=False))
        return report, time.perf_counter() - started

    report, seconds = _run(go())
    if transcript:
        print_transcript(report.transcript, (report.candidate_name or "Candidate").split()[0])
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


@app.command()
def invite(
    name: Annotated[str, typer.Option(help="The candidate's name.")],
    years: Annotated[float, typer.Option(help="The candidate's years of experience.")],
    server: Annotated[
        str, typer.Option(help="The LangGraph server's URL.", envvar="SOPHIA_SERVER")
    ] = "http://127.0.0.1:2024",
    api_key: Annotated[
        str | None,
        typer.Option(help="An interviewer key (from SOPHIA_API_KEYS).", envvar="SOPHIA_API_KEY"),
    ] = None,
    summary: Annotated[str, typer.Option(help="A line from the candidate's CV.")] = "",
    mode: Annotated[
        str, typer.Option(help="hiring (report to the team) or practice (feedback to them).")
    ] = "hiring",
    target_level: Annotated[
        str, typer.Option(help="The level hired for: pack (the role's), junior, mid or senior.")
    ] = "pack",
    expires: Annotated[str, typer.Option(help="How long the link works: 7d, 12h, 30m...")] = "7d",
    candidate_id: Annotated[
        str | None, typer.Option(help="A stored profile's id; default: a new one from the name.")
    ] = None,
    assistant: Annotated[
        str, typer.Option(help="The assistant (its settings) the interview runs with.")
    ] = "interview",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the whole invitation as JSON.")
    ] = False,
) -> None:
    """Invite a candidate: the server prepares their interview and this prints its link."""
    from cli.invitation import InvitationFailed, request_invitation

    try:
        invited = request_invitation(
            server,
            api_key,
            {
                "name": name,
                "years_experience": years,
                "summary": summary,
                "mode": mode,
                "target_level": target_level,
                "expires": expires,
                "candidate_id": candidate_id,
                "assistant_id": assistant,
            },
        )
    except InvitationFailed as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    if json_output:
        print(json.dumps(invited, indent=2))
        return
    print(invited["link"])
    err_console.print(
        f"[dim]{escape(invited['name'])} ({invited['candidate_id']}), {invited['mode']} "
        f"interview {invited['thread_id']}; the link works until {invited['expires_at']}[/]",
        soft_wrap=True,
    )


@app.command("eval")
def eval_command(
    ctx: typer.Context,
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
    # One option per metric of evals/harness.py:METRIC_BOUNDS, named --<bound>-<metric>.
    min_level_accuracy: MinThreshold = None,
    min_band_hit_rate: MinThreshold = None,
    min_recommendation_accuracy: MinThreshold = None,
    min_spearman: MinThreshold = None,
    max_consistency_sd: MaxThreshold = None,
    max_injection_delta: MaxThreshold = None,
    max_fairness_delta: MaxThreshold = None,
    min_injection_detection_rate: MinThreshold = None,
    min_trajectory_pass_rate: MinThreshold = None,
    min_trajectory_consistency: MinThreshold = None,
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
    from evals.candidate import CANDIDATES_DIR
    from evals.harness import threshold_failures, thresholds_from_options

    thresholds = thresholds_from_options(ctx.params)
    folder = candidates_dir or CANDIDATES_DIR
    # The test candidates' answers were written for each topic's first question variant.
    context = _context(model, vary_questions=False)
    run = EvalRun(
        folder=folder,
        context=context,
        candidate_model=candidate_model,
        repeat=repeat,
        concurrency=concurrency,
        langsmith_dataset=(dataset or f"sophia-{folder.resolve().name}") if langsmith else None,
    )
    result = _run(run_evaluation(run))
    data = result.to_json(thresholds)
    print_eval_result(result, data, thresholds)
    write_eval_outputs(data, json_path, html_path)
    failures = threshold_failures(data["metrics"], thresholds)
    for failure in failures:
        err_console.print(f"[bold red]threshold:[/] {failure}")
    if failures:
        raise typer.Exit(1)


@dataclass(frozen=True)
class EvalRun:
    """What `sophia eval` runs: which candidates, on which brain, how often, and where to."""

    folder: Path
    context: Context
    candidate_model: str | None
    repeat: int
    concurrency: int
    langsmith_dataset: str | None  # None: run locally only

    def settings(self) -> dict[str, Any]:
        """The settings recorded in the JSON report."""
        return {
            "candidates": str(self.folder),
            "model": self.context.model,
            "candidate": self.candidate_model or "scripted",
            "repeat": self.repeat,
        }


async def prepare_candidates(run: EvalRun) -> tuple[list[TestCandidate], AnswererFactory | None]:
    """The folder's candidates, and the LLM candidate that answers for them when one is asked
    for; every error a user can fix is raised here, before any interview starts."""
    from evals.candidate import load_candidates
    from evals.langsmith_experiment import require_langsmith_key
    from evals.llm_candidate import llm_candidate

    if run.langsmith_dataset:
        require_langsmith_key()
    candidates = await asyncio.to_thread(load_candidates, run.folder)
    if not candidates:
        raise CandidateFileError(f"{run.folder}: no candidate files (*.yaml) in this folder")
    if not run.candidate_model:
        return candidates, None
    model = run.candidate_model
    llm_candidate(candidates[0], model)  # a bad model name fails now, not mid-run
    return candidates, lambda c: llm_candidate(c, model).answer


async def run_evaluation(run: EvalRun) -> EvalResult:
    """Interview every candidate of the folder behind a progress bar, locally or as a
    LangSmith experiment."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from evals.harness import evaluate_candidates
    from evals.langsmith_experiment import run_langsmith_experiment

    candidates, answerer = await prepare_candidates(run)
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn())
    with Progress(*columns, MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("Interviewing", total=len(candidates) * run.repeat)

        def advance(done: Any) -> None:
            progress.update(task, advance=1, description=f"Interviewed {done.candidate_id}")

        if run.langsmith_dataset is None:
            result = await evaluate_candidates(
                candidates, run.context, run.repeat, run.concurrency, answerer, advance,
                run.settings(),
            )  # fmt: skip
        else:
            result, upload, experiment = await run_langsmith_experiment(
                candidates, run.context, dataset_name=run.langsmith_dataset,
                repeat=run.repeat, concurrency=run.concurrency, answerer=answerer,
                on_run_done=advance, settings=run.settings(),
            )  # fmt: skip
        progress.update(task, description="Interviews done")
    if run.langsmith_dataset is not None:
        console.print(
            f"[dim]LangSmith dataset {upload.dataset_name}: {upload.created} added, "
            f"{upload.updated} updated, {upload.deleted} removed; experiment {experiment}[/]"
        )
    return result


def print_eval_result(
    result: EvalResult, data: dict[str, Any], thresholds: list[Threshold]
) -> None:
    """The candidates table, the metrics table, the time taken and the harness's notes."""
    from cli.eval_output import candidates_table, metrics_table

    print_table(candidates_table(data["candidates"]))
    print_table(metrics_table(data["metrics"], data["metric_comments"], thresholds))
    runs = sum(len(c.runs) for c in result.candidates)
    console.print(f"[dim]{runs} interviews in {result.seconds:.1f}s[/]")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")


def write_eval_outputs(
    data: dict[str, Any], json_path: Path | None, html_path: Path | None
) -> None:
    """Write the JSON and HTML reports asked for; a path that cannot be written is status 2."""
    from evals.html_report import render_html

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


def _register_commands() -> None:
    # Commands that live in their own modules.
    from cli.grade import grade_command

    app.command("grade")(grade_command)


_register_commands()

if __name__ == "__main__":
    app()
