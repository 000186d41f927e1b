"""`python -m bench [--quick] [--json F] [--no-server]`: measure Sophia and print the figures.

Exits with status 1 when one of the latency goals does not hold (the figures are printed either
way).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.suite import EXTRA_FIGURES, FIGURES, FULL, GOALS, QUICK, run_suite


def figures_table(result: dict[str, Any], meanings: bool = True) -> Table:
    """The figures, their goals and whether each holds, one row per figure."""
    table = Table(title=f"Sophia benchmarks ({result['settings']['name']})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="center")
    table.add_column("holds", justify="center")
    if meanings:
        table.add_column("what it is", style="dim")
    for key, meaning in {**FIGURES, **EXTRA_FIGURES}.items():
        value = result.get(key)
        goal = GOALS.get(key)
        if goal is None:
            verdict = ""
        elif value is None:
            verdict = "[yellow]not run[/]"
        else:
            verdict = "[green]yes[/]" if result["pass"][key] else "[red]no[/]"
        shown = "—" if value is None else f"{value:g}"
        row = [key, shown, goal.text() if goal else "", verdict]
        table.add_row(*row, *([meaning] if meanings else []))
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the suite, print the table, write the JSON; 1 when a goal does not hold."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the short run (under a minute)")
    parser.add_argument("--json", type=Path, help="write every figure, goal and detail here")
    parser.add_argument("--no-server", action="store_true", help="skip the langgraph dev load test")
    args = parser.parse_args(argv)
    console = Console()
    settings = QUICK if args.quick else FULL
    with console.status("benchmarking") as status:
        result = run_suite(
            settings,
            server=not args.no_server,
            progress=lambda message: status.update(f"benchmarking: {message}"),
            command=" ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        )
    # The meanings need a wide terminal; BENCHMARKS.md has them too.
    console.print(figures_table(result, meanings=console.width >= 120))
    memory, sqlite = result["details"]["turns_memory"], result["details"]["turns_sqlite"]
    console.print(
        f"[dim]L = {memory['latency_ms']:.0f} ms; turn medians {memory['median_ms']} ms in "
        f"memory, {sqlite['median_ms']} ms on SQLite; {result['machine']['nproc']} cores, "
        f"Python {result['machine']['python']}; {result['seconds']} s in all[/]"
    )
    if error := result["details"].get("server", {}).get("error"):
        console.print(f"[yellow]langgraph dev was not measured:[/] {error.splitlines()[0]}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"[dim]JSON written to {args.json}[/]")
    held = result["all_goals_hold"]
    console.print("[green]every goal holds[/]" if held else "[red]a goal does not hold[/]")
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
