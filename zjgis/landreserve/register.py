"""The land-reserve parcel register (土地储备台账): a GeoPackage with a lifecycle and a history.

A register is one ``.gpkg`` file — the GIS world's SQLite database, opened by
QGIS and ArcGIS as it is — holding three tables:

``parcels``
    one feature per parcel (MultiPolygon, EPSG:4326) with the columns
    :data:`COLUMNS`; free attributes are kept as JSON text in ``attributes``.
``history``
    one row per change: ``parcel_id``, ``action`` (add / update / transition /
    remove), ``changed_at`` (the date the change took effect), ``recorded_at``
    (when it was written), ``user``, ``before`` and ``after`` (JSON of the fields
    that changed), ``note`` and ``snapshot`` (JSON of the whole record after the
    change, geometry as WKB hex) from which :meth:`Register.as_of` rebuilds the
    register at any past date.
``metadata``
    ``key``/``value`` rows: ``schema_version``, ``created_at``, ``created_by``.

Every write is one SQLite transaction started with ``BEGIN IMMEDIATE``: a process
killed in the middle leaves the file as it was (SQLite's rollback journal), and a
second writer waits for the first (up to ``timeout_s``) and then gets
:class:`~zjgis.errors.RegisterBusyError`.  Validation runs inside the write lock,
so two planners cannot add overlapping parcels at the same moment.

Lifecycle (:data:`TRANSITIONS`)::

    pre_acquisition 预收储 → acquired 收储 → reserved 储备 → supplied 供应/出让
        → under_construction 在建 → in_production 投产
    supplied → reserved   (收回: idle supplied land taken back into the reserve)
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import sqlite3
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis._log import get_logger
from zjgis._validate import require_columns, require_crs
from zjgis.errors import (
    DataQualityWarning,
    LifecycleError,
    ReadError,
    RegisterBusyError,
    ValidationError,
    WriteError,
    ZjgisError,
)
from zjgis.landreserve import _gpkg
from zjgis.landreserve.landuse import LAND_USE, normalize_code

__all__ = [
    "STATUSES",
    "STATUS_ZH",
    "STATUS_EN",
    "STATUS_COLOURS",
    "NOT_SUPPLIED",
    "TRANSITIONS",
    "COLUMNS",
    "SCHEMA_VERSION",
    "Register",
    "ImportReport",
    "normalize_status",
]

log = get_logger(__name__)

#: Lifecycle statuses, in order.
STATUSES: tuple[str, ...] = (
    "pre_acquisition",
    "acquired",
    "reserved",
    "supplied",
    "under_construction",
    "in_production",
)
#: Chinese display labels of the statuses.
STATUS_ZH: dict[str, str] = {
    "pre_acquisition": "预收储",
    "acquired": "收储",
    "reserved": "储备",
    "supplied": "供应（出让）",
    "under_construction": "在建",
    "in_production": "投产",
}
#: English display labels of the statuses.
STATUS_EN: dict[str, str] = {
    "pre_acquisition": "pre-acquisition",
    "acquired": "acquired",
    "reserved": "reserved",
    "supplied": "supplied (land sold)",
    "under_construction": "under construction",
    "in_production": "in production",
}
#: Statuses of land the reserve still holds, not yet supplied (预收储, 收储, 储备).
NOT_SUPPLIED: tuple[str, ...] = STATUSES[:3]
#: Map colours of the statuses (sequential: light = early, dark = producing).
STATUS_COLOURS: dict[str, str] = {
    "pre_acquisition": "#fee391",
    "acquired": "#fec44f",
    "reserved": "#fe9929",
    "supplied": "#41b6c4",
    "under_construction": "#2c7fb8",
    "in_production": "#253494",
}
#: Allowed transitions: status -> set of statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pre_acquisition": frozenset({"acquired"}),
    "acquired": frozenset({"reserved"}),
    "reserved": frozenset({"supplied"}),
    "supplied": frozenset({"under_construction", "reserved"}),
    "under_construction": frozenset({"in_production"}),
    "in_production": frozenset(),
}
#: Columns of the parcels table and of every frame the register returns (plus geometry).
COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "name",
    "street_town",
    "community",
    "land_use_code",
    "land_use",
    "status",
    "supply_year",
    "area_m2",
    "area_ha",
    "area_mu",
    "owner",
    "accuracy",
    "attributes",
    "updated_at",
)
_TEXT = ("parcel_id", "name", "street_town", "community", "land_use_code", "land_use",
         "status", "owner", "accuracy", "attributes", "updated_at")
_EDITABLE = ("name", "street_town", "community", "land_use_code", "supply_year", "owner",
             "accuracy", "geometry")
SCHEMA_VERSION = 1
_STATUS_FROM_ZH = {v: k for k, v in STATUS_ZH.items()} | {"供应": "supplied", "出让": "supplied"}


def normalize_status(value: object) -> str | None:
    """Return the status key for a key or Chinese label (``"储备"`` → ``"reserved"``), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in TRANSITIONS:
        return text
    return _STATUS_FROM_ZH.get(text)


def _iso(when: _dt.date | _dt.datetime | str | None, *, end_of_day: bool = False) -> str:
    if when is None:
        return _dt.datetime.now().replace(microsecond=0).isoformat()
    if isinstance(when, str):
        try:
            when = _dt.datetime.fromisoformat(when) if "T" in when or " " in when else (
                _dt.date.fromisoformat(when))
        except ValueError as exc:
            msg = f"cannot read date {when!r}; use ISO format, e.g. '2025-03-31'"
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


