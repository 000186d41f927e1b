"""Rich output shared by the CLI's commands: reports and progress lines."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table

from graph.scoring import CRITERION_NAMES, recommendation_label
from graph.state import FinalReport

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
    """The report's headline figures as a table."""
    table = Table(title=f"Report: {report.candidate_name or report.candidate_id}", show_lines=False)
    table.add_column("")
    table.add_column("")
    table.add_row("Level", report.level)
    table.add_row("Overall", f"{report.overall:.1f} / 100")
    table.add_row("Recommendation", recommendation_label(report.recommendation))
    for criterion, score in report.scores.items():
        table.add_row(CRITERION_NAMES[criterion], f"{score:.2f} / 5")
    return table


def print_report(report: FinalReport) -> None:
    """The report for a person at a terminal: figures, strengths, coaching, flags."""
    console.print(report_table(report))
    if report.strengths:
        console.print("[bold green]Strengths[/]")
        for s in report.strengths:
            console.print(f"  + {s}")
    if report.improvements:
        console.print("[bold yellow]To improve[/]")
        for s in report.improvements:
            console.print(f"  - {s}")
    if report.coaching:
        console.print("[bold]Coaching[/]")
        for item in report.coaching:
            console.print(f"  [bold]{item.area}[/]: {item.suggestion}")
            for r in item.resources:
                console.print(f"    • {r.title}: {r.url}")
    if report.flags:
        console.print("[bold red]For the reviewer[/]")
        for f in report.flags:
            console.print(f"  ! {f}")
