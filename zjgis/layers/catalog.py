"""The layer catalog: list, load (cached), describe and replace the science city's layers.

Every layer comes from one of three places, checked in this order:

1. a file registered in this session with :func:`use` (``zjgis.layers.use("science_city_2022",
   "bureau/zjsc_220.gpkg", accuracy="official", source="区规划资源局 2024")``);
2. a folder of overrides named by the environment variable ``ZJGIS_LAYER_DIR``,
   holding ``<name>.geojson``, ``<name>.gpkg`` or ``<name>.shp`` and, optionally,
   a sidecar ``<name>.provenance.json`` with the keys ``accuracy``, ``source``,
   ``licence``, ``source_crs``, ``columns`` (a renaming ``{"file column": "name"}``),
   ``date`` and ``note``;
3. the file shipped in ``data/boundaries/`` (provenance in ``layers.json`` and
   ``PROVENANCE.md`` there).

So a planner replaces a shipped layer by the bureau's authoritative file without
changing code, and :func:`list_layers` then reports the new source and accuracy.

Loaded layers are cached (keyed by file, modification time, size and options);
:func:`load` returns a copy, so a caller that edits its frame cannot corrupt
what the next caller gets.

Examples
--------
>>> from zjgis import layers
>>> towns = layers.load("streets_towns")          # the real OSM street/town polygons
>>> towns.attrs["accuracy"], len(towns)
('derived', 46)
>>> int((towns["district"] == "浦东新区").sum()), int(towns["expansion_11"].sum())
(36, 11)
>>> "OpenStreetMap contributors" in towns.attrs["licence"]
True
>>> layers.load("science_city_2022").attrs["accuracy"]
'schematic'
"""

from __future__ import annotations

import copy
import json
import os
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis._data import data_path
from zjgis._log import get_logger
from zjgis._validate import require_columns, require_geom_types, require_not_empty
from zjgis.errors import ReadError, SchematicDataWarning, ValidationError
from zjgis.layers._registry import (
    ACCURACY_CLASSES,
    SPECS,
    LayerSpec,
    layer_key,
    worst_accuracy,
)

__all__ = [
    "LAYER_DIR_ENV",
    "data_dir",
    "list_layers",
    "load",
    "info",
    "use",
    "reset",
    "clear_cache",
    "layer_names",
]

log = get_logger(__name__)

#: Environment variable naming a folder of override files ``<name>.geojson|.gpkg|.shp``.
LAYER_DIR_ENV = "ZJGIS_LAYER_DIR"
_OVERRIDE_SUFFIXES = (".geojson", ".gpkg", ".shp", ".json", ".fgb", ".zip")
_SIDECAR_SUFFIX = ".provenance.json"
_SIDECAR_KEYS = {"accuracy", "source", "licence", "license", "source_crs", "columns", "date",
                 "note", "layer"}


def data_dir() -> Path:
    """Return the folder of the shipped layers (``data/boundaries`` of the repository).

    ``ZJGIS_DATA_DIR`` may name another data root (an installed copy of the
    data); the layers are then read from its ``boundaries/`` folder.
    """
    return data_path("boundaries")


def layer_names() -> list[str]:
    """Names of every layer the catalog knows (available or not)."""
    return list(SPECS)


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class _Source:
    """Where a layer comes from and what is said about it."""

    name: str
    path: Path
    origin: str  # "shipped", "use()", "ZJGIS_LAYER_DIR"
    accuracy: str | None = None
    source: str | None = None
    licence: str | None = None
    source_crs: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    layer: str | None = None
    repair: bool = False
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def key(self) -> tuple:
        try:
            st = self.path.stat()
            stamp: tuple[int | None, int | None] = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = (None, None)
        return (str(self.path), stamp, self.origin, self.accuracy, self.source, self.licence,
                self.source_crs, self.columns, self.layer, self.repair)


_LOCK = threading.RLock()
_OVERRIDES: dict[str, _Source] = {}
_CACHE: dict[str, tuple[tuple, gpd.GeoDataFrame]] = {}
_SHIPPED_META: dict[str, Any] = {}
_SHIPPED_META_STAMP: list[Any] = [None]


def _spec(name: str) -> LayerSpec:
    try:
        return SPECS[name]
    except KeyError:
        known = ", ".join(f"{n} ({s.title_zh})" for n, s in SPECS.items())
        msg = f"unknown layer {name!r}; the catalog has: {known}"
        raise ValidationError(msg) from None


def _name(name: str) -> str:
    """The catalog name of ``name``, its 中文标题 or a short Chinese name (街镇); else as given."""
    return layer_key(name) or name


def _check_accuracy(value: str, where: str) -> str:
    if value not in ACCURACY_CLASSES:
        msg = (f"{where}: accuracy {value!r} is not one of {', '.join(ACCURACY_CLASSES)}")
        raise ValidationError(msg)
    return value