@dataclass
class ImportReport:
    """What :meth:`Register.import_parcels` accepted and rejected.

    Attributes
    ----------
    accepted : geopandas.GeoDataFrame
        Parcels added to the register (as stored, with areas).
    rejected : pandas.DataFrame
        One row per rejected input row: ``row`` (position in the file, 0-based),
        ``parcel_id``, ``reason`` (all reasons joined with "; ").
    source : str
        The file read.
    hint : str
        How to act on the rejections, when zjgis knows (e.g. parcels outside a
        schematic study area: how to relax the check); empty otherwise.
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    source: str
    hint: str = ""

    def __str__(self) -> str:
        text = (f"{self.source}: {len(self.accepted)} parcel(s) accepted, "
                f"{len(self.rejected)} rejected")
        return f"{text}. {self.hint}" if self.hint else text


class Register:
    """A land-reserve parcel register stored in a GeoPackage.

    Open an existing register with ``Register(path)``; create a new one with
    :meth:`Register.create`.

    Parameters
    ----------
    path : str or path-like
        The ``.gpkg`` file.
    user : str, optional
        Name recorded in the history (default: the login name).
    timeout_s : float
        Seconds a write waits for another writer before raising
        :class:`~zjgis.errors.RegisterBusyError` (default 10).
    study_area : GeoDataFrame, GeoSeries, shapely geometry, str or None
        Parcels must lie inside it.  The default ``"science_city_2022"`` loads that
        layer from :mod:`zjgis.layers` when the catalog is available.  That
        boundary is **schematic** (the 2017 outline grown to ~220 km², not the
        surveyed 扩区 boundary), so real parcels near its edge can fall outside
        it: pass ``study_area_buffer_m`` to allow for it, the official boundary
        as a GeoDataFrame, or ``None`` to switch the check off.  A GeoDataFrame
        or geometry (EPSG:4326 if no CRS) replaces the default.  The error for
        parcels outside says which of these applies and suggests a tolerance.
    study_area_buffer_m : float
        Tolerance in metres around the study area (default 0).
    sliver_m2 : float
        Overlaps up to this area (m², planar in EPSG:32651) are slivers from
        digitising and are accepted (default 1 m²).
    check_on_open : bool
        Re-validate the stored parcels on open (default True); problems are kept in
        :attr:`problems` and announced with a :class:`~zjgis.errors.DataQualityWarning`.

    Raises
    ------
    ReadError
        The file does not exist or is not a zjgis register.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        user: str | None = None,
        timeout_s: float = 10.0,
        study_area: Any = "science_city_2022",
        study_area_buffer_m: float = 0.0,
        sliver_m2: float = 1.0,
        check_on_open: bool = True,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            msg = f"{self.path}: no register here; create one with Register.create(path)"
            raise ReadError(msg)
        self.user = user or _login()
        self.timeout_s = float(timeout_s)
        self.sliver_m2 = float(sliver_m2)
        self.study_area_buffer_m = float(study_area_buffer_m)
        self._study_area_spec = study_area
        self._study_area_cache: Any = _UNSET
        self._con = self._connect()
        self._check_schema()
        self.problems: pd.DataFrame = pd.DataFrame(columns=["parcel_id", "problem"])
        if check_on_open:
            self.problems = self.check()
            if len(self.problems):
                warnings.warn(
                    f"{self.path}: {len(self.problems)} problem(s) in the stored parcels "
                    f"(edited outside zjgis?) — {_summary(self.problems)}; "
                    "see Register.problems" + _hint_suffix(self.problems),
                    DataQualityWarning,
                    stacklevel=2,
                )

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, path: str | Path, *, overwrite: bool = False, **options: Any) -> Register:
        """Create an empty register at ``path`` and open it.

        Parameters
        ----------
        path : str or path-like
            The new ``.gpkg`` file.
        overwrite : bool
            Replace an existing file (default False: raise).
        **options
            Passed to :class:`Register` (``user``, ``study_area`` …).

        Raises
        ------
        WriteError
            The file exists and ``overwrite`` is False, or it cannot be written.
        """
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            msg = f"{path}: a register is a GeoPackage; use the .gpkg suffix"
            raise WriteError(msg)
        user = options.get("user") or _login()
        with _io.atomic_write(path, overwrite=overwrite) as tmp:
            tmp.unlink()
            _create_file(tmp, user)
        log.info("created register %s", path)
        return cls(path, **options)

    # ------------------------------------------------------------------ plumbing
    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
        return con

    def close(self) -> None:
        """Close the database connection."""
        self._con.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Register({str(self.path)!r}, parcels={len(self)})"

    def __len__(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM parcels").fetchone()[0])

    def _check_schema(self) -> None:
        try:
            tables = {r[0] for r in self._con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            msg = f"{self.path} is not a GeoPackage/SQLite file ({exc})"
            raise ReadError(msg) from exc
        missing = {"parcels", "history", "metadata"} - tables
        if missing:
            msg = (f"{self.path} is not a zjgis register "
                   f"(no table(s) {', '.join(sorted(missing))});"
                   " import its parcels into a new register with Register.import_parcels")
            raise ReadError(msg)
        meta = dict(self._con.execute("SELECT key, value FROM metadata").fetchall())
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            msg = (f"{self.path} has register schema {version}, newer than this zjgis "
                   f"understands ({SCHEMA_VERSION}); upgrade zjgis")
            raise ReadError(msg)
        self.metadata = meta

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error)."""
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                msg = (f"{self.path} is busy: another process has been writing to it for more "
                       f"than {self.timeout_s:g} s; try again, or open it with a longer timeout_s")
                raise RegisterBusyError(msg) from exc
            raise
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    @property
    def study_area(self) -> shapely.Geometry | None:
        """The study-area polygon (EPSG:4326) parcels must lie in, or None when unchecked."""
        area = self._study_area_resolved()
        return None if area is None else area.geometry

    def _study_area_resolved(self) -> _StudyArea | None:
        if self._study_area_cache is _UNSET:
            self._study_area_cache = _resolve_study_area(self._study_area_spec)
        return self._study_area_cache

    # ------------------------------------------------------------------ reading
    def _read_rows(self, where: str = "", params: tuple = ()) -> gpd.GeoDataFrame:
        cols = ", ".join(COLUMNS)
        rows = self._con.execute(
            f"SELECT geom, {cols} FROM parcels {where} ORDER BY fid", params).fetchall()
        return _frame_from_rows(rows)

    def parcels(self, *, status: str | list[str] | None = None) -> gpd.GeoDataFrame:
        """Return the current parcels.

        Parameters
        ----------
        status : str or list of str, optional
            Keep only these statuses.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns :data:`COLUMNS` (``supply_year`` as nullable integer, areas in
            m², ha and 亩) plus ``status_zh`` and ``geometry`` (EPSG:4326).
        """
        gdf = self._read_rows()
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            gdf = gdf[gdf["status"].isin(wanted)].reset_index(drop=True)
        return gdf

    def get(self, parcel_id: str) -> pd.Series:
        """Return one parcel as a Series; raise ValidationError if it is not registered."""
        gdf = self._read_rows("WHERE parcel_id = ?", (parcel_id,))
        if gdf.empty:
            msg = f"{self.path}: no parcel {parcel_id!r}"
            raise ValidationError(msg)
        return gdf.iloc[0]

    def history(self, parcel_id: str | None = None) -> pd.DataFrame:
        """Return the change history, oldest first.

        Parameters
        ----------
        parcel_id : str, optional
            Only this parcel's changes.

        Returns
        -------
        pandas.DataFrame
            Columns ``parcel_id``, ``action``, ``changed_at``, ``recorded_at``,
            ``user``, ``before`` and ``after`` (dicts of the changed fields;
            geometry as WKT) and ``note``.
        """
        sql = ("SELECT parcel_id, action, changed_at, recorded_at, user, before, after, note "
               "FROM history")
        params: tuple = ()
        if parcel_id is not None:
            sql += " WHERE parcel_id = ?"
            params = (parcel_id,)
        sql += " ORDER BY changed_at, fid"
        df = pd.DataFrame(self._con.execute(sql, params).fetchall(),
                          columns=["parcel_id", "action", "changed_at", "recorded_at", "user",
                                   "before", "after", "note"])
        for col in ("before", "after"):
            df[col] = [json.loads(v) if isinstance(v, str) and v else None for v in df[col]]
        return df

    def as_of(self, date: _dt.date | _dt.datetime | str) -> gpd.GeoDataFrame:
        """Rebuild the register as it stood at the end of ``date``.

        Parameters
        ----------
        date : date, datetime or ISO string
            A date means the end of that day; a datetime that instant.

        Returns
        -------
        geopandas.GeoDataFrame
            Same columns as :meth:`parcels`, with the values each parcel had then;
            parcels added later (or removed before) are absent.

        Notes
        -----
        For each parcel the history row with the latest ``changed_at`` (ties: the
        later written) not after ``date`` holds the full record in ``snapshot``; one
        SQL window query picks them, so the cost grows with the number of changes
        only through SQLite's index scan.
        """
        cutoff = _iso(date, end_of_day=True)
        records = [json.loads(snap) for _, action, snap in self._latest_changes(cutoff)
                   if action != "remove"]
        gdf = _frame_from_records(records)
        gdf = gdf.sort_values("parcel_id", kind="stable").reset_index(drop=True)
        gdf.attrs["as_of"] = cutoff
        return gdf

    # ------------------------------------------------------------------ validation
    def check(self) -> pd.DataFrame:
        """Re-validate the stored parcels (e.g. after someone edited the file in QGIS).

        Returns
        -------
        pandas.DataFrame
            Columns ``parcel_id`` and ``problem``; empty when everything fits.
            Reports invalid or missing geometries, overlaps, unknown statuses or
            land-use codes, duplicate ids, parcels outside the study area, stale
            areas and rows that differ from their last history entry (edited
            outside zjgis, so the change is not in the history).
        """
        gdf = self._read_rows()
        stored = gdf.copy()
        stored["status_input"] = gdf["status"]
        stored["status"] = [normalize_status(v) for v in gdf["status"]]
        stored["land_use"] = [LAND_USE.get(normalize_code(c)) for c in gdf["land_use_code"]]
        problems = self._rule_problems(stored, None)
        extra = []
        ok = gdf.geometry.notna().to_numpy() & ~gdf.geometry.is_empty.to_numpy()
        if ok.any():
            area = _crs.geodesic_area(gdf[ok])["area_m2"].to_numpy()
            stored = pd.to_numeric(gdf.loc[ok, "area_m2"], errors="coerce").to_numpy()
            stale = ~(np.abs(area - stored) <= np.maximum(1.0, 0.001 * area))
            for pid, a, s in zip(gdf.loc[ok, "parcel_id"][stale], area[stale], stored[stale],
                                 strict=True):
                extra.append({"parcel_id": pid, "problem":
                              f"area_m2 {s:,.0f} differs from the geometry's {a:,.0f} m² "
                              "(geometry edited outside zjgis?)"})
        last = {pid: json.loads(snap) for pid, _, snap in self._latest_changes()}
        if len(gdf):
            for row in gdf.itertuples(index=False):
                snap = last.get(row.parcel_id)
                if snap is None:
                    extra.append({"parcel_id": row.parcel_id,
                                  "problem": "not in the history (added outside zjgis)"})
                    continue
                changed = [c for c in ("status", "land_use_code", "supply_year", "name",
                                       "street_town", "community")
                           if not _same(getattr(row, c), snap.get(c))]
                geom_snap = snap.get("geometry_wkb")
                if row.geometry is not None and geom_snap and not shapely.equals_exact(
                        row.geometry, shapely.from_wkb(bytes.fromhex(geom_snap)), 1e-9):
                    changed.append("geometry")
                if changed:
                    extra.append({"parcel_id": row.parcel_id, "problem":
                                  f"{', '.join(changed)} changed outside zjgis (not in history)"})
        out = pd.concat(
            [problems[["parcel_id", "problem"]] if len(problems) else None,
             pd.DataFrame(extra, columns=["parcel_id", "problem"]) if extra else None]
            if (len(problems) or extra) else [pd.DataFrame(columns=["parcel_id", "problem"])],
            ignore_index=True,
        )
        if problems.attrs.get("hint"):
            out.attrs["hint"] = problems.attrs["hint"]
        if len(out):
            log.info("%s: %d problem(s) on re-validation", self.path, len(out))
        return out

    def _latest_changes(self, cutoff: str | None = None) -> list[tuple[str, str, str]]:
        """``(parcel_id, action, snapshot)`` of each parcel's last change (up to ``cutoff``).

        The last change is the latest ``changed_at``, ties broken by the later write.
        """
        where, params = ("WHERE changed_at <= ?", (cutoff,)) if cutoff else ("", ())
        return self._con.execute(
            f"""
            SELECT parcel_id, action, snapshot FROM (
                SELECT parcel_id, action, snapshot, ROW_NUMBER() OVER (
                    PARTITION BY parcel_id ORDER BY changed_at DESC, fid DESC) AS rn
                FROM history {where})
            WHERE rn = 1
            """,
            params,
        ).fetchall()

    def validate(self, parcels: gpd.GeoDataFrame) -> pd.DataFrame:
        """Check parcels against the rules of :meth:`add` without writing anything.

        Returns
        -------
        pandas.DataFrame
            Columns ``row`` (position in ``parcels``), ``parcel_id``, ``problem``;
            empty when :meth:`add` would accept every parcel.
        """
        return self._rule_problems(_prepare(parcels, "parcels"), self._read_rows())

    # ------------------------------------------------------------------ writing
    def add(
        self,
        parcels: gpd.GeoDataFrame,
        *,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
        user: str | None = None,
    ) -> gpd.GeoDataFrame:
        """Add parcels in one transaction (all or nothing).

        Parameters
        ----------
        parcels : geopandas.GeoDataFrame
            Polygons with a CRS and at least ``parcel_id``, ``land_use_code`` and
            ``status`` (key or Chinese label); optional ``name``, ``street_town``,
            ``community``, ``supply_year``, ``owner``, ``accuracy``.  Any other
            column is kept as a free attribute.  ``land_use`` and the areas are
            computed (areas geodesically on the WGS-84 ellipsoid).
        date : date, datetime or str, optional
            When the parcels entered the register (default now); recorded in the history.
        note : str
            Recorded in the history.
        user : str, optional
            Overrides the register's user for this change.

        Returns
        -------
        geopandas.GeoDataFrame
            The parcels as stored (on the input's index).

        Raises
        ------
        ValidationError
            Duplicate or missing ids, ids already registered, invalid or
            non-polygon geometries, unknown status or land-use code, overlaps
            with each other or with registered parcels (beyond ``sliver_m2``),
            parcels outside the study area.  ``.problems`` lists every offending
            parcel; nothing is written.
        RegisterBusyError
            Another process kept the register locked longer than ``timeout_s``.
        """
        new = _prepare(parcels, "parcels")
        when = _iso(date)
        with self._write() as con:
            problems = self._rule_problems(new, self._read_rows())
            if len(problems):
                raise _validation_error("cannot add parcels", problems)
            stored = _finish(new, when)
            self._insert_rows(con, stored)
            self._record(con, stored, action="add", when=when, user=user or self.user,
                         note=note, before=[None] * len(stored))
        log.info("%s: added %d parcel(s)", self.path.name, len(stored))
        stored.index = parcels.index
        return stored

    def update(
        self,
        parcel_id: str,
        values: Mapping[str, Any],
        *,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
        user: str | None = None,
    ) -> pd.Series:
        """Change attributes or the geometry of one parcel (not its status).

        Parameters
        ----------
        parcel_id : str
            The parcel.
        values : mapping
            New values of ``name``, ``street_town``, ``community``,
            ``land_use_code``, ``supply_year``, ``owner``, ``accuracy``,
            ``geometry`` (EPSG:4326) or free attributes.  ``land_use`` and areas
            follow the code and geometry.
        date, note, user
            As in :meth:`add`; ``date`` may not be earlier than the parcel's last change.

        Returns
        -------
        pandas.Series
            The parcel after the change.

        Raises
        ------
        LifecycleError
            ``values`` contains ``status`` (use :meth:`transition`) or the date
            is earlier than the parcel's last change.
        ValidationError
            Unknown parcel, or the changed parcel breaks a rule of :meth:`add`.
        """
        values = dict(values)
        if "status" in values:
            msg = f"{parcel_id}: change the status with Register.transition, not update"
            raise LifecycleError(msg)
        for key in ("parcel_id", "land_use", "area_m2", "area_ha", "area_mu", "updated_at"):
            if key in values:
                msg = f"{parcel_id}: {key} cannot be set (it is the key or computed)"
                raise ValidationError(msg)
        when = _iso(date)
        with self._changing(parcel_id, when, "update") as (con, current):
            row = current.iloc[0]
            attrs = json.loads(row["attributes"] or "{}")
            record = {c: row[c] for c in COLUMNS if c in _EDITABLE and c != "geometry"}
            record.update({"parcel_id": parcel_id, "status": row["status"],
                           "geometry": row.geometry})
            record.update(attrs)
            record.update(values)
            new = _prepare(gpd.GeoDataFrame([record], geometry="geometry", crs=_crs.WGS84),
                           "update")
            problems = self._rule_problems(
                new, self._read_rows("WHERE parcel_id != ?", (parcel_id,)))
            if len(problems):
                raise _validation_error(f"cannot update {parcel_id}", problems)
            stored = _finish(new, when)
            con.execute("DELETE FROM parcels WHERE parcel_id = ?", (parcel_id,))
            self._insert_rows(con, stored)
            self._record(con, stored, action="update", when=when, user=user or self.user,
                         note=note, before=[current])
        return stored.iloc[0]

    def transition(
        self,
        parcel_id: str,
        to: str,
        *,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
        user: str | None = None,
    ) -> pd.Series:
        """Move a parcel to the next lifecycle status.

        Parameters
        ----------
        parcel_id : str
            The parcel.
        to : str
            New status (key such as ``"acquired"`` or Chinese label such as ``"收储"``).
        date : date, datetime or str, optional
            When the change took effect (default now); not earlier than the
            parcel's last change.
        note, user
            Recorded in the history.

        Returns
        -------
        pandas.Series
            The parcel after the change.

        Raises
        ------
        LifecycleError
            ``to`` is not reachable from the current status (see
            :data:`TRANSITIONS`), is unknown, or the date is out of order.
        ValidationError
            Unknown parcel.
        """
        target = normalize_status(to)
        if target is None:
            msg = f"{parcel_id}: unknown status {to!r}; expected one of {', '.join(STATUSES)}"
            raise LifecycleError(msg)
        when = _iso(date)
        with self._changing(parcel_id, when, "move") as (con, current):
            status = current.iloc[0]["status"]
            allowed = TRANSITIONS.get(status, frozenset())
            if target not in allowed:
                nxt = " or ".join(f"{s} ({STATUS_ZH[s]})" for s in sorted(allowed)) or "nothing"
                msg = (f"{parcel_id}: cannot go from {status} ({STATUS_ZH.get(status, '?')}) to "
                       f"{target} ({STATUS_ZH[target]}); from {status} it can go to {nxt}")
                raise LifecycleError(msg)
            stored = current.copy()
            stored["status"] = target
            stored["status_zh"] = STATUS_ZH[target]
            stored["updated_at"] = when
            con.execute("UPDATE parcels SET status = ?, updated_at = ? WHERE parcel_id = ?",
                        (target, when, parcel_id))
            self._record(con, stored, action="transition", when=when, user=user or self.user,
                         note=note, before=[current])
        log.info("%s: %s %s -> %s", self.path.name, parcel_id, status, target)
        return stored.iloc[0]

    def remove(
        self,
        parcel_id: str,
        *,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
        user: str | None = None,
    ) -> None:
        """Remove a parcel (e.g. entered by mistake); the history keeps it.

        Raises
        ------
        ValidationError
            Unknown parcel.
        """
        when = _iso(date)
        with self._changing(parcel_id, when, "remove") as (con, current):
            con.execute("DELETE FROM parcels WHERE parcel_id = ?", (parcel_id,))
            self._record(con, current, action="remove", when=when, user=user or self.user,
                         note=note, before=[current])

    def import_parcels(
        self,
        path: str | Path,
        *,
        layer: str | None = None,
        wkt_column: str = "wkt",
        source_crs: str | None = None,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
    ) -> ImportReport:
        """Import parcels from a shapefile, GeoPackage, GeoJSON or Excel/CSV with WKT.

        Rows that break a rule of :meth:`add` are rejected (with the reason);
        the others are added in one transaction.

        Parameters
        ----------
        path : str or path-like
            ``.shp``/``.zip``, ``.gpkg``, ``.geojson`` (read with :func:`zjgis.io.read`)
            or ``.xlsx``/``.csv`` with a WKT geometry column.
        layer : str, optional
            Layer (GeoPackage) or sheet name (Excel).
        wkt_column : str
            Column holding WKT in Excel/CSV files (default ``"wkt"``).
        source_crs : str, optional
            CRS of the coordinates when the file does not say (Excel/CSV default
            EPSG:4326; ``"GCJ-02"`` etc. are converted by :mod:`zjgis.crs`).
        date, note
            As in :meth:`add`.

        Returns
        -------
        ImportReport
            ``accepted`` and ``rejected`` tables.

        Raises
        ------
        ReadError
            The file cannot be read or lacks a WKT column.
        """
        path = Path(path)
        gdf = _read_import(path, layer=layer, wkt_column=wkt_column, source_crs=source_crs)
        new = _prepare(gdf, str(path), strict=False)
        when = _iso(date)
        with self._write() as con:
            problems = self._rule_problems(new, self._read_rows())
            bad_rows = sorted(set(problems["row"]))
            keep = new.drop(index=new.index[bad_rows]) if bad_rows else new
            stored = _finish(keep, when) if len(keep) else _frame_from_rows([])
            if len(keep):
                self._insert_rows(con, stored)
                self._record(con, stored, action="add", when=when, user=self.user,
                             note=note or f"imported from {path.name}",
                             before=[None] * len(stored))
        rejected = (problems.groupby("row", sort=True)
                    .agg(parcel_id=("parcel_id", "first"),
                         reason=("problem", lambda s: "; ".join(dict.fromkeys(s))))
                    .reset_index()) if len(problems) else pd.DataFrame(
                        columns=["row", "parcel_id", "reason"])
        report = ImportReport(stored, rejected, str(path), problems.attrs.get("hint", ""))
        log.info("%s", report)
        return report

    def export(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the current parcels to a file (atomically).

        ``.gpkg``/``.geojson``/``.fgb`` through :func:`zjgis.io.write`; ``.xlsx``
        and ``.csv`` as a table with a ``wkt`` column and Chinese status labels.

        Raises
        ------
        WriteError
            Unsupported suffix, or the file exists and ``overwrite`` is False.
        """
        path = Path(path)
        gdf = self.parcels()
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".csv"):
            table = pd.DataFrame(gdf.drop(columns="geometry"))
            table["wkt"] = shapely.to_wkt(gdf.geometry.values, rounding_precision=-1)
            with _io.atomic_write(path, overwrite=overwrite) as tmp:
                if suffix == ".csv":
                    table.to_csv(tmp, index=False, encoding="utf-8-sig")
                else:
                    table.to_excel(tmp, index=False, sheet_name="parcels", engine="openpyxl")
            return path
        return _io.write(gdf, path, layer="parcels", overwrite=overwrite)

    def plan_table(self, year: int, *, by: str = "street_town",
                   as_of: _dt.date | str | None = None) -> pd.DataFrame:
        """The 年度土地储备计划表 of this register.

        See :func:`zjgis.landreserve.plan.plan_table`; ``as_of`` builds it from the
        register as it stood on that date (:meth:`as_of`).
        """
        from zjgis.landreserve.plan import plan_table

        parcels = self.parcels() if as_of is None else self.as_of(as_of)
        return plan_table(parcels, year, by=by)

    # ------------------------------------------------------------------ internals
    def _rule_problems(self, new: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None
                       ) -> pd.DataFrame:
        """The rules of :meth:`add` with this register's study area and tolerances.

        ``existing=None`` re-checks stored parcels among themselves (:meth:`check`).
        """
        if existing is None:
            existing = gpd.GeoDataFrame(columns=["parcel_id"], geometry=[], crs=_crs.WGS84)
            check_ids = False
        else:
            check_ids = True
        area = self._study_area_resolved()
        problems = _problems(new, existing, study_area=area, buffer_m=self.study_area_buffer_m,
                             sliver_m2=self.sliver_m2, check_existing_ids=check_ids)
        beyond_m = problems.attrs.pop("outside_beyond_m", None)
        if beyond_m is not None and area is not None:
            n = int(problems["problem"].str.startswith("outside the study area").sum())
            problems.attrs["hint"] = _outside_hint(area, n, beyond_m, self.study_area_buffer_m)
        return problems

    @contextmanager
    def _changing(self, parcel_id: str, when: str, verb: str
                  ) -> Iterator[tuple[sqlite3.Connection, gpd.GeoDataFrame]]:
        """A write transaction on one registered parcel: yields the connection and its row.

        Raises ValidationError for an unknown parcel and LifecycleError when ``when``
        is earlier than the parcel's last recorded change.
        """
        with self._write() as con:
            current = self._read_rows("WHERE parcel_id = ?", (parcel_id,))
            if current.empty:
                msg = f"{self.path}: no parcel {parcel_id!r} to {verb}"
                raise ValidationError(msg)
            self._check_order(con, parcel_id, when)
            yield con, current

    def _insert_rows(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame) -> None:
        blobs = _gpkg.to_blobs(np.asarray(stored.geometry.values, dtype=object))
        cols = ("geom",) + COLUMNS
        rows = _rows_for_sql(stored, blobs)
        con.executemany(
            f"INSERT INTO parcels ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            rows,
        )

    def _record(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame, *, action: str,
                when: str, user: str, note: str, before: list) -> None:
        snapshots = _snapshots(stored)
        now = _dt.datetime.now().replace(microsecond=0).isoformat()
        rows = []
        for i, snap in enumerate(snapshots):
            prev = before[i]
            if prev is None:
                b, a = None, _readable(snap)
            else:
                old = _snapshots(prev)[0]
                if action == "remove":
                    b, a = _readable(old), None
                else:
                    keys = [k for k in snap if not _same(snap[k], old.get(k))]
                    b = {k: v for k, v in _readable(old).items() if k in keys}
                    a = {k: v for k, v in _readable(snap).items() if k in keys}
            rows.append((snap["parcel_id"], action, when, now, user,
                         json.dumps(b, ensure_ascii=False) if b is not None else None,
                         json.dumps(a, ensure_ascii=False) if a is not None else None,
                         note, json.dumps(snap, ensure_ascii=False)))
        con.executemany(
            "INSERT INTO history (parcel_id, action, changed_at, recorded_at, user, before, "
            "after, note, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._touch(con)

    def _check_order(self, con: sqlite3.Connection, parcel_id: str, when: str) -> None:
        last = con.execute("SELECT max(changed_at) FROM history WHERE parcel_id = ?",
                           (parcel_id,)).fetchone()[0]
        if last is not None and when < last:
            msg = (f"{parcel_id}: change dated {when} is earlier than its last recorded change "
                   f"({last}); changes must be recorded in date order")
            raise LifecycleError(msg)

    def _touch(self, con: sqlite3.Connection) -> None:
        ext = con.execute("SELECT count(*) FROM parcels").fetchone()[0]
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if ext:
            con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name "
                        "IN ('parcels', 'history')", (now,))


# ---------------------------------------------------------------------- helpers
class _Unset:
    pass


_UNSET = _Unset()


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "unknown"


def _create_file(path: Path, user: str) -> None:
    empty_geo = gpd.GeoDataFrame(
        {c: pd.Series([], dtype="float64" if c.startswith("area_") else
                      "Int64" if c == "supply_year" else str) for c in COLUMNS},
        geometry=gpd.GeoSeries([], crs=_crs.WGS84),
    )
    try:
        pyogrio.write_dataframe(empty_geo, path, layer="parcels", driver="GPKG",
                                geometry_type="MultiPolygon",
                                layer_options={"SPATIAL_INDEX": "NO",
                                               "DESCRIPTION": "zjgis land-reserve parcels"})
        history = pd.DataFrame({c: pd.Series([], dtype=str) for c in (
            "parcel_id", "action", "changed_at", "recorded_at", "user", "before", "after",
            "note", "snapshot")})
        pyogrio.write_dataframe(history, path, layer="history", driver="GPKG")
        meta = pd.DataFrame({"key": pd.Series([], dtype=str), "value": pd.Series([], dtype=str)})
        pyogrio.write_dataframe(meta, path, layer="metadata", driver="GPKG")
    except Exception as exc:
        msg = f"could not create register {path} ({type(exc).__name__}: {exc})"
        raise WriteError(msg) from exc
    con = sqlite3.connect(path, isolation_level=None)
    try:
        from zjgis._version import __version__

        con.execute("BEGIN")
        con.execute("CREATE INDEX idx_parcels_parcel_id ON parcels (parcel_id)")
        con.execute("CREATE INDEX idx_history_parcel ON history (parcel_id, changed_at)")
        con.execute("CREATE INDEX idx_history_changed ON history (changed_at)")
        now = _dt.datetime.now().replace(microsecond=0).isoformat()
        con.executemany("INSERT INTO metadata (key, value) VALUES (?, ?)", [
            ("schema_version", str(SCHEMA_VERSION)), ("created_at", now),
            ("created_by", user), ("zjgis_version", __version__),
            ("statuses", ",".join(STATUSES)),
        ])
        con.execute("COMMIT")
    finally:
        con.close()


def _to_multi(geoms: np.ndarray) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object).copy()
    kinds = shapely.get_type_id(geoms)
    poly = kinds == 3
    if poly.any():
        geoms[poly] = [shapely.MultiPolygon([g]) for g in geoms[poly]]
    return geoms


