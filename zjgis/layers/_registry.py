"""The layers zjgis knows: names, titles, kinds, geometry types and key columns.

This is the *contract* other modules rely on (maps style by ``kind``, analyses
join on the key columns).  Provenance of the shipped files (source, licence,
accuracy class, conversions) is data, not code: it lives beside the files in
``data/boundaries/layers.json`` (written by ``scripts/make_boundaries.py``) and
in ``data/boundaries/PROVENANCE.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zjgis._validate import blank

__all__ = ["LayerSpec", "SPECS", "ACCURACY_CLASSES", "ACCURACY_ZH", "INDUSTRY_KEYS",
           "accuracy_zh", "worst_accuracy"]

#: Accuracy classes, from best to worst.
ACCURACY_CLASSES = ("official", "derived", "schematic", "sample")

#: THE Chinese names of the accuracy classes (maps, workbooks and badges all use these).
ACCURACY_ZH = {"official": "官方", "derived": "推导", "schematic": "示意", "sample": "样例"}


def accuracy_zh(value: object, *, missing: str = "未注明") -> str:
    """Return the Chinese name of an accuracy class (THE wording of every 数据精度 cell).

    Parameters
    ----------
    value : str or None
        An accuracy class (any case, surrounding blanks ignored).
    missing : str, default "未注明"
        Text for ``None``/NaN/empty.

    Returns
    -------
    str
        :data:`ACCURACY_ZH` of the class; text that is not a class is returned as given.

    Examples
    --------
    >>> from zjgis.layers import accuracy_zh
    >>> accuracy_zh("sample"), accuracy_zh("Official "), accuracy_zh(None)
    ('样例', '官方', '未注明')
    """
    if value is None or (isinstance(value, float) and value != value):
        return missing
    text = str(value).strip()
    if not text:
        return missing
    return ACCURACY_ZH.get(text.lower(), text)


def worst_accuracy(values: Iterable[object]) -> str | None:
    """Return the worst accuracy class among ``values`` (THE ranking of the classes).

    A result made from several inputs is as good as its worst input:
    ``official`` < ``derived`` < ``schematic`` < ``sample``
    (:data:`ACCURACY_CLASSES`, best first).

    Parameters
    ----------
    values : iterable
        Accuracy classes, e.g. a frame's ``accuracy`` column or the
        ``attrs["accuracy"]`` of the layers that went into a result.  Missing
        values (``None``, NaN) and text that is not an accuracy class are
        ignored.

    Returns
    -------
    str or None
        The worst class present, or ``None`` when no value is a known class.

    Examples
    --------
    >>> from zjgis.layers import worst_accuracy
    >>> worst_accuracy(["derived", "official", "schematic"])
    'schematic'
    >>> worst_accuracy(["official", None, "derived"])
    'derived'
    >>> worst_accuracy(["sample", "official"])
    'sample'
    >>> worst_accuracy([]) is None
    True
    """
    rank = {name: i for i, name in enumerate(ACCURACY_CLASSES)}
    found = [rank[v] for v in values if isinstance(v, str) and v in rank]
    return ACCURACY_CLASSES[max(found)] if found else None


def frame_accuracy(frame: Any) -> str | None:
    """The accuracy class of an input frame as a whole, or None when it does not say.

    Its ``accuracy`` column if it has one, else ``attrs["accuracy"]``.  A
    planner's own file that names no accuracy is *not stated* (None, shown as
    未注明), never official; rows without a class make the frame not stated unless
    another row is already ``sample`` (nothing ranks below it).

    Parameters
    ----------
    frame : pandas.DataFrame or None

    Returns
    -------
    str or None
        The worst class (:func:`worst_accuracy`) or None.

    Examples
    --------
    >>> import pandas as pd
    >>> from zjgis.layers import frame_accuracy
    >>> frame_accuracy(pd.DataFrame({"accuracy": ["official", "derived"]}))
    'derived'
    >>> frame_accuracy(pd.DataFrame({"accuracy": ["official", None]})) is None
    True
    >>> frame_accuracy(pd.DataFrame({"x": [1]})) is None
    True
    """
    if frame is None:
        return None
    columns = getattr(frame, "columns", ())
    if "accuracy" in columns and len(frame):
        given = [str(v).strip().lower() for v in frame["accuracy"] if not blank(v)]
        worst = worst_accuracy(given)
        if worst is None or (len(given) < len(frame) and worst != "sample"):
            return None
        return worst
    value = getattr(frame, "attrs", {}).get("accuracy")
    return worst_accuracy([str(value).strip().lower()]) if value is not None else None

#: Industry keys used in ``industrial_communities.industries`` with their display names.
INDUSTRY_KEYS = {
    "integrated_circuits": "集成电路",
    "biomedicine": "生物医药",
    "artificial_intelligence": "人工智能",
    "advanced_manufacturing": "智能制造",
}

_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_POINT = ("Point",)


@dataclass(frozen=True)
class LayerSpec:
    """What a layer must look like.

    Attributes
    ----------
    name : str
        Catalog name (``load(name)``) and file stem (``<name>.geojson``).
    title_zh, title_en : str
        Display titles.
    kind : str
        Layer kind, used by maps for styling (boundary, admin, community, …).
    geom_types : tuple of str
        Allowed geometry types.
    columns : tuple of str
        Columns every version of the layer must have (shipped or a user file).
    id_column : str
        Column naming a feature in messages and joins.
    """

    name: str
    title_zh: str
    title_en: str
    kind: str
    geom_types: tuple[str, ...]
    columns: tuple[str, ...]
    id_column: str


SPECS: dict[str, LayerSpec] = {
    s.name: s
    for s in (
        LayerSpec("districts", "上海市辖区", "Shanghai districts", "boundary", _POLY,
                  ("name", "name_en", "adcode"), "name"),
        LayerSpec("science_city_2017", "张江科学城（2017年规划，约95平方公里）",
                  "Zhangjiang Science City, 2017 plan (~95 km²)", "boundary", _POLY,
                  ("name",), "name"),
        LayerSpec("science_city_2022", "张江科学城（扩区后，约220平方公里）",
                  "Zhangjiang Science City, expanded 2022 (~220 km²)", "boundary", _POLY,
                  ("name",), "name"),
        LayerSpec("streets_towns", "浦东新区、普陀区街镇", "Streets and towns of Pudong and Putuo",
                  "admin", _POLY, ("name", "code"), "name"),
        LayerSpec("employment_2023", "2023年法人单位从业人员（经济普查，按街镇）",
                  "Workplace employment 2023 by street/town (economic census)", "admin", _POLY,
                  ("name", "code", "jobs_2023"), "name"),
        LayerSpec("industrial_communities", "产业社区", "Industrial communities", "community",
                  _POLY, ("community_id", "name", "street_town", "industries", "industries_zh"),
                  "community_id"),
        LayerSpec("axis", "创新源—产业核—联动廊主轴（金科路—康新公路）",
                  "Innovation axis along Jinke Rd – Kangxin Hwy", "axis", _LINE, ("name",),
                  "name"),
        LayerSpec("axis_zones", "主轴三区（中国芯·智能造·创新药）与创新源",
                  "Axis zones (chips, smart manufacturing, new drugs) and innovation source",
                  "axis_zone", _POLY, ("zone", "label_zh", "role"), "zone"),
        LayerSpec("putuo_subparks", "张江普陀园子园", "Sub-parks of Zhangjiang Putuo park",
                  "park", _POLY, ("name", "block", "industries_zh"), "name"),
        LayerSpec("hitech_parks", "张江高新区“一区22园”分园", "Parks of Zhangjiang Hi-tech Zone",
                  "park_point", _POINT, ("name", "district", "industries_zh"), "name"),
        LayerSpec("rail_lines", "上海轨道交通线路", "Shanghai metro lines", "rail", _LINE,
                  ("line",), "line"),
        LayerSpec("rail_stations", "上海轨道交通车站", "Shanghai rail transit stations",
                  "station", _POINT, ("station", "line"), "station"),
    )
}

#: Short Chinese names planners type for the layers (besides the name and 中文标题).
ALIASES_ZH: dict[str, str] = {
    "辖区": "districts", "区界": "districts",
    "2017范围": "science_city_2017", "科学城2017": "science_city_2017",
    "科学城": "science_city_2022", "扩区": "science_city_2022", "张江科学城": "science_city_2022",
    "街镇": "streets_towns", "街道": "streets_towns", "乡镇": "streets_towns",
    "就业": "employment_2023", "从业人员": "employment_2023", "经济普查": "employment_2023",
    "产业社区": "industrial_communities",
    "主轴": "axis", "产业主轴": "axis",
    "主轴三区": "axis_zones", "三区": "axis_zones",
    "普陀园": "putuo_subparks", "子园": "putuo_subparks",
    "分园": "hitech_parks", "一区22园": "hitech_parks",
    "轨道线路": "rail_lines", "地铁线路": "rail_lines", "线路": "rail_lines",
    "轨道车站": "rail_stations", "地铁站": "rail_stations", "车站": "rail_stations",
}


def layer_key(text: object) -> str | None:
    """The catalog name a planner means: the name, the 中文标题, or a short Chinese name.

    >>> layer_key("街镇"), layer_key("streets_towns"), layer_key("上海轨道交通车站")
    ('streets_towns', 'streets_towns', 'rail_stations')
    >>> layer_key("不存在") is None
    True
    """
    t = str(text).strip()
    if t in SPECS:
        return t
    for spec in SPECS.values():
        if t in (spec.title_zh, spec.title_en):
            return spec.name
    return ALIASES_ZH.get(t)