def _shipped_meta() -> dict[str, Any]:
    path = data_dir() / "layers.json"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    with _LOCK:
        if _SHIPPED_META_STAMP[0] != stamp:
            _SHIPPED_META.clear()
            _SHIPPED_META.update(json.loads(path.read_text(encoding="utf-8")).get("layers", {}))
            _SHIPPED_META_STAMP[0] = stamp
        return dict(_SHIPPED_META)


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: could not read the provenance sidecar ({exc})"
        raise ReadError(msg) from None
    if not isinstance(meta, dict):
        msg = f"{path}: the provenance sidecar must be a JSON object"
        raise ValidationError(msg)
    unknown = set(meta) - _SIDECAR_KEYS
    if unknown:
        msg = (f"{path}: unknown key(s) {', '.join(sorted(unknown))}; allowed: "
               f"{', '.join(sorted(_SIDECAR_KEYS))}")
        raise ValidationError(msg)
    return meta


def _env_source(name: str) -> _Source | None:
    folder = os.environ.get(LAYER_DIR_ENV)
    if not folder:
        return None
    folder_path = Path(folder)
    if not folder_path.is_dir():
        msg = f"{LAYER_DIR_ENV}={folder!r} is not a folder"
        raise ReadError(msg)
    for suffix in _OVERRIDE_SUFFIXES:
        path = folder_path / f"{name}{suffix}"
        if path.exists():
            sidecar = folder_path / f"{name}{_SIDECAR_SUFFIX}"
            meta = _read_sidecar(sidecar) if sidecar.exists() else {}
            extra = tuple((k, meta[k]) for k in ("date", "note") if k in meta)
            return _Source(
                name=name,
                path=path,
                origin=LAYER_DIR_ENV,
                accuracy=meta.get("accuracy"),
                source=meta.get("source"),
                licence=meta.get("licence", meta.get("license")),
                source_crs=meta.get("source_crs"),
                columns=tuple(sorted((meta.get("columns") or {}).items())),
                layer=meta.get("layer"),
                extra=extra,
            )
    return None


def _resolve(name: str) -> _Source | None:
    _spec(name)
    with _LOCK:
        if name in _OVERRIDES:
            return _OVERRIDES[name]
    env = _env_source(name)
    if env is not None:
        return env
    meta = _shipped_meta().get(name)
    if meta is None:
        return None
    return _Source(
        name=name,
        path=data_dir() / meta["file"],
        origin="shipped",
        accuracy=meta["accuracy"],
        source=meta["source"],
        licence=meta["licence"],
        source_crs=None,  # shipped files are WGS-84; conversions are recorded in layers.json
        extra=tuple((k, v) for k, v in meta.items()
                    if k not in {"file", "accuracy", "source", "licence"}),
    )


# --------------------------------------------------------------------------- loading


def _read_and_normalize(src: _Source) -> gpd.GeoDataFrame:
    spec = _spec(src.name)
    label = f"layer {src.name!r} ({src.path})"
    if not src.path.exists():
        msg = f"{label}: file not found"
        raise ReadError(msg)
    gdf = _io.read(src.path, src.layer, source_crs=src.source_crs, repair=src.repair)
    read_attrs = dict(gdf.attrs)
    if src.columns:
        gdf = gdf.rename(columns=dict(src.columns))
    require_not_empty(gdf, label)
    if gdf.crs is None:  # pragma: no cover - io.read refuses files without CRS
        msg = f"{label} has no CRS"
        raise ValidationError(msg)
    if not gdf.crs.equals(_crs.WGS84):
        log.info("%s: reprojecting %s -> EPSG:4326", label, gdf.crs.to_string())
        gdf = gdf.to_crs(_crs.WGS84)
    require_geom_types(
        gdf, spec.geom_types, label, id_column=spec.id_column,
        hint=f"the {spec.name} layer holds {' or '.join(spec.geom_types)} features",
    )
    require_columns(gdf, spec.columns, label + " (rename columns with use(..., columns={...}) "
                    "or the sidecar key 'columns')")

    # accuracy: explicit declaration > a uniform, valid column in the file > 'official'
    declared = src.accuracy
    if declared is None and "accuracy" in gdf.columns:
        values = set(gdf["accuracy"].dropna().astype(str))
        if len(values) == 1 and values <= set(ACCURACY_CLASSES):
            declared = values.pop()
        elif values and values <= set(ACCURACY_CLASSES):
            # mixed per-feature classes: the layer is as good as its worst feature
            declared = worst_accuracy(values)
    if declared is None:
        declared = "official"
        log.info("%s: no accuracy declared; assuming 'official' (a replacement file)", label)
    _check_accuracy(declared, label)
    if src.accuracy is not None or "accuracy" not in gdf.columns:
        gdf["accuracy"] = declared
    else:
        bad = ~gdf["accuracy"].isin(ACCURACY_CLASSES)
        if bad.any():
            msg = (f"{label}: column 'accuracy' has values outside {ACCURACY_CLASSES}: "
                   f"{sorted(set(gdf.loc[bad, 'accuracy'].astype(str)))[:5]}")
            raise ValidationError(msg)

    user = src.origin != "shipped"
    source = src.source or (f"user file {src.path}" if user else "unknown")
    licence = src.licence or ("unknown (user file)" if user else "unknown")
    attrs: dict[str, Any] = {
        "layer": spec.name,
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "kind": spec.kind,
        "accuracy": declared,
        "source": source,
        "licence": licence,
        "origin": src.origin,
        "path": str(src.path),
        "source_crs": src.source_crs or "WGS-84",
        "coordinate_conversions": list(read_attrs.get("coordinate_conversions", [])),
    }
    for key, value in src.extra:
        if key == "coordinate_conversions":
            attrs[key] = list(value) + attrs[key]
        else:
            attrs.setdefault(key, value)
    gdf.attrs = attrs
    log.info("loaded layer %s: %d features (%s, %s)", spec.name, len(gdf), declared, src.origin)
    return gdf


