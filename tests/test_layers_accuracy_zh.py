"""ONE table of the accuracy classes' Chinese names, used by maps, scenario and workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import load_workbook

from zjgis import layers
from zjgis.landreserve import Register, write_plan_excel
from zjgis.maps import style as map_style

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import parcels, study_area  # noqa: E402

# the words the maps' legends have always shown (hand-written here, not read from zjgis)
EXPECTED = {"official": "官方", "derived": "推导", "schematic": "示意", "sample": "样例"}


def test_one_table_covers_every_class_with_the_maps_wording():
    assert set(layers.ACCURACY_ZH) == set(layers.ACCURACY_CLASSES)
    assert layers.ACCURACY_ZH == EXPECTED
    for cls, word in EXPECTED.items():
        assert map_style.accuracy_text(cls, "zh") == word
        assert layers.accuracy_zh(cls.upper()) == word


def test_accuracy_zh_missing_and_unknown_values():
    assert layers.accuracy_zh(None) == "未注明"
    assert layers.accuracy_zh(float("nan")) == "未注明"
    assert layers.accuracy_zh("  ") == "未注明"
    assert layers.accuracy_zh("mixed") == "mixed"


def test_scenario_badges_use_the_layers_table():
    import zjgis.scenario as zs
    from zjgis.scenario import briefing

    assert zs.ACCURACY_ZH is layers.ACCURACY_ZH
    assert briefing.ACCURACY_ZH is layers.ACCURACY_ZH
    assert "正式" not in zs.ACCURACY_ZH.values()


def test_plan_workbook_writes_the_chinese_accuracy_word(tmp_path):
    reg = Register.create(tmp_path / "r.gpkg", study_area=study_area())
    try:
        p = parcels(12)
        p["accuracy"] = "derived"
        p.loc[4, "accuracy"] = "sample"
        reg.add(p, date="2024-01-01")
        out = write_plan_excel(reg.plan_table(2025), tmp_path / "plan.xlsx")
    finally:
        reg.close()
    note = load_workbook(out)["计划表"]["A2"].value
    assert "数据精度：推导、样例" in note
    assert "sample" not in note and "derived" not in note
