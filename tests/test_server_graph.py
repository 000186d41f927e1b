"""The graph the LangGraph server loads (`graph/interview.py`), without a server."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.memory import InMemoryStore

import graph.interview as interview
from evals.candidate import CANDIDATES_DIR, load_candidate
from graph.builder import build_graph
from graph.config import Context


def test_the_settings_schema_is_built_once_for_every_run_copy(monkeypatch):
    built = []
    real = CompiledStateGraph.get_context_jsonschema
    monkeypatch.setattr(
        CompiledStateGraph,
        "get_context_jsonschema",
        lambda self: built.append(1) or real(self),
    )
    monkeypatch.setattr(interview, "_CONTEXT_SCHEMAS", {})
    expected = real(build_graph().compile())
    # The server copies the graph for every run, with that run's checkpointer and Store.
    runs = [interview.graph.copy(update={"store": InMemoryStore()}) for _ in range(3)]
    assert all(isinstance(run, interview.InterviewGraph) for run in runs)
    assert [run.get_context_jsonschema() for run in runs] == [expected] * 3
    assert len(built) == 1


def test_a_caller_cannot_change_the_kept_settings_schema():
    first = interview.graph.get_context_jsonschema()
    first["properties"].clear()
    assert interview.graph.get_context_jsonschema()["properties"]


async def test_a_run_copy_of_the_server_graph_runs_an_interview():
    run = interview.graph.copy(update={"checkpointer": InMemorySaver(), "store": InMemoryStore()})
    profile = load_candidate(CANDIDATES_DIR / "mid-solid-priya.yaml").profile_input()
    config = {"configurable": {"thread_id": "server-graph"}}
    result = await run.ainvoke(
        {"candidate": profile}, config, context=Context(model="rubric", questions_per_phase=1)
    )
    assert result["__interrupt__"][0].value["message"]
