"""Rich output shared by the CLI's commands: reports and progress lines."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from graph.scoring import CRITERION_NAMES, recommendation_label
from graph.state import CoachingItem, FinalReport, PracticeReport, TranscriptLine

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

PHASE_TITLES = {
    "introduction": "Introduction",
    "foundation": "Foundation",
    "problem_solving": "Problem solving",
    "system_design": "System design",
    "soft_skills": "Soft skills",
    "wrap_up": "Wrap-up",
}


# The widest line a table is given when the output is a file or a pipe.
WIDEST_FILE_LINE = 1000


def print_table(table: RenderableType) -> None:
    """Print a table: wrapped to the terminal, or, when the output is a file or a pipe, at the
    width it needs (Rich's 80 columns would cut ids like `mid-solid-priya` to `mid-s…`)."""
    if console.is_terminal:
        console.print(table)
        return
    options = console.options.update_width(WIDEST_FILE_LINE)
    needed = Measurement.get(console, options, table).maximum
    wide = Console(file=console.file, width=max(needed, console.width), highlight=False)
    wide.print(table)


def report_table(report: FinalReport) -> Table:
    """The report's headline figures as a table (a practice interview's has no recommendation:
    it is the candidate's own)."""
    table = Table(title=f"Report: {report.candidate_name or report.candidate_id}", show_lines=False)
    table.add_column("")
    table.add_column("")
    table.add_row("Level", report.level)
    table.add_row("Overall", f"{report.overall:.1f} / 100")
    if report.mode != "practice":
        table.add_row(
            "Recommendation",
            f"{recommendation_label(report.recommendation)} (for a {report.target_level} post)",
        )
    for criterion, score in report.scores.items():
        table.add_row(CRITERION_NAMES[criterion], f"{score:.2f} / 5")
    return table


def print_report(report: FinalReport) -> None:
    """The report for a person at a terminal: figures, strengths, coaching, flags."""
    if report.mode == "practice":
        # A practice interview's report is the candidate's: their coaching view only.
        print_practice_report(report.practice_view())
        return
    console.print(report_table(report))
    _print_list("[bold green]Strengths[/]", "+", report.strengths)
    _print_list("[bold yellow]To improve[/]", "-", report.improvements)
    _print_coaching(report.coaching)
    _print_list("[bold red]For the reviewer[/]", "!", report.flags)


def _print_list(title: str, mark: str, lines: list[str]) -> None:
    if lines:
        console.print(title)
        for line in lines:
            console.print(f"  {mark} {line}")


def _print_coaching(coaching: list[CoachingItem]) -> None:
    if coaching:
        console.print("[bold]Coaching[/]")
        for item in coaching:
            console.print(f"  [bold]{item.area}[/]: {item.suggestion}")
            for r in item.resources:
                console.print(f"    • {r.title}: {r.url}")


def print_practice_report(report: PracticeReport) -> None:
    """A practice-mode candidate's coaching report: scores, strengths, what to work on,
    coaching and the feedback they heard; no hire or no-hire line anywhere."""
    table = Table(title=f"Coaching report: {report.candidate_name}", show_lines=False)
    table.add_column("")
    table.add_column("")
    for criterion, score in report.scores.items():
        table.add_row(CRITERION_NAMES[criterion], f"{score:.2f} / 5")
    console.print(table)
    _print_list("[bold green]What went well[/]", "+", report.strengths)
    _print_list("[bold yellow]What to work on[/]", "-", report.improvements)
    _print_coaching(report.coaching)
    if report.feedback:
        console.print("[bold]Feedback on each question[/]")
        for item in report.feedback:
            console.print(f"  [dim]{item.question}[/]")
            console.print(f"    {item.feedback}")


def print_transcript(lines: list[TranscriptLine], name: str = "Candidate") -> None:
    """The conversation, line by line, with what each line was when it was not plain."""
    plain = {"question", "answer", "closing", "follow_up"}
    for line in lines:
        who = "Sophia" if line.speaker == "sophia" else name
        style = "bold magenta" if line.speaker == "sophia" else "bold cyan"
        kind = "" if line.kind in plain else f" [{line.kind.replace('_', ' ')}]"
        console.print(Text.assemble((f"{who}{kind}: ", style), line.text))
