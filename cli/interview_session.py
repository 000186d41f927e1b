"""`sophia interview`: a live interview in the terminal, saved after every answer.

Sophia's lines stream as the graph produces them; a progress line shows the phase. When stdin
is not a terminal, each line is one answer; at the end of input the interview is saved and the
command says how to resume it. Ctrl-C does the same at any point: at the prompt, nothing typed
is lost (the question is asked again on resume); while Sophia is working, the answer is kept
in the last checkpoint, or its question is asked again.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk
from langgraph.types import Command
from rich.text import Text

from cli.console import console, err_console, print_practice_report, print_report
from cli.storage import open_persistence, where_saved
from graph.builder import build_graph
from graph.config import MAX_ANSWER_CHARS_ENV, Context, max_answer_chars
from graph.llm import is_rubric, model_for
from graph.state import PracticeReport
from graph.store import load_report

SPOKEN_BY_SOPHIA = {"acknowledge", "interviewer", "report"}
# The nodes that end Sophia's turn (the acknowledge node begins it, and the message goes on).
ENDS_HER_TURN = {"interviewer", "report"}
SOPHIA = Text("Sophia: ", style="bold magenta")
FEEDBACK = Text("Feedback: ", style="bold green")
# Exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class Interrupted(Exception):
    """The candidate pressed Ctrl-C at the prompt."""


def stdin_lines() -> Iterator[str]:
    """Lines of stdin as text; bytes that are not UTF-8 become U+FFFD instead of an error."""
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def interruptible(read: Callable[[], str]) -> str:
    """Run a blocking read of the candidate's input; Ctrl-C raises `Interrupted` at once.

    `asyncio.run` turns the first Ctrl-C into a cancellation of the running coroutine, which a
    blocking read only sees once the next line is typed, and that line is then lost. While the
    read waits, Python's own handler is put back, so Ctrl-C interrupts the read itself.
    """
    previous = signal.getsignal(signal.SIGINT)
    try:
        # Inside the try: a Ctrl-C that lands while the handler is being swapped (about one in
        # three, pressed just as the question appears) is raised from this very call.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        task = _current_task()
        if task is not None and task.cancelling():
            # Ctrl-C came just before the read began: it was a cancellation, not yet seen.
            raise Interrupted
        return read()
    except KeyboardInterrupt:
        raise Interrupted from None
    finally:
        try:
            signal.signal(signal.SIGINT, previous)
        except KeyboardInterrupt:  # pressed while the handler was put back
            signal.signal(signal.SIGINT, previous)
            raise Interrupted from None


def _current_task() -> asyncio.Task | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop (called outside the interview's coroutine)
        return None


class AnswerSource:
    """Where answers come from: the keyboard, or one line each from piped input."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self._lines = None if self.interactive else stdin_lines()

    def _read(self) -> str:
        if self._lines is None:
            return console.input("[bold cyan]You:[/] ")
        return next(self._lines)

    def next_answer(self) -> str | None:
        """The next non-empty answer, or None when input has ended (`Interrupted` on Ctrl-C)."""
        while True:
            try:
                text = interruptible(self._read)
            except (EOFError, StopIteration):
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
                    "ask me what I mean, or press Ctrl-C to save and stop.[/]"
                )
            else:
                err_console.print("[dim]Skipped an empty input line.[/]")


KIND_LABELS = {
    "follow_up": " · follow-up",
    "hint": " · hint",
    "clarification": " · clarification",
    "reply": " · your question",
    "closing": " · last question",
}


def progress_line(payload: dict[str, Any]) -> str:
    """Where the interview is, e.g. `Foundation questions · question 3 of 18 · follow-up`."""
    progress = payload.get("progress") or {}
    phase = progress.get("phase_title") or payload.get("phase", "")
    kind = KIND_LABELS.get(payload.get("kind", ""), "")
    return (
        f"[dim]{phase} · question {progress.get('number', '?')} of "
        f"{progress.get('total', '?')}{kind}[/]"
    )


async def run_terminal_interview(
    thread_id: str, context: Context, ask_profile: Callable[[], dict[str, Any]]
) -> int:
    """Start or resume the interview `thread_id`; returns the process exit status.

    `ask_profile` is called only for a new interview: a resume keeps the profile it started
    with.
    """
    answers = AnswerSource()
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
            console.print(progress_line(pending[0]))
            run_input = None  # asked below
        elif snapshot.next:
            # Stopped in the middle of a turn (killed while grading): the answer is saved, so
            # finish that turn from its last checkpoint rather than start anything anew.
            console.print(f"[bold]Resuming interview '{thread_id}'.[/]")
            run_input = None
        else:
            candidate = ask_profile()
            console.print(f"[dim]Interview '{thread_id}' (saved in {where_saved()}).[/]")
            run_input = {"candidate": candidate}
        try:
            if pending:
                answer = answers.next_answer()
                if answer is None:
                    return _saved(thread_id)
                run_input = Command(resume=answer)
            while True:
                payload = await _stream_turn(graph, run_input, config, context)
                if payload is None:
                    break
                console.print(progress_line(payload))
                answer = answers.next_answer()
                if answer is None:
                    return _saved(thread_id)
                run_input = Command(resume=answer)
        except (Interrupted, asyncio.CancelledError):
            # Ctrl-C: at the prompt, or while Sophia was working (the checkpoint of every
            # finished step is written before the next starts).
            return _saved(thread_id, INTERRUPTED)
        state = (await graph.aget_state(config)).values
        report = await load_report(store, thread_id)
    if state.get("practice_report"):
        console.rule("Your coaching report")
        print_practice_report(PracticeReport.model_validate(state["practice_report"]))
    elif report is not None:
        console.rule("Your report")
        print_report(report)
    if report is not None:
        console.print(f"[dim]Full report: sophia report {thread_id} --markdown report.md[/]")
    return 0


def _saved(thread_id: str, status: int = 0) -> int:
    console.print()
    # soft_wrap: the resume command must stay on one line to be copied.
    console.print(
        f"[bold]Interview saved.[/] Resume with: sophia interview --thread {thread_id}",
        soft_wrap=True,
    )
    return status


async def _stream_turn(graph: Any, run_input: Any, config: dict, context: Context) -> dict | None:
    """Run until the next question, printing Sophia's words as they stream; its payload.

    A model's tokens are printed as they come (her acknowledgement first, while the answer is
    assessed, then the rest of the same message). The rubric brain's turn takes milliseconds:
    its lines are printed whole when her turn ends, so practice-mode feedback can stand apart.
    """
    payload: dict | None = None
    streamed = False
    tokens = not is_rubric(model_for(context, "interviewer"))
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
            if not tokens or meta.get("langgraph_node") not in SPOKEN_BY_SOPHIA:
                continue
            if isinstance(message, AIMessageChunk) and message.content:
                # Token streaming: the terminal wraps, since Rich would re-wrap each chunk.
                if not streamed:
                    console.print(SOPHIA, end="")
                    streamed = True
                console.print(Text(str(message.content)), end="", soft_wrap=True)
        elif mode == "updates":
            if "__interrupt__" in chunk:
                payload = chunk["__interrupt__"][0].value
                continue
            for node, update in chunk.items():
                if node in ENDS_HER_TURN and isinstance(update, dict):
                    if streamed:
                        console.print()
                        streamed = False
                    else:
                        _print_lines(update.get("transcript") or [])
    if streamed:
        console.print()
    return payload


def _print_lines(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        label = FEEDBACK if line.get("kind") == "feedback" else SOPHIA
        console.print(Text.assemble(label, str(line.get("text", ""))))
