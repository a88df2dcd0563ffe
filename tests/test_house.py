"""The house: each floor imports only the floors below it, sources are registered folders,
and a non-editable install (as the Docker image does it) gives a working `tenderwatch`."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources import SOURCES

ROOT = Path(__file__).resolve().parents[1]
# Lowest first: a package may import its own modules and those of the floors before it.
FLOORS = ["schemas", "common", "crawler", "consumers", "web", "benchmarks", "tenderwatch"]


def imported_packages(path: Path) -> set[str]:
    """The top-level names a module imports (anywhere in it, lazily imported ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", FLOORS)
def test_each_floor_imports_only_the_floors_below_it(package):
    above = set(FLOORS[FLOORS.index(package) + 1:])
    offences = [f"{path.relative_to(ROOT)} imports {name}" for path in sorted((ROOT / package).rglob("*.py"))
                for name in sorted(imported_packages(path) & above)]
    assert offences == []


def test_the_issue_greps_print_nothing():
    crawler = subprocess.run(["git", "grep", "-nE", r"^\s*(from|import) (consumers|benchmarks|tenderwatch)", "crawler/"],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    lower = subprocess.run(["git", "grep", "-nE", r"^\s*(from|import) (benchmarks|tenderwatch)", "consumers/", "schemas/"],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    assert (crawler.stdout, lower.stdout) == ("", "")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_registered_source_is_a_folder_with_the_same_parts(name):
    source = SOURCES[name]
    folder = ROOT / "crawler" / "sources" / name
    for part in ("__init__.py", "spider.py", "pages.py", "normalize.py", "replica/__init__.py"):
        assert (folder / part).exists(), f"{name} lacks {part}"
    assert (ROOT / "tests" / "sources" / name).is_dir(), f"{name} has no tests/sources/{name}/"
    spider = source.spider_class()
    assert spider.name == name and source.spider_module == spider.__module__
    assert source.replica_class().__module__.startswith(f"crawler.sources.{name}.replica")
    from common.settings import Settings

    assert all(setting in Settings.model_fields for setting in source.host_settings)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_non_editable_install_gives_a_working_tenderwatch(tmp_path):
    """`pip install .` (what deploy/Dockerfile runs): the wheel holds every package and its data
    files, and the installed `tenderwatch demo` works from another directory."""
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("tenderwatch-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}  # ahead of the editable install of the work tree
    where = subprocess.run([sys.executable, "-c", "import tenderwatch.cli, crawler.sources.flextender.replica as r, "
                            "consumers.kibana, schemas; print(r.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target))
    demo = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "demo"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=180, check=False)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "29 tenders received by the consumers" in demo.stderr  # every source's replica answers from the wheel
    help_text = subprocess.run([sys.executable, "-m", "tenderwatch.cli", "--help"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, check=True).stdout
    for command in ("crawl", "run", "search", "saved-search", "serve", "bench", "replica", "demo", "health"):
        assert f"  {command} " in help_text


def test_what_commands_write_by_default_into_the_work_tree_is_ignored_by_git(tmp_path):
    """The data directories of `run`, `demo`, the README's replica walk-through and the engines
    are ignored, so using tenderwatch (or testing it) leaves `git status` clean; .ci/run checks
    the tree after the tests too."""
    defaults = [".tenderwatch/x", ".tenderwatch-demo/x", "replica-data/x", "unfrozen-data/x", ".engines/x",
                "tools/axe/node_modules/x", ".venv/x"]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *defaults], cwd=ROOT, capture_output=True,
                             text=True, check=False).stdout.split()
    assert ignored == defaults
