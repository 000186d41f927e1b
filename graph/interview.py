"""The compiled interview graph the LangGraph server loads (`langgraph.json`: `interview`).

The server brings its own checkpointer and Store; the CLI compiles its own with SQLite.
"""

import copy
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from graph.builder import build_graph
from prompts import PROMPTS_DIR, load_prompt
from rubric.analysis import load_signals
from rubric.phrasing import load_phrasing
from rubric.role_pack import ROLES_DIR, load_role_pack
from tools.learning_resources import load_catalogue


def load_read_only_data() -> None:
    """Read every role pack, prompt, lexicon and catalogue once, before the first run.

    Nodes run on the server's event loop, where a file read blocks every other interview
    (`langgraph dev` rejects it outright). The loaders are cached, so loading them at import,
    the same way the nodes call them, leaves no file to read mid-interview.
    """
    for pack_file in sorted(ROLES_DIR.glob("*/pack.yaml")):
        load_role_pack(pack_file.parent.name)
    for prompt_file in sorted(PROMPTS_DIR.glob("*.md")):
        load_prompt(prompt_file.stem)
    load_signals()
    load_phrasing()
    load_catalogue()


# The settings' JSON Schema, built once per settings type (see `InterviewGraph`).
_CONTEXT_SCHEMAS: dict[Any, dict[str, Any] | None] = {}


class InterviewGraph(CompiledStateGraph):
    """The compiled interview graph, building its settings' JSON Schema once per process.

    langgraph-api asks for that schema on every run that carries settings (to filter them),
    and pydantic builds it anew each time: about 2 ms of CPU per run on the server's one event
    loop. The server copies the graph for every run; a copy keeps this class.
    """

    def get_context_jsonschema(self) -> dict[str, Any] | None:
        """The JSON Schema of `Context`, a fresh copy of the one built on first use."""
        key = self.context_schema
        if key not in _CONTEXT_SCHEMAS:
            _CONTEXT_SCHEMAS[key] = super().get_context_jsonschema()
        return copy.deepcopy(_CONTEXT_SCHEMAS[key])


def compile_for_server() -> InterviewGraph:
    """The interview graph as the server runs it (its own checkpointer and Store)."""
    compiled = build_graph().compile(name="Sophia interview")
    # Built the way `Pregel.copy` rebuilds a graph, as another class.
    return InterviewGraph(**{k: v for k, v in compiled.__dict__.items() if k != "__orig_class__"})


load_read_only_data()
graph = compile_for_server()
