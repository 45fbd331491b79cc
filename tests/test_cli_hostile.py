"""Files that are not what they claim, at the command line (issue 18, item 4).

Every ``zjgis`` subcommand that reads a file is fed a missing file, a 0-byte file,
a truncated file, random bytes under the right suffix (a broken ``.xlsx`` or
``.gpkg``), a directory, a CSV with no geometry or CRS and a GBK file where UTF-8
is expected; every command that writes is pointed at a read-only folder and at an
existing directory.  Each must end with a non-zero exit code and ONE readable line
on stderr that names the file — no Python traceback, no "internal error".
(A GBK text file that zjgis decodes correctly may also succeed: that is a correct
result, not a failure.)

The commands run in-process through :func:`zjgis.cli.main.main`, as the console
script does; warnings are printed as the CLI prints them, not raised.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from zjgis.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ROADS = DATA / "sample_roads" / "roads.geojson"
RIVERS = DATA / "sample_roads" / "rivers.geojson"
POINTS = DATA / "sample_roads" / "population_jobs.geojson"
STATIONS = DATA / "boundaries" / "rail_stations.geojson"
ZONES = DATA / "sample_jobshousing" / "zones.geojson"
OD = DATA / "sample_jobshousing" / "od.csv"
REGISTER = DATA / "sample_register" / "register.gpkg"
PROJECTS = DATA / "sample_register" / "projects.csv"
ENTERPRISES = DATA / "sample_register" / "enterprises.csv"
SCENARIO = DATA / "scenarios" / "example.toml"


# --------------------------------------------------------------------------- the hostile files

def _truncated_text(path: Path) -> Callable[[Path], None]:
    def make(target: Path) -> None:
        text = path.read_bytes()
        target.write_bytes(text[: len(text) * 2 // 5])
    return make


def _random_bytes(target: Path) -> None:
    rng = random.Random(18)
    target.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))


def _gbk_geojson(target: Path) -> None:
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "张江路", "road_class": "主干路"},
         "geometry": {"type": "LineString",
                      "coordinates": [[121.59, 31.20], [121.60, 31.20]]}}]}
    target.write_bytes(json.dumps(fc, ensure_ascii=False).encode("gbk"))


def _gbk_csv(target: Path) -> None:
    target.write_bytes("项目名称,产业类别,用地需求(亩)\n芯片厂,集成电路,40\n".encode("gbk"))


def _cut_toml(target: Path) -> None:
    # cut inside the multi-line description string (a file that is really incomplete)
    text = SCENARIO.read_bytes()
    start = text.index(b'description = """')
    target.write_bytes(text[: start + 30])


def _gbk_toml(target: Path) -> None:
    target.write_bytes('name = "方案：张江镇新增岗位"\n'.encode("gbk"))


def _nogeom_csv(target: Path) -> None:
    target.write_text("编号,名称\n1,张江\n2,唐镇\n", encoding="utf-8")


def _wkt_no_crs(target: Path) -> None:
    # CGCS2000 Gauss-Krüger numbers (EPSG:4528) in a CSV that names no CRS
    target.write_text('编号,wkt\n1,"POINT (40650130 3451445)"\n', encoding="utf-8")


def _empty(target: Path) -> None:
    target.write_bytes(b"")


def _directory(target: Path) -> None:
    target.mkdir()


