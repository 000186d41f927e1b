"""`sophia`, with one node made to stop mid-turn: a fixed point at which a test kills the CLI.

`python -m tests.paused_cli NODE TURN sophia-arguments...` runs the CLI unchanged, except that
when NODE (`await_answer` or `grader`) runs on answer TURN it prints `PAUSED_LINE` and waits
until it is killed, so a test can SIGKILL the process at a known point of a turn, without
sleeping:

- `await_answer`: the answer has been taken from the resume but not yet saved in a checkpoint
  (the node has not returned);
- `grader`: the answer's checkpoint is written (with `durability="sync"`) and the turn's
  assessments are running.
"""

from __future__ import annotations

import asyncio
import inspect
import sys

import nodes.await_answer
import nodes.grader

PAUSED_LINE = "[paused for the test]"


async def stop_here() -> None:
    """Say so, then wait until the test kills the process."""
    print(PAUSED_LINE, flush=True)
    await asyncio.Event().wait()


def pause_await_answer(turn: int) -> None:
    """`await_answer` stops after taking answer `turn` from the resume, before returning it."""
    node = nodes.await_answer.await_answer

    async def paused(state, runtime):
        result = await node(state, runtime)  # raises GraphInterrupt until the answer comes
        if len(state.get("turns", [])) + 1 == turn:
            await stop_here()
        return result

    paused.__signature__ = inspect.signature(node)  # type: ignore[attr-defined]
    nodes.await_answer.await_answer = paused


def pause_grader(turn: int) -> None:
    """The grader stops before grading answer `turn` (the answer's checkpoint is written)."""
    node = nodes.grader.grader

    async def paused(state, runtime):
        if len(state.get("turns", [])) == turn:
            await stop_here()
        return await node(state, runtime)

    paused.__signature__ = inspect.signature(node)  # type: ignore[attr-defined]
    nodes.grader.grader = paused


if __name__ == "__main__":
    # Patched before `graph.builder` is imported, so the graph is built with the paused node.
    node_name, turn_text, *arguments = sys.argv[1:]
    {"await_answer": pause_await_answer, "grader": pause_grader}[node_name](int(turn_text))
    from cli.main import app

    app(arguments, prog_name="sophia")