def _same(a: object, b: object) -> bool:
    na = a is None or (isinstance(a, float) and np.isnan(a)) or a is pd.NA
    nb = b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NA
    if na or nb:
        return na and nb
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-9))
    return a == b


@dataclass(frozen=True)
class _StudyArea:
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


def _outside_hint(area: _StudyArea, n: int, beyond_m: float, buffer_m: float) -> str:
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


def _resolve_study_area(spec: Any) -> _StudyArea | None:
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
        except (ImportError, AttributeError, ZjgisError, KeyError) as exc:
            log.warning("study area %r not available from zjgis.layers (%s); parcels are not "
                        "checked against it — pass study_area= to check", spec, exc)
            return None
        spec = gdf
    if isinstance(spec, (gpd.GeoDataFrame, gpd.GeoSeries)):
        require_crs(spec, "study_area")
        label = label or spec.attrs.get("layer")
        accuracy = accuracy or spec.attrs.get("accuracy")
        geoms = spec.to_crs(_crs.WGS84).geometry.values
        return _StudyArea(shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object))),
                          label, accuracy)
    if isinstance(spec, shapely.Geometry):
        return _StudyArea(spec)
    msg = f"study_area must be a GeoDataFrame, a geometry, a layer name or None, not {type(spec)}"
    raise ValidationError(msg)


