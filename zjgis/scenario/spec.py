"""Scenario files: a planning decision written down as a small TOML file.

A scenario names its base data and lists its changes.  Keys may be written in
English or in Chinese (the table :data:`KEYS`); values of ``type`` and
``action`` likewise (:data:`VALUES`).  A commented example ships as
``data/scenarios/example.toml``.

Errors name the file, the line and the field::

    example.toml, line 31: change 2 (zone): 'jobs' must be a number, got '十二'
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zjgis.errors import ReadError, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["KEYS", "VALUES", "CHANGE_FIELDS", "Change", "Scenario", "read_scenario",
           "parse_scenario"]

#: Chinese (and alternative English) keys → the canonical key.
KEYS: dict[str, str] = {
    "名称": "name", "方案": "name", "方案名称": "name",
    "说明": "description", "描述": "description",
    "基础": "base", "基础数据": "base",
    "变更": "changes", "变化": "changes", "措施": "changes",
    "类型": "type",
    "区域": "zone", "分区": "zone", "街镇": "zone", "zone_id": "zone",
    "地块": "parcel", "地块编号": "parcel_id", "宗地号": "parcel_id",
    "新增岗位": "jobs", "岗位": "jobs", "就业岗位": "jobs",
    "新增就业人口": "workers", "就业人口": "workers", "居住就业人口": "workers",
    "新增住房": "dwellings", "住房套数": "dwellings", "住宅套数": "dwellings",
    "每套就业人口": "workers_per_dwelling",
    "状态": "status", "供应年份": "supply_year", "计划供应年份": "supply_year",
    "操作": "action", "站名": "station", "车站": "station", "经度": "lon", "纬度": "lat",
    "线路": "line", "坐标": "coordinates", "断头路连线": "missing_link",
    "编号": "id",
    "登记册": "register", "道路": "roads", "轨道站点": "stations", "站点": "stations",
    "分区数据": "zones", "通勤": "od", "通勤矩阵": "od", "统计单元": "units",
    "年份": "years",
}

#: Chinese values of ``type`` and ``action`` → canonical values.
VALUES: dict[str, str] = {
    "区域": "zone", "分区": "zone", "地块": "parcel", "道路": "link", "连线": "link",
    "车站": "station", "站点": "station",
    "新增": "add", "增加": "add", "删除": "remove", "取消": "remove", "撤销": "remove",
}

CHANGE_TYPES = ("zone", "parcel", "link", "station")

#: The fields each change type takes (required ones first) and their kinds.
CHANGE_FIELDS: dict[str, dict[str, str]] = {
    "zone": {"zone": "id", "jobs": "number", "workers": "number", "dwellings": "number",
             "note": "text"},
    "parcel": {"parcel_id": "id", "status": "text", "supply_year": "year", "jobs": "number",
               "workers": "number", "dwellings": "number", "note": "text"},
    "link": {"missing_link": "id", "coordinates": "coords", "name": "text", "note": "text"},
    "station": {"action": "text", "station": "text", "lon": "number", "lat": "number",
                "line": "text", "note": "text"},
}
TOP_FIELDS = {"name", "description", "base", "changes", "workers_per_dwelling", "years"}
BASE_FIELDS = {"register", "roads", "stations", "zones", "od", "units"}


@dataclass
class Change:
    """One change of a scenario (``type`` is zone, parcel, link or station)."""

    type: str
    fields: dict[str, Any]
    index: int  # 1-based position in the file
    line: int | None = None

    def label(self) -> str:
        """``change 2 (zone)``, for messages."""
        return f"change {self.index} ({self.type})"


@dataclass
class Scenario:
    """A parsed scenario file.

    Attributes
    ----------
    name, description : str
        Shown in the briefing's title block (as text, escaped).
    base : dict
        ``register``, ``roads``, ``stations``, ``zones``, ``od`` (paths, or
        ``"sample"`` for the shipped samples, or ``"catalog"`` for the shipped
        rail stations) and ``units`` (catalog layers to report by).
    changes : list of Change
    workers_per_dwelling : float or None
        Resident workers per new dwelling (required when a change adds dwellings).
    years : list of int
        Years of the land-supply table (default: the years the register and the
        changes name).
    source : str
        File name, for messages.
    """

    name: str
    description: str = ""
    base: dict[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    workers_per_dwelling: float | None = None
    years: list[int] = field(default_factory=list)
    source: str = "<scenario>"
    folder: Path | None = None

    def resolve(self, value: str) -> str:
        """A base path relative to the scenario file's folder (keywords stay)."""
        if value in ("sample", "catalog") or self.folder is None:
            return value
        p = Path(value)
        return str(p if p.is_absolute() else self.folder / p)


