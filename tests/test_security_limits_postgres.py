"""The rate limit held across replicas: two limiters on two connections to one Postgres Store.

`langgraph dev` keeps its Store in its own process, so two dev servers cannot share one; in
production every replica uses the same Postgres Store, which is what this test gives two
limiters (each with its own `AsyncPostgresStore`, as two replicas would have).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from graph.request_limits import StoreRateLimiter

pytestmark = pytest.mark.integration


async def test_two_replicas_on_one_postgres_store_share_the_limit(postgres_url):
    import psycopg
    from langgraph.store.postgres import AsyncPostgresStore

    schema = f"sophia_limits_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    try:
        async with (
            AsyncPostgresStore.from_conn_string(url) as first_store,
            AsyncPostgresStore.from_conn_string(url) as second_store,
        ):
            await first_store.setup()
            first = StoreRateLimiter(first_store, "runs")
            second = StoreRateLimiter(second_store, "runs")
            # Ten attempts at once, spread over both replicas, against a limit of four.
            waits = await asyncio.gather(
                *[(first if i % 2 else second).wait_time("ada", 4) for i in range(10)]
            )
            assert sum(w == 0 for w in waits) <= 4
            # One after another, exactly four go through in the minute, whichever replica.
            later = [await (first if i % 2 else second).wait_time("bo", 4) for i in range(10)]
            assert [w == 0 for w in later] == [True] * 4 + [False] * 6
            assert all(0 < w <= 60 for w in later[4:])
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'drop schema if exists "{schema}" cascade')
