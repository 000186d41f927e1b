"""JSON Lines files of records with an `id`: read, validated and de-duplicated, with one clear
error (file, line, field) for anything a user must fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from graph.errors import CandidateFileError

Record = TypeVar("Record", bound=BaseModel)


def read_records(path: Path, model: type[Record]) -> list[Record]:
    """Every line of `path` as a `model` (blank lines skipped; ids must be unique).

    A missing file, a line that is not JSON or lacks a field, or a repeated id is a
    `CandidateFileError` naming the file and the line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CandidateFileError(f"{path}: cannot read: {exc}") from None
    records: list[Record] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = model.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CandidateFileError(f"{path}:{number}: not JSON: {exc.msg}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(line)"
            raise CandidateFileError(f"{path}:{number}: field '{where}': {first['msg']}") from None
        record_id = str(getattr(record, "id", ""))
        if record_id in seen:
            raise CandidateFileError(f"{path}:{number}: id '{record_id}' is repeated")
        seen.add(record_id)
        records.append(record)
    return records