def _prepare(parcels: gpd.GeoDataFrame, name: str, *, strict: bool = True) -> gpd.GeoDataFrame:
    """Normalise input parcels: EPSG:4326, string ids, status keys, code text, free attributes."""
    if not isinstance(parcels, gpd.GeoDataFrame):
        msg = f"{name} must be a GeoDataFrame (got {type(parcels).__name__})"
        raise ValidationError(msg)
    require_crs(parcels, name)
    require_columns(parcels, ["parcel_id", "land_use_code", "status"], name)
    gdf = parcels.to_crs(_crs.WGS84) if not parcels.crs.equals(_crs.WGS84) else parcels.copy()
    gdf = gdf.rename_geometry("geometry") if gdf.geometry.name != "geometry" else gdf
    gdf = gdf.reset_index(drop=True)
    out = gpd.GeoDataFrame(geometry=gdf.geometry.values, crs=_crs.WGS84)
    out["parcel_id"] = [None if _missing(v) else str(v).strip() for v in gdf["parcel_id"]]
    for col in ("name", "street_town", "community", "owner", "accuracy"):
        out[col] = [None if _missing(v) else str(v) for v in gdf[col]] if col in gdf else None
    out["land_use_code"] = [normalize_code(v) for v in gdf["land_use_code"]]
    out["land_use"] = [LAND_USE.get(c) for c in out["land_use_code"]]
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
    known = set(COLUMNS) | {"geometry", "status_zh"}
    free = [c for c in gdf.columns if c not in known]
    attrs = []
    for _, row in gdf[free].iterrows() if free else []:
        attrs.append(json.dumps({k: _jsonable(v) for k, v in row.items() if not _missing(v)},
                                ensure_ascii=False))
    if "attributes" in gdf:
        base = [json.loads(v) if isinstance(v, str) and v else {} for v in gdf["attributes"]]
        extra = [json.loads(a) for a in attrs] if attrs else [{}] * len(gdf)
        attrs = [json.dumps(b | e, ensure_ascii=False) for b, e in zip(base, extra, strict=True)]
    out["attributes"] = attrs if attrs else "{}"
    return out


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _jsonable(v: object) -> object:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (pd.Timestamp, _dt.date)):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def _problems(new: gpd.GeoDataFrame, existing: gpd.GeoDataFrame, *,
              study_area: _StudyArea | None, buffer_m: float,
              sliver_m2: float, check_existing_ids: bool = True) -> pd.DataFrame:
    """Every rule violation of ``new`` (prepared) against ``existing``: row, parcel_id, problem."""
    probs: list[tuple[int, Any, str]] = []
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
        probs.append((i, ids.iloc[i], f"unknown status {shown!r} (expected one of "
                      f"{', '.join(STATUSES)} or their Chinese labels)"))
    for i in np.nonzero(new["land_use"].isna().to_numpy())[0]:
        probs.append((i, ids.iloc[i], f"unknown land-use code {new['land_use_code'].iloc[i]!r} "
                      "(2023 用地用海分类指南 or SH-CYZH)"))
    if "supply_year_bad" in new:
        for i in np.nonzero(new["supply_year_bad"].to_numpy())[0]:
            probs.append((i, ids.iloc[i], "supply_year is not a year"))
    geoms = np.asarray(new.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    ok = ~missing
    ok[ok] = ~shapely.is_empty(geoms[ok])
    for i in np.nonzero(~ok)[0]:
        probs.append((i, ids.iloc[i], "missing or empty geometry"))
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


def _summary(problems: pd.DataFrame, shown: int = 5) -> str:
    """``"P1: reason; P2: reason and 3 more"`` from a table with parcel_id and problem."""
    listing = "; ".join(f"{r.parcel_id}: {r.problem}" for r in problems.head(shown).itertuples())
    more = len(problems) - shown
    return listing + (f" and {more} more" if more > 0 else "")


def _hint_suffix(problems: pd.DataFrame) -> str:
    hint = problems.attrs.get("hint")
    return f". {hint}" if hint else ""


def _validation_error(what: str, problems: pd.DataFrame) -> ValidationError:
    msg = (f"{what}: {len(problems)} problem(s) — {_summary(problems)}; nothing was written"
           + _hint_suffix(problems))
    return ValidationError(msg, problems.rename(columns={"row": "feature", "problem": "reason"}))


def _finish(new: gpd.GeoDataFrame, when: str) -> gpd.GeoDataFrame:
    """Add areas and timestamps; return frame with COLUMNS + status_zh + geometry."""
    areas = _crs.geodesic_area(new.geometry)
    geoms = shapely.force_2d(_to_multi(np.asarray(new.geometry.values, dtype=object)))
    out = gpd.GeoDataFrame(geometry=geoms, crs=_crs.WGS84)
    for col in COLUMNS:
        if col in ("area_m2", "area_ha", "area_mu"):
            out[col] = areas[col].to_numpy()
        elif col == "updated_at":
            out[col] = when
        else:
            out[col] = new[col].to_numpy()
    out["supply_year"] = out["supply_year"].astype("Int64")
    out["status_zh"] = out["status"].map(STATUS_ZH)
    return out[list(COLUMNS) + ["status_zh", "geometry"]]


def _rows_for_sql(stored: gpd.GeoDataFrame, blobs: list) -> list[tuple]:
    cols = []
    for c in COLUMNS:
        if c == "supply_year":
            cols.append([None if v is pd.NA else int(v) for v in stored[c].array])
        elif c in ("area_m2", "area_ha", "area_mu"):
            cols.append([float(v) for v in stored[c]])
        else:
            cols.append([None if _missing(v) else v for v in stored[c]])
    return list(zip(blobs, *cols, strict=True))


def _frame_from_rows(rows: list) -> gpd.GeoDataFrame:
    if rows:
        geoms = _gpkg.from_blobs([r[0] for r in rows])
        data = list(zip(*[r[1:] for r in rows], strict=True))
    else:
        geoms = np.array([], dtype=object)
        data = [[] for _ in COLUMNS]
    df = pd.DataFrame(dict(zip(COLUMNS, data, strict=True)), columns=list(COLUMNS))
    return _typed(df, geoms)


def _typed(df: pd.DataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
    df["supply_year"] = pd.to_numeric(df["supply_year"], errors="coerce").astype("Int64")
    for c in ("area_m2", "area_ha", "area_mu"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in _TEXT:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["status_zh"] = df["status"].map(STATUS_ZH)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=_crs.WGS84).values,
                            crs=_crs.WGS84)


def _snapshots(stored: gpd.GeoDataFrame) -> list[dict]:
    wkb = shapely.to_wkb(np.asarray(stored.geometry.values, dtype=object), hex=True)
    recs = []
    cols = {c: stored[c].tolist() for c in COLUMNS}
    for i in range(len(stored)):
        rec = {c: _jsonable(None if _missing(cols[c][i]) else cols[c][i]) for c in COLUMNS}
        rec["geometry_wkb"] = wkb[i]
        recs.append(rec)
    return recs


def _readable(snap: dict) -> dict:
    out = {k: v for k, v in snap.items() if k != "geometry_wkb"}
    g = snap.get("geometry_wkb")
    out["geometry"] = shapely.to_wkt(shapely.from_wkb(bytes.fromhex(g)),
                                     rounding_precision=7) if g else None
    return out


def _frame_from_records(records: list[dict]) -> gpd.GeoDataFrame:
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS) + ["geometry_wkb"])
    hexes = df.pop("geometry_wkb").to_numpy(dtype=object)
    geoms = shapely.from_wkb(hexes) if len(hexes) else np.array([], dtype=object)
    return _typed(df, geoms)


