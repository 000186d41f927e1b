"""Shared fixtures: the role pack, an in-memory Store and node runtimes."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.runtime import ExecutionInfo, Runtime
from langgraph.store.memory import InMemoryStore

from evals.candidate import TestCandidate, load_candidate
from graph.config import Context
from rubric.role_pack import RolePack, load_role_pack

FIXTURES = Path(__file__).parent / "fixtures"


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


def fixture_candidate(name: str) -> TestCandidate:
    """A test candidate from tests/fixtures."""
    return load_candidate(FIXTURES / f"{name}.yaml")
