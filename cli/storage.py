"""Where the CLI keeps interviews: SQLite checkpoints and Store under the user's data folder."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.store.sqlite.aio import AsyncSqliteStore
from platformdirs import user_data_dir


def data_dir() -> Path:
    """`$SOPHIA_HOME`, else the platform's user data folder for Sophia (created on demand)."""
    folder = Path(os.environ.get("SOPHIA_HOME") or user_data_dir("sophia", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@asynccontextmanager
async def open_persistence() -> AsyncIterator[tuple[AsyncSqliteSaver, AsyncSqliteStore]]:
    """The SQLite checkpointer and Store the CLI's interviews live in."""
    folder = data_dir()
    async with (
        AsyncSqliteSaver.from_conn_string(str(folder / "checkpoints.sqlite")) as saver,
        AsyncSqliteStore.from_conn_string(str(folder / "store.sqlite")) as store,
    ):
        await saver.setup()
        await store.setup()
        yield saver, store
