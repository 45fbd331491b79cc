"""Fixtures shared by the tests of zjgis.layers (import them into a test module)."""

from __future__ import annotations

import pytest

from zjgis import layers


@pytest.fixture(autouse=True)
def clean_catalog(monkeypatch):
    """No ZJGIS_LAYER_DIR and no use() overrides before and after each test."""
    monkeypatch.delenv(layers.LAYER_DIR_ENV, raising=False)
    layers.reset()
    yield
    layers.reset()
