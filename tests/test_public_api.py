"""The public API of zjgis 0.1 keeps working after the packages were reshaped.

``API_01`` lists every name the 0.1 README and notebooks used (extracted from them
at 0.1); the second test extracts the names the README and notebooks use *now*, so
the docs never show a name that does not exist.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

API_01 = """
zjgis.read zjgis.write zjgis.show_versions zjgis.crs zjgis.io zjgis.errors zjgis.cli
zjgis.crs.convert zjgis.crs.geodesic_area zjgis.crs.geodesic_length zjgis.crs.to_metric
zjgis.crs.gcj02_to_wgs84 zjgis.crs.wgs84_to_gcj02 zjgis.crs.bd09_to_wgs84
zjgis.io.read zjgis.io.write zjgis.io.detect_encoding zjgis.io.atomic_write
zjgis.jobshousing.balance zjgis.jobshousing.load_sample zjgis.jobshousing.commute
zjgis.jobshousing.excess_commuting zjgis.jobshousing.flow_lines zjgis.jobshousing.scenario
zjgis.jobshousing.CLASS_ZH zjgis.jobshousing.cost_matrix zjgis.jobshousing.aggregate_od
zjgis.jobshousing.minimum_commute zjgis.jobshousing.classify zjgis.jobshousing.analyse
zjgis.landreserve.STATUS_ZH zjgis.landreserve.STATUS_EN zjgis.landreserve.STATUSES
zjgis.landreserve.TRANSITIONS zjgis.landreserve.Register zjgis.landreserve.ImportReport
zjgis.landreserve.briefing_layers zjgis.landreserve.efficiency zjgis.landreserve.load_sample
zjgis.landreserve.match_projects zjgis.landreserve.write_plan_excel zjgis.landreserve.plan_table
zjgis.landreserve.land_use_name zjgis.landreserve.land_use_table
zjgis.landreserve.normalize_projects
zjgis.layers.check zjgis.layers.info zjgis.layers.list_layers zjgis.layers.load zjgis.layers.reset
zjgis.layers.use zjgis.layers.ACCURACY_CLASSES zjgis.layers.INDUSTRY_KEYS
zjgis.maps.Style zjgis.maps.briefing_map zjgis.maps.choropleth zjgis.maps.cjk_font
zjgis.maps.external_references zjgis.maps.figure zjgis.maps.save zjgis.maps.save_figure
zjgis.network.DEAD_END_KINDS zjgis.network.RoadGraph zjgis.network.build_graph
zjgis.network.dead_ends zjgis.network.missing_links zjgis.network.sample_path
zjgis.raster.distance zjgis.raster.grid zjgis.raster.linear_score zjgis.raster.mask
zjgis.raster.weighted_overlay zjgis.raster.write_geotiff zjgis.raster.read_geotiff
zjgis.raster.zonal_stats zjgis.transit.station_coverage zjgis.transit.DEFAULT_DISTANCES_M
zjgis.errors.ZjgisError zjgis.errors.ValidationError zjgis.errors.CRSError
zjgis.errors.GeometryError zjgis.errors.ReadError zjgis.errors.WriteError
zjgis.errors.SchematicDataWarning zjgis.errors.SampleDataWarning
""".split()

ALIASES = {"layers", "maps", "network", "jobshousing", "landreserve", "transit", "raster",
           "crs", "io", "errors", "scenario"}
NOT_NAMES = {"zjgis.from", "zjgis.with", "zjgis.zjgis", "zjgis.pd", "zjgis.warnings"}


def resolve(dotted: str):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


@pytest.mark.parametrize("name", API_01)
def test_01_name_still_works(name):
    assert resolve(name) is not None


def _code_texts() -> list[str]:
    texts = []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    texts.append("\n".join(re.findall(r"```(?:python|py)\n(.*?)```", readme, flags=re.S)))
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        # one text per notebook: imports sit in the first cell, uses in later ones
        texts.append("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))
    return texts


def used_names() -> set[str]:
    names: set[str] = set()
    for text in _code_texts():
        aliases = {a: f"zjgis.{m}" for m, a in re.findall(
            r"from zjgis import (\w+) as (\w+)", text)}
        aliases.update({a: m for m, a in re.findall(r"import (zjgis(?:\.\w+)+) as (\w+)", text)})
        for mod, paren, body in re.findall(
                r"from (zjgis(?:\.\w+)*) import (?:\(([\w ,\n]+)\)|([\w ,]+))", text):
            for name in re.split(r"[,\s]+", paren or body):
                if name and name != "as" and name not in aliases:
                    names.add(f"{mod}.{name}")
        names.update(re.findall(r"\b(zjgis(?:\.[A-Za-z]\w*)+)", text))
        for alias, target in aliases.items():
            names.update(f"{target}.{n}" for n in re.findall(rf"(?<![\w.]){alias}\.([A-Za-z]\w*)",
                                                               text))
        for mod in ALIASES:
            if re.search(rf"from zjgis import [\w ,]*\b{mod}\b", text):
                names.update(f"zjgis.{mod}.{n}" for n in re.findall(
                    rf"(?<![\w.]){mod}\.([A-Za-z]\w*)", text))
    return {n for n in names if n not in NOT_NAMES and not n.endswith((".py", ".ipynb"))}


def test_names_the_docs_use_exist():
    names = used_names()
    assert len(names) > 40  # the extraction works
    missing = []
    for name in sorted(names):
        try:
            resolve(name)
        except Exception as exc:  # noqa: BLE001 - report every missing name at once
            missing.append(f"{name}: {type(exc).__name__}")
    assert missing == []
