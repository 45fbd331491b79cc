"""The rules a parcel must satisfy to enter the register (validation, no storage).

:func:`prepare` normalises input parcels (EPSG:4326, string ids, status keys,
land-use code text, free attributes as JSON), :func:`problems` lists every rule
a prepared frame breaks against the registered parcels (ids, statuses, codes,
geometry, overlaps, study area), :func:`finish` adds the geodesic areas.
Nothing here opens the file: :mod:`._storage` does.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import crs as _crs
from zjgis._log import get_logger
from zjgis._validate import (
    blank,
    listing,
    require_columns,
    require_crs,
    require_finite_coords,
    require_lonlat_range,
)
from zjgis.errors import ReadError, ValidationError, ZjgisError
from zjgis.landreserve._storage import (
    AREA_COLUMNS,
    COLUMNS,
    DECLARED_COLUMNS,
    jsonable,
    missing,
)
from zjgis.landreserve.landuse import LAND_USE, normalize_code
from zjgis.landreserve.lifecycle import (
    STATUS_ZH,
    normalize_status,
    unknown_status_text,
)
from zjgis.landreserve.values import declared_area, land_use_codes

log = get_logger(__name__)


def iso(when: _dt.date | _dt.datetime | str | None, *, end_of_day: bool = False) -> str:
    if when is None:
        return _dt.datetime.now().replace(microsecond=0).isoformat()
    if isinstance(when, str):
        text = _planner_date(when)
        try:
            when = _dt.datetime.fromisoformat(text) if "T" in text or " " in text else (
                _dt.date.fromisoformat(text))
        except ValueError as exc:
            msg = (f"cannot read date {when!r}; write it as 2025-03-31 (2025/3/31, "
                   "2025.3.31 and 2025年3月31日 are read too)")
            raise ValidationError(msg) from exc
    if isinstance(when, pd.Timestamp):
        when = when.to_pydatetime()
    if isinstance(when, _dt.datetime):
        return when.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(when, _dt.date):
        t = _dt.time(23, 59, 59) if end_of_day else _dt.time(0, 0, 0)
        return _dt.datetime.combine(when, t).isoformat()
    msg = f"cannot read date {when!r}"
    raise ValidationError(msg)


_PLANNER_DATE = re.compile(r"^\s*(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?\s*$")


def _planner_date(text: str) -> str:
    """``2025/3/1``, ``2025.03.01``, ``2025年3月1日`` → ``2025-03-01``; other text as given."""
    m = _PLANNER_DATE.match(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else text.strip()


def to_multi(geoms: np.ndarray) -> np.ndarray:
    """Polygons → one-part MultiPolygons (the register's geometry type)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    kinds = shapely.get_type_id(geoms)
    poly = kinds == 3
    if poly.any():
        geoms[poly] = [shapely.MultiPolygon([g]) for g in geoms[poly]]
    return geoms


@dataclass(frozen=True)
class StudyArea:
    """The polygon parcels must lie in, with what the messages say about it."""

    geometry: shapely.Geometry
    label: str | None = None  # layer name, e.g. "science_city_2022"
    accuracy: str | None = None  # accuracy class, e.g. "schematic"

    def described(self) -> str:
        """`` science_city_2022 (schematic boundary)`` or ``""`` for an unnamed area."""
        if not self.label:
            return ""
        kind = f"{self.accuracy} boundary" if self.accuracy else "boundary"
        return f" {self.label} ({kind})"


#: Beyond this distance (m) outside the study area a parcel is more likely misplaced.
_FAR_OUTSIDE_M = 2000.0


def outside_hint(area: StudyArea, n: int, beyond_m: float, buffer_m: float) -> str:
    """What to do about ``n`` parcels reaching up to ``beyond_m`` outside the study area."""
    # round up to 50 m with 1 % margin: buffers approximate arcs by chords
    suggest = max(50, int(np.ceil((buffer_m + beyond_m) * 1.01 / 50.0)) * 50)
    name = area.label or "the study area"
    if area.accuracy == "schematic":
        why = (f"Note: {name} is a SCHEMATIC boundary (accuracy class 'schematic': drawn "
               "for orientation, not the surveyed boundary), so real parcels near its edge "
               "can fall outside it. ")
    else:
        why = f"Note: the parcels are checked against {name}. "
    if beyond_m > _FAR_OUTSIDE_M:
        why += (f"Parcels {beyond_m / 1000:,.1f} km out are more likely in the wrong place "
                "(another area, or coordinates in GCJ-02/BD-09 or a local grid: give "
                "source_crs= when importing) than at the edge of the boundary. ")
    return (why + f"To relax the check, open the register with a tolerance in metres: "
            f"Register(path, study_area_buffer_m={suggest}) accepts these {n} parcel(s) "
            f"(they reach up to {beyond_m:,.0f} m beyond it; tolerance now {buffer_m:g} m); "
            "pass the official boundary as study_area=<GeoDataFrame>; or switch the check "
            "off with study_area=None (CLI: zjgis reserve import "
            f"--study-area-buffer-m {suggest}, or --no-study-area)")


def resolve_study_area(spec: Any) -> StudyArea | None:
    """The study area a register checks parcels against (None: no check).

    Raises
    ------
    ReadError
        A layer name that :mod:`zjgis.layers` cannot load.  The check is never
        switched off behind the user's back (a parcel in Beijing once entered a
        Zhangjiang register that way): pass ``study_area=None`` to switch it off.
    """
    if spec is None:
        return None
    label = accuracy = None
    if isinstance(spec, str):
        try:
            from zjgis import layers

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gdf = layers.load(spec)
            for w in caught:
                log.info("study area %s: %s", spec, w.message)
            label = spec
            accuracy = gdf.attrs.get("accuracy")
        except (ImportError, AttributeError, ZjgisError, KeyError, OSError) as exc:
            msg = (f"study area {spec!r} cannot be loaded from zjgis.layers "
                   f"({type(exc).__name__}: {exc}), so parcels cannot be checked against it. "
                   "Pass the boundary as study_area=<GeoDataFrame>, another catalog layer "
                   "name, or study_area=None to register parcels without the check "
                   "(CLI: --no-study-area)")
            raise ReadError(msg) from exc
        spec = gdf
    if isinstance(spec, (gpd.GeoDataFrame, gpd.GeoSeries)):
        require_crs(spec, "study_area")
        label = label or spec.attrs.get("layer")
        accuracy = accuracy or spec.attrs.get("accuracy")
        geoms = spec.to_crs(_crs.WGS84).geometry.values
        return StudyArea(shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object))),
                          label, accuracy)
    if isinstance(spec, shapely.Geometry):
        return StudyArea(spec)
    msg = f"study_area must be a GeoDataFrame, a geometry, a layer name or None, not {type(spec)}"
    raise ValidationError(msg)


