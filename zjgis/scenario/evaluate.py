"""What a decision changes: indicators before and after a scenario, by area.

:func:`evaluate` loads the scenario's base, applies its changes to copies (the
planner's files are never touched) and runs the existing analyses twice:

========================  =====================================================
indicator                 computed by
========================  =====================================================
jobs, workers, ratio,     :func:`zjgis.jobshousing.scenario` (zones) and
balance index             :func:`zjgis.jobshousing.balance` (areas)
minimum commute           :func:`zjgis.jobshousing.scenario` (optimal assignment)
excess commuting          :func:`zjgis.jobshousing.excess_commuting` (before, with OD)
within 300–800 m          :func:`zjgis.transit.station_coverage` (by area)
dead ends, gap dead ends  :func:`zjgis.network.dead_ends`
land supplied per year    :func:`zjgis.landreserve.plan_table` inputs: the register's
                          parcels, their geodesic areas and supply years
========================  =====================================================

Zone counts are carried to the reporting areas (streets/towns, industrial
communities, the 2017 and 2022 outlines) by **area share**: a zone that lies
40 % inside an area gives it 40 % of its jobs and workers (counts are
extensive).  The rule is written into ``result.notes``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import crs as zcrs
from zjgis import io as zio
from zjgis import layers
from zjgis import schema as _schema
from zjgis._validate import listing, require_columns
from zjgis.errors import ValidationError
from zjgis.scenario.spec import Scenario

__all__ = ["ScenarioResult", "evaluate", "outline_comparison", "INDICATORS_ZH", "DEFAULT_UNITS"]

DEFAULT_UNITS = ("streets_towns", "industrial_communities", "science_city_2017",
                 "science_city_2022")
UNIT_SET_ZH = {"zones": "分区", "streets_towns": "街镇", "industrial_communities": "产业社区",
               "science_city_2017": "科学城（2017，约95平方公里）",
               "science_city_2022": "科学城（2022，约220平方公里）", "all": "全部"}
DISTANCES_M = (300, 500, 600, 800)

#: indicator key → (Chinese name, unit)
INDICATORS_ZH: dict[str, tuple[str, str]] = {
    "jobs": ("就业岗位", "个"),
    "workers": ("居住就业人口", "人"),
    "ratio": ("职住比", ""),
    "balance_index": ("职住平衡指数", ""),
    **{f"jobs_in_{d}m": (f"轨道站{d}米内岗位", "个") for d in DISTANCES_M},
    **{f"workers_in_{d}m": (f"轨道站{d}米内居住就业人口", "人") for d in DISTANCES_M},
    "dead_ends": ("断头路端点", "处"),
    "gap_dead_ends": ("可打通断头路（gap）", "处"),
    "minimum_commute_m": ("理论最小平均通勤距离", "米"),
    "observed_commute_m": ("实际平均通勤距离", "米"),
    "excess_commuting_pct": ("过剩通勤", "%"),
    "stations": ("轨道站点", "个"),
}


@dataclass
class ScenarioResult:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    scenario : Scenario
    indicators : pandas.DataFrame
        Long table: ``unit_set``, ``unit`` (area name), ``indicator``,
        ``indicator_zh``, ``unit_of_measure``, ``before``, ``after``, ``change``.
        ``unit_set == "all"`` holds the totals.
    land_supply : pandas.DataFrame
        Land supplied per year before and after (``year``, ``area_ha_before``,
        ``area_ha_after``, ``area_mu_before``, ``area_mu_after``, ``parcels_before``,
        ``parcels_after``); empty without a register.
    layers : dict
        ``{"before": {...}, "after": {...}}`` GeoDataFrames for maps: ``zones``
        (with ``ratio``), ``stations``, ``catchment_800m``, ``dead_ends``,
        ``links``, ``parcels`` — whichever the base has.
    accuracy : dict
        Input name → accuracy class (sample, schematic, derived, official), None
        where the input does not say (shown as 未注明, never as official).
    timings : dict
        Seconds spent in each analysis.
    notes : list of str
        Rules applied (areal weighting …) and inputs missing.
    """

    scenario: Scenario
    indicators: pd.DataFrame
    land_supply: pd.DataFrame
    layers: dict[str, dict[str, gpd.GeoDataFrame]]
    accuracy: dict[str, str | None]
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, unit_set: str = "all") -> pd.DataFrame:
        """The indicators of one set of areas, wide: a row per (unit, indicator)."""
        return self.indicators[self.indicators["unit_set"] == unit_set].reset_index(drop=True)


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str):
        clock = self

        class _Ctx:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                clock.timings[name] = clock.timings.get(name, 0.0) + time.perf_counter() - self.t

        return _Ctx()


