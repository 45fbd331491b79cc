"""Run zjgis benchmarks: ``python benchmarks/run.py [-k PATTERN] [--list]``.

Each case runs in its own subprocess so that peak memory (ru_maxrss) belongs
to that case alone.  Results are appended as JSON lines to
``benchmarks/results/results.jsonl`` and summarised as a table.

A case's target is checked against its best time, or — for cases that also
time a floor and peers in the same run — against the zjgis figure it returns
as ``zjgis_s`` (and ``zjgis_peak_mb`` against its ``memory_target_mb``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "results.jsonl"
sys.path.insert(0, str(HERE))

import _harness  # noqa: E402


def _load_all() -> None:
    for path in sorted(HERE.glob("bench_*.py")):
        importlib.import_module(path.stem)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for dist in ("zjgis", "numpy", "shapely", "geopandas", "pyproj", "scipy", "networkx",
                 "folium", "pot", "pandas"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return out


def _machine() -> dict[str, object]:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "cpu": cpu,
            "platform": platform.platform()}


def run_one(name: str) -> dict[str, object]:
    """Run one case in this process and return its record."""
    _load_all()
    c = _harness.CASES[name]
    data = c.setup() if c.setup else None
    gc.collect()
    rss_before = _rss_mb()
    times = []
    extra: dict[str, object] = {}
    for _ in range(max(1, c.repeat)):
        t0 = time.perf_counter()
        result = c.func(data) if c.setup else c.func()
        times.append(time.perf_counter() - t0)
        if isinstance(result, dict):
            extra = result
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = min(times)
    # a case that times the floor and the peers too reports zjgis alone as zjgis_s
    timed = float(extra["zjgis_s"]) if isinstance(extra.get("zjgis_s"), int | float) else best
    return {
        "name": name,
        "module": c.module,
        "seconds": round(best, 4),
        "times": [round(t, 4) for t in times],
        "peak_rss_mb": round(peak, 1),
        "rss_growth_mb": round(max(0.0, peak - rss_before), 1),
        "target_s": c.target_s,
        "met": None if c.target_s is None else timed <= c.target_s and bool(
            extra.get("memory_met", True)),
        "extra": extra,
        "note": c.note,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "machine": _machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", default="", help="run cases whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list cases and exit")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--no-save", action="store_true", help="do not append to results")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one), ensure_ascii=False))
        return 0
    _load_all()
    names = [n for n in _harness.CASES if args.k in n]
    if args.list:
        print("\n".join(names))
        return 0
    records = []
    for name in names:
        print(f"… {name}", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True,
                              text=True, cwd=HERE)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            records.append({"name": name, "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        rec = json.loads(proc.stdout.strip().splitlines()[-1])
        records.append(rec)
        if not args.no_save:
            RESULTS.parent.mkdir(exist_ok=True)
            with open(RESULTS, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"\n{'case':<52} {'seconds':>9} {'target':>7} {'peak MB':>8}  extra")
    for r in records:
        if "error" in r:
            print(f"{r['name']:<52} ERROR {r['error']}")
            continue
        tgt = "" if r["target_s"] is None else f"{r['target_s']:g}"
        ok = "" if r["met"] is None else (" ok" if r["met"] else " MISSED")
        extra = ", ".join(f"{k}={v}" for k, v in r["extra"].items())
        print(f"{r['name']:<52} {r['seconds']:>9.3f} {tgt:>7}{ok} "
              f"{r['peak_rss_mb']:>8.0f}  {extra}")
    return 1 if any("error" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
