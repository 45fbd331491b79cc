"""Storage of the register: the GeoPackage file, its SQLite transactions and locks.

Nothing here knows the rules of a parcel (those are in :mod:`._rules`) or the
lifecycle (:mod:`.lifecycle`): this module creates the file, reads rows into
frames, writes frames into rows and history snapshots, and turns SQLite's
locking into :class:`~zjgis.errors.RegisterBusyError`.

Every write is one SQLite transaction started with ``BEGIN IMMEDIATE``: a
process killed in the middle leaves the file as it was (SQLite's rollback
journal), and a second writer waits for the first (up to ``timeout_s``) and then
gets :class:`~zjgis.errors.RegisterBusyError` — at BEGIN, during the writes or at
COMMIT (a reader holding the file blocks the COMMIT, not the BEGIN).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from zjgis import crs as _crs
from zjgis.errors import ReadError, RegisterBusyError, WriteError
from zjgis.landreserve._gpkg import from_blobs, to_blobs
from zjgis.landreserve.lifecycle import STATUS_ZH, STATUSES

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
    "declared_area_mu",
    "declared_area",
    "declared_area_unit",
    "owner",
    "accuracy",
    "attributes",
    "updated_at",
)
TEXT_COLUMNS = ("parcel_id", "name", "street_town", "community", "land_use_code", "land_use",
                "status", "declared_area_unit", "owner", "accuracy", "attributes",
                "updated_at")
AREA_COLUMNS = ("area_m2", "area_ha", "area_mu")
#: The area the planner declared (面积), beside the geodesic ones: ``declared_area_mu``
#: (亩, REAL) is the figure to compare and total; ``declared_area`` (REAL) and
#: ``declared_area_unit`` (``mu``/``ha``/``m2``/``km2``) are the value as written and
#: its unit.  NULL when none was declared.  Registers made before them kept the three
#: in ``attributes``: they are read from there and move into the columns at the
#: register's first write (:func:`lift_declared`).
DECLARED_COLUMNS = ("declared_area_mu", "declared_area", "declared_area_unit")
DECLARED_NUMBERS = ("declared_area_mu", "declared_area")
#: SQL types of the columns added to older registers at their first write.
_ADDED_COLUMNS = {"declared_area_mu": "REAL", "declared_area": "REAL",
                  "declared_area_unit": "TEXT"}
#: Stored beside ``status`` for QGIS users (the Chinese label of the key); derived,
#: never read back: the key is the truth.  Registers made before it get the column
#: at their first write.
STATUS_LABEL_COLUMN = "status_zh"
SCHEMA_VERSION = 1


def missing(v: object) -> bool:
    """None, pandas NA or float NaN."""
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def jsonable(v: object) -> object:
    """A value JSON can hold (numpy scalars → Python, dates → ISO text, else str)."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (pd.Timestamp, _dt.date)):
        return v.isoformat()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def same(a: object, b: object) -> bool:
    """Equal values, NaN/None/NA equal to each other, numbers within 1e-9."""
    na, nb = missing(a), missing(b)
    if na or nb:
        return na and nb
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-9))
    return a == b


