"""Values in the planner's words: land use by code or name, old codes, industries.

A bureau's file writes land use as a 2023 code (``100101``), a 2023 name
(一类工业用地), a GB 50137-2011 code (``M1``) or an older GBJ 137-90 one
(``C65``), and an industry as 集成电路, 芯片 or ``integrated_circuits``.  This
module turns each into the key the register and the matching use — or says why
it cannot:

* :func:`land_use_code` — a code or name of the 2023 用地用海分类指南
  (:mod:`zjgis.landreserve.landuse`), or an old code through :data:`CROSSWALK`,
  whose every row cites the two definitions it rests on.  A name or old code that
  stands for several classes (工业用地 → 一类/二类/三类; ``M``; ``A3``) is an error
  listing the choices; name a default for the import
  (``land_use_defaults={"工业用地": "100101"}``, ``--land-use-default
  工业用地=100101``) or write the class in the file.
* :func:`declared_area` — an area as the planner declared it (面积 ``12.5`` with
  its unit 亩, 公顷 or m², or ``"0.8公顷"`` in one text) → the value as written,
  its unit key and the figure in 亩 the register keeps in ``declared_area_mu``.
* :func:`industry_key` — the catalog's industry keys
  (:data:`zjgis.layers.INDUSTRY_KEYS`) from their key, Chinese or English name or
  a common synonym (:data:`INDUSTRY_NAMES`).  An unknown industry is an error,
  never an industry fit of 0.

Every error lists the accepted values and suggests the closest ("did you mean …",
:func:`difflib.get_close_matches`).

>>> land_use_code("科研用地"), land_use_code("M1"), land_use_code("C65")
('0802', '100101', '0802')
>>> industry_key("集成电路"), industry_key("Biomedicine")
('integrated_circuits', 'biomedicine')
>>> land_use_code("工业用地", defaults={"工业用地": "100102"})
'100102'
>>> declared_area("1.5", "公顷")
(1.5, 'ha', 22.5)
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from zjgis import schema as _schema
from zjgis._validate import blank, listing
from zjgis.crs import MU_M2
from zjgis.errors import ValidationError
from zjgis.landreserve.landuse import LAND_USE, SHANGHAI_MIXED_INDUSTRIAL, normalize_code
from zjgis.layers import INDUSTRY_KEYS

__all__ = [
    "AMBIGUOUS_NAMES",
    "CROSSWALK",
    "CrosswalkRow",
    "INDUSTRY_NAMES",
    "crosswalk_table",
    "declared_area",
    "industry_key",
    "industry_keys",
    "industry_table",
    "land_use_code",
    "land_use_codes",
    "parse_defaults",
]

_GUIDE_2023 = "自然资发〔2023〕234号 用地用海分类指南 附录A"
_GB_2011 = "GB 50137-2011 城市用地分类与规划建设用地标准 表3.3.2"
_GBJ_1990 = "GBJ 137-90 城市用地分类与规划建设用地标准 表2.0.5"


@dataclass(frozen=True)
class CrosswalkRow:
    """One old code and the 2023 class(es) it corresponds to.

    Attributes
    ----------
    code, name_zh : str
        The old code and its name in ``standard``.
    standard : str
        ``"GB 50137-2011"`` or ``"GBJ 137-90"``.
    codes_2023 : tuple of str
        The 2023 class it becomes; several when the old class spans them (then
        an import must name one).
    relation : str
        ``"same"`` (the definitions coincide), ``"narrower"`` (the 2023 class is
        the closest but narrower or wider; check the parcel) or ``"several"``.
    source : str
        The clauses compared: the old standard's table and the 2023 guideline.
    """

    code: str
    name_zh: str
    standard: str
    codes_2023: tuple[str, ...]
    relation: str
    source: str


def _gb(code: str, name: str, new: tuple[str, ...], relation: str = "same",
        old: str = "GB 50137-2011") -> CrosswalkRow:
    table = _GB_2011 if old == "GB 50137-2011" else _GBJ_1990
    names = "/".join(f"{c} {LAND_USE[c]}" for c in new)
    return CrosswalkRow(code, name, old, new, relation,
                        f"{table} {code} {name}; {_GUIDE_2023} {names} (definitions compared)")


_SEVERAL = "several"
_APPROX = "narrower"

#: Old land-use codes (GB 50137-2011, GBJ 137-90) and their 2023 classes.  zjgis's
#: own correspondence, made by comparing each pair of definitions (both cited
#: per row); ``relation`` says where they do not coincide.
CROSSWALK: tuple[CrosswalkRow, ...] = (
    _gb("M", "工业用地", ("100101", "100102", "100103"), _SEVERAL),
    _gb("M1", "一类工业用地", ("100101",)),
    _gb("M2", "二类工业用地", ("100102",)),
    _gb("M3", "三类工业用地", ("100103",)),
    _gb("W", "物流仓储用地", ("1101",)),
    _gb("W1", "一类物流仓储用地", ("110101",)),
    _gb("W2", "二类物流仓储用地", ("110102",)),
    _gb("W3", "三类物流仓储用地", ("110103",)),
    _gb("A1", "行政办公用地", ("0801",), _APPROX),
    _gb("A2", "文化设施用地", ("0803",)),
    _gb("A3", "教育科研用地", ("0802", "0804"), _SEVERAL),
    _gb("A31", "高等院校用地", ("080401",)),
    _gb("A32", "中等专业学校用地", ("080402",), _APPROX),
    _gb("A33", "中小学用地", ("080403",)),
    _gb("A35", "科研用地", ("0802",)),
    _gb("A4", "体育用地", ("0805",)),
    _gb("A5", "医疗卫生用地", ("0806",)),
    _gb("A6", "社会福利用地", ("0807",)),
    _gb("A7", "文物古迹用地", ("1504",)),
    _gb("A8", "外事用地", ("1502",), _APPROX),
    _gb("A9", "宗教用地", ("1503",)),
    _gb("B1", "商业用地", ("0901",)),
    _gb("B2", "商务用地", ("0902",), _APPROX),
    _gb("B3", "娱乐康体用地", ("0903",), _APPROX),
    _gb("B4", "公用设施营业网点用地", ("090105",)),
    _gb("R1", "一类居住用地", ("070101",), _APPROX),
    _gb("R2", "二类居住用地", ("070102",), _APPROX),
    _gb("R3", "三类居住用地", ("070103",), _APPROX),
    _gb("S1", "城市道路用地", ("1207",), _APPROX),
    _gb("S2", "城市轨道交通用地", ("1206",)),
    _gb("S4", "交通场站用地", ("1208",)),
    _gb("G1", "公园绿地", ("1401",)),
    _gb("G2", "防护绿地", ("1402",)),
    _gb("G3", "广场用地", ("1403",)),
    _gb("C6", "教育科研设计用地", ("0802", "0804"), _SEVERAL, old="GBJ 137-90"),
    _gb("C65", "科研设计用地", ("0802",), _APPROX, old="GBJ 137-90"),
)
_CROSSWALK = {row.code: row for row in CROSSWALK}

#: 2023 names that stand for a class the register must hold at the divided level:
#: name -> the classes to choose from.  (The code itself, e.g. ``1001``, is still
#: accepted as it always was.)
AMBIGUOUS_NAMES: dict[str, tuple[str, ...]] = {
    "工业用地": ("100101", "100102", "100103"),
    "工矿用地": ("100101", "100102", "100103", "1002", "1003"),
    "仓储用地": ("1101", "1102"),
}
_BY_NAME = {name: code for code, name in LAND_USE.items()}


def _clean(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_defaults(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """Parse ``["工业用地=100101"]`` (``--land-use-default``) into ``{"工业用地": "100101"}``.

    >>> parse_defaults(["工业用地=100101", "M=100102"])
    {'工业用地': '100101', 'M': '100102'}

    Raises
    ------
    ValidationError
        An item without ``=``, or a default that is not a 2023 code or name.
    """
    if items is None:
        return {}
    pairs = (items.items() if isinstance(items, Mapping)
             else [tuple(str(i).partition("=")[::2]) for i in items])
    out: dict[str, str] = {}
    for name, code in pairs:
        name, code = _clean(name), _clean(code)
        if not name or not code:
            msg = "land-use default must be NAME=CODE, e.g. 工业用地=100101"
            raise ValidationError(msg)
        out[name] = land_use_code(code)
    return out


def _choices(codes: Iterable[str]) -> str:
    return listing([f"{c} {LAND_USE[c]}" for c in codes], most=8)


def land_use_code(value: object, *, defaults: Mapping[str, str] | None = None) -> str:
    """Return the 2023 code of a land-use code or name (or an old code).

    Parameters
    ----------
    value : str or number
        ``"100101"``, ``100101`` (from Excel), ``"一类工业用地"``, ``"M1"``, ``"C65"``,
        ``"产业综合用地"`` / ``"SH-CYZH"``.
    defaults : mapping, optional
        Name or old code -> the 2023 code to use for it in this import, for the
        ambiguous ones (``{"工业用地": "100101"}``).

    Returns
    -------
    str
        A key of :data:`zjgis.landreserve.landuse.LAND_USE`.

    Raises
    ------
    ValidationError
        Unknown (with the closest names and codes), or standing for several
        classes (with the choices and how to pick one).

    Examples
    --------
    >>> land_use_code(801), land_use_code("物流仓储用地"), land_use_code("w1")
    ('0801', '1101', '110101')
    """
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)  # True ≠ 01
    text = normalize_code(value) if numeric else _clean(value)
    if defaults and text in defaults:
        return land_use_code(defaults[text])
    code = normalize_code(text) if text.isdigit() else text
    if code in LAND_USE:
        return code
    if code in AMBIGUOUS_NAMES:
        raise ValidationError(_ambiguous(code, AMBIGUOUS_NAMES[code]))
    if code in _BY_NAME:
        return _BY_NAME[code]
    old = _CROSSWALK.get(code.upper())
    if old is not None:
        if len(old.codes_2023) > 1:
            raise ValidationError(_ambiguous(code, old.codes_2023, old=old))
        return old.codes_2023[0]
    if not text:
        msg = "land use is missing; write a 2023 code or name (e.g. 100101 or 一类工业用地)"
        raise ValidationError(msg)
    close = difflib.get_close_matches(text, [*_BY_NAME, *LAND_USE, *_CROSSWALK], n=3,
                                      cutoff=0.5)
    hint = (f"; did you mean {' or '.join(_label(c) for c in close)}?" if close else "")
    msg = (f"unknown land use {text!r}: not a code or name of the 2023 用地用海分类指南, "
           f"an old GB 50137-2011 / GBJ 137-90 code ({listing(list(_CROSSWALK), most=6)}) "
           f"nor {SHANGHAI_MIXED_INDUSTRIAL} 产业综合用地{hint} "
           "(the whole table: zjgis.landreserve.land_use_table(), crosswalk_table())")
    raise ValidationError(msg)


def _label(code_or_name: str) -> str:
    if code_or_name in LAND_USE:
        return f"{code_or_name!r} ({LAND_USE[code_or_name]})"
    if code_or_name in _BY_NAME:
        return f"{code_or_name!r} ({_BY_NAME[code_or_name]})"
    return f"{code_or_name!r} ({_CROSSWALK[code_or_name].name_zh})"


def _ambiguous(text: str, codes: tuple[str, ...], *, old: CrosswalkRow | None = None) -> str:
    what = f"{old.standard} {old.code} {old.name_zh}" if old else f"{text!r}"
    return (f"land use {what} stands for several 2023 classes: {_choices(codes)}; write "
            f"the class in the file, or name a default for this import: "
            f"land_use_defaults={{{text!r}: {codes[0]!r}}} "
            f"(command line: --land-use-default {text}={codes[0]})")


def land_use_codes(values: pd.Series, *, defaults: Mapping[str, str] | None = None
                   ) -> tuple[pd.Series, pd.Series]:
    """Resolve a column of land uses; return ``(codes, problems)`` on the input index.

    ``codes`` holds the 2023 code where the value resolved (else None);
    ``problems`` the error text where it did not (else None), so an import can
    reject those rows with their reason and keep the others.

    >>> codes, problems = land_use_codes(pd.Series(["M1", "工业用地", "科研用地"]))
    >>> codes.tolist()
    ['100101', None, '0802']
    >>> problems.notna().tolist()
    [False, True, False]
    """
    codes, problems = [], []
    cache: dict[tuple[type, object], tuple[str | None, str | None]] = {}
    for v in values:
        # the type too: True == 1 == 1.0 as dict keys, but True is refused and 1 is 01
        key = (type(v), v if isinstance(v, (str, int, float)) else str(v))
        if key not in cache:
            try:
                cache[key] = (land_use_code(v, defaults=defaults), None)
            except ValidationError as exc:
                cache[key] = (None, str(exc))
        codes.append(cache[key][0])
        problems.append(cache[key][1])
    return (pd.Series(codes, index=values.index, dtype=object),
            pd.Series(problems, index=values.index, dtype=object))


def crosswalk_table() -> pd.DataFrame:
    """Return the crosswalk as a table, one row per old code.

    Columns ``code``, ``name_zh``, ``standard``, ``codes_2023``, ``names_2023``,
    ``relation`` and ``source``.

    >>> t = crosswalk_table()
    >>> t.set_index("code").loc["A35", "codes_2023"]
    '0802'
    """
    return pd.DataFrame([{
        "code": r.code, "name_zh": r.name_zh, "standard": r.standard,
        "codes_2023": ";".join(r.codes_2023),
        "names_2023": ";".join(LAND_USE[c] for c in r.codes_2023),
        "relation": r.relation, "source": r.source} for r in CROSSWALK])


#: Industry key -> (中文, English, other names planners use).  Keys are those of
#: :data:`zjgis.layers.INDUSTRY_KEYS` (the catalog's ``industries`` values).
INDUSTRY_NAMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "integrated_circuits": (INDUSTRY_KEYS["integrated_circuits"], "integrated circuits",
                            ("芯片", "半导体", "中国芯", "集成电路产业", "IC", "chips",
                             "semiconductors", "semiconductor")),
    "biomedicine": (INDUSTRY_KEYS["biomedicine"], "biomedicine",
                    ("创新药", "医药", "生物医药产业", "生物制药", "医疗器械", "biopharma",
                     "pharmaceuticals", "drugs", "life sciences")),
    "artificial_intelligence": (INDUSTRY_KEYS["artificial_intelligence"],
                                "artificial intelligence",
                                ("AI", "人工智能产业", "智能", "A.I.")),
    "advanced_manufacturing": (INDUSTRY_KEYS["advanced_manufacturing"],
                               "advanced manufacturing",
                               ("智能造", "高端制造", "先进制造", "高端装备", "智能制造产业",
                                "intelligent_manufacturing", "intelligent manufacturing",
                                "manufacturing")),
}
_INDUSTRY_INDEX: dict[str, str] = {}
for _key, (_zh, _en, _more) in INDUSTRY_NAMES.items():
    for _word in (_key, _zh, _en, *_more):
        _INDUSTRY_INDEX[_clean(_word).lower().replace("_", " ")] = _key


def industry_key(value: object) -> str:
    """Return the catalog industry key of a key, Chinese or English name or synonym.

    Raises
    ------
    ValidationError
        Unknown industry: lists the accepted names and suggests the closest.

    Examples
    --------
    >>> industry_key("芯片"), industry_key("advanced_manufacturing"), industry_key(" AI ")
    ('integrated_circuits', 'advanced_manufacturing', 'artificial_intelligence')
    """
    text = _clean(value) if value is not None and not (
        isinstance(value, float) and value != value) else ""
    key = _INDUSTRY_INDEX.get(text.lower().replace("_", " "))
    if key is not None:
        return key
    accepted = [f"{k} ({zh})" for k, (zh, _, _) in INDUSTRY_NAMES.items()]
    close = difflib.get_close_matches(text.lower().replace("_", " "), list(_INDUSTRY_INDEX),
                                      n=1, cutoff=0.5)
    hint = (f"; did you mean {close[0]!r} ({INDUSTRY_NAMES[_INDUSTRY_INDEX[close[0]]][0]})?"
            if close else "")
    what = f"unknown industry {text!r}" if text else "industry is missing"
    msg = (f"{what}: accepted are {listing(accepted, most=10)} and their Chinese or "
           f"English names{hint}")
    raise ValidationError(msg)


def industry_keys(values: pd.Series, *, name: str = "projects",
                  ids: pd.Series | None = None) -> pd.Series:
    """Resolve a column of industries; raise once naming every row that fails.

    >>> industry_keys(pd.Series(["集成电路", "biomedicine"])).tolist()
    ['integrated_circuits', 'biomedicine']

    Raises
    ------
    ValidationError
        With one line per unknown value (rows by ``ids`` when given).
    """
    out: list[str | None] = []
    bad: list[str] = []
    labels = list(ids) if ids is not None else [f"row {i + 1}" for i in range(len(values))]
    for label, v in zip(labels, values, strict=True):
        try:
            out.append(industry_key(v))
        except ValidationError as exc:
            out.append(None)
            bad.append(f"{label}: {exc}")
    if bad:
        msg = f"{name}: {len(bad)} row(s) with an unknown industry — " + "; ".join(
            dict.fromkeys(bad[:3])) + (f" (and {len(bad) - 3} more)" if len(bad) > 3 else "")
        raise ValidationError(msg)
    return pd.Series(out, index=values.index, dtype=object)


def industry_table() -> pd.DataFrame:
    """Industries: ``key``, ``name_zh``, ``name_en``, ``synonyms``.

    >>> industry_table().set_index("key").loc["biomedicine", "name_zh"]
    '生物医药'
    """
    return pd.DataFrame([{"key": k, "name_zh": zh, "name_en": en, "synonyms": ", ".join(more)}
                         for k, (zh, en, more) in INDUSTRY_NAMES.items()])


# 12,500 / 1,500 亩 / 12,500.5亩, but not 1,234,5 or 1,000,00 (no digit, comma or point
# may follow the last group)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,.])")
_NUMBER_UNIT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(.*)$",
                          re.IGNORECASE)


def declared_area(value: object, unit: object = None) -> tuple[float, str, float] | None:
    """Read an area as the planner declared it: ``(value, unit key, 亩)``, or None if blank.

    Parameters
    ----------
    value : number or str
        The figure as written: ``12.5``, ``"12,500"`` (thousands separators are
        dropped; ``"12,5"`` is refused, not read as 125), or a figure with its
        unit in one text (``"0.8公顷"``, ``"533.3 m²"``).
    unit : str, optional
        The unit when ``value`` carries none: a key or spelling of
        :data:`zjgis.schema.AREA_UNITS` (``"亩"``, ``"公顷"``, ``"m²"``, ``"ha"``,
        ``"mu"`` …).

    Returns
    -------
    tuple of (float, str, float) or None
        The value as written (in its own unit), the unit key (``"mu"``, ``"ha"``,
        ``"m2"``, ``"km2"``) and the area in 亩 (1 亩 = 10 000/15 m²); None when
        ``value`` is blank.

    Raises
    ------
    ValidationError
        Not a number, negative or not finite, an unknown unit, no unit at all, or
        two different units (one in the text, another in ``unit``).

    Examples
    --------
    >>> declared_area(12.5, "亩"), declared_area("0.8公顷")
    ((12.5, 'mu', 12.5), (0.8, 'ha', 12.0))
    >>> declared_area(None, "亩") is None
    True
    """
    if blank(value):
        return None
    given = None if blank(unit) else _unit_key(unit, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, written = float(value), None
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if _THOUSANDS.match(text):  # 12,500 — but never 12,5 (a decimal comma: refused)
            text = text.replace(",", "")
        m = _NUMBER_UNIT.match(text)
        if m is None or (m.group(2) != "" and m.group(2)[0] in ",.0123456789"):
            msg = (f"declared area {value!r} is not a number; write the figure (e.g. 12.5) "
                   "with its unit in the header (面积(亩)) or after it (12.5亩)")
            raise ValidationError(msg)
        number = float(m.group(1))
        written = _unit_key(m.group(2), value) if m.group(2).strip() else None
    if written and given and written != given:
        msg = (f"declared area {value!r} is in {_schema.UNIT_ZH.get(written, written)} but "
               f"its unit is given as {_schema.UNIT_ZH.get(given, given)}")
        raise ValidationError(msg)
    key = written or given
    if not math.isfinite(number) or number < 0:
        msg = f"declared area {value!r} must be a finite figure >= 0"
        raise ValidationError(msg)
    if key is None:
        msg = (f"declared area {value!r} names no unit; give it (亩, 公顷, m²): "
               "declared_area_unit='亩', a header such as 面积(亩), or declared_area_mu=")
        raise ValidationError(msg)
    number += 0.0  # "-0" is 0, not -0.0
    mu = number if key == "mu" else float(_schema.area_to_m2(number, key)) / MU_M2
    return number, key, mu


def _unit_key(unit: object, value: object) -> str:
    try:
        return _schema.unit_key(unit)
    except ValidationError as exc:
        msg = f"declared area {value!r}: {exc}"
        raise ValidationError(msg) from exc
