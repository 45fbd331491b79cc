"""Canonical columns of every table zjgis reads, and the names planners give them.

A bureau's shapefile says 地块编号 / 用地性质 / 状态 / 面积, an Excel project list
项目名称 / 用地需求(亩) / 产业类别, and a shapefile cuts ``land_use_code`` to
``land_use_c`` (DBF field names hold 10 bytes).  :func:`map_columns` renames such
columns to the canonical English keys the analyses use, once, for every table:

* an explicit mapping (``columns={"宗地号": "parcel_id"}``; ``--columns
  宗地号=parcel_id`` on the command line) wins over every guess;
* otherwise a column is matched by its name (case, width and spacing ignored)
  against the canonical key, the aliases below and their shapefile-truncated
  forms (the first 10 bytes of the name, in ASCII, GBK and UTF-8);
* a unit written in the header — ``面积(亩)``, ``用地需求（公顷）``, ``area (m²)`` —
  is recorded in ``attrs["column_units"]``;
* two columns that could both be the same field is a
  :class:`~zjgis.errors.ValidationError` naming both (pick one with ``columns=``),
  unless one of them is named by the key itself (``land_use_code`` beside
  ``land_use``): that one is the field, the other keeps its name
  (``attrs["columns_not_mapped"]``);
* what was mapped to what is logged and kept in ``attrs["column_mapping"]``.

Columns that match no field are kept under their own names (free attributes).

The tables (:data:`TABLES`; :func:`schema_markdown` makes the same table in
Markdown for the README, and ``tests/test_schema.py`` checks that the README's copy
is current):

{TABLES}

>>> import pandas as pd
>>> df = pd.DataFrame({"地块编号": ["A-1"], "用地性质": ["0802"], "状态": ["储备"],
...                    "面积(亩)": [12.5], "supply_yea": [2025]})
>>> out = map_columns(df, "parcels")
>>> list(out.columns)
['parcel_id', 'land_use_code', 'status', 'declared_area', 'supply_year']
>>> out.attrs["column_units"]
{'declared_area': 'mu'}
>>> list(map_columns(pd.DataFrame({"宗地号": ["A-1"]}), "parcels",
...                  columns={"宗地号": "parcel_id"}).columns)
['parcel_id']
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from zjgis._log import get_logger
from zjgis._validate import listing
from zjgis.crs import MU_M2
from zjgis.errors import ValidationError

__all__ = [
    "AREA_UNITS",
    "Field",
    "TABLES",
    "UNIT_ZH",
    "aliases",
    "area_to_m2",
    "canonical",
    "field_names",
    "header_unit",
    "lonlat_columns",
    "map_columns",
    "normalize_unit",
    "parse_mapping",
    "schema_markdown",
    "schema_table",
    "unit_key",
]

log = get_logger(__name__)


@dataclass(frozen=True)
class Field:
    """One canonical column of a table.

    Attributes
    ----------
    name : str
        Canonical key (English snake_case), the column name the analyses use.
    title_zh : str
        Chinese display title (headers of hand-out tables).
    aliases : tuple of str
        Other names planners give the column, Chinese and English.
    unit : str
        Unit of the values when the header does not say (``""``: none, ``"mu"``:
        亩; ``"?"``: an area whose unit must come from the header or an option).
    description : str
        What the column holds.
    """

    name: str
    title_zh: str
    aliases: tuple[str, ...]
    unit: str = ""
    description: str = ""


_AREA_DESC = "area the planner declared, in the unit of the header (亩, 公顷, m²)"

#: Every table zjgis reads: table name -> its fields.
TABLES: dict[str, tuple[Field, ...]] = {
    "parcels": (
        Field("parcel_id", "地块编号", ("地块编号", "宗地号", "宗地编号", "地块号", "地块代码",
                                     "编号", "id", "parcel", "parcel_no", "parcel_code"),
              description="unique parcel id"),
        Field("name", "地块名称", ("地块名称", "宗地名称", "名称", "parcel_name"),
              description="display name"),
        Field("street_town", "街镇", ("街镇", "所属街镇", "街道/镇", "乡镇街道", "街道",
                                   "street", "town", "street_town_name"),
              description="street (街道) or town (镇) of the parcel"),
        Field("community", "产业社区", ("产业社区", "所属社区", "社区", "所属产业社区"),
              description="industrial community (产业社区)"),
        Field("land_use_code", "用地性质", ("用地性质", "用地代码", "用地分类", "地类",
                                        "地类编码", "用途", "用地类型", "land_use",
                                        "landuse", "land_use_type"),
              description="2023 用地用海分类 code or name (GB 50137 codes via the crosswalk)"),
        Field("status", "状态", ("状态", "储备状态", "土地状态", "地块状态", "lifecycle"),
              description="lifecycle status key or Chinese word (储备, 已出让 …)"),
        Field("supply_year", "计划供应年份", ("计划供应年份", "计划供应年度", "供应年份",
                                          "供应年度", "计划供应", "year_of_supply"),
              description="year the parcel is planned to be supplied"),
        Field("owner", "权利人", ("权利人", "权属单位", "权属人", "土地使用权人", "owner_name")),
        Field("declared_area", "面积", ("面积", "用地面积", "宗地面积", "地块面积", "出让面积",
                                      "申报面积", "area", "declared_area_mu",
                                      "declared_area_ha"),
              unit="?", description=_AREA_DESC),
    ),
    "projects": (
        Field("project_id", "项目编号", ("项目编号", "项目代码", "编号", "序号", "id",
                                      "project", "project_no")),
        Field("name", "项目名称", ("项目名称", "名称", "项目", "project_name")),
        Field("status", "项目状态", ("项目状态", "状态", "项目类别", "类别", "project_status"),
              description="五个一批 list: 在建 / 新建 / 储备"),
        Field("industry", "产业类别", ("产业类别", "产业", "产业方向", "所属产业", "行业",
                                    "行业类别", "industry_key", "sector"),
              description="industry key or its Chinese/English name (集成电路 …)"),
        Field("demand_mu", "用地需求(亩)", ("用地需求", "用地需求面积", "需求面积",
                                        "用地规模", "需求用地", "demand", "land_demand",
                                        "area_mu"),
              unit="mu", description="one land-demand figure; a tolerance band is applied"),
        Field("area_min_mu", "用地需求下限(亩)", ("用地需求下限", "最小面积", "面积下限",
                                              "min_area"), unit="mu"),
        Field("area_max_mu", "用地需求上限(亩)", ("用地需求上限", "最大面积", "面积上限",
                                              "max_area"), unit="mu"),
        Field("preferred_zone", "意向区域", ("意向区域", "意向片区", "意向功能区", "片区",
                                          "zone"),
              description="中国芯/智能造/创新药 or north/middle/south"),
    ),
    "enterprises": (
        Field("enterprise_id", "企业编号", ("企业编号", "统一社会信用代码", "信用代码", "id")),
        Field("name", "企业名称", ("企业名称", "名称", "企业", "enterprise", "company")),
        Field("industry", "产业类别", ("产业类别", "行业", "所属行业", "产业", "sector")),
        Field("jobs", "就业岗位", ("就业岗位", "从业人员", "员工人数", "职工人数", "员工数",
                                "employees"), description="jobs (a count)"),
        Field("parcel_id", "地块编号", ("地块编号", "宗地号")),
        Field("address", "地址", ("地址", "企业地址")),
    ),
    "roads": (
        Field("road_id", "道路编号", ("道路编号", "编号", "id")),
        Field("name", "道路名称", ("道路名称", "路名", "名称", "road_name")),
        Field("road_class", "道路等级", ("道路等级", "等级", "道路类别", "道路类型", "fclass",
                                     "highway", "class")),
        Field("bridge", "桥梁", ("桥梁", "是否桥梁", "桥")),
        Field("tunnel", "隧道", ("隧道", "是否隧道")),
        Field("layer", "层", ("层", "层级", "图层高度", "level")),
    ),
    "stations": (
        Field("station", "站名", ("站名", "车站", "车站名称", "站点名称", "站点", "station_name",
                                "name")),
        Field("line", "线路", ("线路", "线路名称", "所属线路", "line_name")),
    ),
    "zones": (
        Field("zone_id", "分区编号", ("分区编号", "分区代码", "小区编号", "交通小区编号",
                                   "zone", "taz")),
        Field("name", "分区名称", ("分区名称", "小区名称", "名称", "zone_name")),
        Field("jobs", "就业岗位", ("就业岗位", "岗位数", "就业岗位数", "employment"),
              description="jobs located in the zone (a count)"),
        Field("workers", "就业人口", ("就业人口", "居住就业人口", "就业居民", "居住就业人数",
                                   "resident_workers"),
              description="employed residents of the zone (a count)"),
        Field("population", "常住人口", ("常住人口", "人口", "居住人口")),
    ),
    "od": (
        Field("home", "起点", ("起点", "居住地", "居住小区", "出发地", "origin", "o", "from")),
        Field("work", "终点", ("终点", "工作地", "就业地", "工作小区", "destination", "d", "to")),
        Field("count", "人数", ("人数", "通勤人数", "人次", "数量", "trips", "flow", "commuters"),
              description="commuters (a count)"),
    ),
}



def _rst_table() -> str:
    rows = [(t, f"``{f.name}``", f"{f.title_zh}; " + ", ".join(f.aliases))
            for t, fs in TABLES.items() for f in fs]
    w = [max(len(r[i]) for r in [*rows, ("table", "field", "")]) for i in range(2)]
    rule = f"{'=' * w[0]} {'=' * w[1]} {'=' * 60}"
    head = f"{'table'.ljust(w[0])} {'field'.ljust(w[1])} 中文; names accepted"
    body = [f"{a.ljust(w[0])} {b.ljust(w[1])} {c}" for a, b, c in rows]
    return "\n".join([rule, head, rule, *body, rule])


if __doc__:  # python -OO strips docstrings
    __doc__ = __doc__.replace("{TABLES}", _rst_table())

#: Area units: key -> (m² per unit, accepted spellings).
AREA_UNITS: dict[str, tuple[float, tuple[str, ...]]] = {
    "mu": (MU_M2, ("亩", "mu", "亩数")),
    "ha": (10_000.0, ("公顷", "ha", "hm2", "hectare", "hectares")),
    "m2": (1.0, ("m2", "平方米", "平米", "sqm", "m^2", "square_metres")),
    "km2": (1_000_000.0, ("km2", "平方公里", "平方千米")),
}
#: How each area unit is written in Chinese tables and messages.
UNIT_ZH: dict[str, str] = {"mu": "亩", "ha": "公顷", "m2": "平方米", "km2": "平方公里"}
_UNIT_WORDS = {_norm: key for key, (_, words) in AREA_UNITS.items()
               for _norm in (unicodedata.normalize("NFKC", w).lower() for w in words)}
_SUFFIX_UNITS = {"_mu": "mu", "_ha": "ha", "_m2": "m2", "_km2": "km2"}
_UNIT_RE = re.compile(r"^(.*?)[\s_]*[(\[【]\s*([^)\]】]*?)\s*[)\]】]\s*$")
_SLASH_RE = re.compile(r"^(.*?)\s*/\s*([^/]+)$")


def _norm(text: object) -> str:
    """Comparable form of a header: NFKC (full width → half), lower case, no spaces."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = re.sub(r"\s+", "", t).replace("-", "_")
    return t.replace("²", "2")


