"""Benchmarks of zjgis.jobshousing: exact excess commuting and OD aggregation throughput.

Targets (issue 7, 2-core machine): excess commuting of 1,000 × 1,000 zones < 1 s
(minimum + maximum + random commute, i.e. two transportation problems); 5,000 zones
reported with peak memory; OD aggregation in rows/s for pandas and dask on 10⁷ rows.
Solver comparison on one 200 × 200 instance: POT network simplex, scipy HiGHS, networkx.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _harness import case

from zjgis import jobshousing


def _instance(n: int, commuters_per_zone: int = 2_000, seed: int = 0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 40_000, (n, 2))
    ids = [f"z{i}" for i in range(n)]
    cost = pd.DataFrame(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)),
                        index=ids, columns=ids)
    # OD: each zone sends its workers to 20 random zones (sparse, like real OD tables)
    k = 20
    home = np.repeat(np.arange(n), k)
    work = rng.integers(0, n, n * k)
    count = rng.integers(1, 2 * commuters_per_zone // k, n * k)
    od = pd.DataFrame({"home": np.asarray(ids)[home], "work": np.asarray(ids)[work],
                       "count": count})
    return od, cost


def _setup_1000():
    return _instance(1_000)


def _setup_5000():
    return _instance(5_000)


@case("jobshousing.excess_commuting[1000x1000]", setup=_setup_1000, target_s=1.0, repeat=3)
def excess_1000(data):
    od, cost = data
    res = jobshousing.excess_commuting(od, cost)
    return {"zones": len(cost), "commuters": int(res.commuters),
            "excess_pct": round(res.excess_pct, 2), "cpu": round(res.cpu, 2)}


@case("jobshousing.minimum_commute[1000x1000]", setup=_setup_1000, target_s=0.5, repeat=3)
def minimum_1000(data):
    od, cost = data
    o = od.groupby("home")["count"].sum()
    d = od.groupby("work")["count"].sum()
    res = jobshousing.minimum_commute(o, d, cost)
    return {"zones": len(cost), "mean_m": round(res.mean, 1)}


@case("jobshousing.excess_commuting[5000x5000]", setup=_setup_5000, repeat=1,
      note="peak memory is the figure of interest (cost matrix 200 MB + solver)")
def excess_5000(data):
    od, cost = data
    res = jobshousing.excess_commuting(od, cost)
    return {"zones": len(cost), "commuters": int(res.commuters),
            "excess_pct": round(res.excess_pct, 2)}


def _setup_solvers():
    od, cost = _instance(200, seed=1)
    o = od.groupby("home")["count"].sum()
    d = od.groupby("work")["count"].sum()
    # warm up: import POT and scipy.optimize outside the timed part
    small = cost.iloc[:3, :3]
    ones = pd.Series(1.0, index=small.index)
    jobshousing.minimum_commute(ones, ones, small)
    jobshousing.minimum_commute(ones, ones, small, solver="linprog")
    return o, d, cost


@case("jobshousing.solvers[200x200]", setup=_setup_solvers, repeat=1,
      note="same instance: POT emd vs scipy HiGHS dual simplex vs networkx min_cost_flow")
def solvers_200(data):
    import networkx as nx

    o, d, cost = data
    t0 = time.perf_counter()
    emd = jobshousing.minimum_commute(o, d, cost)
    t_emd = time.perf_counter() - t0
    t0 = time.perf_counter()
    lp = jobshousing.minimum_commute(o, d, cost, solver="linprog")
    t_lp = time.perf_counter() - t0
    t0 = time.perf_counter()
    g = nx.DiGraph()
    for i, v in o.items():
        g.add_node(("h", i), demand=-int(v))
    for j, v in d.items():
        g.add_node(("w", j), demand=int(v))
    c = cost.loc[o.index, d.index]
    for i in o.index:
        row = c.loc[i]
        for j in d.index:
            g.add_edge(("h", i), ("w", j), weight=int(round(row[j])))  # metres, integer
    nx_total = nx.min_cost_flow_cost(g)
    t_nx = time.perf_counter() - t0
    return {"emd_s": round(t_emd, 3), "linprog_s": round(t_lp, 3), "networkx_s": round(t_nx, 3),
            "emd_total": round(emd.total), "linprog_total": round(lp.total),
            "networkx_total_rounded_costs": nx_total}


def _setup_od_rows():
    rng = np.random.default_rng(3)
    n = 10_000_000
    zones = 1_000
    return pd.DataFrame({"home": rng.integers(0, zones, n, dtype=np.int32),
                         "work": rng.integers(0, zones, n, dtype=np.int32),
                         "count": rng.integers(1, 5, n).astype(np.float32)})


@case("jobshousing.aggregate_od[pandas,1e7 rows]", setup=_setup_od_rows, repeat=2)
def aggregate_pandas(od):
    t0 = time.perf_counter()
    agg = jobshousing.aggregate_od(od)
    dt = time.perf_counter() - t0
    return {"rows": len(od), "pairs": len(agg), "rows_per_s": round(len(od) / dt)}


@case("jobshousing.aggregate_od[dask,1e7 rows]", setup=_setup_od_rows, repeat=2,
      note="dask threaded scheduler, 16 partitions, data already in memory")
def aggregate_dask(od):
    import dask.dataframe as dd

    lazy = dd.from_pandas(od, npartitions=16)
    t0 = time.perf_counter()
    agg = jobshousing.aggregate_od(lazy)
    dt = time.perf_counter() - t0
    return {"rows": len(od), "pairs": len(agg), "rows_per_s": round(len(od) / dt)}
