"""The shared awkward-input table (tests/awkward.py) over the map entry points.

Every variant of a point, line and polygon layer goes through ``briefing_map``
(as ``extra=`` and as a layer), ``save`` and ``figure``; each ends in a drawn
map or a zjgis error naming the layer — never a library traceback (a NaN vertex
once gave ``GEOSException``, a NaN station was drawn at longitude −9.2e12).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from tests.awkward import MUST_REFUSE, cases, run_case
from zjgis import maps
from zjgis.errors import ZjgisError

ALL = [(f"{kind}-{cid}", g) for kind in ("point", "line", "polygon")
       for cid, g in cases(kind, name=lambda i: f"要素{{{{7*7}}}}{i}")]
IDS = [c for c, _ in ALL]


def _refuse(case: str) -> set[str]:
    return {case} if case.split("-", 1)[1] in MUST_REFUSE else set()


@pytest.mark.parametrize(("case_id", "gdf"), ALL, ids=IDS)
def test_briefing_map_extra(case_id, gdf, tmp_path):
    def draw(g):
        m = maps.briefing_map([], extra=[(g, {"title": "结果"})], basemap="none")
        return maps.save(m, tmp_path / "m.html")

    out = run_case(draw, gdf, case_id, must_refuse=_refuse(case_id))
    if not isinstance(out, ZjgisError):
        page = out.path.read_text(encoding="utf-8")
        assert "e+12" not in page  # no vertex sent to the far side of the world
        if len(gdf.dropna(subset=[gdf.geometry.name])):
            assert "要素{{7*7}}" in page  # names stay text
    else:
        assert "extra_0" in str(out) or "结果" in str(out) or "layer" in str(out).lower()


@pytest.mark.parametrize(("case_id", "gdf"), ALL[::3], ids=IDS[::3])
def test_figure(case_id, gdf):
    out = run_case(lambda g: maps.figure([], extra=[g]), gdf, case_id,
                   must_refuse=_refuse(case_id))
    if not isinstance(out, ZjgisError):
        plt.close(out)
