"""The lifecycle of a land-reserve parcel: statuses, their names, the allowed moves.

This module is the one home of the status vocabulary; the register, the plan
table, the map styles and project matching all import it (and not each other).

Lifecycle (:data:`TRANSITIONS`)::

    pre_acquisition 预收储 → acquired 收储 → reserved 储备 → supplied 供应/出让
        → under_construction 在建 → in_production 投产
    supplied → reserved   (收回: idle supplied land taken back into the reserve)

Statuses are stored as the English keys; :data:`STATUS_ZH` and
:data:`STATUS_EN` are display labels, and :func:`normalize_status` reads a key,
a label or a common synonym (:data:`STATUS_SYNONYMS`).

Examples
--------
>>> import warnings
>>> from zjgis.landreserve import lifecycle, load_sample
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # SampleDataWarning: generated sample data
...     reg, _, _ = load_sample()
>>> bool(reg.parcels()["status"].map(lifecycle.normalize_status).isin(lifecycle.STATUSES).all())
True
>>> lifecycle.normalize_status("储备")
'reserved'
>>> lifecycle.next_statuses("supplied")
('reserved', 'under_construction')
>>> lifecycle.STATUS_ZH[lifecycle.normalize_status(" 在建 ")]
'在建'
"""

from __future__ import annotations

from zjgis._validate import blank
from zjgis.errors import LifecycleError

__all__ = [
    "STATUSES",
    "STATUS_ZH",
    "STATUS_EN",
    "STATUS_COLOURS",
    "STATUS_SYNONYMS",
    "NOT_SUPPLIED",
    "TRANSITIONS",
    "normalize_status",
    "next_statuses",
    "require_transition",
    "status_choices",
    "unknown_status_text",
]

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
def status_choices() -> str:
    """The statuses as a refusal lists them: Chinese label first, then the key.

    >>> status_choices().split("、")[:2]
    ['预收储 (pre_acquisition)', '收储 (acquired)']
    """
    return "、".join(f"{STATUS_ZH[s]} ({s})" for s in STATUSES)


def unknown_status_text(value: object) -> str:
    """Why ``value`` is no status: empty, or not a known label, with the choices."""
    said = "no status (状态 is empty)" if blank(value) else f"unknown status {value!r}"
    return f"{said}; expected one of {status_choices()}"


#: Other spellings planners use for a status (Chinese or English) → status key.
STATUS_SYNONYMS: dict[str, str] = {
    "供应": "supplied",
    "出让": "supplied",
    "已出让": "supplied",
    "已供应": "supplied",
    "已供地": "supplied",
    "供地": "supplied",
    "拟收储": "pre_acquisition",
    "待收储": "pre_acquisition",
    "计划收储": "pre_acquisition",
    "已收储": "acquired",
    "已储备": "reserved",
    "储备中": "reserved",
    "待供应": "reserved",
    "已开工": "under_construction",
    "开工建设": "under_construction",
    "建设中": "under_construction",
    "已投产": "in_production",
    "竣工投产": "in_production",
}
#: Statuses of land the reserve still holds, not yet supplied (预收储, 收储, 储备).
NOT_SUPPLIED: tuple[str, ...] = STATUSES[:3]
#: Map colours of the statuses (sequential: light = early, dark = producing).
STATUS_COLOURS: dict[str, str] = {
    "pre_acquisition": "#F0E442",  # Okabe & Ito 2008 colour-blind-safe palette: yellow,
    "acquired": "#E69F00",  # orange, vermillion (the three pre-supply steps also differ
    "reserved": "#D55E00",  # in lightness, L* 89 / 71 / 54), sky blue, bluish green, blue;
    "supplied": "#56B4E9",  # checked under simulated deuteranopia, protanopia and
    "under_construction": "#009E73",  # tritanopia in tests/test_maps_colours.py
    "in_production": "#0072B2",
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


def _lookup() -> dict[str, str]:
    table = {k.casefold(): k for k in STATUSES}
    for labels in (STATUS_EN, STATUS_ZH):
        table.update({v.casefold(): k for k, v in labels.items()})
    table.update({k.casefold(): v for k, v in STATUS_SYNONYMS.items()})
    return table


def normalize_status(value: object) -> str | None:
    """Return the status key of a key, label or synonym, else None.

    Parameters
    ----------
    value : object
        ``"reserved"``, ``"储备"``, ``"reserved"`` with spaces around it,
        ``"出让"`` …; anything that is not a string gives None.

    Returns
    -------
    str or None
        One of :data:`STATUSES`, or None when ``value`` names no status.

    Examples
    --------
    >>> normalize_status("储备"), normalize_status("出让"), normalize_status("sold")
    ('reserved', 'supplied', None)
    """
    if not isinstance(value, str):
        return None
    return _lookup().get(value.strip().casefold())


def next_statuses(status: str) -> tuple[str, ...]:
    """The statuses a parcel in ``status`` may move to, in lifecycle order.

    Examples
    --------
    >>> next_statuses("reserved"), next_statuses("in_production")
    (('supplied',), ())
    """
    allowed = TRANSITIONS.get(status, frozenset())
    return tuple(s for s in STATUSES if s in allowed)


def require_transition(parcel_id: object, status: object, to: object) -> str:
    """Return the status key ``to`` names when a parcel in ``status`` may move there.

    Parameters
    ----------
    parcel_id : object
        Named in the error message.
    status : object
        The current status (a key as stored; a label or synonym is read too).
    to : object
        The wanted status (key, label or synonym).

    Returns
    -------
    str
        The target status key.

    Raises
    ------
    LifecycleError
        ``to`` names no status, the current status is unknown (e.g. typed
        into the file outside zjgis), or the move is not in :data:`TRANSITIONS`.

    Examples
    --------
    >>> require_transition("P1", "reserved", "供应")
    'supplied'
    >>> require_transition("P1", "reserved", "投产")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zjgis.errors.LifecycleError: P1: cannot go from reserved (储备) to in_production ...
    """
    target = normalize_status(to)
    if target is None:
        msg = f"{parcel_id}: {unknown_status_text(to)}"
        raise LifecycleError(msg)
    current = normalize_status(status)
    if current is None:
        msg = (f"{parcel_id}: the stored status {status!r} is not a lifecycle status "
               "(edited outside zjgis?); set it back to one of "
               f"{', '.join(STATUSES)} in QGIS, then retry")
        raise LifecycleError(msg)
    allowed = next_statuses(current)
    if target not in allowed:
        nxt = " or ".join(f"{s} ({STATUS_ZH[s]})" for s in allowed) or "nothing"
        msg = (f"{parcel_id}: cannot go from {current} ({STATUS_ZH[current]}) to "
               f"{target} ({STATUS_ZH[target]}); from {current} it can go to {nxt}")
        raise LifecycleError(msg)
    return target
