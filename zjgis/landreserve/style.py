"""Register parcels ready for a map layer (colour by lifecycle status).

:mod:`zjgis.landreserve` does not import :mod:`zjgis.maps` (analyses and maps sit
side by side); notebooks and the CLI pass :func:`briefing_layers` to
``zjgis.maps.briefing_map(extra=...)``::

    extra = landreserve.briefing_layers(reg.parcels(), assignments=result.assignments,
                                        year=2025)
    m = maps.briefing_map(extra=extra, title="张江科学城 土地储备地块")

``zjgis reserve map`` does the same from the command line.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from zjgis import crs as _crs
from zjgis._log import get_logger
from zjgis._validate import (
    require_columns,
    require_crs,
    require_finite_coords,
    require_lonlat_range,
)
from zjgis.errors import ValidationError
from zjgis.landreserve.lifecycle import (
    NOT_SUPPLIED,
    STATUS_COLOURS,
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
)
from zjgis.landreserve.matching import PROJECT_STATUS_ZH
from zjgis.layers import worst_accuracy

log = get_logger(__name__)

_INDUSTRY_ZH = {"integrated_circuits": "集成电路", "biomedicine": "生物医药",
                "artificial_intelligence": "人工智能", "advanced_manufacturing": "智能制造",
                "intelligent_manufacturing": "智能制造"}

__all__ = ["briefing_layers"]


# --------------------------------------------------------------------------- briefing layers
_FIELDS = {  # key -> (中文, English) display label; the keys never reach the map
    "parcel_id": ("地块编号", "Parcel ID"),
    "status": ("状态", "Status"),
    "land_use": ("用地性质", "Land use"),
    "street_town": ("所在街镇", "Street/town"),
    "community": ("所在社区", "Community"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "area_mu": ("面积（亩）", "Area (mu)"),
    "declared_area_mu": ("申报面积（亩）", "Declared area (mu)"),
    "supply_year": ("计划供应年度", "Planned supply year"),
    "project": ("匹配项目", "Matched project"),
    "project_id": ("项目编号", "Project ID"),
    "project_status": ("项目类别（五个一批）", "Project list"),
    "industry": ("产业", "Industry"),
    "parcel_name": ("地块名称", "Parcel name"),
    "score": ("匹配得分（0–1）", "Match score (0–1)"),
    "distance_to_rail_m": ("距轨交站点（米）", "Distance to rail (m)"),
}
_TITLES: dict[str, tuple[str, str]] = {
    "parcels": ("土地储备地块（按状态）", "Land-reserve parcels by status"),
    "matched": ("已匹配项目的地块（{n} 宗）", "Parcels matched to projects ({n})"),
    "supply": ("{year}年计划供应地块（{n} 宗，{mu:,.0f} 亩；其中待供应 {pending} 宗）",
               "Planned supply in {year} ({n} parcels, {mu:,.0f} mu; {pending} not yet supplied)"),
}


def _label(key: str, language: str) -> str:
    zh, en = _FIELDS[key]
    return zh if language == "zh" else en


def _accuracy_of(values: pd.Series) -> str | None:
    """The most cautious class present (:func:`zjgis.layers.worst_accuracy`)."""
    present = {str(v) for v in values.dropna()}
    if not present:
        return None
    return worst_accuracy(present) or ",".join(sorted(present))


def _text(values: pd.Series) -> pd.Series:
    return pd.Series([None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
                      for v in values], index=values.index, dtype=object)


def _display(frame: gpd.GeoDataFrame, columns: dict[str, pd.Series], *, heading: pd.Series,
             language: str, layer: str, title: tuple[str, str], accuracy: pd.Series,
             source: str | None) -> gpd.GeoDataFrame:
    data = {"name": heading.to_numpy(dtype=object)}
    data |= {k: v.to_numpy(dtype=object) for k, v in columns.items()}
    data["accuracy"] = accuracy.to_numpy(dtype=object)
    out = gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=_crs.WGS84,
                           index=frame.index)
    acc = _accuracy_of(accuracy)
    out.attrs.update(layer=layer, title_zh=title[0], title_en=title[1], kind="extra",
                     accuracy=acc, source=source)
    return out


def briefing_layers(
    parcels: gpd.GeoDataFrame,
    *,
    assignments: pd.DataFrame | None = None,
    year: int | None = None,
    language: str = "zh",
    source: str | None = None,
) -> list[tuple[gpd.GeoDataFrame, dict]]:
    """Land-reserve layers for ``zjgis.maps.briefing_map(extra=...)`` and ``maps.figure``.

    Parameters
    ----------
    parcels : geopandas.GeoDataFrame
        Register parcels (:meth:`Register.parcels` or :meth:`Register.as_of`).
    assignments : pandas.DataFrame, optional
        ``MatchResult.assignments`` of :func:`match_projects`: adds a layer
        outlining the matched parcels in red, headed by the project's name.
    year : int, optional
        Adds a dashed outline of the parcels planned for supply in ``year``
        (``supply_year == year``, as in the 年度土地储备计划表), counting those
        not yet supplied (预收储/收储/储备).
    language : {"zh", "en"}
        Language of titles, status labels and field labels.
    source : str, optional
        Data source shown on the map (e.g. the register's file name).

    Returns
    -------
    list of (geopandas.GeoDataFrame, dict)
        ``(frame, style)`` pairs in drawing order: parcels filled by status
        (legend: the status labels in lifecycle order), then the year's supply,
        then the matched parcels (each only when asked for and not empty).
        The frames are for display: ``name`` is the tooltip heading (parcel
        name, or project name on the matched layer), ``accuracy`` the accuracy
        class (e.g. ``sample``, shown in tooltips and legend), ``status`` the
        status label in ``language``; the other columns keep their English keys
        and the style's ``aliases`` give their display names in ``language``
        (``status`` → ``状态``, ``area_mu`` → ``面积（亩）``).  Use
        :meth:`Register.parcels` for analysis.  ``attrs``: ``layer``
        (``landreserve_parcels`` / ``landreserve_supply`` /
        ``landreserve_matched``), ``title_zh``, ``title_en``, ``accuracy`` (the
        most cautious class present), ``source``.

    Raises
    ------
    ValidationError
        Missing columns or an unknown ``language``.
    CRSError
        No CRS, or coordinates that cannot be lon/lat (metres labelled
        EPSG:4326, swapped lat/lon).
    GeometryError
        NaN or infinite coordinates.

    Notes
    -----
    Texts reach the map as data; :mod:`zjgis.maps` escapes them.

    Examples
    --------
    >>> import warnings
    >>> from zjgis.landreserve import load_sample
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # SampleDataWarning
    ...     reg, projects, enterprises = load_sample()
    >>> layers = briefing_layers(reg.parcels(), year=2026)
    >>> [frame.attrs["layer"] for frame, style in layers][:2]
    ['landreserve_parcels', 'landreserve_supply']
    >>> layers[0][1]["labels"][:3]
    ['预收储', '收储', '储备']
    """
    if language not in ("zh", "en"):
        msg = f"language must be 'zh' or 'en', got {language!r}"
        raise ValidationError(msg)
    require_crs(parcels, "parcels")
    require_columns(parcels, ["parcel_id", "status", "area_mu"], "parcels")
    require_finite_coords(parcels, "parcels", id_column="parcel_id")
    require_lonlat_range(parcels, "parcels", id_column="parcel_id")
    p = parcels.to_crs(_crs.WGS84) if not parcels.crs.equals(_crs.WGS84) else parcels
    n = len(p)
    idx = p.index
    blank = pd.Series([None] * n, index=idx, dtype=object)
    col = {c: (p[c] if c in p else blank) for c in
           ("name", "land_use", "land_use_code", "street_town", "community", "accuracy",
            "supply_year")}
    labels = STATUS_ZH if language == "zh" else STATUS_EN
    status = p["status"].map(labels)
    ids = p["parcel_id"].astype(str)
    heading = _text(col["name"]).fillna(ids)
    land_use = pd.Series(
        [f"{u}（{c}）" if isinstance(u, str) and isinstance(c, str) else (u or c)
         for u, c in zip(col["land_use"], col["land_use_code"], strict=True)],
        index=idx, dtype=object)
    years = pd.to_numeric(col["supply_year"], errors="coerce").astype("Int64")
    area_ha = (p["area_ha"].astype(float) if "area_ha" in p
               else p["area_mu"].astype(float) / 15.0).round(2)
    # what the planner's file declared (面积), beside the measured area; blank when none
    declared = (pd.to_numeric(p["declared_area_mu"], errors="coerce").round(1)
                if "declared_area_mu" in p else pd.Series(float("nan"), index=idx))
    project = blank.copy()
    matched = None
    if assignments is not None and len(assignments):
        require_columns(assignments, ["project_id", "parcel_id"], "assignments")
        a = pd.DataFrame(assignments).drop_duplicates("parcel_id").set_index("parcel_id")
        names = a["project_name"] if "project_name" in a else a["project_id"]
        pid, pname = a["project_id"].astype(str), _text(names).fillna("")
        # "P-07 芯片封测基地"; a list without ids uses the name as id: shown once
        shown = pid.where(pname.eq("") | pname.eq(pid), pid + " " + pname).str.strip()
        project = _text(ids.map(shown))
        matched = ids.isin(a.index).to_numpy()
    common = {"source": source, "language": language, "accuracy": col["accuracy"]}
    layers = []
    base = _display(p, {"parcel_id": ids, "status": status, "land_use": land_use,
                        "street_town": col["street_town"], "community": col["community"],
                        "area_ha": area_ha, "area_mu": p["area_mu"].astype(float).round(1),
                        "declared_area_mu": declared, "supply_year": years,
                        "project": project},
                    heading=heading, layer="landreserve_parcels", title=_TITLES["parcels"],
                    **common)
    aliases = {k: _label(k, language) for k in _FIELDS}
    status_col = "status"
    tip = ["parcel_id", "status", "land_use", "area_mu",
           *(["declared_area_mu"] if declared.notna().any() else []), "project", "accuracy"]

    def _tip(frame: gpd.GeoDataFrame, skip: tuple[str, ...] = ()) -> list[str]:
        hidden = {"name", frame.geometry.name, *skip}
        return [c for c in frame.columns if c not in hidden]
    layers.append((base, {
        "column": status_col,
        "categories": {labels[s]: STATUS_COLOURS[s] for s in STATUSES},
        "labels": [labels[s] for s in STATUSES],
        "title": _TITLES["parcels"][0 if language == "zh" else 1],
        "tooltip": tip,
        "fill_opacity": 0.65,
        "weight": 0.8,
        "color": "#555555",
        "aliases": aliases,
    }))
    if year is not None:
        due = (years == int(year)).fillna(False).to_numpy(dtype=bool)
        if due.any():
            sub = p[due]
            pending = int(sub["status"].isin(NOT_SUPPLIED).sum())
            fmt = {"year": int(year), "n": int(due.sum()),
                   "mu": float(sub["area_mu"].astype(float).sum()), "pending": pending}
            zh, en = (t.format(**fmt) for t in _TITLES["supply"])
            title = (zh, en)
            frame = _display(sub, {"parcel_id": ids[due], "status": status[due],
                                   "supply_year": years[due],
                                   "area_mu": p["area_mu"][due].astype(float).round(1)},
                             heading=heading[due], layer="landreserve_supply", title=title,
                             source=source, language=language, accuracy=col["accuracy"][due])
            layers.append((frame, {"title": title[0 if language == "zh" else 1],
                                   "tooltip": _tip(frame),
                                   "color": "#111111", "weight": 2.0, "dash_array": "5 4",
                                   "fill": True, "fill_opacity": 0.0,
                                   "aliases": aliases}))
        else:
            log.info("no parcel planned for supply in %s", year)
    if matched is not None and matched.any():
        a = pd.DataFrame(assignments).drop_duplicates("parcel_id").set_index("parcel_id")
        sub = p[matched]
        sid = ids[matched]
        pick = a.reindex(sid.to_numpy())
        pick.index = sub.index

        def get(c: str) -> pd.Series:
            return pick[c] if c in pick else pd.Series([None] * len(sub), index=sub.index)

        pstatus = get("project_status").map(lambda s: PROJECT_STATUS_ZH.get(s, s)
                                             if language == "zh" else s)
        head = _text(get("project_name")).fillna(pick["project_id"].astype(str))
        fmt = {"n": int(matched.sum())}
        zh, en = (t.format(**fmt) for t in _TITLES["matched"])
        title = (zh, en)
        frame = _display(sub, {"project_id": pick["project_id"].astype(str),
                               "project_status": pstatus,
                               "industry": get("industry").map(
                                   lambda k: _INDUSTRY_ZH.get(k, k) if language == "zh" else k),
                               "parcel_id": sid, "parcel_name": _text(col["name"][matched]),
                               "status": status[matched],
                               "area_mu": p["area_mu"][matched].astype(float).round(1),
                               "score": pd.to_numeric(get("score")).round(2),
                               "distance_to_rail_m": pd.to_numeric(
                                   get("distance_to_rail_m")).round(0)},
                         heading=head, layer="landreserve_matched", title=title, source=source,
                         language=language, accuracy=col["accuracy"][matched])
        layers.append((frame, {"title": title[0 if language == "zh" else 1],
                               "tooltip": _tip(frame, skip=("area_mu", "distance_to_rail_m")),
                               "color": "#d7191c", "weight": 3.0, "fill": True,
                               "fill_opacity": 0.0, "aliases": aliases}))
    log.info("land-reserve map layers: %d parcels, %s matched, year %s", n,
             0 if matched is None else int(matched.sum()), year)
    return layers