def lift_declared(record: dict) -> dict:
    """A record (row or snapshot) of an older register with its declared area in columns.

    Registers made before :data:`DECLARED_COLUMNS` kept the declared area in the
    ``attributes`` JSON (``declared_area_mu``, ``declared_area``,
    ``declared_area_unit``).  When the record has no ``declared_area_mu`` of its
    own, those keys move out of ``attributes`` into the record; otherwise (and
    for records without them) it is returned as it is.  The 亩 are read from
    ``declared_area_mu``, else from the figure and its unit as
    :func:`zjgis.landreserve.values.declared_area` reads them (older
    ``Register.add`` kept only those); the unit is stored as its key (``mu``,
    ``ha`` …).  What cannot be read declares nothing and is kept, never dropped:
    in ``attributes`` as ``declared_area_text``, ``declared_area_unit_text`` and
    ``declared_area_mu_text``.
    """
    from zjgis import schema as _schema
    from zjgis.errors import ValidationError
    from zjgis.landreserve.values import declared_area

    if not missing(record.get("declared_area_mu")):
        return record
    raw = record.get("attributes")
    if not isinstance(raw, str) or not any(f'"{c}"' in raw for c in DECLARED_COLUMNS):
        return record  # (declared_area_text left by a migration is not a key of these)
    try:
        attrs = json.loads(raw)
    except ValueError:
        return record
    if not isinstance(attrs, dict) or not any(c in attrs for c in DECLARED_COLUMNS):
        return record
    raw_mu = attrs.pop("declared_area_mu", None)
    unit = attrs.pop("declared_area_unit", None)
    written = attrs.pop("declared_area", None)
    mu, value, key = _number(raw_mu), _number(written), _schema.normalize_unit(unit)
    if mu is None:
        for figure, its_unit in ((written, unit), (raw_mu, "mu")):
            try:
                got = declared_area(figure, its_unit)
            except ValidationError:
                got = None
            if got is not None:
                value, key, mu = got if figure is written else (value, key, got[2])
                break
    out = dict(record)
    if mu is None:  # nothing readable: every figure kept as it was written
        for name, v in (("declared_area_text", written), ("declared_area_unit_text", unit),
                        ("declared_area_mu_text", raw_mu)):
            if not missing(v):
                attrs[name] = v
        value, key = None, None
    out["declared_area_mu"] = mu
    out["declared_area"] = value
    out["declared_area_unit"] = key if key is not None else (None if mu is None else unit)
    out["attributes"] = json.dumps(attrs, ensure_ascii=False)
    return out


