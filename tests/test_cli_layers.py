"""Tests of the ``zjgis layers`` command."""

from __future__ import annotations

import json

import pytest

from zjgis import layers
from zjgis.cli.main import main


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv(layers.LAYER_DIR_ENV, raising=False)
    layers.reset()
    yield
    layers.reset()


def test_layers_lists_catalog(capsys):
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    for name in layers.layer_names():
        assert name in out
    assert "schematic" in out and "derived" in out


def test_layers_check_passes(capsys):
    assert main(["layers", "check"]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out
    assert "FAIL" not in out


def test_layers_check_fails_on_bad_override(tmp_path, monkeypatch, capsys):
    sc = layers.load("science_city_2017")
    sc["geometry"] = sc.translate(xoff=0.3)
    sc.to_file(tmp_path / "science_city_2017.geojson")
    monkeypatch.setenv(layers.LAYER_DIR_ENV, str(tmp_path))
    assert main(["layers", "check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "science_city_2017" in out


def test_layers_info(capsys):
    assert main(["layers", "info", "putuo_subparks"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["feature_count"] == 14
    assert info["accuracy"] == "schematic"
    assert 9 <= info["area_km2"] <= 11