def _copy_of_truncated_xlsx(target: Path) -> None:
    # a real workbook cut short (an interrupted download)
    import pandas as pd

    full = target.with_name("full_" + target.name)
    pd.DataFrame({"项目名称": ["芯片厂"], "产业类别": ["集成电路"], "用地需求(亩)": [40]}
                 ).to_excel(full, index=False)
    data = full.read_bytes()
    target.write_bytes(data[: len(data) // 2])


#: kind -> (suffix of the file, maker, gbk?)  A maker of None means: leave it missing.
GEO_KINDS: dict[str, tuple[str, Callable[[Path], None] | None]] = {
    "missing": (".geojson", None),
    "empty": (".geojson", _empty),
    "truncated": (".geojson", _truncated_text(ROADS)),
    "random-bytes": (".gpkg", _random_bytes),
    "broken-xlsx": (".xlsx", _random_bytes),
    "directory": (".geojson", _directory),
    "csv-no-geometry": (".csv", _nogeom_csv),
    "csv-wkt-no-crs": (".csv", _wkt_no_crs),
    "gbk": (".geojson", _gbk_geojson),
}
TABLE_KINDS: dict[str, tuple[str, Callable[[Path], None] | None]] = {
    "missing": (".csv", None),
    "empty": (".csv", _empty),
    "empty-xlsx": (".xlsx", _empty),
    "truncated-xlsx": (".xlsx", _copy_of_truncated_xlsx),
    "broken-xlsx": (".xlsx", _random_bytes),
    "directory": (".csv", _directory),
    "gbk": (".csv", _gbk_csv),
}
REGISTER_KINDS: dict[str, tuple[str, Callable[[Path], None] | None]] = {
    "missing": (".gpkg", None),
    "empty": (".gpkg", _empty),
    "truncated": (".gpkg", _truncated_text(REGISTER)),
    "random-bytes": (".gpkg", _random_bytes),
    "geojson-named-gpkg": (".gpkg", lambda t: shutil.copyfile(ROADS, t)),
    "directory": (".gpkg", _directory),
}
TOML_KINDS: dict[str, tuple[str, Callable[[Path], None] | None]] = {
    "missing": (".toml", None),
    "empty": (".toml", _empty),
    "truncated": (".toml", _cut_toml),
    "random-bytes": (".toml", _random_bytes),
    "directory": (".toml", _directory),
    "gbk": (".toml", _gbk_toml),
}


# --------------------------------------------------------------------------- the commands
# Each slot: (kinds, argv builder taking the bad file B and the work folder T).

def _reg(t: Path) -> str:
    copy = t / "台账.gpkg"
    if not copy.exists():
        shutil.copyfile(REGISTER, copy)
    return str(copy)


def _scenario_naming(t: Path, key: str, bad: str) -> str:
    """The example scenario with its [base] ``key`` pointing at the bad file."""
    text = SCENARIO.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith(f"{key} ="))
    toml = t / "方案.toml"
    toml.write_text(text.replace(line, f"{key} = {json.dumps(bad, ensure_ascii=False)}"),
                    encoding="utf-8")
    return str(toml)


SLOTS: dict[str, tuple[dict, Callable[[str, Path], list[str]]]] = {
    "briefing --extent": (GEO_KINDS, lambda b, t: [
        "briefing", "--extent", b, "--out", str(t / "o.html"), "--basemap", "none"]),
    "reserve import FILE": (GEO_KINDS, lambda b, t: [
        "reserve", "import", b, "--register", str(t / "new.gpkg"), "--create",
        "--date", "2025-01-02"]),
    "reserve match --projects": (TABLE_KINDS, lambda b, t: [
        "reserve", "match", "--register", _reg(t), "--projects", b, "--out", str(t / "m.xlsx")]),
    "reserve map --projects": (TABLE_KINDS, lambda b, t: [
        "reserve", "map", "--register", _reg(t), "--projects", b, "--out", str(t / "m.html")]),
    "reserve map --enterprises": (GEO_KINDS, lambda b, t: [
        "reserve", "map", "--register", _reg(t), "--enterprises", b, "--out",
        str(t / "m.html")]),
    "reserve plan --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "plan", "--register", b, "--year", "2025", "--out", str(t / "p.xlsx")]),
    "reserve match --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "match", "--register", b, "--projects", str(PROJECTS),
        "--out", str(t / "m.xlsx")]),
    "reserve map --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "map", "--register", b, "--out", str(t / "m.html")]),
    "reserve transition --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "transition", "--register", b, "SAMPLE-0001", "储备"]),
    "reserve update --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "update", "--register", b, "SAMPLE-0001", "--set", "名称=样例"]),
    "reserve history --register": (REGISTER_KINDS, lambda b, t: [
        "reserve", "history", "--register", b]),
    "deadends ROADS": (GEO_KINDS, lambda b, t: [
        "deadends", b, "--out", str(t / "d.gpkg")]),
    "deadends --study-area": (GEO_KINDS, lambda b, t: [
        "deadends", str(ROADS), "--study-area", b, "--out", str(t / "d.gpkg")]),
    "deadends --barriers": (GEO_KINDS, lambda b, t: [
        "deadends", str(ROADS), "--barriers", b, "--out", str(t / "d.gpkg")]),
    "coverage STATIONS": (GEO_KINDS, lambda b, t: [
        "coverage", b, "--out", str(t / "c.gpkg")]),
    "coverage --roads": (GEO_KINDS, lambda b, t: [
        "coverage", str(POINTS), "--roads", b, "--out", str(t / "c.gpkg")]),
    "coverage --zones": (GEO_KINDS, lambda b, t: [
        "coverage", str(POINTS), "--zones", b, "--out", str(t / "c.gpkg")]),
    "coverage --population": (GEO_KINDS, lambda b, t: [
        "coverage", str(POINTS), "--zones", str(ZONES), "--population", b,
        "--out", str(t / "c.gpkg")]),
    "jobs-housing ZONES": (GEO_KINDS, lambda b, t: [
        "jobs-housing", b, str(OD), "--out", str(t / "r.xlsx")]),
    "jobs-housing OD": (TABLE_KINDS, lambda b, t: [
        "jobs-housing", str(ZONES), b, "--out", str(t / "r.xlsx")]),
    "jobs-housing --cost": (TABLE_KINDS, lambda b, t: [
        "jobs-housing", str(ZONES), str(OD), "--cost", b, "--out", str(t / "r.xlsx")]),
    "scenario FILE": (TOML_KINDS, lambda b, t: [
        "scenario", b, "--out", str(t / "s.html")]),
    "scenario [base] zones": (GEO_KINDS, lambda b, t: [
        "scenario", _scenario_naming(t, "zones", b), "--out", str(t / "s.html")]),
    "scenario [base] roads": (GEO_KINDS, lambda b, t: [
        "scenario", _scenario_naming(t, "roads", b), "--out", str(t / "s.html")]),
    "scenario [base] od": (TABLE_KINDS, lambda b, t: [
        "scenario", _scenario_naming(t, "od", b), "--out", str(t / "s.html")]),
    "scenario [base] register": (REGISTER_KINDS, lambda b, t: [
        "scenario", _scenario_naming(t, "register", b), "--out", str(t / "s.html")]),
    "scenario --timeline": (REGISTER_KINDS, lambda b, t: [
        "scenario", "--timeline", b, "--out", str(t / "s.html")]),
}

