"""Docstring examples of zjgis modules run as tests (those not marked ``+SKIP``)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import zjgis

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(zjgis.__path__, prefix="zjgis.")
    if not m.name.startswith("zjgis.cli")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
