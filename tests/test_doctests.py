"""Docstring examples of zjgis modules run as tests.

Every public module (no ``_`` in its dotted name, not the CLI) must carry at least
one example that runs: a case that runs zero examples would pass trivially.  Private
modules are tested only when they have examples.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import zjgis

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
ALL = sorted(
    m.name for m in pkgutil.walk_packages(zjgis.__path__, prefix="zjgis.")
    if not m.name.startswith("zjgis.cli")
)


def is_public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def n_examples(name: str) -> int:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    return sum(len(t.examples) for t in finder.find(module, name)
               if getattr(t, "filename", None) and t.filename.endswith(".py")
               and t.name.startswith(name))


PUBLIC = [n for n in ALL if is_public(n)]
WITH_EXAMPLES = [n for n in ALL if is_public(n) or n_examples(n) > 0]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS)
    assert result.attempted > 0, (
        f"{name} is public but has no docstring example: add one that runs on the "
        "shipped sample data")
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"


def test_every_public_module_is_tested():
    assert set(PUBLIC) <= set(WITH_EXAMPLES)
    assert len(PUBLIC) >= 10