def _accuracy_of(gdf: pd.DataFrame | None) -> str | None:
    """The input's accuracy class, None (未注明) when it does not say: never official."""
    return layers.frame_accuracy(gdf)


def _zone_id_column(zones: pd.DataFrame) -> str:
    for c in ("zone", "zone_id", "code", "id"):
        if c in zones.columns:
            return c
    msg = (f"zones have none of the id columns zone, zone_id, code, id; "
           f"they have: {listing(list(zones.columns))}")
    raise ValidationError(msg)


def _load_base(sc: Scenario, notes: list[str]) -> dict[str, Any]:
    import zjgis.jobshousing as jh

    base: dict[str, Any] = {}
    b = sc.base
    with warnings.catch_warnings():
        # the sample/schematic warnings are reported once, as accuracy badges
        warnings.simplefilter("ignore", category=Warning)
        if b.get("zones") == "sample" or b.get("od") == "sample":
            zones, od = jh.load_sample()
            if b.get("zones") == "sample":
                base["zones"] = zones
            if b.get("od") == "sample":
                base["od"] = od
        if b.get("zones") and b["zones"] != "sample":
            base["zones"] = zio.read(sc.resolve(b["zones"]))
        if b.get("od") and b["od"] != "sample":
            od_path = sc.resolve(b["od"])
            od_table = _schema.map_columns(zio.read_table(od_path), "od", name=str(od_path))
            require_columns(od_table, ["home", "work", "count"], f"OD table {od_path}")
            base["od"] = od_table
        if b.get("roads"):
            if b["roads"] == "sample":
                import zjgis.network as zn

                base["roads"] = zio.read(zn.sample_path("roads"))
            else:
                base["roads"] = zio.read(sc.resolve(b["roads"]))
        stations = b.get("stations", "catalog")
        if stations == "catalog":
            base["stations"] = layers.load("rail_stations")
        elif stations:
            base["stations"] = zio.read(sc.resolve(stations))
        if b.get("register"):
            import zjgis.landreserve as lr

            if b["register"] == "sample":
                reg, _, _ = lr.load_sample()
            else:
                reg = lr.Register(sc.resolve(b["register"]))
            base["register"] = reg
            base["parcels"] = reg.parcels()
    if "zones" not in base:
        notes.append("no zones in the base: no jobs–housing or coverage figures")
    return base


def _apply_parcel_changes(sc: Scenario, parcels: gpd.GeoDataFrame | None,
                          zones: gpd.GeoDataFrame | None, zone_id: str | None
                          ) -> tuple[gpd.GeoDataFrame | None, list[dict]]:
    """Parcels after the scenario; zone changes implied by parcel jobs/dwellings."""
    zone_changes: list[dict] = []
    changes = [c for c in sc.changes if c.type == "parcel"]
    if not changes:
        return parcels, zone_changes
    if parcels is None:
        c = changes[0]
        msg = (f"{sc.source}, line {c.line}: {c.label()} changes parcel "
               f"{c.fields['parcel_id']!r} but the scenario has no register "
               f"([base] register = \"…\")")
        raise ValidationError(msg)
    from zjgis.landreserve import normalize_status

    after = parcels.copy()
    ids = after["parcel_id"].astype(str)
    for c in changes:
        pid = str(c.fields["parcel_id"])
        hit = np.nonzero((ids == pid).to_numpy())[0]
        if hit.size == 0:
            msg = (f"{sc.source}, line {c.line}: {c.label()}: parcel {pid!r} is not in the "
                   f"register (it has e.g. {listing(list(ids[:5]))})")
            raise ValidationError(msg)
        row = after.index[hit[0]]
        if "status" in c.fields:
            after.loc[row, "status"] = normalize_status(c.fields["status"])
        if "supply_year" in c.fields:
            after.loc[row, "supply_year"] = int(c.fields["supply_year"])
        extra = {k: c.fields[k] for k in ("jobs", "workers", "dwellings") if k in c.fields}
        if extra:
            if zones is None or zone_id is None:
                msg = (f"{sc.source}, line {c.line}: {c.label()} adds "
                       f"{', '.join(extra)} but the scenario has no zones")
                raise ValidationError(msg)
            pt = after.geometry.loc[row].representative_point()
            inside = zones.geometry.contains(pt).to_numpy()
            if not inside.any():
                msg = (f"{sc.source}, line {c.line}: {c.label()}: parcel {pid!r} lies in "
                       f"no zone of the base")
                raise ValidationError(msg)
            zone_changes.append({"zone": zones[zone_id].iloc[int(np.argmax(inside))], **extra})
    return after, zone_changes


