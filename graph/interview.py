"""The compiled interview graph the LangGraph server loads (`langgraph.json`: `interview`).

The server brings its own checkpointer and Store; the CLI compiles its own with SQLite.
"""

from graph.builder import build_graph

graph = build_graph().compile(name="Sophia interview")