def _canonical(key: str) -> str:
    return KEYS.get(str(key).strip(), str(key).strip())


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _change_lines(text: str, key: str) -> list[int]:
    """Line numbers (1-based) of each ``[[key]]`` table header, in order."""
    pat = re.compile(rf"^\s*\[\[\s*[\"']?{re.escape(key)}[\"']?\s*\]\]")
    return [i + 1 for i, line in enumerate(text.splitlines()) if pat.match(line)]


def _field_line(text: str, start: int | None, key: str) -> int | None:
    if start is None:
        return None
    lines = text.splitlines()
    pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("["):
            break
        if pat.match(lines[i]):
            return i + 1
    return start


def _error(source: str, line: int | None, message: str) -> ValidationError:
    where = f"{source}, line {line}" if line else source
    return ValidationError(f"{where}: {message}")


def _check_value(kind: str, value: Any, *, where: str, key: str):
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: {key!r} must be a number, got {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{where}: {key!r} must be a finite number, got {value!r}")
        return float(value)
    if kind == "year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1990 <= value <= 2100:
            raise ValueError(f"{where}: {key!r} must be a year such as 2025, got {value!r}")
        return int(value)
    if kind == "coords":
        ok = (isinstance(value, list) and len(value) >= 2 and all(
            isinstance(p, list) and len(p) == 2
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)
            for p in value))
        if not ok:
            raise ValueError(f"{where}: {key!r} must be a list of [lon, lat] pairs "
                             f"(at least two), got {value!r}")
        return [[float(x), float(y)] for x, y in value]
    if kind == "id":
        if isinstance(value, (list, dict)) or isinstance(value, bool):
            raise ValueError(f"{where}: {key!r} must be one id, got {value!r}")
        return value
    return str(value)