def _read_import(path: Path, *, layer, wkt_column, source_crs) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls", ".csv"):
        if not path.exists():
            msg = f"{path}: file not found"
            raise ReadError(msg)
        try:
            df = (pd.read_csv(path, dtype={"land_use_code": str}) if suffix == ".csv" else
                  pd.read_excel(path, sheet_name=layer or 0, dtype={"land_use_code": str}))
        except Exception as exc:
            msg = f"{path}: cannot read the table ({type(exc).__name__}: {exc})"
            raise ReadError(msg) from exc
        if wkt_column not in df.columns:
            msg = (f"{path}: no WKT column {wkt_column!r} "
                   f"(columns: {', '.join(map(str, df.columns))}); pass wkt_column=")
            raise ReadError(msg)
        geoms = []
        for v in df.pop(wkt_column):
            try:
                geoms.append(shapely.from_wkt(v) if isinstance(v, str) and v.strip() else None)
            except shapely.errors.GEOSException:
                geoms.append(None)
        frame_name = source_crs or _crs.WGS84
        gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=_crs.WGS84)
        if source_crs and _crs.is_frame(source_crs):
            if _crs.normalize_frame(source_crs) != "WGS-84":
                gdf = _crs.convert(gdf, source=source_crs, target="WGS-84")
        elif source_crs:
            gdf = gdf.set_crs(frame_name, allow_override=True)
        return gdf
    return _io.read(path, layer=layer, source_crs=source_crs)
