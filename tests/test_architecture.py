"""The dependency rule: bots → scheduler → core, and core knows no platform."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = {
    "slack_bolt",
    "slack_sdk",
    "linebot",
    "apscheduler",
    "starlette",
    "fastapi",
    "uvicorn",
    "aiohttp",
    "httpx",
    "jinja2",
    "prometheus_client",
    "bots",
    "scheduler",
    "os.environ",
}
FORBIDDEN_IN_SCHEDULER = {"bots", "slack_bolt", "slack_sdk", "linebot", "starlette", "uvicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _root(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize(
    ("package", "forbidden"), [("core", FORBIDDEN_IN_CORE), ("scheduler", FORBIDDEN_IN_SCHEDULER)]
)
def test_package_imports_only_inward(package: str, forbidden: set[str]) -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if _root(name) in forbidden or name in forbidden
    }
    assert not offenders, f"{package}/ must not import outer or platform code: {sorted(offenders)}"


def test_core_reads_no_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "os.getenv" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, (
        f"core/ must take settings as arguments, not read the environment: {offenders}"
    )


@pytest.mark.parametrize("package", ["core", "scheduler", "bots"])
def test_every_module_imports(package: str) -> None:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
