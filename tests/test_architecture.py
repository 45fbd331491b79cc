"""One-way dependencies between zjgis modules (DESIGN.md, STYLE.md §3).

core (errors, _version → _log, _data, _fonts → crs → _validate → schema → io → _csgraph)
→ layers → { analyses (network → transit, network → jobshousing; raster → landreserve)
‖ maps } → scenario → cli.
A module may import only modules to its left; analyses and maps never import
each other; no file imports a file that (directly or through others) imports it
back, inside a package too.  The test parses imports with ``ast`` (nothing is
executed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "zjgis"

# rank: a module may import modules of strictly lower rank (or its own group, see below)
RANK = {
    "zjgis._version": -1,
    "zjgis.errors": -1,
    "zjgis._log": 0,
    "zjgis._bulk": 0,
    "zjgis._data": 0,
    "zjgis._fonts": 0,
    "zjgis.crs": 1,
    "zjgis._validate": 2,
    "zjgis.schema": 2.5,
    "zjgis.io": 3,
    "zjgis._csgraph": 3.5,
    "zjgis.layers": 4,
    "zjgis.network": 5,
    "zjgis.transit": 6,
    "zjgis.jobshousing": 6,
    "zjgis.raster": 5,
    "zjgis.landreserve": 6,
    "zjgis.maps": 5,
    "zjgis.scenario": 8,
    "zjgis.cli": 9,
    "zjgis": 10,  # the package __init__ may re-export anything
}
ANALYSES = {"zjgis.network", "zjgis.transit", "zjgis.jobshousing", "zjgis.raster",
            "zjgis.landreserve"}
# allowed edges inside the analyses: network -> transit, network -> jobshousing,
# raster -> landreserve
ANALYSIS_EDGES = {("zjgis.transit", "zjgis.network"), ("zjgis.jobshousing", "zjgis.network"),
                  ("zjgis.landreserve", "zjgis.raster")}


def group_of(module: str) -> str:
    """Map a dotted module name to its group key in RANK (longest prefix)."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in RANK and key != "zjgis":
            return key
    return "zjgis"


def module_name(path: Path, pkg: Path | None = None) -> str:
    rel = path.relative_to((pkg or PKG).parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, pkg: Path | None = None) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    mod = module_name(path, pkg)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("zjgis"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = mod.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "zjgis":
                # from zjgis import layers -> the submodule; from zjgis import x -> root
                found.update(f"zjgis.{alias.name}" for alias in node.names)
            elif target.startswith("zjgis."):
                # from zjgis.maps import style -> zjgis.maps.style when that is a file
                # (resolve() picks the longest name that is a module)
                found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def violations() -> list[str]:
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        src = group_of(module_name(path))
        if src == "zjgis":
            continue
        for target in imports_of(path):
            dst = group_of(target)
            if dst == src:
                continue
            if dst == "zjgis":
                if src != "zjgis.cli":
                    bad.append(f"{module_name(path)} imports the package root ({target}); "
                               "import the submodule it needs")
                continue
            if src == "zjgis.scenario" and dst == "zjgis.maps":
                bad.append(f"{module_name(path)} imports {target}: scenario composes analyses "
                           "and never draws")
            elif src in ANALYSES and dst == "zjgis.maps" or src == "zjgis.maps" and dst in ANALYSES:
                bad.append(f"{module_name(path)} imports {target}: analyses and maps must not "
                           "import each other")
            elif src in ANALYSES and dst in ANALYSES:
                if (src, dst) not in ANALYSIS_EDGES:
                    bad.append(f"{module_name(path)} imports {target}: "
                               "not an allowed analysis edge")
            elif RANK[dst] >= RANK[src]:
                bad.append(f"{module_name(path)} imports {target}, which is to its right")
    return bad


def test_no_rightward_imports():
    assert violations() == []


def test_checker_catches_a_rightward_import(tmp_path, monkeypatch):
    # The checker must be able to fail: a fake crs module importing io is caught.
    fake_pkg = tmp_path / "zjgis"
    fake_pkg.mkdir()
    (fake_pkg / "__init__.py").write_text("")
    (fake_pkg / "crs.py").write_text("from zjgis.io import read\n")
    (fake_pkg / "maps").mkdir()
    (fake_pkg / "maps" / "__init__.py").write_text("from zjgis import network\n")
    (fake_pkg / "network.py").write_text("import zjgis.crs\n")
    monkeypatch.setattr(__import__(__name__), "PKG", fake_pkg)
    found = violations()
    assert any("zjgis.crs imports zjgis.io" in v for v in found)
    assert any("analyses and maps" in v for v in found)
    assert len(found) == 2


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_every_module_is_ranked(path):
    assert group_of(module_name(path)) in RANK


def module_files(pkg: Path) -> dict[str, Path]:
    """Every module of the package, dotted name -> file."""
    return {module_name(p, pkg): p for p in sorted(pkg.rglob("*.py"))}


def resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The module file an import binds: ``zjgis.network.dead_ends`` -> ``zjgis.network``
    when ``dead_ends`` is a name in the package, ``zjgis.network.links`` when it is a file."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in modules:
            return key
    return None


def import_cycles(pkg: Path | None = None) -> list[list[str]]:
    """Import cycles between files (strongly connected components of size > 1, and
    self-imports), found with Tarjan's algorithm through networkx."""
    import networkx as nx

    pkg = pkg or PKG
    modules = module_files(pkg)
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for mod, path in modules.items():
        for target in imports_of(path, pkg):
            dst = resolve(target, modules)
            if dst is None or dst == mod:
                continue
            # importing a package's submodule from inside that package does not run
            # anything new: the parent package is already being imported
            g.add_edge(mod, dst)
    return [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def test_no_import_cycles_between_files():
    cycles = import_cycles()
    assert cycles == [], (
        "import cycles between files (inside a package, import the sibling file, "
        f"not the package __init__): {cycles}")


def test_cycle_checker_can_fail(tmp_path):
    fake = tmp_path / "zjgis"
    (fake / "network").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "network" / "__init__.py").write_text("from zjgis.network.links import f\n")
    (fake / "network" / "links.py").write_text("from zjgis.network import g\n")
    (fake / "network" / "graph.py").write_text("import zjgis.network.links\n")
    cycles = import_cycles(fake)
    assert cycles == [["zjgis.network", "zjgis.network.links"]]
