"""domain/ and pdf/ stay pure: no Flask, SQLAlchemy or models (STYLE.md)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "clinic"
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "clinic.models", "clinic.extensions",
             "clinic.services")
MODULES = sorted(p for folder in ("domain", "pdf") for p in (ROOT / folder).glob("*.py"))


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.module and node.level >= 2:
                    yield "clinic." + node.module
                elif node.level >= 2:
                    yield "clinic"
            elif node.module:
                yield node.module


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_module_imports_nothing_impure(path):
    bad = [name for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"{path.name} imports {bad}"
