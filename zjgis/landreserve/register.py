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

The pieces live in their own files: the lifecycle vocabulary in
:mod:`zjgis.landreserve.lifecycle`, the file, its transactions and locks in
``_storage``, the rules a parcel must satisfy in ``_rules``, reading planners'
files in :mod:`zjgis.landreserve.importing`.  This class puts them together.

Every write is one SQLite transaction started with ``BEGIN IMMEDIATE``: a process
killed in the middle leaves the file as it was (SQLite's rollback journal), and a
second writer waits for the first (up to ``timeout_s``) and then gets
:class:`~zjgis.errors.RegisterBusyError`.  Validation runs inside the write lock,
so two planners cannot add overlapping parcels at the same moment.

Examples
--------
>>> import warnings
>>> from zjgis.landreserve import load_sample
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # SampleDataWarning: generated sample data
...     reg, projects, enterprises = load_sample()
>>> pid = reg.parcels(status="reserved")["parcel_id"].iloc[0]
>>> reg.transition(pid, "供应", date="2030-01-01")["status"]
'supplied'
>>> reg.get(pid)["status_zh"], list(reg.history(pid)["action"])[-1]
('供应（出让）', 'transition')
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis._log import get_logger
from zjgis.errors import (
    DataQualityWarning,
    LifecycleError,
    ReadError,
    ValidationError,
    WriteError,
)
from zjgis.landreserve import importing as _importing
from zjgis.landreserve._rules import (
    StudyArea,
    find_problems,
    finish,
    hint_suffix,
    iso,
    outside_hint,
    prepare,
    resolve_study_area,
    summary,
    validation_error,
)
from zjgis.landreserve._storage import (
    COLUMNS,
    DECLARED_COLUMNS,
    SCHEMA_VERSION,
    Storage,
    create_file,
    frame_from_records,
    frame_from_rows,
    lift_declared,
    login,
    same,
)
from zjgis.landreserve.importing import ImportReport
from zjgis.landreserve.landuse import LAND_USE, normalize_code
from zjgis.landreserve.lifecycle import (
    NOT_SUPPLIED,
    STATUS_COLOURS,
    STATUS_EN,
    STATUS_ZH,
    STATUSES,
    TRANSITIONS,
    normalize_status,
    require_transition,
)

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
    "LifecycleError",
    "normalize_status",
]

log = get_logger(__name__)

_EDITABLE = ("name", "street_town", "community", "land_use_code", "supply_year",
             *DECLARED_COLUMNS, "owner", "accuracy", "geometry")


class _Unset:
    pass


