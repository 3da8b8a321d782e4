"""Layers point down: a lower app never imports a higher one — not even inside a function
to dodge a cycle. Imports needed only for type hints (under ``TYPE_CHECKING``) are allowed;
they never run."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "helpwire"
# Lowest first. Each app may import only apps at its own level or below.
LAYERS = ["core", "calendars", "accounts", "clients", "connectors", "tickets", "conversations",
          "mail", "search", "sla", "reports", "automation", "api", "workspace", "demo"]


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_it_keeps_every_import_pointing_down_the_layers():
    wrong = []
    for app in LAYERS:
        level = LAYERS.index(app)
        for path in (SRC / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line, module in _runtime_imports(ast.parse(path.read_text())):
                parts = module.split(".")
                if parts[0] != "helpwire" or len(parts) < 2 or parts[1] not in LAYERS:
                    continue
                if LAYERS.index(parts[1]) > level:
                    wrong.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert wrong == []


def test_it_imports_at_the_top_of_the_module():
    """Function-level imports hide dependencies; the app registry hooks in apps.py and the
    lazy wrappers of ``conversations/__init__.py`` are the reasoned exceptions."""
    allowed = {"apps.py", "__init__.py"}
    nested = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or path.name in allowed:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.ImportFrom) and inner.module
                            and inner.module.startswith("helpwire")):
                        nested.append(f"{path.relative_to(SRC)}:{inner.lineno} {inner.module}")
    assert nested == []