#: A GBK file where UTF-8 is expected is a decoding probe: zjgis may decode it and run to
#: the end (Excel and GIS tools on Chinese Windows write GBK), or stop on what it then
#: finds inside (wrong geometry type, wrong columns) with one line naming the input's role —
#: never a traceback and never mojibake in the message.
MOJIBAKE = ("\ufffd", "ÕÅ", "Ã", "é¡¹")


def _cases():
    for slot, (kinds, _) in SLOTS.items():
        for kind in kinds:
            yield pytest.param(slot, kind, id=f"{slot}|{kind}")


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """Run ``zjgis ARGV`` in-process; return (exit code, stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, capsys.readouterr().err


def assert_one_readable_line(code: int, err: str, *names: str) -> None:
    """Non-zero exit, no traceback, exactly one ``zjgis: error`` line naming a file."""
    assert code != 0, f"exit code 0 on bad input; stderr:\n{err}"
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("zjgis: error")
              or ln.startswith("usage:") or ln.startswith("zjgis ")]
    assert errors, f"no error line:\n{err}"
    others = [ln for ln in lines if ln not in errors
              and not ln.startswith(("zjgis: warning", "WARNING ", "note: "))]
    assert not others, f"stray stderr lines:\n{err}"
    assert len([ln for ln in lines if ln.startswith("zjgis: error")]) == 1, err
    line = next(ln for ln in lines if ln.startswith("zjgis: error"))
    assert any(n in line for n in names), f"the error line names none of {names}: {line}"


@pytest.mark.parametrize(("slot", "kind"), list(_cases()))
def test_bad_input_file_gives_one_line(slot, kind, tmp_path, capsys):
    kinds, build = SLOTS[slot]
    suffix, make = kinds[kind]
    bad = tmp_path / f"坏文件_{kind}{suffix}"
    if make is not None:
        make(bad)
    code, err = run_cli(build(str(bad), tmp_path), capsys)
    if kind == "gbk":
        assert "Traceback" not in err and "internal error" not in err, err
        assert not any(m in err for m in MOJIBAKE), f"GBK decoded as something else:\n{err}"
        if code != 0:
            assert len([ln for ln in err.splitlines() if ln.startswith("zjgis: error")]) == 1
        return
    assert_one_readable_line(code, err, bad.name)


# --------------------------------------------------------------------------- layer folder
# `zjgis layers info NAME` reads no file named on the command line, but the bureau's
# replacement of a layer in ZJGIS_LAYER_DIR (<name>.geojson + <name>.provenance.json).

LAYER_FILES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "empty": (".geojson", _empty),
    "truncated": (".geojson", _truncated_text(DATA / "boundaries" / "science_city_2022.geojson")),
    "random-bytes": (".gpkg", _random_bytes),
    "directory": (".geojson", _directory),
    "broken-provenance": (".provenance.json", lambda t: t.write_text("{broken", "utf-8")),
}


@pytest.mark.parametrize("command", [["layers", "info", "science_city_2022"],
                                     ["briefing", "--out", "o.html", "--basemap", "none"]],
                         ids=["layers info", "briefing"])
@pytest.mark.parametrize("kind", list(LAYER_FILES))
def test_bad_replacement_layer_gives_one_line(kind, command, tmp_path, capsys, monkeypatch):
    suffix, make = LAYER_FILES[kind]
    folder = tmp_path / "局图层"
    folder.mkdir()
    if kind == "broken-provenance":
        shutil.copyfile(DATA / "boundaries" / "science_city_2022.geojson",
                        folder / "science_city_2022.geojson")
    bad = folder / f"science_city_2022{suffix}"
    make(bad)
    monkeypatch.setenv("ZJGIS_LAYER_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    code, err = run_cli(command, capsys)
    assert_one_readable_line(code, err, bad.name)


# --------------------------------------------------------------------------- outputs

@pytest.fixture
def readonly_dir(tmp_path) -> Path:
    """A folder nobody may write into (root ignores mode bits: then a read-only mount)."""
    d = tmp_path / "只读"
    d.mkdir()
    d.chmod(0o555)
    probe = d / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        yield d
    else:
        probe.unlink()
        d.chmod(0o755)
        sysfs = Path("/sys")
        if not sysfs.is_dir() or os.access(sysfs, os.W_OK) and _writable(sysfs):
            pytest.skip("no read-only folder available to this user")
        yield sysfs
    finally:
        if d.exists():
            d.chmod(0o755)


def _writable(folder: Path) -> bool:
    try:
        (folder / "zjgis-probe").write_bytes(b"")
    except OSError:
        return False
    (folder / "zjgis-probe").unlink()
    return True


#: name -> argv builder taking the output path O and the work folder T; the output's suffix.
OUTPUTS: dict[str, tuple[str, Callable[[str, Path], list[str]]]] = {
    "briefing --out": (".html", lambda o, t: ["briefing", "--out", o, "--basemap", "none"]),
    "briefing --png": (".png", lambda o, t: [
        "briefing", "--out", str(t / "ok.html"), "--png", o, "--basemap", "none"]),
    "reserve plan --out": (".xlsx", lambda o, t: [
        "reserve", "plan", "--register", _reg(t), "--year", "2025", "--out", o]),
    "reserve match --out": (".xlsx", lambda o, t: [
        "reserve", "match", "--register", _reg(t), "--projects", str(PROJECTS), "--out", o]),
    "reserve map --out": (".html", lambda o, t: [
        "reserve", "map", "--register", _reg(t), "--out", o]),
    "reserve history --out": (".csv", lambda o, t: [
        "reserve", "history", "--register", _reg(t), "--out", o]),
    "reserve import --rejected": (".csv", lambda o, t: [
        "reserve", "import", str(_reg(t)), "--register", str(t / "new.gpkg"), "--create",
        "--rejected", o]),
    "reserve import --register (new)": (".gpkg", lambda o, t: [
        "reserve", "import", str(_reg(t)), "--register", o, "--create"]),
    "deadends --out": (".gpkg", lambda o, t: ["deadends", str(ROADS), "--out", o]),
    "deadends --map": (".html", lambda o, t: [
        "deadends", str(ROADS), "--out", str(t / "d.gpkg"), "--map", o]),
    "coverage --out": (".gpkg", lambda o, t: ["coverage", str(POINTS), "--out", o]),
    "jobs-housing --out": (".xlsx", lambda o, t: ["jobs-housing", str(ZONES), str(OD),
                                                  "--out", o]),
    "jobs-housing --map": (".html", lambda o, t: [
        "jobs-housing", str(ZONES), str(OD), "--out", str(t / "r.xlsx"), "--map", o]),
    "scenario --out": (".html", lambda o, t: ["scenario", "--outlines", "--out", o]),
    "scenario --xlsx": (".xlsx", lambda o, t: [
        "scenario", "--outlines", "--out", str(t / "s.html"), "--xlsx", o]),
}

def _out_cases():
    for name in OUTPUTS:
        for where in ("read-only folder", "existing directory", "existing directory+overwrite",
                      "parent is a file"):
            yield pytest.param(name, where, id=f"{name}|{where}")


@pytest.mark.parametrize(("name", "where"), list(_out_cases()))
def test_unwritable_output_gives_one_line(name, where, tmp_path, capsys, request):
    suffix, build = OUTPUTS[name]
    if where == "read-only folder":
        folder = request.getfixturevalue("readonly_dir")
        out = folder / f"结果{suffix}"
    elif where.startswith("existing directory"):
        out = tmp_path / f"结果{suffix}"
        out.mkdir()
    else:
        blocker = tmp_path / "不是文件夹"
        blocker.write_text("a file, not a folder")
        out = blocker / f"结果{suffix}"
    argv = build(str(out), tmp_path)
    if where.endswith("+overwrite"):
        argv.append("--overwrite")
    code, err = run_cli(argv, capsys)
    assert_one_readable_line(code, err, out.name, out.parent.name)
    if where.startswith("existing directory"):
        assert out.is_dir(), "the directory in the way was removed"


def test_no_crs_advice_names_the_command_line_option(tmp_path, capsys):
    """The library says ``source_crs='EPSG:4528'``; on the command line that is --source-crs."""
    bad = tmp_path / "道路.csv"
    _wkt_no_crs(bad)
    code, err = run_cli(["deadends", str(bad), "--out", str(tmp_path / "d.gpkg")], capsys)
    assert_one_readable_line(code, err, bad.name)
    assert "--source-crs EPSG:4528" in err and "source_crs=" not in err


def test_a_listing_piped_into_head_is_not_an_error(tmp_path):
    """``zjgis reserve history … | head``: no "Broken pipe" error, and --out is still written."""
    import subprocess
    import sys

    reg = _reg(tmp_path)
    exe = Path(sys.executable).with_name("zjgis")
    proc = subprocess.Popen([str(exe), "reserve", "history", "--register", reg,
                             "--out", str(tmp_path / "变更记录.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()                     # what `head -1` does
    err = proc.stderr.read().decode()
    proc.stderr.close()  # an unclosed pipe is a ResourceWarning, an error in the suite
    code = proc.wait(timeout=300)
    assert first and code == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err
    assert (tmp_path / "变更记录.csv").read_bytes().startswith(b"\xef\xbb\xbf")
