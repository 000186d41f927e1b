"""The compiled interview graph the LangGraph server loads (`langgraph.json`: `interview`).

The server brings its own checkpointer and Store; the CLI compiles its own with SQLite.
"""

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


load_read_only_data()
graph = build_graph().compile(name="Sophia interview")