def _apply_station_changes(sc: Scenario, stations: gpd.GeoDataFrame | None
                           ) -> gpd.GeoDataFrame | None:
    changes = [c for c in sc.changes if c.type == "station"]
    if not changes:
        return stations
    if stations is None:
        msg = f"{sc.source}: station changes but the base has no stations"
        raise ValidationError(msg)
    after = stations.copy()
    name_col = "station" if "station" in after.columns else "name"
    for c in changes:
        name = str(c.fields["station"])
        if c.fields["action"] == "remove":
            hit = after[name_col].astype(str) == name
            if not hit.any():
                msg = (f"{sc.source}, line {c.line}: {c.label()}: no station named {name!r} "
                       f"to remove")
                raise ValidationError(msg)
            after = after[~hit]
        else:
            row = gpd.GeoDataFrame(
                {name_col: [name], "line": [c.fields.get("line", "")],
                 "accuracy": ["schematic"]},
                geometry=[shapely.Point(c.fields["lon"], c.fields["lat"])], crs="EPSG:4326",
            ).to_crs(after.crs)
            after = pd.concat([after, row], ignore_index=True)
    return gpd.GeoDataFrame(after, geometry="geometry", crs=stations.crs)


def _apply_link_changes(sc: Scenario, roads: gpd.GeoDataFrame | None, candidates
                        ) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    changes = [c for c in sc.changes if c.type == "link"]
    if not changes:
        return roads, None
    if roads is None:
        msg = f"{sc.source}: link changes but the base has no roads ([base] roads = \"…\")"
        raise ValidationError(msg)
    geoms, names = [], []
    for c in changes:
        if "missing_link" in c.fields:
            link_id = c.fields["missing_link"]
            if candidates is None or not len(candidates):
                msg = (f"{sc.source}, line {c.line}: {c.label()}: no missing-link candidates "
                       f"were found in the base roads")
                raise ValidationError(msg)
            key = next((k for k in ("link_id", "rank") if k in candidates.columns), None)
            ids = candidates[key] if key else pd.Series(candidates.index, index=candidates.index)
            hit = ids.astype(str) == str(link_id)
            if not hit.any():
                msg = (f"{sc.source}, line {c.line}: {c.label()}: missing link {link_id!r} is "
                       f"not among the candidates (ids: {listing(list(ids.astype(str)))})")
                raise ValidationError(msg)
            geoms.append(candidates.to_crs(roads.crs).geometry[hit].iloc[0])
        else:
            line = gpd.GeoSeries([shapely.LineString(c.fields["coordinates"])],
                                 crs="EPSG:4326").to_crs(roads.crs)
            geoms.append(line.iloc[0])
        names.append(str(c.fields.get("name", f"scenario link {c.index}")))
    links = gpd.GeoDataFrame({"name": names, "accuracy": "schematic"}, geometry=geoms,
                             crs=roads.crs)
    after = pd.concat([roads, links], ignore_index=True)
    return gpd.GeoDataFrame(after, geometry="geometry", crs=roads.crs), links


