"""The house: each floor imports only the floors below it, sources are registered folders,
and a non-editable install (as the Docker image does it) gives a working `tenderwatch`."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sources import SOURCES

ROOT = Path(__file__).resolve().parents[1]
# Each package (by dotted prefix; a module belongs to the longest prefix that names it) and the
# packages it may import besides its own modules: the floors below it. `crawler` and `consumers`
# share a floor and neither imports the other; the web app reads stores and repositories and
# never the crawler.
BELOW = {
    "schemas": set(),
    "tenderwatch.common": {"schemas"},
    "crawler": {"schemas", "tenderwatch.common"},
    "consumers": {"schemas", "tenderwatch.common"},
    "tenderwatch.web": {"schemas", "tenderwatch.common", "consumers"},
    "tenderwatch.benchmarks": {
        "schemas",
        "tenderwatch.common",
        "crawler",
        "consumers",
        "tenderwatch.web",
    },
    "tenderwatch": set(),  # the top floor: the shell imports every floor
}


def package_of(dotted: str) -> str | None:
    """The package of BELOW that a dotted module name belongs to (None: not tenderwatch's)."""
    matches = [
        package for package in BELOW if dotted == package or dotted.startswith(package + ".")
    ]
    return max(matches, key=len, default=None)


def imported_modules(path: Path) -> set[str]:
    """The dotted names a module imports (anywhere in it, lazily imported ones too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def modules_of(package: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
        if package_of(".".join(path.relative_to(ROOT).with_suffix("").parts)) == package
    ]


@pytest.mark.parametrize("package", [package for package in BELOW if package != "tenderwatch"])
def test_each_floor_imports_only_the_floors_below_it(package):
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules_of(package)
        for name in sorted(imported_modules(path))
        if package_of(name) not in (None, package, *BELOW[package])
    ]
    assert offences == []


def test_the_floors_cover_every_module():
    assert (
        modules_of("tenderwatch.web")
        and modules_of("tenderwatch.common")
        and modules_of("tenderwatch")
    )
    assert (
        package_of("tenderwatch.cli.app") == "tenderwatch"
        and package_of("tenderwatch.web.api") == "tenderwatch.web"
    )


def test_the_issue_greps_print_nothing():
    crawler = subprocess.run(
        [
            "git",
            "grep",
            "-nE",
            r"^\s*(from|import) (consumers|tenderwatch\.(web|benchmarks|cli|runner))",
            "crawler/",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lower = subprocess.run(
        [
            "git",
            "grep",
            "-nE",
            r"^\s*(from|import) (crawler|tenderwatch\.(web|benchmarks|cli|runner))",
            "consumers/",
            "schemas/",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (crawler.stdout, lower.stdout) == ("", "")


# What a source folder provides (`crawler/sources/README.md` says what each part is).
SOURCE_PARTS = ("__init__.py", "spider.py", "pages.py", "normalize.py", "replica/__init__.py")
# Besides its folder and its tests folder, what adding a source touches: its registry entry,
# the README's generated parts, the changelog and the labelled pairs of one assignment.
TOUCHED_OUTSIDE = (
    "crawler/sources/__init__.py",
    "README.md",
    "CHANGELOG.md",
    "tests/assignments/labelled_pairs.json",
)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_registered_source_is_a_folder_with_the_same_parts(name):
    from crawler.list_spider import SourceSpider
    from crawler.settings import CrawlerSettings

    source = SOURCES[name]
    folder = ROOT / "crawler" / "sources" / name
    for part in SOURCE_PARTS:
        assert (folder / part).exists(), f"{name} lacks {part}"
    assert (ROOT / "tests" / "sources" / name).is_dir(), f"{name} has no tests/sources/{name}/"
    spider = source.spider_class()
    assert spider.name == name and source.spider_module == spider.__module__
    assert issubclass(spider, SourceSpider), f"{name}'s spider is not on the shared core"
    assert source.replica_class().__module__.startswith(f"crawler.sources.{name}.replica")
    assert source.host_settings and all(
        setting.name in CrawlerSettings.model_fields for setting in source.settings
    )


def test_the_sources_readme_names_the_parts_and_the_few_files_a_new_source_touches():
    text = (ROOT / "crawler" / "sources" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{part}`" in text for part in SOURCE_PARTS)
    assert len(TOUCHED_OUTSIDE) <= 4
    for path in TOUCHED_OUTSIDE:
        assert f"`{path}`" in text and (ROOT / path).exists(), path


def test_the_readme_parts_that_list_sources_are_written_from_the_registry():
    from crawler.sources.readme import with_generated_parts

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_generated_parts(readme) == readme, "run `python -m crawler.sources` to write them"


def test_a_source_setting_is_validated_and_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("TENDERWATCH_STRIIVE_URL", "striive-cms.codebridge.nl")  # no scheme
    result = subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", "sources"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert (
        result.returncode == 2
        and "TENDERWATCH_STRIIVE_URL" in result.stderr
        and "http(s) URL" in result.stderr
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_non_editable_install_gives_a_working_tenderwatch(tmp_path):
    """`pip install .` (what deploy/Dockerfile runs): the wheel holds every package and its data
    files, and the installed `tenderwatch demo` works from another directory."""
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    # Without build isolation: the build tools are installed already, and no test reaches the
    # package index (the network guard of tests/conftest.py).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheel_dir.glob("tenderwatch-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
    }  # ahead of the editable install of the work tree
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tenderwatch.cli, crawler.sources.flextender.replica as r, "
            "consumers.kibana, schemas; print(r.__file__)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    demo = subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    received = re.search(r"(\d+) tenders received by the consumers", demo.stderr)
    sources = {line.split()[0] for line in demo.stdout.splitlines()[1:]}
    assert received and sources == set(SOURCES)  # every source's replica answers from the wheel
    help_text = subprocess.run(
        [sys.executable, "-m", "tenderwatch.cli", "--help"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in (
        "crawl",
        "run",
        "search",
        "saved-search",
        "serve",
        "bench",
        "replica",
        "demo",
        "health",
    ):
        assert f"  {command} " in help_text


def test_what_commands_write_by_default_into_the_work_tree_is_ignored_by_git(tmp_path):
    """The data directories of `run`, `demo`, the README's replica walk-through and the engines
    are ignored, so using tenderwatch (or testing it) leaves `git status` clean; .ci/run checks
    the tree after the tests too."""
    defaults = [
        ".tenderwatch/x",
        ".tenderwatch-demo/x",
        "replica-data/x",
        "unfrozen-data/x",
        ".engines/x",
        "tools/axe/node_modules/x",
        ".venv/x",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *defaults],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == defaults


def test_the_web_app_is_routers_over_shared_state_with_short_routes(tmp_path):
    """`web/` on routers: every route is a module-level function of a router (no closures),
    none over 40 lines; the shared parts are on `app.state`."""
    import inspect

    from fastapi.routing import APIRoute
    from fastapi.testclient import TestClient

    from tenderwatch.common.settings import Settings
    from tenderwatch.web import alert_pages, api, search_pages, signin
    from tenderwatch.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path))
    routers = (api.router, search_pages.router, signin.router, alert_pages.router)
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) >= 20
    served = {(route.path, method) for route in routes for method in route.methods}
    assert {
        ("/", "GET"),
        ("/alerts", "POST"),
        ("/saved-searches", "POST"),
        ("/signin", "POST"),
    } <= served
    assert TestClient(app).get("/healthz").json() == {"status": "ok"}  # the routers are the app's
    for route in routes:
        lines, _ = inspect.getsourcelines(route.endpoint)
        assert "<locals>" not in route.endpoint.__qualname__, route.path
        assert len(lines) <= 40, f"{route.path}: {len(lines)} lines"
    for part in ("settings", "clock", "store", "repository", "accounts", "cookies", "renderer"):
        assert hasattr(app.state, part), part
