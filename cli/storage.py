"""Where the CLI keeps interviews: checkpoints and Store.

- SQLite files under the user's data folder by default (`$SOPHIA_HOME` overrides it);
- PostgreSQL when `SOPHIA_DATABASE_URL` is set (`langgraph-checkpoint-postgres`'s saver and
  `langgraph.store.postgres`'s Store, tables created on first use). A schema other than
  `public` is chosen in the URL: `...?options=-csearch_path%3Dsophia`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore
from platformdirs import user_data_dir

from graph.errors import StorageUnavailableError

DATABASE_URL_ENV = "SOPHIA_DATABASE_URL"
# Seconds to wait for Postgres before saying it cannot be reached.
CONNECT_TIMEOUT = 10


def data_dir() -> Path:
    """`$SOPHIA_HOME`, else the platform's user data folder for Sophia (created on demand)."""
    folder = Path(os.environ.get("SOPHIA_HOME") or user_data_dir("sophia", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url() -> str | None:
    """The Postgres URL from `SOPHIA_DATABASE_URL`, or None for the SQLite files."""
    return (os.environ.get(DATABASE_URL_ENV) or "").strip() or None


def describe_database_url(url: str) -> str:
    """A database URL fit to print: user, host, port and database, never the password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # a malformed URL is reported when it is used; here, show nothing of it
        return "PostgreSQL (SOPHIA_DATABASE_URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


def where_saved() -> str:
    """Where interviews are kept, for the user: a folder or a redacted database URL."""
    url = database_url()
    return describe_database_url(url) if url else str(data_dir())


@asynccontextmanager
async def open_persistence() -> AsyncIterator[tuple[BaseCheckpointSaver, BaseStore]]:
    """The checkpointer and Store the CLI's interviews live in (SQLite, or Postgres)."""
    url = database_url()
    async with AsyncExitStack() as stack:
        if url:
            saver, store = await _open_postgres(stack, url)
        else:
            saver, store = await _open_sqlite(stack)
        try:
            yield saver, store
        except Exception as exc:
            # The database went away mid-interview (server restart, disk full): one clear line.
            # What was saved before stays saved; the interview resumes with --thread.
            if _is_database_error(exc):
                raise StorageUnavailableError(
                    f"lost the database {where_saved()}: {_first_line(exc)}"
                ) from None
            raise


def _is_database_error(exc: Exception) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):
        return True
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, psycopg.OperationalError)


async def open_sqlite_files(
    stack: AsyncExitStack, folder: Path
) -> tuple[BaseCheckpointSaver, BaseStore]:
    """The SQLite checkpointer and Store in `folder`, as the CLI keeps interviews (the
    benchmarks open them the same way)."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.store.sqlite.aio import AsyncSqliteStore

    saver = await stack.enter_async_context(
        AsyncSqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite"))
    )
    store = await stack.enter_async_context(
        AsyncSqliteStore.from_conn_string(str(folder / "store.sqlite"))
    )
    await saver.setup()
    await store.setup()
    # WAL: a turn's many small commits append to a log instead of rewriting a rollback
    # journal each time, and a killed process loses nothing more than it would without it.
    for conn in (saver.conn, store.conn):
        await conn.execute("PRAGMA journal_mode=WAL")
    return saver, store


async def _open_sqlite(stack: AsyncExitStack) -> tuple[BaseCheckpointSaver, BaseStore]:
    import sqlite3

    try:
        return await open_sqlite_files(stack, data_dir())
    except (OSError, sqlite3.Error) as exc:
        folder_name = os.environ.get("SOPHIA_HOME") or "the data folder"
        raise StorageUnavailableError(
            f"cannot open the interview files in {folder_name}: {_first_line(exc)}"
        ) from None


async def _open_postgres(stack: AsyncExitStack, url: str) -> tuple[BaseCheckpointSaver, BaseStore]:
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from langgraph.store.postgres.aio import AsyncPostgresStore
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    shown = describe_database_url(url)
    try:
        if "connect_timeout" not in conninfo_to_dict(url):
            url = make_conninfo(url, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.ProgrammingError as exc:
        raise StorageUnavailableError(
            f"{DATABASE_URL_ENV} is not a valid PostgreSQL URL: {_first_line(exc)}"
        ) from None
    try:
        saver = await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(url))
        store = await stack.enter_async_context(AsyncPostgresStore.from_conn_string(url))
        # Both create their tables (and migrate them) on first use; later runs are no-ops.
        await saver.setup()
        await store.setup()
    except psycopg.Error as exc:
        raise StorageUnavailableError(
            f"cannot use the database {shown} ({DATABASE_URL_ENV}): {_first_line(exc)}"
        ) from None
    return saver, store


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
