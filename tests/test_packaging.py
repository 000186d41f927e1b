"""The built wheel is a working application: it holds every data file, installs in a clean
virtualenv without a setuptools warning, and runs `sophia simulate` on a candidate it ships.

Everything else in the suite runs on the editable install, which reads data files from the
source tree; only these tests see what a user who installs the wheel gets.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from evals.candidate import load_candidate
from evals.runner import run_interview
from graph.config import Context

pytestmark = [pytest.mark.packaging, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "nodes", "tools", "prompts", "rubric", "evals", "cli", "web")
CANDIDATE = "junior-honest-sofia"  # weak areas: the report reads the resource catalogue too
# What setuptools prints when it warns (a `...Warning` class name, or its "!!" banner); pip's
# own notices ("WARNING: Location ... is ignored") are about this machine's indexes, not us.
SETUPTOOLS_WARNING = re.compile(r"[A-Za-z]Warning\b|^\s*!!\s*$|absent from the `packages`", re.M)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command, fail with its output if it fails, and return stdout and stderr."""
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{output[-4000:]}"
    return output


def clean_env() -> dict[str, str]:
    """The environment without anything that would let the source tree leak into an import."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "OPENAI_API_KEY": "", "SOPHIA_DATABASE_URL": "", "COLUMNS": "120"}


def new_venv(path: Path) -> Path:
    """A virtualenv with nothing installed but an up-to-date pip, as `make` sets one up (a
    recent pip shows the build backend's warnings, an old one hides them); returns its bin."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    bin_dir = path / "bin"
    run(bin_dir / "pip", "install", "--quiet", "--upgrade", "pip", cwd=path, env=clean_env())
    return bin_dir


# Left out of the copy that is built: a build's leftovers (an old SOURCES.txt in *.egg-info
# would put files into the sdist that the configuration leaves out) and local state.
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "mutants")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The wheel, built as `python -m build` builds it (sdist, then the wheel from the sdist)
    from a copy of the source without any build's leftovers, and the build's output."""
    source = tmp_path_factory.mktemp("source") / "sophia"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    out = tmp_path_factory.mktemp("dist")
    log = run(sys.executable, "-m", "build", "--outdir", out, source, cwd=source, env=clean_env())
    (wheel,) = out.glob("*.whl")
    return wheel, log


def source_data_files() -> set[str]:
    """Every file of the application's packages that is not Python source."""
    files = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc")
                and "__pycache__" not in (path.parts)
            ):
                files.add(path.relative_to(ROOT).as_posix())
    return files


def test_the_wheel_holds_every_data_file_and_builds_without_a_warning(built):
    wheel, log = built
    names = set(zipfile.ZipFile(wheel).namelist())
    data = source_data_files()
    assert "prompts/rubric/signals.yaml" in data  # the file an earlier wheel left out
    assert data - names == set()
    assert not SETUPTOOLS_WARNING.search(log), log


def test_the_installed_wheel_simulates_a_shipped_candidate(built, tmp_path):
    wheel, _ = built
    bin_dir = new_venv(tmp_path / "venv")
    run(bin_dir / "pip", "install", "--quiet", wheel, cwd=tmp_path, env=clean_env())
    # Run from an empty folder, so nothing is imported from the source tree.
    work = tmp_path / "work"
    work.mkdir()
    where = run(
        bin_dir / "python",
        "-c",
        "import graph.interview, rubric.analysis, evals.candidate as c; "
        "print(rubric.analysis.__file__); print(c.CANDIDATES_DIR)",
        cwd=work,
        env=clean_env(),
    ).split()
    assert all(str(tmp_path / "venv") in p for p in where), where
    shipped = Path(where[1]) / f"{CANDIDATE}.yaml"
    report_file = work / "report.json"
    out = run(
        bin_dir / "sophia",
        "simulate",
        shipped,
        "--json",
        report_file,
        "--markdown",
        work / "report.md",
        cwd=work,
        env=clean_env(),
    )
    assert "Recommendation" in out
    report = json.loads(report_file.read_text())
    assert report["coaching"] and all(item["resources"] for item in report["coaching"])
    # The installed application and the source tree give the same report.
    expected, _ = asyncio.run(run_interview(load_candidate(shipped), Context(model="rubric")))
    got = {k: report[k] for k in ("level", "overall", "recommendation", "scores")}
    assert got == expected.model_dump(mode="json", include=set(got))


def test_an_editable_install_prints_no_setuptools_warning(tmp_path):
    """What `make` does on first use (`pip install -e .`), without the dependencies."""
    bin_dir = new_venv(tmp_path / "venv")
    log = run(bin_dir / "pip", "install", "--no-deps", "-e", ROOT, cwd=tmp_path, env=clean_env())
    assert not SETUPTOOLS_WARNING.search(log), log