def parse_scenario(text: str, *, source: str = "<scenario>",
                   folder: Path | None = None) -> Scenario:
    r"""Parse the text of a scenario file.

    Parameters
    ----------
    text : str
        TOML text; keys in English or Chinese (:data:`KEYS`).
    source : str
        File name used in messages.

    Returns
    -------
    Scenario

    Raises
    ------
    ValidationError
        Bad TOML, an unknown key or change type, a missing or badly typed field;
        the message names the file, the line and the field.

    Examples
    --------
    >>> s = parse_scenario('''
    ... "名称" = "两块地配建租赁住房"
    ... [["变更"]]
    ... "类型" = "区域"
    ... "区域" = "310115008"
    ... "新增住房" = 5000
    ... ''')
    >>> s.name, s.changes[0].type, s.changes[0].fields
    ('两块地配建租赁住房', 'zone', {'zone': '310115008', 'dwellings': 5000.0})
    >>> parse_scenario('name = "x"\n[[changes]]\ntype = "zone"\nzone = "A"\njobs = "十二"\n')
    Traceback (most recent call last):
    ...
    zjgis.errors.ValidationError: <scenario>, line 5: change 1 (zone): 'jobs' must be a number...
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        hint = ""
        if line and not text.splitlines()[line - 1].isascii():
            hint = "; in TOML a Chinese key needs quotes: \"类型\" = \"区域\", [[\"变更\"]]"
        raise _error(source, line, f"not a valid TOML scenario file: {exc}{hint}") from None
    # [[changes]] and [["变更"]] may both appear: gather them in file order
    tagged: list[tuple[int, Any]] = []
    for k, v in raw.items():
        if _canonical(k) == "changes" and isinstance(v, list):
            lines = _change_lines(text, k)
            tagged += [(lines[i] if i < len(lines) else 0, item) for i, item in enumerate(v)]
    tagged.sort(key=lambda t: t[0])
    data = {_canonical(k): v for k, v in raw.items() if _canonical(k) != "changes"}
    if tagged:
        data["changes"] = [item for _, item in tagged]
    starts = [line or None for line, _ in tagged]
    if any(_canonical(k) == "changes" and not isinstance(v, list) for k, v in raw.items()):
        data["changes"] = "not a list"
    for key in data:
        if key not in TOP_FIELDS:
            line = _field_line(text, 0, key)
            raise _error(source, line, f"unknown key {key!r}{_suggest(key, TOP_FIELDS)}; "
                         f"a scenario has {', '.join(sorted(TOP_FIELDS))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _error(source, None, "the scenario needs a name (name = \"…\" or 名称 = \"…\")")
    base_raw = data.get("base", {})
    if not isinstance(base_raw, dict):
        raise _error(source, _field_line(text, 0, "base"), "'base' must be a table [base]")
    base = {}
    for k, v in base_raw.items():
        ck = _canonical(k)
        if ck not in BASE_FIELDS:
            raise _error(source, None, f"[base]: unknown key {k!r}{_suggest(ck, BASE_FIELDS)}; "
                         f"the base takes {', '.join(sorted(BASE_FIELDS))}")
        if ck == "units":
            if not (isinstance(v, list) and all(isinstance(u, str) for u in v)):
                raise _error(source, None, "[base]: 'units' must be a list of layer names")
        elif not isinstance(v, str):
            raise _error(source, None, f"[base]: {k!r} must be a file path or \"sample\"")
        base[ck] = v
    wpd = data.get("workers_per_dwelling")
    if wpd is not None:
        try:
            wpd = _check_value("number", wpd, where="scenario", key="workers_per_dwelling")
        except ValueError as exc:
            raise _error(source, _field_line(text, 0, "workers_per_dwelling"), str(exc)) from None
        if wpd <= 0:
            raise _error(source, None, "'workers_per_dwelling' must be positive")
    years = data.get("years", [])
    if not (isinstance(years, list) and all(isinstance(y, int) for y in years)):
        raise _error(source, None, "'years' must be a list of years, e.g. [2024, 2025, 2026]")
    raw_changes = data.get("changes", [])
    if not isinstance(raw_changes, list):
        raise _error(source, None, "'changes' must be a list of [[changes]] tables")
    changes = []
    for i, item in enumerate(raw_changes, 1):
        start = starts[i - 1] if i - 1 < len(starts) else None
        if not isinstance(item, dict):
            raise _error(source, start, f"change {i} must be a table")
        original = {_canonical(k): k for k in item}
        fields = {_canonical(k): v for k, v in item.items()}
        ctype_raw = str(fields.pop("type", "")).strip()
        ctype = VALUES.get(ctype_raw, ctype_raw)
        if ctype not in CHANGE_TYPES:
            line = _field_line(text, (start or 1) - 1, original.get("type", "type")) or start
            raise _error(source, line, f"change {i}: type {ctype!r} is not one of "
                         f"{', '.join(CHANGE_TYPES)}{_suggest(ctype, CHANGE_TYPES)}")
        change = Change(type=ctype, fields={}, index=i, line=start)
        allowed = CHANGE_FIELDS[ctype]
        for key, value in fields.items():
            line = _field_line(text, (start or 1) - 1, original[key]) or start
            if key not in allowed:
                raise _error(source, line, f"{change.label()}: unknown field {original[key]!r}"
                             f"{_suggest(key, allowed)}; a {ctype} change takes "
                             f"{', '.join(allowed)}")
            try:
                change.fields[key] = _check_value(allowed[key], value, where=change.label(),
                                                  key=original[key])
            except ValueError as exc:
                raise _error(source, line, str(exc)) from None
        _check_required(change, source)
        changes.append(change)
    return Scenario(name=name.strip(), description=str(data.get("description", "")),
                    base=base, changes=changes, workers_per_dwelling=wpd, years=list(years),
                    source=source, folder=folder)


def _check_required(change: Change, source: str) -> None:
    f = change.fields
    need: list[str] = []
    if change.type == "zone":
        if "zone" not in f:
            need.append("zone")
        if not {"jobs", "workers", "dwellings"} & set(f):
            need.append("one of jobs, workers, dwellings")
    elif change.type == "parcel":
        if "parcel_id" not in f:
            need.append("parcel_id")
        if not {"status", "supply_year", "jobs", "workers", "dwellings"} & set(f):
            need.append("one of status, supply_year, jobs, workers, dwellings")
    elif change.type == "link":
        if ("missing_link" in f) == ("coordinates" in f):
            need.append("exactly one of missing_link (an id from missing_links) or coordinates")
    elif change.type == "station":
        action = VALUES.get(str(f.get("action", "")), str(f.get("action", "")))
        if action not in ("add", "remove"):
            need.append("action = \"add\" or \"remove\" (新增/删除)")
        f["action"] = action
        if "station" not in f:
            need.append("station (its name)")
        if action == "add" and not {"lon", "lat"} <= set(f):
            need.append("lon and lat (WGS-84) of the new station")
        if action == "add" and "lon" in f and not (73 <= f["lon"] <= 136 and 3 <= f["lat"] <= 54):
            raise _error(source, change.line, f"{change.label()}: lon/lat {f['lon']}, "
                         f"{f['lat']} is not in China: give WGS-84 longitude and latitude")
    if need:
        raise _error(source, change.line, f"{change.label()} needs {'; '.join(need)}")


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (TOML, UTF-8).

    Base paths in the file are taken relative to the file's folder.

    Raises
    ------
    ReadError
        The file is missing or not UTF-8 text.
    ValidationError
        See :func:`parse_scenario`.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReadError(f"{p}: scenario file not found") from None
    except UnicodeDecodeError:
        raise ReadError(f"{p}: not UTF-8 text; save the scenario file as UTF-8") from None
    except OSError as exc:
        raise ReadError(f"{p}: cannot read the scenario file ({exc.strerror})") from None
    return parse_scenario(text, source=p.name, folder=p.parent)
