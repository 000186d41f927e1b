"""Shared fixtures: the role pack, an in-memory Store and node runtimes."""

from __future__ import annotations

from collections.abc import Iterator

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