#: Names planners' tables give their longitude and latitude columns (Amap and Baidu
#: exports, bureau spreadsheets), compared as :func:`map_columns` compares headers.
LONLAT_ALIASES: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("lon", "lng", "long", "longitude", "经度", "东经"),
    ("lat", "latitude", "纬度", "北纬"),
)


def lonlat_columns(columns: Sequence[object], *, name: str = "table") -> tuple[str, str] | None:
    """The longitude and latitude columns of a table, found by their usual names.

    Parameters
    ----------
    columns : sequence
        The table's column names.
    name : str
        The file or table name used in messages.

    Returns
    -------
    (str, str) or None
        ``(longitude column, latitude column)`` as spelt in the table, or None
        when the table has no such pair (``x``/``y`` are never guessed: they are
        as often metres).

    Raises
    ------
    ValidationError
        Two columns could be the longitude (or the latitude), e.g. ``经度`` and
        ``lng``: the message names them; pass ``lonlat=`` to choose.

    Examples
    --------
    >>> lonlat_columns(["站名", "经度", "纬度"])
    ('经度', '纬度')
    >>> lonlat_columns(["name", "Longitude", "LATITUDE"])
    ('Longitude', 'LATITUDE')
    >>> lonlat_columns(["经度（GCJ-02）", "纬度（GCJ-02）"])
    ('经度（GCJ-02）', '纬度（GCJ-02）')
    >>> lonlat_columns(["x", "y"]) is None
    True
    """
    def base(header: object) -> str:  # "经度（GCJ-02）", "lng (°)": the name before a note
        text = unicodedata.normalize("NFKC", str(header)).strip()
        m = _UNIT_RE.match(text)
        return _norm(m.group(1) if m else text)

    found = []
    for what, words in zip(("longitude", "latitude"), LONLAT_ALIASES, strict=True):
        wanted = {_norm(w) for w in words}
        hits = [str(c) for c in columns if base(c) in wanted]
        if len(hits) > 1:
            msg = (f"{name}: {listing(hits)} could each be the {what} column; pass "
                   f"lonlat=(longitude_column, latitude_column) to choose")
            raise ValidationError(msg)
        found.append(hits[0] if hits else None)
    lon, lat = found
    return (lon, lat) if lon is not None and lat is not None else None