_UNSET = _Unset()


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
        self.user = user or login()
        self.timeout_s = float(timeout_s)
        self.sliver_m2 = float(sliver_m2)
        self.study_area_buffer_m = float(study_area_buffer_m)
        self._study_area_spec = study_area
        self._study_area_cache: Any = _UNSET
        self._store = Storage(self.path, self.timeout_s)
        self._con = self._store.con
        self.metadata = self._store.metadata
        self.problems: pd.DataFrame = pd.DataFrame(columns=["parcel_id", "problem"])
        if check_on_open:
            self.problems = self.check()
            if len(self.problems):
                warnings.warn(
                    f"{self.path}: {len(self.problems)} problem(s) in the stored parcels "
                    f"(edited outside zjgis?) — {summary(self.problems)}; "
                    "see Register.problems" + hint_suffix(self.problems),
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
        user = options.get("user") or login()
        with _io.atomic_write(path, overwrite=overwrite) as tmp:
            tmp.unlink()
            create_file(tmp, user)
        log.info("created register %s", path)
        return cls(path, **options)

    # ------------------------------------------------------------------ plumbing
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
        return self._store.count()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a lock past ``timeout_s`` → RegisterBusyError."""
        with self._store.write() as con:
            yield con

    @property
    def study_area(self) -> shapely.Geometry | None:
        """The study-area polygon (EPSG:4326) parcels must lie in, or None when unchecked."""
        area = self._study_area_resolved()
        return None if area is None else area.geometry

    def _study_area_resolved(self) -> StudyArea | None:
        if self._study_area_cache is _UNSET:
            self._study_area_cache = resolve_study_area(self._study_area_spec)
        return self._study_area_cache  # type: ignore[return-value]

    # ------------------------------------------------------------------ reading
    def _read_rows(self, where: str = "", params: tuple = (), *,
                   with_fid: bool = False) -> gpd.GeoDataFrame:
        return self._store.read_rows(where, params, with_fid=with_fid)

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
        df = pd.DataFrame(self._store.history_rows(parcel_id),
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
            parcels added later (or removed before) are absent.  A parcel whose
            geometry was missing then (deleted in QGIS) has a missing geometry.

        Notes
        -----
        For each parcel the history row with the latest ``changed_at`` (ties: the
        later written) not after ``date`` holds the full record in ``snapshot``; one
        SQL window query picks them, so the cost grows with the number of changes
        only through SQLite's index scan.
        """
        cutoff = iso(date, end_of_day=True)
        records = [json.loads(snap) for _, action, snap in self._store.latest_changes(cutoff)
                   if action != "remove"]
        gdf = frame_from_records(records)
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
            land-use codes, rows stored twice (a copied row: the finding names
            the ``fid`` of each copy), parcels outside the study area, stale
            areas and rows that differ from their last history entry in any
            field (edited outside zjgis, so the change is not in the history).

        Notes
        -----
        A stored ``area_m2`` is stale when it differs from a fresh geodesic
        computation (:func:`zjgis.crs.geodesic_area`) of the stored geometry by
        more than 0.1 % or 1 m², whichever is larger: both come from the same
        WGS-84 geometry, so a real difference means the geometry (or the area)
        was edited outside zjgis.
        """
        gdf = self._read_rows(with_fid=True)
        stored = gdf.copy()
        stored["status_input"] = gdf["status"]
        stored["status"] = [normalize_status(v) for v in gdf["status"]]
        stored["land_use"] = [LAND_USE.get(normalize_code(c)) for c in gdf["land_use_code"]]
        problems = self._rule_problems(stored, None)
        if len(problems):
            problems = problems[~problems["problem"].str.startswith("duplicate parcel_id")]
        extra = self._duplicate_findings(gdf)
        ok = gdf.geometry.notna().to_numpy() & ~gdf.geometry.is_empty.to_numpy()
        if ok.any():
            area = _crs.geodesic_area(gdf[ok])["area_m2"].to_numpy()
            kept = pd.to_numeric(gdf.loc[ok, "area_m2"], errors="coerce").to_numpy()
            stale = ~(abs(area - kept) <= [max(1.0, 0.001 * a) for a in area])
            for pid, a, k in zip(gdf.loc[ok, "parcel_id"][stale], area[stale], kept[stale],
                                 strict=True):
                extra.append({"parcel_id": pid, "problem":
                              f"area_m2 {k:,.0f} differs from the geometry's {a:,.0f} m² "
                              "(geometry or area edited outside zjgis?); repair with "
                              "Register.update(parcel_id, {'geometry': ...})"})
        extra.extend(self._history_findings(gdf))
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

    def _duplicate_findings(self, gdf: gpd.GeoDataFrame) -> list[dict]:
        """One finding per parcel_id stored more than once (a row copied outside zjgis)."""
        out = []
        dup = gdf[gdf["parcel_id"].duplicated(keep=False) & gdf["parcel_id"].notna()]
        for pid, rows in dup.groupby("parcel_id", sort=True):
            out.append({"parcel_id": pid, "problem": _duplicate_text(pid, list(rows["fid"]))})
        return out

    def _history_findings(self, gdf: gpd.GeoDataFrame) -> list[dict]:
        """Rows whose stored values differ from their last history snapshot."""
        out: list[dict] = []
        last = {pid: lift_declared(json.loads(snap))
                for pid, _, snap in self._store.latest_changes()}
        compared = [c for c in COLUMNS if c not in ("parcel_id", "updated_at", "area_m2",
                                                    "area_ha", "area_mu")]
        for row in gdf.itertuples(index=False):
            snap = last.get(row.parcel_id)
            if snap is None:
                out.append({"parcel_id": row.parcel_id,
                            "problem": "not in the history (added outside zjgis); remove it "
                                       "in QGIS and add it with Register.add"})
                continue
            changed = [c for c in compared if not _same_field(c, getattr(row, c), snap.get(c))]
            geom_snap = snap.get("geometry_wkb")
            geom = row.geometry
            if geom is None or geom_snap is None:
                if (geom is None) != (geom_snap is None):
                    changed.append("geometry")
            elif not shapely.equals_exact(geom, shapely.from_wkb(bytes.fromhex(geom_snap)),
                                          1e-9):
                changed.append("geometry")
            if changed:
                out.append({"parcel_id": row.parcel_id, "problem":
                            f"{', '.join(changed)} changed outside zjgis (not in the history): "
                            "make the change with Register.update/transition so it is "
                            "recorded, or set the value back in QGIS"})
        return out

    def validate(self, parcels: gpd.GeoDataFrame, *,
                 land_use_defaults: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Check parcels against the rules of :meth:`add` without writing anything.

        Parameters
        ----------
        parcels : geopandas.GeoDataFrame
            Parcels as :meth:`add` takes them (EPSG:4326 polygons).
        land_use_defaults : mapping, optional
            As in :meth:`add`: the class for a land-use name or old code that
            stands for several (``{"工业用地": "100101"}``).

        Returns
        -------
        pandas.DataFrame
            Columns ``row`` (position in ``parcels``), ``parcel_id``, ``problem``;
            empty when :meth:`add` would accept every parcel.
        """
        return self._rule_problems(
            prepare(parcels, "parcels", land_use_defaults=land_use_defaults), self._read_rows())

    # ------------------------------------------------------------------ writing
    def add(
        self,
        parcels: gpd.GeoDataFrame,
        *,
        date: _dt.date | _dt.datetime | str | None = None,
        note: str = "",
        user: str | None = None,
        land_use_defaults: Mapping[str, str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Add parcels in one transaction (all or nothing).

        Parameters
        ----------
        parcels : geopandas.GeoDataFrame
            Polygons with a CRS and at least ``parcel_id``, ``land_use_code`` (or
            ``land_use``) and ``status`` (key or Chinese label); optional ``name``,
            ``street_town``, ``community``, ``supply_year``, ``owner``,
            ``accuracy`` and a declared area: ``declared_area_mu`` (亩) or
            ``declared_area`` with ``declared_area_unit`` (亩, 公顷, m²), stored
            as written beside the geodesic areas.  Any other column is kept as a
            free attribute.  Land use is a 2023 code or name (``"100101"``,
            ``"一类工业用地"``) or an old GB 50137-2011 / GBJ 137-90 code (``"M1"``),
            resolved by :func:`zjgis.landreserve.values.land_use_code`; the stored
            ``land_use_code`` is the 2023 code and ``land_use`` its name.  The
            areas are computed geodesically on the WGS-84 ellipsoid.
        date : date, datetime or str, optional
            When the parcels entered the register (default now); recorded in the history.
        note : str
            Recorded in the history.
        user : str, optional
            Overrides the register's user for this change.
        land_use_defaults : mapping, optional
            The 2023 class for a name or old code that stands for several
            (``{"工业用地": "100101"}``); without it such a parcel is refused with
            the choices.

        Returns
        -------
        geopandas.GeoDataFrame
            The parcels as stored (on the input's index).

        Raises
        ------
        ValidationError
            Duplicate or missing ids, ids already registered, invalid or
            non-polygon geometries, unknown status, an unknown land use (with
            the closest names: "did you mean …") or one standing for several
            classes (with the choices), an unreadable declared area, overlaps
            with each other or with registered parcels (beyond ``sliver_m2``),
            parcels outside the study area.  ``.problems`` lists every offending
            parcel; nothing is written.
        RegisterBusyError
            Another process kept the register locked longer than ``timeout_s``.
        """
        new = prepare(parcels, "parcels", land_use_defaults=land_use_defaults)
        stored, _ = self._add_prepared(new, when=iso(date), note=note, user=user or self.user,
                                       partial=False)
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
        land_use_defaults: Mapping[str, str] | None = None,
    ) -> pd.Series:
        """Change attributes or the geometry of one parcel (not its status).

        The row is updated in place: its feature id (``fid``, which QGIS holds)
        stays the same.

        Parameters
        ----------
        parcel_id : str
            The parcel.
        values : mapping
            New values of ``name``, ``street_town``, ``community``,
            ``land_use_code`` (or ``land_use``: a 2023 code or name, an old
            GB 50137 code, as in :meth:`add`), ``supply_year``, ``owner``,
            ``accuracy``, ``geometry`` (EPSG:4326), the declared area
            (``declared_area_mu`` in 亩, or ``declared_area`` with
            ``declared_area_unit``; giving one replaces the others, None clears
            it) or free attributes.  The stored ``land_use`` name and the
            geodesic areas follow the code and geometry.
        date, note, user
            As in :meth:`add`; ``date`` may not be earlier than the parcel's last change.
        land_use_defaults : mapping, optional
            As in :meth:`add`: the class for a land-use name or old code that
            stands for several (``{"工业用地": "100101"}``).

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
            Unknown parcel, a parcel stored twice, or the changed parcel breaks a
            rule of :meth:`add`.
        """
        values = dict(values)
        if "status" in values:
            msg = f"{parcel_id}: change the status with Register.transition, not update"
            raise LifecycleError(msg)
        if "land_use" in values:
            if "land_use_code" in values:
                msg = (f"{parcel_id}: give the land use once, as land_use_code or land_use "
                       "(a 2023 code or name), not both")
                raise ValidationError(msg)
            values["land_use_code"] = values.pop("land_use")
        if "declared_area_unit" in values and "declared_area" not in values:
            msg = (f"{parcel_id}: a unit alone changes no area; give declared_area with "
                   "declared_area_unit (or declared_area_mu in 亩)")
            raise ValidationError(msg)
        for key in ("parcel_id", "area_m2", "area_ha", "area_mu", "updated_at",
                    "status_zh", "fid"):
            if key in values:
                msg = f"{parcel_id}: {key} cannot be set (it is the key or computed)"
                raise ValidationError(msg)
        when = iso(date)
        with self._changing(parcel_id, when, "update") as (con, current):
            row = current.iloc[0]
            attrs = json.loads(row["attributes"] or "{}")
            record = {c: row[c] for c in COLUMNS if c in _EDITABLE and c != "geometry"}
            record.update({"parcel_id": parcel_id, "status": row["status"],
                           "geometry": row.geometry})
            record.update(attrs)
            if any(c in values for c in DECLARED_COLUMNS):  # a new figure replaces the old
                record.update(dict.fromkeys(DECLARED_COLUMNS))
            record.update(values)
            new = prepare(gpd.GeoDataFrame([record], geometry="geometry", crs=_crs.WGS84),
                          "update", land_use_defaults=land_use_defaults)
            problems = self._rule_problems(
                new, self._read_rows("WHERE parcel_id != ?", (parcel_id,)))
            if len(problems):
                raise validation_error(f"cannot update {parcel_id}", problems)
            stored = finish(new, when)
            self._store.update_row(con, int(row["fid"]), stored)
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
            Unknown parcel, or a parcel stored twice (a row copied in QGIS).
        """
        when = iso(date)
        with self._changing(parcel_id, when, "move") as (con, current):
            row = current.iloc[0]
            status = row["status"]
            target = require_transition(parcel_id, status, to)
            stored = current.drop(columns="fid")
            stored["status"] = target
            stored["status_zh"] = STATUS_ZH[target]
            stored["updated_at"] = when
            self._store.set_status(con, int(row["fid"]), target, when)
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
            Unknown parcel, or a parcel stored twice (remove the copy in QGIS).
        """
        when = iso(date)
        with self._changing(parcel_id, when, "remove") as (con, current):
            con.execute("DELETE FROM parcels WHERE fid = ?", (int(current["fid"].iloc[0]),))
            self._record(con, current, action="remove", when=when, user=user or self.user,
                         note=note, before=[current])

    #: Import parcels from a planner's file (shapefile, GeoPackage, GeoJSON, Excel/CSV
    #: with WKT): :func:`zjgis.landreserve.importing.import_parcels` with this
    #: register as ``register`` — one signature and one docstring, owned there.
    import_parcels = _importing.import_parcels

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
    def _add_prepared(self, new: gpd.GeoDataFrame, *, when: str, note: str, user: str,
                      partial: bool) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """Validate prepared parcels inside the write lock and insert them.

        ``partial=False``: any problem raises and nothing is written;
        ``partial=True``: the rows without problems are written.  Returns the
        stored rows and the problems.
        """
        with self._write() as con:
            problems = self._rule_problems(new, self._read_rows())
            if len(problems) and not partial:
                raise validation_error("cannot add parcels", problems)
            bad_rows = sorted(set(problems["row"]))
            keep = new.drop(index=new.index[bad_rows]) if bad_rows else new
            stored = finish(keep, when) if len(keep) else frame_from_rows([])
            if len(keep):
                self._insert_rows(con, stored)
                self._record(con, stored, action="add", when=when, user=user, note=note,
                             before=[None] * len(stored))
        return stored, problems

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
        problems = find_problems(new, existing, study_area=area,
                                 buffer_m=self.study_area_buffer_m, sliver_m2=self.sliver_m2,
                                 check_existing_ids=check_ids)
        beyond_m = problems.attrs.pop("outside_beyond_m", None)
        if beyond_m is not None and area is not None:
            n = int(problems["problem"].str.startswith("outside the study area").sum())
            problems.attrs["hint"] = outside_hint(area, n, beyond_m, self.study_area_buffer_m)
        return problems

    @contextmanager
    def _changing(self, parcel_id: str, when: str, verb: str
                  ) -> Iterator[tuple[sqlite3.Connection, gpd.GeoDataFrame]]:
        """A write transaction on one registered parcel: yields the connection and its row.

        The row comes with its ``fid``.  Raises ValidationError for an unknown
        parcel or one stored more than once, and LifecycleError when ``when`` is
        earlier than the parcel's last recorded change.
        """
        with self._write() as con:
            current = self._read_rows("WHERE parcel_id = ?", (parcel_id,), with_fid=True)
            if current.empty:
                msg = f"{self.path}: no parcel {parcel_id!r} to {verb}"
                raise ValidationError(msg)
            if len(current) > 1:
                msg = (f"{self.path}: cannot {verb} {parcel_id}: "
                       f"{_duplicate_text(parcel_id, list(current['fid']))}")
                raise ValidationError(msg, pd.DataFrame(
                    {"feature": list(current["fid"]), "parcel_id": parcel_id,
                     "reason": "parcel_id stored more than once"}))
            self._check_order(con, parcel_id, when)
            yield con, current

    def _insert_rows(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame) -> None:
        self._store.insert_rows(con, stored)

    def _record(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame, *, action: str,
                when: str, user: str, note: str, before: list) -> None:
        before = [None if b is None else b.drop(columns="fid", errors="ignore") for b in before]
        self._store.record(con, stored.drop(columns="fid", errors="ignore"), action=action,
                           when=when, user=user, note=note, before=before)

    def _check_order(self, con: sqlite3.Connection, parcel_id: str, when: str) -> None:
        last = self._store.last_change(con, parcel_id)
        if last is not None and when < last:
            msg = (f"{parcel_id}: change dated {when} is earlier than its last recorded change "
                   f"({last}); changes must be recorded in date order")
            raise LifecycleError(msg)


def _duplicate_text(parcel_id: object, fids: list) -> str:
    shown = ", ".join(str(int(f)) for f in fids)
    return (f"duplicate parcel_id {parcel_id}: stored {len(fids)} times (fid {shown}) — a "
            "row copied outside zjgis (QGIS copy/paste?). Delete the extra copies in QGIS, "
            "keeping the one whose values match Register.history, then re-open the register")


def _same_field(column: str, a: object, b: object) -> bool:
    """Stored value vs snapshot value; free attributes compare as parsed JSON."""
    if column == "attributes":
        def parse(v: object) -> object:
            try:
                return json.loads(v) if isinstance(v, str) and v else {}
            except ValueError:
                return v
        return parse(a) == parse(b)
    return same(a, b)