def _unit_frames(unit_names, zones: gpd.GeoDataFrame | None,
                 zone_id: str | None) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for name in unit_names:
            if name == "zones":
                if zones is None or zone_id is None:
                    msg = "units = [\"zones\"] needs zones in the base"
                    raise ValidationError(msg)
                out[name] = gpd.GeoDataFrame({"unit": zones[zone_id].astype(str).to_numpy()},
                                             geometry=zones.geometry.to_numpy(), crs=zones.crs)
                continue
            if name not in layers.layer_names():
                msg = (f"unit {name!r} is not a catalog layer; use one of "
                       f"{listing(['zones', *layers.layer_names()])}")
                raise ValidationError(msg)
            g = layers.load(name)
            label = "name" if "name" in g.columns else g.columns[0]
            out[name] = gpd.GeoDataFrame({"unit": g[label].astype(str).to_numpy()},
                                         geometry=g.geometry.to_numpy(), crs=g.crs)
    return out


def _share_matrix(zones: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """share[i, j]: fraction of zone j's area inside unit i (planar, metric CRS)."""
    zm = zcrs.to_metric(zones[[zones.geometry.name]])
    um = zcrs.to_metric(units[[units.geometry.name]])
    za = np.asarray(shapely.area(zm.geometry.values))
    zg, ug = np.asarray(zm.geometry.values), np.asarray(um.geometry.values)
    tree = shapely.STRtree(zg)
    ui, zj = tree.query(ug, predicate="intersects")
    share = np.zeros((len(units), len(zones)))
    if ui.size:
        inter = shapely.area(shapely.intersection(ug[ui], zg[zj]))
        with np.errstate(invalid="ignore", divide="ignore"):
            share[ui, zj] = np.where(za[zj] > 0, inter / za[zj], 0.0)
    return share


def evaluate(scenario: Scenario, *, units: tuple[str, ...] | list[str] | None = None
             ) -> ScenarioResult:
    """Indicators before and after a scenario, per area and in total.

    Parameters
    ----------
    scenario : Scenario
        From :func:`zjgis.scenario.read_scenario` or :func:`parse_scenario`.
    units : sequence of str, optional
        Catalog layers to report by (default: the scenario's ``[base] units``, else
        streets/towns, industrial communities, the 2017 and the 2022 outlines).

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> from zjgis.scenario import parse_scenario, evaluate
    >>> sc = parse_scenario('''
    ... name = "花木街道新增岗位"
    ... [base]
    ... zones = "sample"
    ... units = ["science_city_2022"]
    ... [[changes]]
    ... type = "zone"
    ... zone = "310115016"
    ... jobs = 5000
    ... ''')
    >>> r = evaluate(sc)
    >>> row = r.table("all").set_index("indicator").loc["jobs"]
    >>> float(row["change"])
    5000.0
    """
    import zjgis.jobshousing as jh
    import zjgis.network as zn
    import zjgis.transit as zt

    sc = scenario
    notes: list[str] = []
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    with clock("load"):
        base = _load_base(sc, notes)
    zones: gpd.GeoDataFrame | None = base.get("zones")
    zone_id = _zone_id_column(zones) if zones is not None else None
    accuracy = {k: _accuracy_of(v) for k, v in base.items()
                if isinstance(v, pd.DataFrame)}

    # --- changes --------------------------------------------------------------------
    parcels_after, parcel_zone_changes = _apply_parcel_changes(sc, base.get("parcels"),
                                                               zones, zone_id)
    stations_before = base.get("stations")
    stations_after = _apply_station_changes(sc, stations_before)
    roads = base.get("roads")
    dead_before = links_before = None
    if roads is not None:
        with clock("dead_ends"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=Warning)
                graph = zn.build_graph(roads)
                dead_before = zn.dead_ends(graph)
        if any(c.type == "link" and "missing_link" in c.fields for c in sc.changes):
            with clock("missing_links"), warnings.catch_warnings():
                warnings.simplefilter("ignore", category=Warning)
                links_before = zn.missing_links(graph, dead_ends=dead_before)
    roads_after, added_links = _apply_link_changes(sc, roads, links_before)
    dead_after = dead_before
    if added_links is not None:
        with clock("dead_ends"), warnings.catch_warnings():
            warnings.simplefilter("ignore", category=Warning)
            dead_after = zn.dead_ends(zn.build_graph(roads_after))

    zone_changes = [dict(zone=c.fields["zone"], **{k: c.fields[k] for k in
                                                    ("jobs", "workers", "dwellings")
                                                    if k in c.fields})
                    for c in sc.changes if c.type == "zone"] + parcel_zone_changes

    rows: list[dict] = []

    def add(unit_set: str, unit: str, key: str, before: float, after: float) -> None:
        zh, uom = INDICATORS_ZH.get(key, (key, ""))
        rows.append({"unit_set": unit_set, "unit_set_zh": UNIT_SET_ZH.get(unit_set, unit_set),
                     "unit": unit, "indicator": key, "indicator_zh": zh,
                     "unit_of_measure": uom, "before": float(before), "after": float(after),
                     "change": float(after) - float(before)})

    unit_names = list(units or sc.base.get("units") or DEFAULT_UNITS)
    unit_frames = _unit_frames(unit_names, zones, zone_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        for name in unit_names:
            if name != "zones":
                accuracy[name] = _accuracy_of(layers.load(name))
    layers_out: dict[str, dict[str, gpd.GeoDataFrame]] = {"before": {}, "after": {}}

    # --- jobs–housing ---------------------------------------------------------------
    shares: dict[str, np.ndarray] = {}
    if zones is not None:
        known = set(zones[zone_id].astype(str))
        for ch in zone_changes:
            if str(ch["zone"]) not in known:
                msg = (f"{sc.source}: zone {ch['zone']!r} is not in the base zones "
                       f"(e.g. {listing(sorted(known))})")
                raise ValidationError(msg)
        z = zones.copy()
        z[zone_id] = z[zone_id].astype(str)
        change_frame = pd.DataFrame([{**c, "zone": str(c["zone"])} for c in zone_changes]) \
            if zone_changes else pd.DataFrame({"zone": [], "jobs": []})
        with clock("jobs_housing"), warnings.catch_warnings():
            warnings.simplefilter("ignore", category=Warning)
            js = jh.scenario(z, changes=change_frame, zone_id=zone_id,
                             workers_per_dwelling=sc.workers_per_dwelling)
        per_zone = js.zones
        jobs_b = per_zone["jobs_before"].to_numpy(float)
        jobs_a = per_zone["jobs_after"].to_numpy(float)
        work_b = per_zone["workers_before"].to_numpy(float)
        work_a = per_zone["workers_after"].to_numpy(float)
        for state, jobs_v, work_v in (("before", jobs_b, work_b), ("after", jobs_a, work_a)):
            zl = gpd.GeoDataFrame({"zone": z[zone_id].to_numpy(), "jobs": jobs_v,
                                   "workers": work_v, "accuracy": accuracy.get("zones")},
                                  geometry=z.geometry.to_numpy(), crs=z.crs)
            if "name" in z.columns:
                zl.insert(1, "name", z["name"].to_numpy())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=Warning)
                layers_out[state]["zones"] = jh.balance(zl, jobs="jobs", workers="workers")
        s = js.summary
        add("all", "全部", "jobs", s["jobs_before"], s["jobs_after"])
        add("all", "全部", "workers", s["workers_before"], s["workers_after"])
        add("all", "全部", "minimum_commute_m", js.minimum_before.mean, js.minimum_after.mean)
        if "od" in base:
            with clock("excess_commuting"), warnings.catch_warnings():
                warnings.simplefilter("ignore", category=Warning)
                cost = jh.cost_matrix(z, zone_id=zone_id)
                ex = jh.excess_commuting(base["od"].astype({"home": str, "work": str}), cost)
            obs = float(getattr(ex, "observed", np.nan))
            pct = float(getattr(ex, "excess_pct", np.nan))
            add("all", "全部", "observed_commute_m", obs, obs)
            add("all", "全部", "excess_commuting_pct", pct, pct)
            notes.append("observed commute and excess commuting are of the base OD table; "
                         "a scenario changes the minimum commute, not the observed trips")
        with clock("areas"):
            for uset, uf in unit_frames.items():
                share = shares[uset] = _share_matrix(z, uf)
                for state, jobs_v, work_v in (("before", jobs_b, work_b),
                                              ("after", jobs_a, work_a)):
                    agg = gpd.GeoDataFrame({"unit": uf["unit"], "jobs": share @ jobs_v,
                                            "workers": share @ work_v},
                                           geometry=uf.geometry, crs=uf.crs)
                    layers_out[state][f"units_{uset}"] = agg
                b_agg = layers_out["before"][f"units_{uset}"]
                a_agg = layers_out["after"][f"units_{uset}"]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=Warning)
                    bb = jh.balance(b_agg, jobs="jobs", workers="workers")
                    ab = jh.balance(a_agg, jobs="jobs", workers="workers")
                for i in range(len(uf)):
                    name = str(uf["unit"].iloc[i])
                    if b_agg["jobs"].iloc[i] + b_agg["workers"].iloc[i] <= 0 and \
                            a_agg["jobs"].iloc[i] + a_agg["workers"].iloc[i] <= 0:
                        continue
                    for key, frame_b, frame_a in (("jobs", b_agg, a_agg),
                                                  ("workers", b_agg, a_agg),
                                                  ("ratio", bb, ab),
                                                  ("balance_index", bb, ab)):
                        add(uset, name, key, frame_b[key].iloc[i], frame_a[key].iloc[i])
        notes.append("zone jobs and workers are carried to the reporting areas by area share "
                     "(a zone 40 % inside an area gives it 40 % of its counts)")

    # --- station coverage -----------------------------------------------------------
    # once per state on the zones (each zone's own density), then carried to the
    # reporting areas by the same area shares as the counts
    if stations_before is not None and stations_after is not None and zones is not None:
        with clock("coverage"):
            x0, y0, x1, y1 = zones.to_crs("EPSG:4326").total_bounds
            pad = 0.02  # ≈ 2 km: stations farther from every zone cover nothing in 800 m
            cover: dict[str, pd.DataFrame] = {}
            for state, st in (("before", stations_before), ("after", stations_after)):
                near = st.to_crs("EPSG:4326").cx[x0 - pad:x1 + pad, y0 - pad:y1 + pad]
                zl = layers_out[state]["zones"][["zone", "jobs", "workers", "geometry"]]
                layers_out[state]["stations"] = near
                if len(near) == 0:
                    cover[state] = pd.DataFrame(0.0, index=zl.index, columns=[
                        f"{w}_in_{d}m" for w in ("jobs", "population") for d in DISTANCES_M])
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=Warning)
                    cov = zt.station_coverage(near, zones=zl, population="workers",
                                              jobs="jobs", distances_m=DISTANCES_M)
                cover[state] = cov.zones
                areas = cov.areas
                layers_out[state]["catchment_800m"] = areas[
                    areas["distance_m"] == 800].reset_index(drop=True)
            for d in DISTANCES_M:
                for key, col in ((f"jobs_in_{d}m", f"jobs_in_{d}m"),
                                 (f"workers_in_{d}m", f"population_in_{d}m")):
                    vb = cover["before"][col].to_numpy(float)
                    va = cover["after"][col].to_numpy(float)
                    add("all", "全部", key, vb.sum(), va.sum())
                    for uset, uf in unit_frames.items():
                        sb, sa = shares[uset] @ vb, shares[uset] @ va
                        ub = layers_out["before"][f"units_{uset}"]
                        ua = layers_out["after"][f"units_{uset}"]
                        for i in range(len(uf)):
                            if ub["jobs"].iloc[i] + ub["workers"].iloc[i] + ua["jobs"].iloc[i] \
                                    + ua["workers"].iloc[i] <= 0:
                                continue
                            add(uset, str(uf["unit"].iloc[i]), key, sb[i], sa[i])
        add("all", "全部", "stations", len(stations_before), len(stations_after))
        notes.append("station coverage is computed per zone (buffer catchments, areal "
                     "weighting inside each zone) and carried to the areas by area share")

    # --- dead ends ------------------------------------------------------------------
    if dead_before is not None and dead_after is not None:
        gap_b = int((dead_before["kind"] == "gap").sum()) if "kind" in dead_before else 0
        gap_a = int((dead_after["kind"] == "gap").sum()) if "kind" in dead_after else 0
        add("all", "全部", "dead_ends", len(dead_before), len(dead_after))
        add("all", "全部", "gap_dead_ends", gap_b, gap_a)
        layers_out["before"]["dead_ends"] = dead_before
        layers_out["after"]["dead_ends"] = dead_after
        if added_links is not None:
            layers_out["after"]["links"] = added_links
        for uset, uf in unit_frames.items():
            for i in range(len(uf)):
                geom = uf.geometry.iloc[i]
                nb = int(dead_before.to_crs(uf.crs).within(geom).sum())
                na = int(dead_after.to_crs(uf.crs).within(geom).sum())
                if nb or na:
                    add(uset, str(uf["unit"].iloc[i]), "dead_ends", nb, na)

    # --- land supply ----------------------------------------------------------------
    supply = pd.DataFrame()
    parcels_before = base.get("parcels")
    if parcels_before is not None:
        with clock("land_supply"):
            supply = _land_supply(parcels_before, parcels_after, sc.years)
        layers_out["before"]["parcels"] = parcels_before
        layers_out["after"]["parcels"] = parcels_after

    indicators = pd.DataFrame(rows, columns=["unit_set", "unit_set_zh", "unit", "indicator",
                                             "indicator_zh", "unit_of_measure", "before",
                                             "after", "change"])
    return ScenarioResult(scenario=sc, indicators=indicators, land_supply=supply,
                          layers=layers_out, accuracy=accuracy, timings=timings, notes=notes)


