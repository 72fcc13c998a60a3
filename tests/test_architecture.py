"""The layers hold: the core does no I/O and knows no shell; only bot/github talks to GitHub.

Read statically (``ast``) over every file, so a forbidden import in a module no test
happens to load, or inside a function, is still found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
# What the pure core must never reach: network, processes, the event loop, the shell.
# The core may make spans through the OpenTelemetry API (a no-op until the shell installs
# an SDK), never install or export them itself.
FORBIDDEN_IN_CORE = ("aiohttp", "gidgethub", "subprocess", "asyncio",
                     "bot.app", "bot.github", "bot.local", "bot.telemetry",
                     "opentelemetry.sdk", "opentelemetry.exporter")
# gidgethub's request methods (and perfbot's download): a call of one outside bot/github
# is a GitHub request made past the edge.
REQUEST_METHODS = frozenset({"getitem", "getiter", "getstatus", "post", "patch", "put",
                             "delete", "graphql", "download"})


def imported(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import in ``source``, relative ones left out (same layer)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(source: str) -> list[str]:
    return sorted({f"line {line}: {name}" for line, name in imported(source)
                   for banned in FORBIDDEN_IN_CORE
                   if name == banned or name.startswith(banned + ".")})


def raw_requests(source: str) -> list[str]:
    """Calls like ``gh.getitem(...)`` on anything but an imported module (``web.post``
    declares a route) or the store (``store.put`` keeps a fact, ``self._store.delete``
    forgets one)."""
    tree = ast.parse(source)
    modules = {alias.asname or alias.name.split(".")[0]
               for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
               for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in REQUEST_METHODS
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id in modules)
                and not _the_store(node.func.value)):
            found.append(f"line {node.lineno}: .{node.func.attr}(")
    return found


def _the_store(receiver: ast.expr) -> bool:
    name = (receiver.id if isinstance(receiver, ast.Name)
            else receiver.attr if isinstance(receiver, ast.Attribute) else "")
    return name.lstrip("_") == "store"


def modules(folder: str) -> list[Path]:
    found = sorted((BOT / folder).rglob("*.py"))
    assert found, f"no modules under bot/{folder}"
    return found


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: str(p.relative_to(BOT)))
def test_the_core_imports_no_io_and_no_shell(path: Path):
    assert forbidden_imports(path.read_text("utf-8")) == []


@pytest.mark.parametrize("path", modules("app"), ids=lambda p: str(p.relative_to(BOT)))
def test_the_app_makes_no_github_request_of_its_own(path: Path):
    assert raw_requests(path.read_text("utf-8")) == []


@pytest.mark.parametrize("offending", [
    "import asyncio",
    "import subprocess as sp",
    "from aiohttp import web",
    "import gidgethub.sansio",
    "from bot.github import pulls",
    "from bot import app",
    "def later():\n    from bot.local.git import Checkout\n",
    "from opentelemetry.sdk.trace import TracerProvider",
])
def test_the_core_check_finds_a_forbidden_import(offending: str):
    assert forbidden_imports(f"from bot.core import facts\n{offending}\n") != []


def test_the_core_check_lets_pure_imports_through():
    assert forbidden_imports("import re\nfrom bot.core.facts import PullRequest\n"
                             "from bot.core import applications\n") == []


def test_the_request_check_finds_a_raw_request_but_not_a_route():
    offending = ("from aiohttp import web\nasync def f(gh, repo):\n"
                 "    web.post('/webhooks', f)\n"
                 "    return await gh.getitem(f'/repos/{repo}/pulls/1')\n")
    assert raw_requests(offending) == ["line 4: .getitem("]
    kept = ("async def f(self, store):\n    await store.put('ns', 'k', 1)\n"
            "    await self._store.delete('ns', 'k')\n    await self._gh.delete('/x')\n")
    assert raw_requests(kept) == ["line 4: .delete("]  # the store is not GitHub


def test_the_readme_map_names_every_module_of_the_shell_and_the_review_core():
    readme = (BOT.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("## How it is built"):]
    section = section[: section.find("\n## ", 5)] if "\n## " in section[5:] else section
    unnamed = [str(p.relative_to(BOT)) for folder in ("app", "github", "local", "core/review")
               for p in modules(folder)
               if p.name != "__init__.py" and f"`{p.name}`" not in section]
    assert unnamed == []
    for named in ("pipeline.py", "core/evidence.py", "core/review/transitions.py"):
        assert (BOT / named).exists() and named.rsplit("/", 1)[-1] in section


def test_no_test_module_imports_another():
    # Helpers shared by several test modules live in helper modules (harness, reviewing,
    # parity_cases, ...), so a test module can be renamed or split without breaking others.
    tests = Path(__file__).resolve().parent
    names = {p.stem for p in tests.glob("test_*.py")}
    importing = {p.name: hits for p in sorted(tests.glob("test_*.py"))
                 if (hits := [n for _, n in imported(p.read_text("utf-8"))
                              if n.split(".")[0] in names])}
    assert importing == {}
