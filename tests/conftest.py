"""Shared fixtures: the role pack, an in-memory Store and node runtimes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from langgraph.runtime import ExecutionInfo, Runtime
from langgraph.store.memory import InMemoryStore

from graph.config import Context
from rubric.role_pack import RolePack, load_role_pack

# Fuzz tests (hypothesis) keep no example database in the repository: each run explores anew,
# and a failure prints the example that broke.
settings.register_profile("sophia", database=None)
settings.load_profile("sophia")


@pytest.fixture(autouse=True)
def every_saved_report_is_consistent(monkeypatch):
    """Every report the report node saves in this process passes `check_report`."""
    import nodes.report
    from tests.report_checks import check_report

    save = nodes.report.save_report

    async def checked(store, thread_id, report):
        check_report(report)
        await save(store, thread_id, report)

    monkeypatch.setattr(nodes.report, "save_report", checked)


@pytest.fixture(scope="session")
def pack() -> RolePack:
    return load_role_pack("backend_python")


# --- a role pack with the listening data: clarifications, hints, corrections, FAQ, variants ----

LISTENING_PACK = "listening_test"
FAQ = {
    "entries": [
        {
            "id": "on_call",
            "question": "What does on-call look like?",
            "phrases": ["on call", "on-call", "pager", "incidents"],
            "answer": "Engineers join the on-call rotation after three months, one week in six, "
            "with a second person always on backup.",
        },
        {
            "id": "team",
            "question": "How big is the team?",
            "phrases": ["how big + team", "team size", "how many engineers", "who would i work"],
            "answer": "The backend team is seven engineers and a product manager, split into "
            "two squads.",
        },
        {
            "id": "next_steps",
            "question": "What are the next steps?",
            "phrases": ["next steps", "after this interview", "hear back"],
            "answer": "After today the hiring team reviews the interview and gets back to you "
            "within a week.",
        },
    ],
    "fallback": "I don't know that one; the hiring team will follow up on it.",
}
AUTH_CLARIFY = {
    "rephrase": "How do you make sure a request comes from a known caller, and that the "
    "caller may do what it asks?",
    "scope": "Take the case you know best, users of a web app or services calling each "
    "other, and say which one you picked.",
    "terms": {
        "authorization": "deciding what an identified caller is allowed to do.",
    },
}


def _listening_pack(roles: Path) -> Path:
    """The default pack, copied, with listening data the tests control: auth.mid's clarification,
    hint and a correction, and a small FAQ whose answers the tests look for."""
    import shutil

    import yaml

    folder = roles / LISTENING_PACK
    shutil.copytree(Path(__file__).parent.parent / "prompts" / "roles" / "backend_python", folder)
    pack_file = folder / "pack.yaml"
    pack_data = yaml.safe_load(pack_file.read_text())
    pack_file.write_text(yaml.safe_dump({**pack_data, "id": LISTENING_PACK}))
    auth_file = folder / "questions" / "auth.yaml"
    auth = yaml.safe_load(auth_file.read_text())
    for question in auth["questions"]:
        if question["id"] == "auth.mid":
            question["clarify"] = AUTH_CLARIFY
            question["hint"] = "Start from what the server checks on every request."
    for flag in auth["red_flags"]:
        if flag["label"].startswith("Believes JWTs are encrypted"):
            flag["correction"] = "A JWT is signed, not encrypted: anyone can read its claims."
    auth_file.write_text(yaml.safe_dump(auth, sort_keys=False))
    (folder / "faq.yaml").write_text(yaml.safe_dump(FAQ, sort_keys=False))
    return folder


@pytest.fixture(scope="session")
def listening_roles(tmp_path_factory) -> Path:
    """A roles folder holding the `listening_test` pack."""
    roles = tmp_path_factory.mktemp("roles")
    _listening_pack(roles)
    return roles


@pytest.fixture
def listening_pack(listening_roles, monkeypatch) -> RolePack:
    """The `listening_test` pack, findable by its id (SOPHIA_ROLES_PATH) for this test."""
    monkeypatch.setenv("SOPHIA_ROLES_PATH", str(listening_roles))
    return load_role_pack(LISTENING_PACK)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def make_runtime(store):
    """A node runtime on the in-memory store, for thread `t-1` unless told otherwise."""

    def make(context: Context | None = None, thread_id: str = "t-1") -> Runtime[Context]:
        return Runtime(
            context=context or Context(model="rubric"),
            store=store,
            execution_info=ExecutionInfo(
                checkpoint_id="c", checkpoint_ns="", task_id="task", thread_id=thread_id
            ),
        )

    return make


# --- persistence: SQLite files, and PostgreSQL when it runs ------------------------------------

POSTGRES_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable Postgres (`SOPHIA_TEST_DATABASE_URL`, else the local `test` database)."""
    import os

    import psycopg

    urls = [u for u in (os.environ.get("SOPHIA_TEST_DATABASE_URL"), *POSTGRES_URLS) if u]
    errors = []
    for url in urls:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("select 1")
            return url
        except psycopg.Error as exc:
            errors.append(f"{url}: {str(exc).strip().splitlines()[0]}")
    pytest.skip("PostgreSQL is not reachable: " + "; ".join(errors))


@pytest.fixture(params=["sqlite", "postgres"])
def persistence_env(request, tmp_path) -> Iterator[dict[str, str]]:
    """Environment for the `sophia` CLI: SQLite under a temporary SOPHIA_HOME, or Postgres.

    The Postgres case gets a schema of its own (dropped afterwards), chosen in the URL, so tests
    never see each other's interviews or anyone else's tables.
    """
    import uuid

    import psycopg

    env = {"SOPHIA_HOME": str(tmp_path / "home"), "SOPHIA_DATABASE_URL": ""}
    if request.param == "sqlite":
        yield env
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"sophia_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    try:
        yield {**env, "SOPHIA_DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}"}
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'drop schema if exists "{schema}" cascade')


@pytest.fixture
def auth_store(monkeypatch) -> InMemoryStore:
    """The Store the server's auth handlers use (rate counts, audit, profiles), in memory."""
    import graph.auth as sophia_auth

    memory = InMemoryStore()

    async def source() -> InMemoryStore:
        return memory

    monkeypatch.setattr(sophia_auth, "STORE_SOURCE", source)
    return memory