def normalize_unit(text: object) -> str | None:
    """Return the area unit key (``"mu"``, ``"ha"``, ``"m2"``, ``"km2"``) of a spelling.

    >>> normalize_unit("公顷"), normalize_unit("㎡"), normalize_unit("亩")
    ('ha', 'm2', 'mu')
    """
    if text is None:
        return None
    return _UNIT_WORDS.get(_norm(text))


def area_to_m2(values: pd.Series | float, unit: str) -> pd.Series | float:
    """Convert areas in ``unit`` (a key or spelling of :data:`AREA_UNITS`) to m².

    >>> round(area_to_m2(1.5, "亩"), 1)
    1000.0

    Raises
    ------
    ValidationError
        An unknown unit.
    """
    return values * AREA_UNITS[unit_key(unit)][0]


def unit_key(unit: object) -> str:
    """The key (``"mu"``, ``"ha"``, ``"m2"``, ``"km2"``) of an area unit, or a clear error.

    The one reading of a unit the user names (an option, a header, a cell):
    :func:`normalize_unit` says None for an unknown spelling, this refuses it.

    >>> unit_key("平方米"), unit_key("ha")
    ('m2', 'ha')

    Raises
    ------
    ValidationError
        An unknown unit, with the known spellings listed.
    """
    key = normalize_unit(unit)
    if key is None:
        msg = (f"unknown area unit {unit!r}; use one of "
               f"{listing([w for _, ws in AREA_UNITS.values() for w in ws[:2]], most=20)}")
        raise ValidationError(msg)
    return key


