"""zjgis.layers over the shared awkward-input table: check() on a replacement layer and use().

Every case ends in a result or a ZjgisError; a replacement that is wrong (no CRS, metres
labelled degrees, swapped lat/lon, NaN/inf vertices) must make ``check(raise_on_failure=True)``
refuse it, never pass it.
"""

from __future__ import annotations

import pytest
from _layers_fixtures import clean_catalog  # noqa: F401 - autouse fixture
from awkward import CASE_IDS, MUST_REFUSE, cases, run_case

from zjgis import layers
from zjgis.errors import InvalidGeometryWarning

CASES = dict(cases("polygon", name=lambda i: f"街镇{i}", code=lambda i: f"310115{i:03d}"))


#: cases a layer check must not pass: wrong input (MUST_REFUSE) and broken geometry
BROKEN = MUST_REFUSE | {"empty", "none_geom", "empty_geom", "bowtie", "wrong_type"}


@pytest.mark.parametrize("case_id", [c for c in CASE_IDS if c in CASES])
def test_check_on_an_awkward_replacement(case_id):
    run_case(lambda g: layers.check({"streets_towns": g}, raise_on_failure=True), CASES[case_id],
             case_id, must_refuse=BROKEN)


@pytest.mark.parametrize("case_id", [c for c in CASE_IDS if c in CASES])
def test_check_report_never_raises_on_an_awkward_replacement(case_id):
    result = run_case(lambda g: layers.check({"streets_towns": g}), CASES[case_id], case_id,
                      must_refuse=())
    if hasattr(result, "columns") and case_id in BROKEN:
        rows = result[result["layer"].str.startswith("streets_towns")]
        assert not rows["passed"].all(), case_id


@pytest.mark.parametrize("case_id", [c for c in CASE_IDS if c in CASES])
def test_use_on_an_awkward_file(case_id, tmp_path):
    gdf = CASES[case_id]
    path = tmp_path / "towns.gpkg"
    try:
        gdf.to_file(path, layer="t")
    except Exception:  # noqa: BLE001 - GDAL cannot write this case at all: nothing to load
        pytest.skip(f"{case_id}: GDAL cannot write it")
    def use(_):
        return layers.use("streets_towns", path, layer="t")

    if case_id in ("none_geom", "empty_geom", "bowtie"):  # io.read names them and warns
        with pytest.warns(InvalidGeometryWarning, match="feature 1"):
            run_case(use, gdf, case_id)
    else:
        run_case(use, gdf, case_id, must_refuse=("empty",))


def test_worst_accuracy_ignores_what_is_not_a_class():
    assert layers.worst_accuracy([None, float("nan"), "gold", "derived"]) == "derived"
    assert layers.worst_accuracy(["SAMPLE"]) is None  # classes are lower-case keys
