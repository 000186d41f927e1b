"""An in-memory stand-in for the LangSmith API, for tests of the LangSmith path.

`FakeLangSmith` is a real `langsmith.Client` whose dataset calls are served from dicts and
whose HTTP session answers every request in-process, so `langsmith.aevaluate` itself runs
(with `upload_runs=False`) and accepts or rejects our evaluators exactly as it would online.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import langsmith
import requests
from langsmith.schemas import Dataset, Example


class FakeLangSmith(langsmith.Client):
    """Datasets and examples in memory; every HTTP request is answered in-process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            api_key="test-key", api_url="http://langsmith.invalid", auto_batch_tracing=False
        )
        # Traces of the interviews (LangChain's tracer inside the graph) are posted through
        # the client's session: answer them here, so nothing leaves the process.
        self.requests: list[tuple[str, str]] = []

        def answer_locally(method: str, url: str, *_: Any, **__: Any) -> requests.Response:
            self.requests.append((method, url))
            response = requests.Response()
            response.status_code, response._content, response.url = 200, b"{}", url
            return response

        self.session.request = answer_locally  # type: ignore[method-assign]
        self.stored_datasets: dict[str, Dataset] = {}
        self.stored_examples: dict[uuid.UUID, Example] = {}
        self.calls: list[str] = []

    def has_dataset(self, *, dataset_name: str | None = None, **_: Any) -> bool:
        return dataset_name in self.stored_datasets

    def read_dataset(self, *, dataset_name: str | None = None, **_: Any) -> Dataset:
        return self.stored_datasets[dataset_name]

    def create_dataset(self, dataset_name: str, *, description: str | None = None, **_: Any):
        self.calls.append("create_dataset")
        dataset = Dataset(
            id=uuid.uuid4(),
            name=dataset_name,
            description=description,
            created_at=datetime.now(UTC),
        )
        self.stored_datasets[dataset_name] = dataset
        return dataset

    def list_examples(self, dataset_id=None, dataset_name=None, **_: Any):
        if dataset_name is not None:
            dataset_id = self.stored_datasets[dataset_name].id
        return iter([e for e in self.stored_examples.values() if e.dataset_id == dataset_id])

    def create_examples(self, *, dataset_id=None, examples=(), **_: Any) -> None:
        self.calls.append(f"create_examples:{len(examples)}")
        for example in examples:
            new = Example(id=uuid.uuid4(), dataset_id=dataset_id, **example)
            self.stored_examples[new.id] = new

    def update_example(self, example_id, *, inputs=None, outputs=None, metadata=None, **_: Any):
        self.calls.append("update_example")
        old = self.stored_examples[example_id]
        self.stored_examples[example_id] = old.model_copy(
            update={"inputs": inputs, "outputs": outputs, "metadata": metadata}
        )

    def delete_examples(self, example_ids, **_: Any) -> None:
        self.calls.append(f"delete_examples:{len(example_ids)}")
        for example_id in example_ids:
            del self.stored_examples[example_id]