def header_unit(header: object) -> str | None:
    """The area unit a column header names, as :func:`map_columns` reads it, or None.

    >>> header_unit("面积（亩）"), header_unit("用地面积/公顷"), header_unit("面积")
    ('mu', 'ha', None)
    """
    return _split_unit(str(header))[1]


def _split_unit(header: str, *, suffix: bool = True) -> tuple[str, str | None]:
    """``"面积（亩）"`` → ``("面积", "mu")``; the unit is None when the header has none.

    With ``suffix``, ``"declared_area_mu"`` gives ``mu`` too (only for the unit of
    a column already matched by its full name: ``area_mu`` is not ``area``).
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    for pattern in (_UNIT_RE, _SLASH_RE):
        m = pattern.match(text)
        if m and normalize_unit(m.group(2)):
            return m.group(1), normalize_unit(m.group(2))
    low = _norm(text)
    for end, unit in _SUFFIX_UNITS.items():
        if suffix and low.endswith(end) and len(low) > len(end):
            return text[: -len(end)], unit
    return text, None


def _truncations(name: str) -> set[str]:
    """The forms a DBF field name (10 bytes) makes of ``name``: ASCII, GBK, UTF-8."""
    out = set()
    for enc in ("ascii", "gbk", "utf-8"):
        try:
            raw = name.encode(enc)
        except UnicodeEncodeError:
            continue
        if len(raw) > 10:
            out.add(raw[:10].decode(enc, errors="ignore"))
    return {t for t in out if t}


def _table(table: str) -> tuple[Field, ...]:
    if table not in TABLES:
        msg = (f"unknown table {table!r}; zjgis reads {listing(sorted(TABLES), most=10)}"
               + _did_you_mean(table, TABLES))
        raise ValidationError(msg)
    return TABLES[table]


def field_names(table: str) -> list[str]:
    """Canonical keys of ``table`` (``field_names("od")`` → ``['home', 'work', 'count']``).

    >>> field_names("od")
    ['home', 'work', 'count']
    """
    return [f.name for f in _table(table)]


def aliases(table: str) -> dict[str, str]:
    """Every accepted spelling (normalised) of ``table``'s fields -> canonical key.

    Includes the keys themselves, the aliases and their shapefile-truncated forms.

    >>> aliases("parcels")["land_use_c"], aliases("parcels")["宗地号"]
    ('land_use_code', 'parcel_id')
    """
    out: dict[str, str] = {}
    fields = _table(table)
    for f in fields:
        for name in (f.name, *f.aliases):
            out.setdefault(_norm(name), f.name)
    for f in fields:  # truncated forms never shadow a full name ("enterprise")
        for name in (f.name, *f.aliases):
            for form in _truncations(name):
                out.setdefault(_norm(form), f.name)
    return out


def canonical(table: str, name: object) -> str | None:
    """The field a single column name stands for in ``table``, or None.

    >>> canonical("parcels", "计划供应年份"), canonical("parcels", "备注")
    ('supply_year', None)
    """
    index = aliases(table)
    return index.get(_norm(name)) or index.get(_norm(_split_unit(str(name), suffix=False)[0]))


def _did_you_mean(word: object, choices: Sequence[str] | Mapping[str, object]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def parse_mapping(items: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    """Parse ``["宗地号=parcel_id", …]`` (the ``--columns`` option) into a dict.

    >>> parse_mapping(["宗地号=parcel_id", "用途 = land_use_code"])
    {'宗地号': 'parcel_id', '用途': 'land_use_code'}

    Raises
    ------
    ValidationError
        An item without ``=``.
    """
    if items is None:
        return {}
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    out: dict[str, str] = {}
    for item in items:
        source, sep, target = str(item).partition("=")
        if not sep or not source.strip() or not target.strip():
            msg = (f"column mapping {item!r} is not SOURCE=FIELD "
                   "(e.g. --columns 宗地号=parcel_id 用途=land_use_code)")
            raise ValidationError(msg)
        out[source.strip()] = target.strip()
    return out


def map_columns(
    df: pd.DataFrame,
    table: str,
    *,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Rename a table's columns to zjgis's canonical keys.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The table as read (any column names).
    table : str
        Which table it is: a key of :data:`TABLES` (``"parcels"``, ``"projects"``,
        ``"enterprises"``, ``"roads"``, ``"stations"``, ``"zones"``, ``"od"``).
    columns : mapping or sequence of "SOURCE=FIELD", optional
        Explicit mapping, source column -> canonical key; wins over every guess.
    name : str, optional
        Name of the file or layer for messages (default ``attrs["source_path"]``).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A copy with renamed columns (others unchanged, same index and order);
        ``attrs["column_mapping"]`` (source -> key, only renamed columns) and
        ``attrs["column_units"]`` (key -> area unit read from the header,
        e.g. ``{"declared_area": "mu"}``) and ``attrs["columns_not_mapped"]``
        (columns that could have been a field the file already has by its key).

    Raises
    ------
    ValidationError
        Unknown table; an explicit mapping naming a missing column or an unknown
        field; two columns that could both be the same field (both are listed).

    Examples
    --------
    >>> import pandas as pd
    >>> od = pd.DataFrame({"起点": ["a"], "终点": ["b"], "人数": [3]})
    >>> list(map_columns(od, "od").columns)
    ['home', 'work', 'count']
    """
    fields = {f.name: f for f in _table(table)}
    label = name or df.attrs.get("source_path") or table
    explicit = parse_mapping(columns)
    present = [str(c) for c in df.columns]
    mapping: dict[str, str] = {}
    units: dict[str, str] = {}
    for source, target in explicit.items():
        if source not in present:
            msg = (f"{label}: --columns {source}={target}: no column {source!r} "
                   f"(columns: {listing(present, most=12)})" + _did_you_mean(source, present))
            raise ValidationError(msg)
        if target not in fields:
            msg = (f"{label}: --columns {source}={target}: {target!r} is not a field of "
                   f"{table} (fields: {listing(list(fields), most=12)})"
                   + _did_you_mean(target, list(fields)))
            raise ValidationError(msg)
        mapping[source] = target
    taken = set(mapping.values())
    index = aliases(table)
    candidates: dict[str, list[str]] = {}
    for col in present:
        if col in mapping or col == "geometry":
            continue
        key = index.get(_norm(col)) or index.get(_norm(_split_unit(col, suffix=False)[0]))
        if key is not None and key not in taken:
            candidates.setdefault(key, []).append(col)
    unmapped: dict[str, str] = {}
    for key, cols in candidates.items():
        if key in cols and len(cols) > 1:  # a column already named by the key is certain
            unmapped.update({c: key for c in cols if c != key})
            cols = [key]
        if len(cols) > 1:
            msg = (f"{label}: columns {listing([repr(c) for c in cols])} could each be "
                   f"{key!r} ({fields[key].title_zh}); name the one to use, e.g. "
                   f"columns={{{cols[0]!r}: {key!r}}} (--columns {cols[0]}={key}), and "
                   "rename or drop the other")
            raise ValidationError(msg)
        mapping[cols[0]] = key
    for source, target in mapping.items():
        unit = _split_unit(source)[1]
        if unit and fields[target].unit:
            units[target] = unit
    renames = {s: t for s, t in mapping.items() if s != t}
    clash = [t for s, t in renames.items() if t in present and t not in renames]
    if clash:
        msg = (f"{label}: column {clash[0]!r} exists and another column is mapped to it; "
               "drop one or map the existing one elsewhere")
        raise ValidationError(msg)
    out = df.rename(columns=renames)
    out.attrs = dict(df.attrs)
    out.attrs["column_mapping"] = renames
    out.attrs["column_units"] = units
    out.attrs["columns_not_mapped"] = unmapped
    if unmapped:
        log.info("%s: kept %s under their own names (the file has %s already)", label,
                 ", ".join(unmapped), ", ".join(sorted(set(unmapped.values()))))
    if renames:
        log.info("%s: columns mapped %s", label,
                 ", ".join(f"{s} → {t}" for s, t in renames.items()))
    return out


def schema_table() -> pd.DataFrame:
    """Every field of every table: ``table``, ``field``, ``title_zh``, ``unit``, ``aliases``.

    >>> schema_table().query("field == 'parcel_id'")["table"].tolist()
    ['parcels', 'enterprises']
    """
    rows = [{"table": t, "field": f.name, "title_zh": f.title_zh, "unit": f.unit,
             "aliases": ", ".join(f.aliases), "description": f.description}
            for t, fs in TABLES.items() for f in fs]
    return pd.DataFrame(rows)


def schema_markdown() -> str:
    """The tables of :data:`TABLES` as Markdown (the generated table in ``docs/schema.md``).

    >>> schema_markdown().splitlines()[0]
    '| table | field | 中文 | unit | names accepted |'
    """
    lines = ["| table | field | 中文 | unit | names accepted |", "|---|---|---|---|---|"]
    for t, fs in TABLES.items():
        for f in fs:
            unit = {"?": "亩 / 公顷 / m² (from the header)", "mu": "亩"}.get(f.unit, f.unit)
            lines.append(f"| {t} | `{f.name}` | {f.title_zh} | {unit} | {', '.join(f.aliases)} |")
    return "\n".join(lines)