def _fresh_copy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy(deep=True)
    out.attrs = copy.deepcopy(gdf.attrs)
    return out


def load(name: str, *, warn_schematic: bool = False) -> gpd.GeoDataFrame:
    """Load a layer as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    name : str
        Layer name, one of :func:`layer_names` (``"districts"``, ``"science_city_2022"`` …),
        its Chinese title or a short Chinese name (``"街镇"``, ``"车站"``, ``"产业社区"``).
    warn_schematic : bool
        Emit a :class:`~zjgis.errors.SchematicDataWarning` when the layer is
        schematic.  Off by default: the accuracy class is on every feature and
        in ``attrs`` (label, don't nag).

    Returns
    -------
    geopandas.GeoDataFrame
        A fresh copy (edit it freely) in EPSG:4326 with the layer's key columns
        and an ``accuracy`` column (official / derived / schematic / sample) on
        every feature.  ``attrs`` holds ``layer``, ``title_zh``, ``title_en``,
        ``kind``, ``accuracy``, ``source``, ``licence``, ``origin`` (shipped,
        use(), ZJGIS_LAYER_DIR), ``path``, ``source_crs`` and
        ``coordinate_conversions``.

    Raises
    ------
    ValidationError
        Unknown layer name; a replacement file lacks key columns or declares
        an unknown accuracy class.
    ReadError
        The file is missing or unreadable (shipped layer not built: run
        ``scripts/make_boundaries.py``).
    GeometryError
        A replacement file holds the wrong geometry type or no features.

    Notes
    -----
    Parsed layers are cached per process; the cache key includes the file's
    modification time and size, so an edited file is re-read.  Loading all
    layers cold takes well under a second, cached a few milliseconds (see
    ``benchmarks/bench_layers.py``).
    """
    name = _name(name)
    src = _resolve(name)
    if src is None:
        msg = (f"layer {name!r} is not available: it is not shipped in {data_dir()} and no "
               f"override is set (zjgis.layers.use or {LAYER_DIR_ENV})")
        raise ReadError(msg)
    key = src.key()
    with _LOCK:
        hit = _CACHE.get(name)
        if hit is not None and hit[0] == key:
            gdf = hit[1]
        else:
            gdf = _read_and_normalize(src)
            _CACHE[name] = (key, gdf)
    if warn_schematic and gdf.attrs["accuracy"] == "schematic":
        warnings.warn(
            f"layer {name!r} is schematic ({gdf.attrs['source']}); do not use it for official "
            "areas or boundaries",
            SchematicDataWarning,
            stacklevel=2,
        )
    return _fresh_copy(gdf)