def _number(v: object) -> float | None:
    if missing(v) or isinstance(v, bool):
        return None
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def login() -> str:
    """The login name recorded in the history."""
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "unknown"


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Storage:
    """One open register file: a SQLite connection in autocommit mode.

    Parameters
    ----------
    path : Path
        The ``.gpkg`` file (must exist).
    timeout_s : float
        Seconds to wait for a lock before :class:`RegisterBusyError`.
    """

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.path = path
        self.timeout_s = timeout_s
        try:
            self.con = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
            self.con.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        except sqlite3.DatabaseError as exc:
            msg = f"{path} cannot be opened as a GeoPackage/SQLite file ({exc})"
            raise ReadError(msg) from exc
        self.metadata = self._check_schema()
        self.has_label = True
        #: Columns of COLUMNS the file lacks (an older register): read as NULL,
        #: added at the first write.
        self.lacking: tuple[str, ...] = ()
        self._look_at_columns()

    def _look_at_columns(self) -> None:
        """Which columns an older register lacks (another process may have added them)."""
        present = {r[1] for r in self.fetch("PRAGMA table_info(parcels)")}
        self.has_label = STATUS_LABEL_COLUMN in present
        self.lacking = tuple(c for c in _ADDED_COLUMNS if c not in present)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def busy_error(self, exc: BaseException, when: str) -> RegisterBusyError:
        """The error for a lock held by someone else longer than ``timeout_s``."""
        msg = (f"{self.path} is busy: another program (a zjgis writer, or QGIS/DB Browser "
               f"holding the file open) kept it locked for more than {self.timeout_s:g} s "
               f"{when}; nothing was written. Close the layer in the other program or try "
               "again, or open the register with a longer timeout_s")
        return RegisterBusyError(msg)

    def _check_schema(self) -> dict[str, str]:
        try:
            tables = {r[0] for r in self.con.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise self.busy_error(exc, "while opening") from exc
            msg = f"{self.path} is not a GeoPackage/SQLite file ({exc})"
            raise ReadError(msg) from exc
        except sqlite3.DatabaseError as exc:
            msg = f"{self.path} is not a GeoPackage/SQLite file ({exc})"
            raise ReadError(msg) from exc
        lacking = {"parcels", "history", "metadata"} - tables
        if lacking:
            msg = (f"{self.path} is not a zjgis register "
                   f"(no table(s) {', '.join(sorted(lacking))});"
                   " import its parcels into a new register with Register.import_parcels")
            raise ReadError(msg)
        meta = dict(self.con.execute("SELECT key, value FROM metadata").fetchall())
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            msg = (f"{self.path} has register schema {version}, newer than this zjgis "
                   f"understands ({SCHEMA_VERSION}); upgrade zjgis")
            raise ReadError(msg)
        return meta

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error).

        A lock held by another connection past ``timeout_s`` — at BEGIN, during
        the statements or at COMMIT — raises :class:`RegisterBusyError`.
        """
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise self.busy_error(exc, "(another writer)") from exc
            raise
        added_label = False
        added = False
        try:
            if not self.has_label or self.lacking:
                self._look_at_columns()  # inside the lock: another writer may have added them
            if not self.has_label:
                self._add_label_column(con)
                added_label = True
            if self.lacking:
                self._add_declared_columns(con)
                added = True
            yield con
            con.execute("COMMIT")
            if added_label:
                self.has_label = True
            if added:
                self.lacking = ()
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            self._look_at_columns()  # the columns this write added are gone again
            if _busy(exc):
                raise self.busy_error(exc, "(a reader held it at commit)") from exc
            raise
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            self._look_at_columns()  # the columns this write added are gone again
            raise

    # ------------------------------------------------------------------ reading
    def fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run a query; a lock held past ``timeout_s`` raises RegisterBusyError."""
        try:
            return self.con.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise self.busy_error(exc, "while reading") from exc
            raise

    def count(self) -> int:
        """Number of stored parcel rows."""
        return int(self.fetch("SELECT count(*) FROM parcels")[0][0])

    def read_rows(self, where: str = "", params: tuple = (), *,
                  with_fid: bool = False) -> gpd.GeoDataFrame:
        """Stored parcel rows (``fid`` order) as a frame of COLUMNS (+ ``fid`` if asked)."""
        if self.lacking:
            self._look_at_columns()
        cols = ", ".join("NULL" if c in self.lacking else c for c in COLUMNS)
        rows = self.fetch(f"SELECT geom, fid, {cols} FROM parcels {where} ORDER BY fid", params)
        return frame_from_rows(rows, with_fid=with_fid)

    def history_rows(self, parcel_id: str | None = None) -> list[tuple]:
        """History rows (oldest first) without the snapshot."""
        sql = ("SELECT parcel_id, action, changed_at, recorded_at, user, before, after, note "
               "FROM history")
        params: tuple = ()
        if parcel_id is not None:
            sql += " WHERE parcel_id = ?"
            params = (parcel_id,)
        sql += " ORDER BY changed_at, fid"
        return self.fetch(sql, params)

    def latest_changes(self, cutoff: str | None = None) -> list[tuple[str, str, str]]:
        """``(parcel_id, action, snapshot)`` of each parcel's last change (up to ``cutoff``).

        The last change is the latest ``changed_at``, ties broken by the later write.
        """
        where, params = ("WHERE changed_at <= ?", (cutoff,)) if cutoff else ("", ())
        return self.fetch(
            f"""
            SELECT parcel_id, action, snapshot FROM (
                SELECT parcel_id, action, snapshot, ROW_NUMBER() OVER (
                    PARTITION BY parcel_id ORDER BY changed_at DESC, fid DESC) AS rn
                FROM history {where})
            WHERE rn = 1
            """,
            params,
        )

    def last_change(self, con: sqlite3.Connection, parcel_id: str) -> str | None:
        """``changed_at`` of the parcel's latest history row."""
        return con.execute("SELECT max(changed_at) FROM history WHERE parcel_id = ?",
                           (parcel_id,)).fetchone()[0]

    # ------------------------------------------------------------------ writing
    def _add_label_column(self, con: sqlite3.Connection) -> None:
        """Add and fill ``status_zh`` in a register made before it (inside a write)."""
        con.execute(f"ALTER TABLE parcels ADD COLUMN {STATUS_LABEL_COLUMN} TEXT")
        for key, label in STATUS_ZH.items():
            con.execute(f"UPDATE parcels SET {STATUS_LABEL_COLUMN} = ? WHERE status = ?",
                        (label, key))

    def _add_declared_columns(self, con: sqlite3.Connection) -> None:
        """Add the declared-area columns to an older register (inside a write).

        The declared area such a register kept in ``attributes`` moves into them
        (:func:`lift_declared`); its history snapshots stay as written and are
        read the same way.
        """
        for col in self.lacking:
            con.execute(f"ALTER TABLE parcels ADD COLUMN {col} {_ADDED_COLUMNS[col]}")
        rows = con.execute("SELECT fid, attributes FROM parcels "
                           "WHERE attributes LIKE '%declared_area%'").fetchall()
        for fid, raw in rows:
            rec = lift_declared({"attributes": raw})
            if rec.get("attributes") is raw:
                continue
            con.execute("UPDATE parcels SET declared_area_mu = ?, declared_area = ?, "
                        "declared_area_unit = ?, attributes = ? WHERE fid = ?",
                        (rec["declared_area_mu"], rec["declared_area"],
                         rec["declared_area_unit"], rec["attributes"], fid))

    def insert_rows(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame) -> None:
        """INSERT the rows of ``stored`` (COLUMNS + geometry; status_zh derived)."""
        blobs = to_blobs(np.asarray(stored.geometry.values, dtype=object))
        cols = ("geom",) + COLUMNS + (STATUS_LABEL_COLUMN,)
        con.executemany(
            f"INSERT INTO parcels ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            rows_for_sql(stored, blobs),
        )

    def update_row(self, con: sqlite3.Connection, fid: int, stored: gpd.GeoDataFrame) -> None:
        """UPDATE the row ``fid`` in place with the one row of ``stored`` (fid kept)."""
        blobs = to_blobs(np.asarray(stored.geometry.values, dtype=object))
        cols = ("geom",) + COLUMNS + (STATUS_LABEL_COLUMN,)
        row = rows_for_sql(stored, blobs)[0]
        sets = ", ".join(f"{c} = ?" for c in cols)
        con.execute(f"UPDATE parcels SET {sets} WHERE fid = ?", (*row, int(fid)))

    def set_status(self, con: sqlite3.Connection, fid: int, status: str, when: str) -> None:
        """UPDATE status, its label and updated_at of row ``fid`` in place."""
        con.execute(f"UPDATE parcels SET status = ?, {STATUS_LABEL_COLUMN} = ?, updated_at = ? "
                    "WHERE fid = ?", (status, STATUS_ZH.get(status), when, int(fid)))

    def record(self, con: sqlite3.Connection, stored: gpd.GeoDataFrame, *, action: str,
               when: str, user: str, note: str, before: list) -> None:
        """Append one history row per parcel of ``stored``; ``before`` the old rows (or None)."""
        snaps = snapshots(stored)
        now = _dt.datetime.now().replace(microsecond=0).isoformat()
        rows = []
        for i, snap in enumerate(snaps):
            prev = before[i]
            if prev is None:
                b, a = None, readable(snap)
            else:
                old = snapshots(prev)[0]
                if action == "remove":
                    b, a = readable(old), None
                else:
                    keys = [k for k in snap if not same(snap[k], old.get(k))]
                    b = {k: v for k, v in readable(old).items() if k in keys}
                    a = {k: v for k, v in readable(snap).items() if k in keys}
            rows.append((snap["parcel_id"], action, when, now, user,
                         json.dumps(b, ensure_ascii=False) if b is not None else None,
                         json.dumps(a, ensure_ascii=False) if a is not None else None,
                         note, json.dumps(snap, ensure_ascii=False)))
        con.executemany(
            "INSERT INTO history (parcel_id, action, changed_at, recorded_at, user, before, "
            "after, note, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.touch(con)

    def touch(self, con: sqlite3.Connection) -> None:
        """Set ``gpkg_contents.last_change`` (QGIS shows it)."""
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name "
                    "IN ('parcels', 'history')", (now,))


