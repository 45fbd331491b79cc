"""GeoPackage geometry blobs (OGC 12-128r18 §2.1.3): the 'GP' header followed by WKB.

The register writes and reads its parcels through :mod:`sqlite3` so that every
change is one SQLite transaction; these helpers convert between shapely arrays
and GeoPackage binary geometries, vectorised where shapely allows.

Header layout: magic ``b"GP"``, version ``0``, flags (bit 0 byte order, 1 =
little endian; bits 1–3 envelope indicator, 1 = ``[minx, maxx, miny, maxy]``;
bit 4 empty geometry), ``srs_id`` (int32), envelope doubles, then standard WKB.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def to_blobs(geoms: np.ndarray, srs_id: int = 4326) -> list[bytes | None]:
    """Encode shapely geometries as GeoPackage blobs (little endian, xy envelope)."""
    geoms = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = [None] * len(geoms)
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return out
    idx = np.nonzero(present)[0]
    sub = geoms[idx]
    wkb = shapely.to_wkb(sub, byte_order=1, include_srid=False, flavor="iso")
    bounds = shapely.bounds(sub)
    empty = shapely.is_empty(sub)
    head_full = struct.Struct("<2sBBi4d")
    head_empty = struct.Struct("<2sBBi")
    for k, i in enumerate(idx):
        if empty[k]:
            out[i] = head_empty.pack(b"GP", 0, 0b00010001, srs_id) + wkb[k]
        else:
            minx, miny, maxx, maxy = bounds[k]
            out[i] = head_full.pack(b"GP", 0, 0b00000011, srs_id, minx, maxx, miny, maxy) + wkb[k]
    return out


def from_blobs(blobs) -> np.ndarray:
    """Decode GeoPackage blobs (``None`` → missing geometry) into a shapely array."""
    wkb: list[bytes | None] = []
    for blob in blobs:
        if blob is None:
            wkb.append(None)
            continue
        blob = bytes(blob)
        if blob[:2] != b"GP":
            msg = "not a GeoPackage geometry blob (missing 'GP' magic)"
            raise ValueError(msg)
        flags = blob[3]
        env = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
        if env is None:
            msg = f"invalid GeoPackage envelope indicator in flags {flags:#04x}"
            raise ValueError(msg)
        wkb.append(blob[8 + env:])
    return shapely.from_wkb(np.array(wkb, dtype=object))
