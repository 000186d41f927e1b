"""`sophia interview`: a live interview in the terminal, saved after every answer.

Sophia's lines stream as the graph produces them; a progress line shows the phase. When stdin
is not a terminal, each line is one answer; at the end of input the interview is saved and the
command says how to resume it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langgraph.types import Command
from rich.text import Text

from cli.console import PHASE_TITLES, console, err_console, print_report
from cli.storage import open_persistence, where_saved
from graph.builder import build_graph
from graph.config import MAX_ANSWER_CHARS_ENV, Context, max_answer_chars
from graph.store import load_report
from nodes.phase_plan import phase_budget
from rubric.role_pack import load_role_pack

SPOKEN_BY_SOPHIA = {"interviewer", "report"}
SOPHIA = Text("Sophia: ", style="bold magenta")


def stdin_lines() -> Iterator[str]:
    """Lines of stdin as text; bytes that are not UTF-8 become U+FFFD instead of an error."""
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


class AnswerSource:
    """Where answers come from: the keyboard, or one line each from piped input."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self._lines = None if self.interactive else stdin_lines()

    def next_answer(self) -> str | None:
        """The next non-empty answer, or None when input has ended."""
        while True:
            try:
                if self._lines is None:
                    text = console.input("[bold cyan]You:[/] ")
                else:
                    text = next(self._lines)
            except (EOFError, StopIteration, KeyboardInterrupt):
                return None
            if text.strip():
                if len(text) > (limit := max_answer_chars()):
                    err_console.print(
                        f"[yellow]That answer is {len(text):,} characters: only the first "
                        f"{limit:,} are kept ({MAX_ANSWER_CHARS_ENV}).[/]"
                    )
                return text
            if self.interactive:
                err_console.print(
                    "[yellow]An empty answer can't be graded. Type your answer (or 'skip'), "
                    "or press Ctrl-D to save and stop.[/]"
                )
            else:
                err_console.print("[dim]Skipped an empty input line.[/]")


def progress_line(payload: dict[str, Any], asked: int, total: int) -> str:
    """Where the interview is, e.g. `Foundation · question 3 of 18 · follow-up`."""
    phase = PHASE_TITLES.get(payload.get("phase", ""), payload.get("phase", ""))
    kind = {"follow_up": " · follow-up", "closing": " · last question"}.get(payload["kind"], "")
    return f"[dim]{phase} · question {asked} of {total}{kind}[/]"


def main_questions(context: Context) -> int:
    """How many main questions the interview asks (follow-ups come on top)."""
    pack = load_role_pack(context.role)
    return sum(phase_budget(pack, spec, context) for spec in pack.phases)


async def run_terminal_interview(
    thread_id: str, context: Context, candidate: dict[str, Any]
) -> int:
    """Start or resume the interview `thread_id`; returns the process exit status."""
    answers = AnswerSource()
    total = main_questions(context)
    async with open_persistence() as (saver, store):
        graph = build_graph().compile(checkpointer=saver, store=store)
        config = {"configurable": {"thread_id": thread_id}}
        snapshot = await graph.aget_state(config)
        pending = [i.value for task in snapshot.tasks for i in task.interrupts]
        if snapshot.values and not pending and not snapshot.next:
            console.print(f"Interview '{thread_id}' has finished.")
            console.print(f"See its report with: sophia report {thread_id}")
            return 0
        run_input: Any
        if pending:
            console.print(f"[bold]Resuming interview '{thread_id}'.[/]")
            console.print(Text.assemble(SOPHIA, str(pending[0]["message"])))
            console.print(progress_line(pending[0], len(snapshot.values.get("asked", [])), total))
            answer = answers.next_answer()
            if answer is None:
                return _saved(thread_id)
            run_input = Command(resume=_resume_value(answer))
        elif snapshot.next:
            # Stopped in the middle of a turn (killed while grading): the answer is saved, so
            # finish that turn from its last checkpoint rather than start anything anew.
            console.print(f"[bold]Resuming interview '{thread_id}'.[/]")
            run_input = None
        else:
            console.print(f"[dim]Interview '{thread_id}' (saved in {where_saved()}).[/]")
            run_input = {"candidate": candidate}
        while True:
            payload = await _stream_turn(graph, run_input, config, context)
            if payload is None:
                break
            # Counted from the saved state, so a resumed interview counts as a fresh one does.
            asked = len((await graph.aget_state(config)).values.get("asked", []))
            console.print(progress_line(payload, asked, total))
            answer = answers.next_answer()
            if answer is None:
                return _saved(thread_id)
            run_input = Command(resume=_resume_value(answer))
        report = await load_report(store, thread_id)
    if report is not None:
        console.rule("Your report")
        print_report(report)
        console.print(f"[dim]Full report: sophia report {thread_id} --markdown report.md[/]")
    return 0


def _resume_value(answer: str) -> str:
    return "" if answer.strip().lower() == "skip" else answer


def _saved(thread_id: str) -> int:
    console.print()
    # soft_wrap: the resume command must stay on one line to be copied.
    console.print(
        f"[bold]Interview saved.[/] Resume with: sophia interview --thread {thread_id}",
        soft_wrap=True,
    )
    return 0


async def _stream_turn(graph: Any, run_input: Any, config: dict, context: Context) -> dict | None:
    """Run until the next question, printing Sophia's words as they stream; its payload."""
    payload: dict | None = None
    speaking = False
    # durability="sync": each step's checkpoint is written before the next step starts, so a
    # process killed at any point loses at most the step it was in (the answer is kept).
    async for mode, chunk in graph.astream(
        run_input,
        config,
        context=context,
        stream_mode=["messages", "updates"],
        durability="sync",
    ):
        if mode == "messages":
            message, meta = chunk
            if meta.get("langgraph_node") not in SPOKEN_BY_SOPHIA:
                continue
            if not message.content or not isinstance(message, AIMessageChunk | AIMessage):
                continue
            if isinstance(message, AIMessageChunk):
                # Token streaming: the terminal wraps, since Rich would re-wrap each chunk.
                if not speaking:
                    console.print(SOPHIA, end="")
                    speaking = True
                console.print(Text(str(message.content)), end="", soft_wrap=True)
            else:
                console.print(Text.assemble(SOPHIA, str(message.content)))
        elif mode == "updates" and "__interrupt__" in chunk:
            payload = chunk["__interrupt__"][0].value
    if speaking:
        console.print()
    return payload