def create_file(path: Path, user: str) -> None:
    """Write an empty register (parcels, history, metadata) at ``path``."""
    order = list(COLUMNS)
    order.insert(order.index("status") + 1, STATUS_LABEL_COLUMN)
    empty_geo = gpd.GeoDataFrame(
        {c: pd.Series([], dtype="float64" if c in AREA_COLUMNS + DECLARED_NUMBERS else
                      "Int64" if c == "supply_year" else str) for c in order},
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


# ---------------------------------------------------------------------- frames <-> rows
def rows_for_sql(stored: gpd.GeoDataFrame, blobs: list) -> list[tuple]:
    """Parameter tuples ``(geom, *COLUMNS, status_zh)`` for INSERT/UPDATE."""
    cols: list[list[Any]] = []
    for c in COLUMNS:
        if c == "supply_year":
            cols.append([None if v is pd.NA else int(v) for v in stored[c].array])
        elif c in AREA_COLUMNS:
            cols.append([float(v) for v in stored[c]])
        elif c in DECLARED_NUMBERS:
            cols.append([None if missing(v) else float(v) for v in stored[c]])
        else:
            cols.append([None if missing(v) else v for v in stored[c]])
    cols.append([STATUS_ZH.get(v) if isinstance(v, str) else None for v in stored["status"]])
    return list(zip(blobs, *cols, strict=True))


def frame_from_rows(rows: list, *, with_fid: bool = False) -> gpd.GeoDataFrame:
    """Rows ``(geom, fid, *COLUMNS)`` → frame of COLUMNS + status_zh (+ fid) + geometry."""
    if rows:
        geoms = from_blobs([r[0] for r in rows])
        fids = [r[1] for r in rows]
        data: list[Any] = list(zip(*[r[2:] for r in rows], strict=True))
    else:
        geoms = np.array([], dtype=object)
        fids = []
        data = [[] for _ in COLUMNS]
    df = pd.DataFrame(dict(zip(COLUMNS, data, strict=True)), columns=list(COLUMNS))
    gdf = typed(df, geoms)
    if with_fid:
        gdf.insert(0, "fid", pd.array(fids, dtype="Int64"))
    return gdf


def typed(df: pd.DataFrame, geoms: np.ndarray) -> gpd.GeoDataFrame:
    """Column types of a register frame; adds ``status_zh``.

    A declared area an older register kept in ``attributes`` is read into its
    columns (:func:`lift_declared`).
    """
    text = df["attributes"].astype(str)
    old = df["declared_area_mu"].isna() & np.logical_or.reduce(
        [text.str.contains(f'"{c}"', regex=False) for c in DECLARED_COLUMNS])
    if old.any():
        moved = ("attributes",) + DECLARED_COLUMNS
        for c in moved:
            df[c] = df[c].astype(object)
        for i in np.nonzero(old.to_numpy())[0]:
            rec = lift_declared({c: df[c].iat[i] for c in moved})
            for c in moved:
                df.iat[i, df.columns.get_loc(c)] = rec[c]
    df["supply_year"] = pd.to_numeric(df["supply_year"], errors="coerce").astype("Int64")
    for c in AREA_COLUMNS + DECLARED_NUMBERS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in TEXT_COLUMNS:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["status_zh"] = df["status"].map(STATUS_ZH)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=_crs.WGS84).values,
                            crs=_crs.WGS84)