def _land_supply(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame,
                 years: list[int]) -> pd.DataFrame:
    """Hectares and mu supplied per year, from the register's own areas and statuses."""
    from zjgis.landreserve import NOT_SUPPLIED

    def per_year(p: gpd.GeoDataFrame) -> pd.DataFrame:
        supplied = p[~p["status"].isin(NOT_SUPPLIED) & p["supply_year"].notna()]
        g = supplied.groupby(supplied["supply_year"].astype(int))
        return pd.DataFrame({"area_ha": g["area_ha"].sum(), "area_mu": g["area_mu"].sum(),
                             "parcels": g.size()})

    def planned(p: gpd.GeoDataFrame) -> pd.DataFrame:
        plan = p[p["supply_year"].notna()]
        g = plan.groupby(plan["supply_year"].astype(int))
        return pd.DataFrame({"area_ha": g["area_ha"].sum(), "area_mu": g["area_mu"].sum(),
                             "parcels": g.size()})

    b, a = planned(before), planned(after)
    all_years = sorted(set(b.index) | set(a.index) | set(years or []))
    out = pd.DataFrame({"year": all_years})
    for state, frame in (("before", b), ("after", a)):
        frame = frame.reindex(all_years).fillna(0)
        out[f"area_ha_{state}"] = frame["area_ha"].to_numpy()
        out[f"area_mu_{state}"] = frame["area_mu"].to_numpy()
        out[f"parcels_{state}"] = frame["parcels"].to_numpy().astype(int)
    out["area_ha_change"] = out["area_ha_after"] - out["area_ha_before"]
    _ = per_year  # supplied-only variant kept for the report's footnote
    return out


def outline_comparison(result: ScenarioResult, *, state: str = "before") -> pd.DataFrame:
    """The "扩区" view: every indicator for the 2017 (95 km²) and 2022 (220 km²) outlines.

    Parameters
    ----------
    result : ScenarioResult
        Evaluated with both outlines among its units (the default).
    state : {"before", "after"}

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``indicator_zh``, ``science_city_2017``, ``science_city_2022``,
        ``difference`` (2022 minus 2017).
    """
    t = result.indicators
    t = t[t["unit_set"].isin(["science_city_2017", "science_city_2022"])]
    if t.empty:
        msg = "the result has no figures for the 2017 and 2022 outlines: evaluate with them"
        raise ValidationError(msg)
    wide = t.pivot_table(index=["indicator", "indicator_zh"], columns="unit_set",
                         values=state, aggfunc="sum").reset_index()
    for col in ("science_city_2017", "science_city_2022"):
        if col not in wide:
            wide[col] = np.nan
    wide["difference"] = wide["science_city_2022"] - wide["science_city_2017"]
    order = {k: i for i, k in enumerate(INDICATORS_ZH)}
    wide = wide.sort_values("indicator", key=lambda s: s.map(order)).reset_index(drop=True)
    wide.columns.name = None
    return wide