def use(
    name: str,
    path: str | os.PathLike | None,
    *,
    accuracy: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    source_crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    layer: str | None = None,
    repair: bool = False,
    validate: bool = True,
) -> None:
    """Replace a layer by a file for the rest of the session (e.g. the bureau's boundary).

    Parameters
    ----------
    name : str
        Layer name (see :func:`layer_names`).
    path : str or path-like or None
        GeoJSON, GeoPackage, Shapefile (or zipped), FlatGeobuf.  ``None``
        removes the override (same as ``reset(name)``).
    accuracy : {"official", "derived", "schematic", "sample"}, optional
        What the file is.  Default: the file's own uniform ``accuracy``
        column if it has one, else ``"official"`` (use() is meant for
        authoritative files — say otherwise when it is not).
    source, licence : str, optional
        Provenance shown by :func:`list_layers`; default ``"user file <path>"``
        and ``"unknown (user file)"``.
    source_crs : str, optional
        The frame the coordinates are really in: ``"GCJ-02"``/``"BD-09"``
        files (Amap, Baidu exports) are converted to WGS-84 by
        :func:`zjgis.crs.convert`; an EPSG code is set for files without a CRS.
    columns : mapping, optional
        Renaming of the file's columns to the catalog's (``{"MC": "name"}``).
    layer : str, optional
        Layer inside a multi-layer GeoPackage.
    repair : bool
        Repair invalid geometries with :func:`shapely.make_valid`.
    validate : bool
        Load the file now, so a bad file fails here and not in a later cell.

    Raises
    ------
    ValidationError, ReadError, GeometryError, CRSError
        When ``validate`` and the file cannot serve as this layer (the
        previous source stays in place).
    """
    name = _name(name)
    _spec(name)
    if path is None:
        reset(name)
        return
    if accuracy is not None:
        _check_accuracy(accuracy, f"use({name!r})")
    src = _Source(
        name=name,
        path=Path(path).resolve(),
        origin="use()",
        accuracy=accuracy,
        source=source,
        licence=licence,
        source_crs=source_crs,
        columns=tuple(sorted((columns or {}).items())),
        layer=layer,
        repair=repair,
    )
    if validate:
        gdf = _read_and_normalize(src)
    with _LOCK:
        _OVERRIDES[name] = src
        if validate:
            _CACHE[name] = (src.key(), gdf)
        else:
            _CACHE.pop(name, None)
    log.info("layer %s now comes from %s", name, src.path)


def reset(name: str | None = None) -> None:
    """Forget :func:`use` overrides (one layer, or all) and clear the cache.

    ``ZJGIS_LAYER_DIR`` overrides stay in force while the variable is set.
    """
    name = _name(name) if name is not None else None
    with _LOCK:
        if name is None:
            _OVERRIDES.clear()
            _CACHE.clear()
        else:
            _spec(name)
            _OVERRIDES.pop(name, None)
            _CACHE.pop(name, None)


def clear_cache() -> None:
    """Drop parsed layers from memory (overrides stay)."""
    with _LOCK:
        _CACHE.clear()


def _available() -> list[str]:
    return [n for n in SPECS if _resolve(n) is not None]


def list_layers() -> pd.DataFrame:
    """The catalog: one row per available layer.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``title_zh``, ``title_en``, ``kind``, ``accuracy``,
        ``source``, ``licence``, ``feature_count``, ``origin`` (shipped /
        use() / ZJGIS_LAYER_DIR) and ``path``.  Layers are loaded (and cached)
        to count features; a replacement file that cannot be read is listed
        with ``feature_count`` missing and the error in ``problem``.
    """
    rows = []
    for name in _available():
        spec = SPECS[name]
        src = _resolve(name)
        assert src is not None
        row: dict[str, Any] = {
            "name": name,
            "title_zh": spec.title_zh,
            "title_en": spec.title_en,
            "kind": spec.kind,
        }
        try:
            gdf = load(name)
        except Exception as exc:  # noqa: BLE001 - shown to the planner, not swallowed
            row.update(accuracy=src.accuracy, source=src.source, licence=src.licence,
                       feature_count=pd.NA, origin=src.origin, path=str(src.path),
                       problem=f"{type(exc).__name__}: {exc}")
        else:
            a = gdf.attrs
            row.update(accuracy=a["accuracy"], source=a["source"], licence=a["licence"],
                       feature_count=len(gdf), origin=a["origin"], path=a["path"], problem="")
        rows.append(row)
    cols = ["name", "title_zh", "title_en", "kind", "accuracy", "source", "licence",
            "feature_count", "origin", "path", "problem"]
    out = pd.DataFrame(rows, columns=cols)
    out["feature_count"] = out["feature_count"].astype("Int64")
    return out


def info(name: str) -> dict[str, Any]:
    """Everything the catalog knows about one layer.

    Returns
    -------
    dict
        The ``attrs`` of :func:`load` plus ``feature_count``, ``columns``,
        ``geometry_types``, ``bounds`` (lon/lat min/max) and, for polygon
        layers, ``area_km2`` (geodesic total on the WGS-84 ellipsoid).
    """
    name = _name(name)
    gdf = load(name)
    out = dict(gdf.attrs)
    out["name"] = name
    out["feature_count"] = len(gdf)
    out["columns"] = [c for c in gdf.columns if c != gdf.geometry.name]
    out["geometry_types"] = sorted(set(gdf.geometry.geom_type))
    out["bounds"] = tuple(round(float(v), 6) for v in gdf.total_bounds)
    if SPECS[name].geom_types[0] == "Polygon":
        out["area_km2"] = round(float(_crs.geodesic_area(gdf, name=name)["area_km2"].sum()), 3)
    return out