def snapshots(stored: gpd.GeoDataFrame) -> list[dict]:
    """The full record of each row as JSON-able dicts (geometry as WKB hex, or None)."""
    geoms = np.asarray(stored.geometry.values, dtype=object)
    wkb = shapely.to_wkb(geoms, hex=True)
    recs = []
    cols = {c: stored[c].tolist() for c in COLUMNS}
    for i in range(len(stored)):
        rec = {c: jsonable(None if missing(cols[c][i]) else cols[c][i]) for c in COLUMNS}
        rec["geometry_wkb"] = wkb[i]
        recs.append(rec)
    return recs


def readable(snap: dict) -> dict:
    """A snapshot with the geometry as WKT (for the history's before/after)."""
    out = {k: v for k, v in snap.items() if k != "geometry_wkb"}
    g = snap.get("geometry_wkb")
    out["geometry"] = shapely.to_wkt(shapely.from_wkb(bytes.fromhex(g)),
                                     rounding_precision=7) if g else None
    return out


def frame_from_records(records: list[dict]) -> gpd.GeoDataFrame:
    """Snapshots → a register frame (missing geometries stay missing)."""
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS) + ["geometry_wkb"])
    hexes = df.pop("geometry_wkb").to_numpy(dtype=object)
    hexes = np.array([h if isinstance(h, str) and h else None for h in hexes], dtype=object)
    geoms = shapely.from_wkb(hexes) if len(hexes) else np.array([], dtype=object)
    return typed(df, geoms)
