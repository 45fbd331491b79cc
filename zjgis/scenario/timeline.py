"""The register over the years ("挂图作战"): each parcel's status at the end of each year.

Composed from :meth:`zjgis.landreserve.Register.as_of` (the register's own
history); the map page is :func:`zjgis.maps.timeline_page`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from zjgis.errors import ValidationError

__all__ = ["register_years", "default_years"]


def default_years(register) -> list[int]:
    """The years the register's history covers, first change to last (inclusive)."""
    history = register.history()
    if history.empty:
        msg = f"{register}: the register has no history, so it has no years to show"
        raise ValidationError(msg)
    years = pd.to_datetime(history["changed_at"], errors="coerce").dt.year.dropna().astype(int)
    return list(range(int(years.min()), int(years.max()) + 1))


def register_years(register, years: list[int] | None = None
                   ) -> tuple[dict[int, gpd.GeoDataFrame], pd.DataFrame]:
    """Parcels as of 31 December of each year, and the counts per status.

    Parameters
    ----------
    register : zjgis.landreserve.Register
    years : list of int, optional
        Default: :func:`default_years`.

    Returns
    -------
    frames : dict of int to GeoDataFrame
        ``Register.as_of(f"{year}-12-31")`` for each year.
    counts : pandas.DataFrame
        One row per year: ``year``, one column per status (Chinese name) with the
        number of parcels, ``合计`` (total) and ``当年计划供应（公顷）`` — the area
        of the parcels whose ``supply_year`` is that year.

    Examples
    --------
    >>> import warnings
    >>> import zjgis.landreserve as lr
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # sample data
    ...     reg, projects, enterprises = lr.load_sample()
    >>> frames, counts = register_years(reg, [2022, 2025])
    >>> int(counts.loc[counts.year == 2025, "合计"].iloc[0]) == len(reg.as_of("2025-12-31"))
    True
    """
    from zjgis.landreserve import STATUS_ZH, STATUSES

    years = sorted(years or default_years(register))
    frames: dict[int, gpd.GeoDataFrame] = {}
    rows = []
    for y in years:
        parcels = register.as_of(f"{y}-12-31")
        frames[y] = parcels
        vc = parcels["status"].value_counts() if len(parcels) else pd.Series(dtype=int)
        row: dict[str, object] = {"year": y}
        for s in STATUSES:
            row[STATUS_ZH[s]] = int(vc.get(s, 0))
        row["合计"] = int(len(parcels))
        planned = parcels[parcels["supply_year"] == y] if len(parcels) else parcels
        row["当年计划供应（公顷）"] = round(float(planned["area_ha"].sum()) if len(planned)
                                     else 0.0, 2)
        rows.append(row)
    return frames, pd.DataFrame(rows)
