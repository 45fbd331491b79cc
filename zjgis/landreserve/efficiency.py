"""Land-use efficiency: output value and tax per 亩 (亩均产值 / 亩均税收).

Shanghai assesses industrial land by what it yields per 亩 ("亩均论英雄").
:func:`efficiency` joins enterprise figures to register parcels and reports the
ratios by parcel, community or street/town, flagging land below thresholds the
planner chooses (zjgis ships no official thresholds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zjgis._log import get_logger
from zjgis._validate import listing, require_columns, require_counts, require_unique
from zjgis.errors import DataQualityWarning, ValidationError

__all__ = ["efficiency"]

log = get_logger(__name__)


def efficiency(
    enterprises: pd.DataFrame,
    parcels: pd.DataFrame,
    *,
    by: str = "parcel",
    year: int | None = None,
    min_output_per_mu: float | None = None,
    min_tax_per_mu: float | None = None,
) -> pd.DataFrame:
    """Output value and tax per 亩 of land (亩均产值, 亩均税收).

    Parameters
    ----------
    enterprises : pandas.DataFrame
        One row per enterprise (and year): ``parcel_id``, ``output_10k_yuan``
        (industrial output value, 万元) and ``tax_10k_yuan`` (tax paid, 万元);
        optional ``year`` and ``enterprise``.  Several enterprises may share a parcel.
    parcels : pandas.DataFrame
        Register parcels with ``parcel_id``, ``area_mu`` and, for grouping,
        ``community`` / ``street_town``.
    by : {"parcel", "community", "street_town"}
        Level of the result.
    year : int, optional
        Keep only enterprise rows of this year (needs a ``year`` column).
    min_output_per_mu, min_tax_per_mu : float, optional
        Thresholds in 万元/亩; rows below either are flagged ``low_efficiency``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parcel_id`` / ``community`` / ``street_town``: ``area_mu``
        (land of the parcels with enterprise data), ``enterprises``,
        ``output_10k_yuan``, ``tax_10k_yuan``, ``output_per_mu`` and
        ``tax_per_mu`` (万元/亩), ``low_output``, ``low_tax``, ``low_efficiency``.

    Raises
    ------
    ValidationError
        Missing columns, unknown ``by``, missing, non-numeric or negative
        figures (never read as 0), a ``parcel_id`` that appears more than once
        in ``parcels`` (its enterprises would be counted once per copy), or a
        parcel with enterprises but no positive ``area_mu``.

    Warns
    -----
    DataQualityWarning
        Enterprise rows naming parcels that are not in ``parcels`` (left out).

    Notes
    -----
    ``output_per_mu = Σ output / Σ area_mu`` over the parcels of a group (a ratio of
    sums, not a mean of ratios, so large parcels weigh in proportion); each
    parcel's area is counted once however many enterprises it hosts.

    Examples
    --------
    On the generated sample register (every figure there is invented):

    >>> import warnings
    >>> from zjgis.landreserve import load_sample
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # SampleDataWarning
    ...     reg, projects, enterprises = load_sample()
    >>> table = efficiency(enterprises, reg.parcels(), by="street_town")
    >>> bool((table["output_per_mu"] > 0).all()), table.attrs["units"]["output_per_mu"]
    (True, '万元/亩')
    """
    import warnings

    if by not in ("parcel", "community", "street_town"):
        msg = f"by must be 'parcel', 'community' or 'street_town', not {by!r}"
        raise ValidationError(msg)
    require_columns(enterprises, ["parcel_id", "output_10k_yuan", "tax_10k_yuan"], "enterprises")
    require_columns(parcels, ["parcel_id", "area_mu"] + ([by] if by != "parcel" else []),
                    "parcels")
    ent = pd.DataFrame(enterprises).copy()
    if year is not None:
        require_columns(ent, ["year"], "enterprises")
        ent = ent[ent["year"] == year]
    id_col = "enterprise" if "enterprise" in ent.columns else None
    for col in ("output_10k_yuan", "tax_10k_yuan"):
        ent[col] = require_counts(ent, col, "enterprises", what=f"{col} (万元)",
                                  id_column=id_col)
    ent["parcel_id"] = ent["parcel_id"].astype(str)
    par = pd.DataFrame(parcels.drop(columns="geometry", errors="ignore")).copy()
    par["parcel_id"] = par["parcel_id"].astype(str)
    require_unique(par, "parcel_id", "parcels")
    par["area_mu"] = pd.to_numeric(par["area_mu"], errors="coerce")
    unknown = ~ent["parcel_id"].isin(set(par["parcel_id"]))
    if unknown.any():
        warnings.warn(
            f"{int(unknown.sum())} enterprise row(s) name parcels not in the register "
            f"({', '.join(ent.loc[unknown, 'parcel_id'].unique()[:5])}); left out",
            DataQualityWarning, stacklevel=2)
        ent = ent[~unknown]
    hosting = par[par["parcel_id"].isin(set(ent["parcel_id"]))]
    no_area = ~(hosting["area_mu"] > 0)
    if no_area.any():
        msg = (f"parcels: {int(no_area.sum())} parcel(s) with enterprise figures have no "
               f"positive area_mu — {listing(list(hosting.loc[no_area, 'parcel_id']))}; "
               "take parcels from the register (Register.parcels) or fill area_mu")
        raise ValidationError(msg)
    per_parcel = ent.groupby("parcel_id").agg(
        enterprises=("parcel_id", "size"),
        output_10k_yuan=("output_10k_yuan", "sum"),
        tax_10k_yuan=("tax_10k_yuan", "sum"),
    )
    keep_cols = ["parcel_id", "area_mu"] + ([by] if by != "parcel" else [])
    joined = par[keep_cols].merge(per_parcel.reset_index(), on="parcel_id", how="inner")
    key = "parcel_id" if by == "parcel" else by
    out = joined.groupby(key).agg(
        area_mu=("area_mu", "sum"),
        enterprises=("enterprises", "sum"),
        output_10k_yuan=("output_10k_yuan", "sum"),
        tax_10k_yuan=("tax_10k_yuan", "sum"),
    )
    area = out["area_mu"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["output_per_mu"] = np.where(area > 0, out["output_10k_yuan"] / area, np.nan)
        out["tax_per_mu"] = np.where(area > 0, out["tax_10k_yuan"] / area, np.nan)
    out["low_output"] = ((out["output_per_mu"] < min_output_per_mu)
                         if min_output_per_mu is not None else False)
    out["low_tax"] = (out["tax_per_mu"] < min_tax_per_mu) if min_tax_per_mu is not None else False
    out["low_efficiency"] = out["low_output"] | out["low_tax"]
    out.attrs["units"] = {"output_per_mu": "万元/亩", "tax_per_mu": "万元/亩"}
    log.info("efficiency by %s: %d rows, %d flagged low", by, len(out),
             int(out["low_efficiency"].sum()))
    return out
