"""zjgis.landreserve.values: land use by code or name, crosswalk, industries."""

from __future__ import annotations

import pandas as pd
import pytest

from zjgis.errors import ValidationError
from zjgis.landreserve import values
from zjgis.landreserve.landuse import LAND_USE
from zjgis.layers import INDUSTRY_KEYS


def test_every_code_and_name_round_trips():
    for code, name in LAND_USE.items():
        assert values.land_use_code(code) == code
        if name not in values.AMBIGUOUS_NAMES:
            assert values.land_use_code(name) == code, name
            assert LAND_USE[values.land_use_code(name)] == name


def test_names_the_register_uses_issue_11():
    got = [values.land_use_code(n) for n in ("一类工业用地", "科研用地", "物流仓储用地",
                                               "产业综合用地")]
    assert got == ["100101", "0802", "1101", "SH-CYZH"]
    assert values.land_use_code(100101) == "100101"
    assert values.land_use_code(802.0) == "0802"  # Excel dropped the leading zero


@pytest.mark.parametrize("name", list(values.AMBIGUOUS_NAMES))
def test_ambiguous_name_lists_choices_and_default_picks(name):
    choices = values.AMBIGUOUS_NAMES[name]
    with pytest.raises(ValidationError) as err:
        values.land_use_code(name)
    for code in choices:
        assert code in str(err.value) and LAND_USE[code] in str(err.value)
    assert "--land-use-default" in str(err.value)
    assert values.land_use_code(name, defaults={name: choices[-1]}) == choices[-1]


def test_crosswalk_rows_cite_sources_and_resolve():
    assert len({r.code for r in values.CROSSWALK}) == len(values.CROSSWALK)
    for row in values.CROSSWALK:
        assert row.standard in row.source and "2023" in row.source
        assert row.relation in ("same", "narrower", "several")
        assert all(c in LAND_USE for c in row.codes_2023)
        assert (len(row.codes_2023) > 1) == (row.relation == "several")
        if len(row.codes_2023) == 1:
            assert values.land_use_code(row.code) == row.codes_2023[0]
            assert values.land_use_code(row.code.lower()) == row.codes_2023[0]
        else:
            with pytest.raises(ValidationError, match="several 2023 classes"):
                values.land_use_code(row.code)
    table = values.crosswalk_table()
    assert table.set_index("code").loc["M1", "names_2023"] == "一类工业用地"


def test_unknown_land_use_suggests_closest():
    with pytest.raises(ValidationError, match="did you mean '科研用地'"):
        values.land_use_code("科研用")
    with pytest.raises(ValidationError, match="missing"):
        values.land_use_code("")


def test_land_use_codes_vectorised_keeps_index():
    s = pd.Series(["M2", "工业用地", "W1", "nonsense"], index=[10, 11, 12, 13])
    codes, problems = values.land_use_codes(s, defaults={"工业用地": "100103"})
    assert codes.to_dict() == {10: "100102", 11: "100103", 12: "110101", 13: None}
    assert problems.isna().tolist() == [True, True, True, False]


def test_industries_round_trip():
    assert set(values.INDUSTRY_NAMES) == set(INDUSTRY_KEYS)
    for key, (zh, en, more) in values.INDUSTRY_NAMES.items():
        assert INDUSTRY_KEYS[key] == zh
        for word in (key, zh, en, en.upper(), *more):
            assert values.industry_key(word) == key, word
    table = values.industry_table()
    assert table.set_index("key")["name_zh"].to_dict() == INDUSTRY_KEYS


def test_unknown_industry_is_an_error_with_suggestion():
    with pytest.raises(ValidationError, match="did you mean '集成电路'"):
        values.industry_key("集成电")
    with pytest.raises(ValidationError, match="accepted are integrated_circuits"):
        values.industry_key("quantum")
    with pytest.raises(ValidationError, match=r"P-2: unknown industry 'xx'"):
        values.industry_keys(pd.Series(["集成电路", "xx"]), ids=pd.Series(["P-1", "P-2"]))


def test_parse_defaults():
    assert values.parse_defaults(["工业用地=100101"]) == {"工业用地": "100101"}
    assert values.parse_defaults({"M": "二类工业用地"}) == {"M": "100102"}
    with pytest.raises(ValidationError):
        values.parse_defaults(["工业用地"])


# ------------------------------------------------------------------ declared area (面积)
# hand figures: 1 亩 = 10 000/15 m² (the 市亩), so 1 公顷 = 15 亩 and 1 km² = 1 500 亩
@pytest.mark.parametrize(("value", "unit", "expected"), [
    (12.5, "亩", (12.5, "mu", 12.5)),
    ("12.5", "mu", (12.5, "mu", 12.5)),
    (0.8, "公顷", (0.8, "ha", 12.0)),
    ("0.8公顷", None, (0.8, "ha", 12.0)),
    ("2000 平方米", None, (2000.0, "m2", 3.0)),
    ("2,000", "㎡", (2000.0, "m2", 3.0)),
    (0.01, "平方公里", (0.01, "km2", 15.0)),
    ("１２．５", "亩", (12.5, "mu", 12.5)),       # full-width digits from a Chinese IME
    (0, "亩", (0.0, "mu", 0.0)),
    ("12,500.5亩", None, (12500.5, "mu", 12500.5)),
    ("1,500 亩", None, (1500.0, "mu", 1500.0)),
])
def test_declared_area_reads_the_figure_and_its_unit(value, unit, expected):
    got = values.declared_area(value, unit)
    assert got[1] == expected[1]
    assert got[0] == pytest.approx(expected[0]) and got[2] == pytest.approx(expected[2])


@pytest.mark.parametrize("value", [None, float("nan"), "", "   ", pd.NA])
def test_a_blank_declared_area_is_none(value):
    assert values.declared_area(value, "亩") is None


@pytest.mark.parametrize(("value", "unit", "words"), [
    ("约12", "亩", "not a number"),
    ("12,5", "亩", "not a number"),              # a decimal comma is not 125
    ("1,234,5", "亩", "not a number"),           # nor a broken group 12345
    ("1,000,00", "亩", "not a number"),
    (True, "亩", "not a number"),
    (12.0, None, "names no unit"),
    ("12", "", "names no unit"),
    (-1.0, "亩", ">= 0"),
    (float("inf"), "亩", ">= 0"),
    (12.0, "acre", "unknown area unit"),
    ("12亩", "公顷", "given as"),
])
def test_an_unreadable_declared_area_says_why(value, unit, words):
    with pytest.raises(ValidationError, match=words):
        values.declared_area(value, unit)


def test_minus_zero_is_zero():
    assert str(values.declared_area("-0", "亩")) == "(0.0, 'mu', 0.0)"


@pytest.mark.parametrize("order", [[1, True], [True, 1], [True, 1.0, 1]])
def test_a_boolean_beside_the_number_1_is_still_refused(order):
    # True == 1 == 1.0 as dict keys: the same answer for each must not be reused
    codes, problems = values.land_use_codes(pd.Series(order, dtype=object))
    for v, code, problem in zip(order, codes, problems, strict=True):
        if isinstance(v, bool):
            assert code is None and problem is not None
        else:
            assert code == "01" and problem is None


def test_a_unit_contradiction_is_said_in_chinese_units():
    with pytest.raises(ValidationError) as err:
        values.declared_area("0.8公顷", "亩")
    assert str(err.value) == "declared area '0.8公顷' is in 公顷 but its unit is given as 亩"
