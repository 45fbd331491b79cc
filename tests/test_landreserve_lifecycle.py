"""The lifecycle vocabulary: statuses, labels, synonyms and every allowed (and refused) move."""

from __future__ import annotations

import itertools

import pytest

from zjgis.errors import LifecycleError
from zjgis.landreserve import lifecycle as lc

# the lifecycle as the reserve centre describes it (预收储 → 收储 → 储备 → 供应 → 在建 → 投产,
# plus 收回: supplied land taken back into the reserve), written out by hand
EXPECTED_MOVES = {
    ("pre_acquisition", "acquired"), ("acquired", "reserved"), ("reserved", "supplied"),
    ("supplied", "under_construction"), ("supplied", "reserved"),
    ("under_construction", "in_production"),
}


def test_every_status_has_both_labels_and_a_colour():
    assert len(lc.STATUSES) == 6
    for table in (lc.STATUS_ZH, lc.STATUS_EN, lc.STATUS_COLOURS, lc.TRANSITIONS):
        assert set(table) == set(lc.STATUSES)
    assert lc.NOT_SUPPLIED == ("pre_acquisition", "acquired", "reserved")
    assert len(set(lc.STATUS_ZH.values())) == 6  # labels read back unambiguously


@pytest.mark.parametrize("start, to", list(itertools.product(lc.STATUSES, repeat=2)))
def test_each_pair_of_statuses(start, to):
    if (start, to) in EXPECTED_MOVES:
        assert lc.require_transition("P1", start, to) == to
        assert lc.require_transition("P1", start, lc.STATUS_ZH[to]) == to
        assert to in lc.next_statuses(start)
    else:
        with pytest.raises(LifecycleError, match=f"P1: cannot go from {start}"):
            lc.require_transition("P1", start, to)
        assert to not in lc.next_statuses(start)


@pytest.mark.parametrize("text, key", [
    ("储备", "reserved"), (" 收储 ", "acquired"), ("供应（出让）", "supplied"),
    ("出让", "supplied"), ("供应", "supplied"), ("in production", "in_production"),
    ("Reserved", "reserved"), ("under_construction", "under_construction"),
])
def test_normalize_status_reads_keys_labels_and_synonyms(text, key):
    assert lc.normalize_status(text) == key


@pytest.mark.parametrize("value", ["sold", "", None, 3, float("nan")])
def test_normalize_status_gives_none_for_anything_else(value):
    assert lc.normalize_status(value) is None


def test_every_synonym_points_at_a_status():
    assert set(lc.STATUS_SYNONYMS.values()) <= set(lc.STATUSES)
    for text, key in lc.STATUS_SYNONYMS.items():
        assert lc.normalize_status(text) == key


def test_unknown_target_and_unknown_stored_status_are_named():
    with pytest.raises(LifecycleError, match="unknown status 'sold'"):
        lc.require_transition("P1", "reserved", "sold")
    with pytest.raises(LifecycleError, match="stored status 'xx'.*edited outside zjgis"):
        lc.require_transition("P1", "xx", "reserved")


@pytest.mark.parametrize(("value", "said"), [
    (None, "no status (状态 is empty)"), (float("nan"), "no status (状态 is empty)"),
    ("  ", "no status (状态 is empty)"), ("卖掉了", "unknown status '卖掉了'"),
])
def test_a_refused_status_is_named_and_the_chinese_labels_come_first(value, said):
    text = lc.unknown_status_text(value)
    assert text.startswith(said + "; expected one of 预收储 (pre_acquisition)、收储")
    assert "nan" not in text and "None" not in text


@pytest.mark.parametrize("written", ["2025-03-01", "2025/3/1", "2025.03.01", "2025年3月1日",
                                     " 2025/03/01 "])
def test_dates_are_read_as_planners_write_them(written):
    from zjgis.landreserve._rules import iso

    assert iso(written) == "2025-03-01T00:00:00"


@pytest.mark.parametrize("bad", ["2025/13/01", "3/1/2025", "明年", "2025-02-30"])
def test_an_unreadable_date_says_how_to_write_it(bad):
    from zjgis.errors import ValidationError
    from zjgis.landreserve._rules import iso

    with pytest.raises(ValidationError, match="2025-03-31"):
        iso(bad)