def prepare(parcels: gpd.GeoDataFrame, name: str, *, strict: bool = True,
            land_use_defaults: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Normalise input parcels: EPSG:4326, string ids, status keys, land use, declared area.

    Land use comes from ``land_use_code`` or, where a row has none, ``land_use``,
    each a 2023 code or name or an old GB 50137 / GBJ 137 code, resolved by
    :func:`zjgis.landreserve.values.land_use_code` (``land_use_defaults`` names
    the class for an ambiguous name); a value that does not resolve keeps its
    text and its reason in ``land_use_problem``.  A declared area comes from
    ``declared_area`` + ``declared_area_unit`` or ``declared_area_mu``
    (:func:`_declared`); an unreadable one has its reason in
    ``declared_area_problem``.  Other columns become free attributes (JSON).
    """
    if not isinstance(parcels, gpd.GeoDataFrame):
        msg = f"{name} must be a GeoDataFrame (got {type(parcels).__name__})"
        raise ValidationError(msg)
    require_crs(parcels, name)
    land_use_col = ("land_use" if "land_use_code" not in parcels.columns
                    and "land_use" in parcels.columns else "land_use_code")
    require_columns(parcels, ["parcel_id", land_use_col, "status"], name)
    # refused at the door, with the feature named: NaN/inf vertices, metres labelled
    # EPSG:4326, swapped lat/lon (areas would be NaN and the study-area check bypassed).
    # An import (strict=False) rejects just those rows when others are fine; a whole
    # file of them is one error naming the likely cause (a CRS to give)
    parcels, coord_problems = _coordinate_rows(parcels, name, strict=strict)
    gdf = parcels.to_crs(_crs.WGS84) if not parcels.crs.equals(_crs.WGS84) else parcels.copy()
    gdf = gdf.rename_geometry("geometry") if gdf.geometry.name != "geometry" else gdf
    gdf = gdf.reset_index(drop=True)
    out = gpd.GeoDataFrame(geometry=gdf.geometry.values, crs=_crs.WGS84)
    out["parcel_id"] = [None if missing(v) else str(v).strip() for v in gdf["parcel_id"]]
    for col in ("name", "street_town", "community", "owner", "accuracy"):
        out[col] = [None if missing(v) else str(v) for v in gdf[col]] if col in gdf else None
    given = _land_use_given(gdf)
    codes, lu_problems = land_use_codes(given, defaults=land_use_defaults)
    out["land_use_code"] = [c if c is not None else (normalize_code(v) or None)
                            for c, v in zip(codes, given, strict=True)]
    out["land_use"] = [None if c is None else LAND_USE[c] for c in codes]
    out["land_use_problem"] = lu_problems.to_numpy()
    out["status_input"] = gdf["status"].to_numpy()
    out["status"] = [normalize_status(v) for v in gdf["status"]]
    if "supply_year" in gdf:
        years = pd.to_numeric(gdf["supply_year"], errors="coerce")
        out["supply_year_bad"] = years.isna() & gdf["supply_year"].notna() & ~gdf[
            "supply_year"].astype(str).str.strip().isin(["", "nan", "None", "<NA>"])
        out["supply_year"] = years.round().astype("Int64")
    else:
        out["supply_year"] = pd.array([pd.NA] * len(gdf), dtype="Int64")
        out["supply_year_bad"] = False
    declared, bad = _declared(gdf)
    for col in DECLARED_COLUMNS:
        out[col] = declared[col]
    out["declared_area_problem"] = bad
    known = set(COLUMNS) | {"geometry", "status_zh"}
    free = [c for c in gdf.columns if c not in known]
    attrs = []
    for _, row in gdf[free].iterrows() if free else []:
        attrs.append(json.dumps({k: jsonable(v) for k, v in row.items() if not missing(v)},
                                ensure_ascii=False))
    if "attributes" in gdf:
        base = [json.loads(v) if isinstance(v, str) and v else {} for v in gdf["attributes"]]
        extra = [json.loads(a) for a in attrs] if attrs else [{}] * len(gdf)
        attrs = [json.dumps(b | e, ensure_ascii=False) for b, e in zip(base, extra, strict=True)]
    out["attributes"] = attrs if attrs else "{}"
    out["coordinate_problem"] = coord_problems
    return out


def _coordinate_rows(parcels: gpd.GeoDataFrame, name: str, *, strict: bool
                     ) -> tuple[gpd.GeoDataFrame, list[str | None]]:
    """Parcels with impossible coordinates: an error, or (import) those rows' reasons.

    With ``strict`` or when every row is affected the check raises as
    :func:`~zjgis._validate.require_lonlat_range` does; otherwise the affected rows
    lose their geometry and get the reason (its likely cause included), so the
    import rejects only them.
    """
    reasons: list[str | None] = [None] * len(parcels)
    out = parcels
    for check in (require_finite_coords, require_lonlat_range):
        try:
            check(out, name, id_column="parcel_id")
        except ZjgisError as exc:
            problems = getattr(exc, "problems", None)
            if strict or problems is None or len(set(problems["position"])) >= len(out):
                raise
            # the likely cause without the advice for a whole file ("name it with …")
            cause = str(exc).rsplit("; ", 1)[-1].split(": name it with")[0] \
                if "; " in str(exc) else ""
            out = out.copy()
            col = out.geometry.name
            for pos, why in zip(problems["position"], problems["reason"], strict=True):
                reasons[int(pos)] = f"{why}: {cause}" if cause else str(why)
                out.iloc[int(pos), out.columns.get_loc(col)] = None
    return out, reasons


def _land_use_given(gdf: pd.DataFrame) -> pd.Series:
    """Each row's land use as given: ``land_use_code``, else ``land_use`` ("" when none)."""
    n = len(gdf)

    def column(c: str) -> pd.Series:
        return pd.Series(gdf[c].to_numpy(dtype=object) if c in gdf else [None] * n, dtype=object)

    code, name = column("land_use_code"), column("land_use")
    out = code.where(~code.map(blank).to_numpy(dtype=bool), name)
    return out.where(out.notna(), "")


def _declared(gdf: pd.DataFrame) -> tuple[dict[str, list], list[str | None]]:
    """Declared area columns (亩, as written, unit) and each row's problem (or None).

    ``declared_area`` with ``declared_area_unit`` (a key or spelling, or a unit
    written after the figure) gives all three; ``declared_area_mu`` alone gives
    the value in 亩.  When both are given they must agree (to 1e-6).
    """
    n = len(gdf)
    if not any(c in gdf for c in DECLARED_COLUMNS):  # nothing declared: no per-row work
        return {"declared_area_mu": [np.nan] * n, "declared_area": [np.nan] * n,
                "declared_area_unit": [None] * n}, [None] * n

    def col(c: str) -> list:
        return gdf[c].tolist() if c in gdf else [None] * n

    out: dict[str, list] = {c: [] for c in DECLARED_COLUMNS}
    bad: list[str | None] = []
    for value, unit, mu in zip(col("declared_area"), col("declared_area_unit"),
                               col("declared_area_mu"), strict=True):
        problem = None
        got = None
        try:
            got = declared_area(value, unit)
            in_mu = declared_area(mu, "mu")
            if got is None:
                got = in_mu
            elif in_mu is not None and not np.isclose(in_mu[2], got[2], rtol=1e-6, atol=1e-9):
                problem = (f"declared_area_mu {in_mu[2]:g} disagrees with the declared area "
                           f"{got[0]:g} {got[1]} ({got[2]:g} 亩); give one of them")
        except ValidationError as exc:
            problem = str(exc)
        if got is None or problem:
            out["declared_area"].append(np.nan)
            out["declared_area_unit"].append(None)
            out["declared_area_mu"].append(np.nan)
        else:
            out["declared_area"].append(got[0])
            out["declared_area_unit"].append(got[1])
            out["declared_area_mu"].append(got[2])
        bad.append(problem)
    return out, bad


def find_problems(new: gpd.GeoDataFrame, existing: gpd.GeoDataFrame, *,
              study_area: StudyArea | None, buffer_m: float,
              sliver_m2: float, check_existing_ids: bool = True) -> pd.DataFrame:
    """Every rule violation of ``new`` (prepared) against ``existing``: row, parcel_id, problem."""
    probs: list[tuple[Any, Any, str]] = []
    ids = new["parcel_id"]
    for i in np.nonzero(ids.isna().to_numpy())[0]:
        probs.append((i, None, "missing parcel_id"))
    dup = ids.duplicated(keep=False) & ids.notna()
    for i in np.nonzero(dup.to_numpy())[0]:
        probs.append((i, ids.iloc[i], "duplicate parcel_id (appears more than once)"))
    if check_existing_ids and len(existing):
        taken = ids.isin(set(existing["parcel_id"]))
        for i in np.nonzero(taken.to_numpy())[0]:
            probs.append((i, ids.iloc[i], "parcel_id already in the register"))
    for i in np.nonzero(new["status"].isna().to_numpy())[0]:
        shown = new["status_input"].iloc[i] if "status_input" in new else None
        probs.append((i, ids.iloc[i], unknown_status_text(shown)))
    for i in np.nonzero(new["land_use"].isna().to_numpy())[0]:
        why = new["land_use_problem"].iloc[i] if "land_use_problem" in new else None
        probs.append((i, ids.iloc[i], why or f"unknown land-use code "
                      f"{new['land_use_code'].iloc[i]!r} (2023 用地用海分类指南 or SH-CYZH)"))
    if "declared_area_problem" in new:
        for i in np.nonzero(new["declared_area_problem"].notna().to_numpy())[0]:
            probs.append((i, ids.iloc[i], new["declared_area_problem"].iloc[i]))
    if "supply_year_bad" in new:
        for i in np.nonzero(new["supply_year_bad"].to_numpy())[0]:
            probs.append((i, ids.iloc[i], "supply_year is not a year"))
    geoms = np.asarray(new.geometry.values, dtype=object)
    absent = shapely.is_missing(geoms)
    ok = ~absent
    ok[ok] = ~shapely.is_empty(geoms[ok])
    said = new["coordinate_problem"].to_numpy() if "coordinate_problem" in new else \
        np.full(len(new), None)
    for i in np.nonzero(~ok)[0]:
        probs.append((i, ids.iloc[i], said[i] or "missing or empty geometry"))
    types = shapely.get_type_id(geoms)
    poly = ok & np.isin(types, [3, 6])
    for i in np.nonzero(ok & ~poly)[0]:
        probs.append((i, ids.iloc[i], f"{geoms[i].geom_type} is not a polygon: "
                      "parcels are Polygon or MultiPolygon"))
    valid = poly.copy()
    valid[poly] = shapely.is_valid(geoms[poly])
    for i in np.nonzero(poly & ~valid)[0]:
        probs.append((i, ids.iloc[i], f"invalid geometry: {shapely.is_valid_reason(geoms[i])} "
                      "(repair it, e.g. zjgis.io.read(..., repair=True))"))
    beyond_m = None
    if valid.any():
        spatial, beyond_m = _spatial_problems(new, existing, valid, study_area=study_area,
                                              buffer_m=buffer_m, sliver_m2=sliver_m2)
        probs.extend(spatial)
    df = pd.DataFrame(probs, columns=["row", "parcel_id", "problem"])
    df = df.sort_values("row", kind="stable").reset_index(drop=True)
    if beyond_m is not None:
        df.attrs["outside_beyond_m"] = beyond_m
    return df


def _spatial_problems(new, existing, valid, *, study_area, buffer_m, sliver_m2):
    probs = []
    ids = new["parcel_id"].to_numpy()
    idx = np.nonzero(valid)[0]
    metric = new.geometry.iloc[idx].to_crs(_crs.METRIC).values
    metric = np.asarray(metric, dtype=object)
    # overlaps among the new parcels
    tree = shapely.STRtree(metric)
    a, b = tree.query(metric, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a):
        area = shapely.area(shapely.intersection(metric[a], metric[b]))
        for i, j, ar in zip(a[area > sliver_m2], b[area > sliver_m2], area[area > sliver_m2],
                            strict=True):
            probs.append((idx[i], ids[idx[i]], f"overlaps {ids[idx[j]]} by {ar:,.0f} m²"))
            probs.append((idx[j], ids[idx[j]], f"overlaps {ids[idx[i]]} by {ar:,.0f} m²"))
    # overlaps with registered parcels
    if len(existing):
        eg = np.asarray(existing.geometry.values, dtype=object)
        eok = ~shapely.is_missing(eg)
        eok[eok] = shapely.is_valid(eg[eok]) & ~shapely.is_empty(eg[eok])
        if eok.any():
            emetric = np.asarray(existing.geometry[eok].to_crs(_crs.METRIC).values, dtype=object)
            eids = existing["parcel_id"].to_numpy()[eok]
            etree = shapely.STRtree(emetric)
            qa, qb = etree.query(metric, predicate="intersects")
            if len(qa):
                area = shapely.area(shapely.intersection(metric[qa], emetric[qb]))
                big = area > sliver_m2
                for i, j, ar in zip(qa[big], qb[big], area[big], strict=True):
                    probs.append((idx[i], ids[idx[i]],
                                  f"overlaps registered parcel {eids[j]} by {ar:,.0f} m²"))
    # study area: the outside area and how far the parcel reaches beyond it (farthest vertex)
    beyond_max = None
    if study_area is not None:
        sa = gpd.GeoSeries([study_area.geometry], crs=_crs.WGS84).to_crs(_crs.METRIC).values[0]
        if buffer_m:
            sa = sa.buffer(buffer_m)
        shapely.prepare(sa)
        inside = shapely.covers(sa, metric)
        if not inside.all():
            out_idx = np.nonzero(~inside)[0]
            outside = shapely.area(shapely.difference(metric[out_idx], sa))
            coords, owner = shapely.get_coordinates(metric[out_idx], return_index=True)
            beyond = np.zeros(len(out_idx))
            np.maximum.at(beyond, owner, shapely.distance(shapely.points(coords), sa))
            where = study_area.described()
            for i, ar, d in zip(out_idx, outside, beyond, strict=True):
                if ar > sliver_m2:
                    probs.append((idx[i], ids[idx[i]],
                                  f"outside the study area{where} by {ar:,.0f} m² "
                                  f"(reaching {d:,.0f} m beyond it)"))
                    beyond_max = max(beyond_max or 0.0, float(d))
    return probs, beyond_max


def summary(problems: pd.DataFrame) -> str:
    """``"P1: reason, P2: reason … and 3 more"`` from a table with parcel_id and problem."""
    return listing([f"{r.parcel_id}: {r.problem}" for r in problems.itertuples()])


def hint_suffix(problems: pd.DataFrame) -> str:
    """``". <hint>"`` when the problems carry a hint, else ``""``."""
    hint = problems.attrs.get("hint")
    return f". {hint}" if hint else ""


def validation_error(what: str, problems: pd.DataFrame) -> ValidationError:
    """One ValidationError listing the problems; ``.problems`` holds the table."""
    msg = (f"{what}: {len(problems)} problem(s) — {summary(problems)}; nothing was written"
           + hint_suffix(problems))
    return ValidationError(msg, problems.rename(columns={"row": "feature", "problem": "reason"}))


def finish(new: gpd.GeoDataFrame, when: str) -> gpd.GeoDataFrame:
    """Add areas and timestamps; return frame with COLUMNS + status_zh + geometry."""
    areas = _crs.geodesic_area(new.geometry)
    geoms = shapely.force_2d(to_multi(np.asarray(new.geometry.values, dtype=object)))
    out = gpd.GeoDataFrame(geometry=geoms, crs=_crs.WGS84)
    for col in COLUMNS:
        if col in AREA_COLUMNS:
            out[col] = areas[col].to_numpy()
        elif col == "updated_at":
            out[col] = when
        else:
            out[col] = new[col].to_numpy()
    out["supply_year"] = out["supply_year"].astype("Int64")
    out["status_zh"] = out["status"].map(STATUS_ZH)
    return out[list(COLUMNS) + ["status_zh", "geometry"]]


