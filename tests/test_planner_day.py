"""A planner's first day: the README, followed from the top, works as written.

- the Quick start's map command (the one ``scripts/briefing.sh`` runs) makes an
  offline ``briefing.html`` and a ``briefing.png``;
- every ``zjgis`` command of the README's command-line table parses as written
  (every flag exists) and runs on the shipped sample data in a fresh folder,
  making the outputs it names;
- the Python code blocks of the README run, each in its own interpreter.

The commands are read from README.md itself, so a renamed flag or a new row
is tested without editing this file; only the placeholders (``R.gpkg``,
``ROADS``, ``ID`` …) are given sample values here.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from zjgis.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = ROOT / "data"

#: options of the README table that fit only the file they were written for
DATA_SPECIFIC = ("--columns", "--source-crs")
#: flags whose value names an output file the command must make
OUTPUT_FLAGS = ("--out", "--png", "--map", "--xlsx", "--rejected")


def readme_commands() -> list[str]:
    """The ``zjgis …`` commands of the README's "On the command line" table, as written."""
    section = README.split("## On the command line", 1)[1].split("\n## ", 1)[0]
    commands = []
    for row in section.splitlines():
        if not row.startswith("| `zjgis"):
            continue
        row = row.replace("\\|", "\x00")           # an escaped | inside a cell
        cell = row.split("|")[1]
        for c in re.findall(r"`([^`]*)`", cell):  # "a · b · c": b and c may omit "zjgis"
            c = c.replace("\x00", "|")
            commands.append(c if c.startswith("zjgis ") else f"zjgis {c}")
    return commands


def _expand(command: str, *, options: bool, drop: tuple[str, ...] = ()) -> list[str]:
    """Tokens of a README command: ``[...]`` groups dropped, or kept with their first choice.

    ``drop``: option groups left out even with ``options`` (those that fit only a
    particular file, such as ``--columns 路段=name``).
    """
    def keep(m: re.Match) -> str:
        if not options or m.group(1).split()[0] in drop:
            return ""
        return " ".join(tok.split("|")[0] for tok in m.group(1).split())
    while "[" in command:                       # innermost groups first
        command = re.sub(r"\[([^\[\]]*)\]", keep, command)
    return shlex.split(command)


def _values(tmp: Path) -> dict[str, str]:
    """Sample values for the placeholders of the README table."""
    import geopandas as gpd
    import pandas as pd

    from zjgis.crs import convert
    from zjgis.landreserve import Register

    register = tmp / "R.gpkg"
    shutil.copyfile(DATA / "sample_register" / "register.gpkg", register)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parcels = Register(register).parcels()
    reserved = parcels.loc[parcels["status"] == "reserved", "parcel_id"].iloc[0]
    # a bureau's shapefile exported from Amap (GCJ-02, as the table's --source-crs says):
    # the sample parcels, DBF names cut to 10 characters
    shp = parcels[["parcel_id", "name", "land_use_code", "status", "supply_year", "geometry"]]
    shp = gpd.GeoDataFrame(shp.assign(parcel_id="NEW-" + shp["parcel_id"]))
    shp = convert(shp, source="WGS-84", target="GCJ-02")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # GDAL's notes on the 10-character names
        shp.to_file(tmp / "parcels.shp", encoding="utf-8")
    pd.read_csv(DATA / "sample_register" / "projects.csv").to_excel(tmp / "projects.xlsx",
                                                                    index=False)
    return {
        "ROADS": str(DATA / "sample_roads" / "roads.geojson"),
        "RIVERS": str(DATA / "sample_roads" / "rivers.geojson"),
        "AREA": str(DATA / "boundaries" / "science_city_2022.geojson"),
        "STATIONS": str(DATA / "boundaries" / "rail_stations.geojson"),
        "PTS": str(DATA / "sample_roads" / "population_jobs.geojson"),
        "ZONES": str(DATA / "sample_jobshousing" / "zones.geojson"),
        "OD": str(DATA / "sample_jobshousing" / "od.csv"),
        "FILE.toml": str(DATA / "scenarios" / "example.toml"),
        "NAME": "science_city_2022",
        "LAYER": "science_city_2022",
        "ID": str(reserved),
        "D": dt.date.today().isoformat(),
        "T": "挂牌出让",
        "字段=值": "计划供应年份=2027",
    }


#: what "..." stands for after a flag ("--title ..."); after a value ("NAME ...") it is dropped
ELLIPSIS = {"--title": "张江 规划图"}


def _concrete(tokens: list[str], values: dict[str, str]) -> list[str]:
    out: list[str] = []
    for tok in tokens[1:]:                      # drop "zjgis"
        if tok == "...":
            if out and out[-1] in ELLIPSIS:     # "--title ..."
                out.append(ELLIPSIS[out[-1]])
            continue                            # "NAME ..." : one is enough
        out.append(values.get(tok, tok))
    return out


COMMANDS = readme_commands()


def test_the_readme_table_has_the_documented_commands():
    names = {" ".join(_expand(c, options=False)[1:2]) for c in COMMANDS}
    assert {"briefing", "layers", "reserve", "deadends", "coverage", "jobs-housing",
            "scenario"} <= names
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_in_the_readme_table_exists(command, tmp_path):
    """The command with every optional part included parses (argparse exits 2 otherwise)."""
    values = {"NAME": "science_city_2022", "LAYER": "science_city_2022"}
    argv = _concrete(_expand(command, options=True), values)
    build_parser().parse_args(argv)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_runs_on_the_sample_data(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    values = _values(tmp_path)
    # --columns and --source-crs describe a particular file; the sample parcels shapefile
    # is made in GCJ-02 for the import row, the other sample inputs are WGS-84 with
    # zjgis's own column names
    drop = () if " reserve import " in command else DATA_SPECIFIC
    argv = _concrete(_expand(command, options=True, drop=drop), values)
    if argv[:2] == ["reserve", "import"]:
        (tmp_path / "R.gpkg").unlink()          # --create: a new register
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, f"zjgis {shlex.join(argv)} → exit {code}\n{captured.err}"
    assert "Traceback" not in captured.err
    for flag, value in zip(argv, argv[1:]):
        if flag in OUTPUT_FLAGS and not (flag == "--rejected"):
            assert (tmp_path / value).is_file(), f"{flag} {value} was not made"
            assert (tmp_path / value).stat().st_size > 0
            if value.endswith(".xlsx"):
                assert_chinese_headers(tmp_path / value)


CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese_headers(path: Path) -> None:
    """Every sheet of a hand-out workbook has Chinese column headers.

    The header row is the first with two or more filled cells (title and note rows
    above it have one); a header may carry a unit or key in Latin letters
    (``面积(亩)``, ``类别(键)``) but must say what it is in Chinese.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(max_row=6, values_only=True):
                cells = [str(c) for c in row if c not in (None, "")]
                if len(cells) >= 2:
                    english = [c for c in cells if not CJK.search(c)]
                    assert not english, f"{path.name} [{ws.title}]: English headers {english}"
                    break
    finally:
        wb.close()


def test_quick_start_makes_the_offline_map_and_the_figure(tmp_path):
    """The map command of scripts/briefing.sh (the Quick start), run as a planner does."""
    script = (ROOT / "scripts" / "briefing.sh").read_text(encoding="utf-8")
    line = next(ln for ln in script.splitlines() if ln.startswith(".venv/bin/zjgis briefing"))
    argv = shlex.split(line)[1:]
    exe = Path(sys.executable).with_name("zjgis")
    run = subprocess.run([str(exe), *argv], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    html = (tmp_path / "briefing.html").read_text(encoding="utf-8")
    png = (tmp_path / "briefing.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "张江科学城" in html
    # offline: no script or stylesheet fetched from the network
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert not re.search(r"<link[^>]+href=[\"']https?://[^\"']+\.css", html)
    from PIL import Image

    with Image.open(tmp_path / "briefing.png") as im:
        assert min(im.size) >= 800      # a slide figure, not a thumbnail


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_blocks():
    assert len(readme_python_blocks()) >= 3


@pytest.mark.parametrize("index", range(len(readme_python_blocks())))
def test_readme_python_block_runs(index, tmp_path):
    code = "\n".join(ln[2:] if ln.startswith("  ") else ln
                     for ln in readme_python_blocks()[index].splitlines())
    # a planner runs the repository's snippets from its root (paths like data/…) and
    # has the file a snippet opens: an Amap export here is a point in GCJ-02
    cwd = ROOT if "data/" in code else tmp_path
    if "amap_export.geojson" in code:
        (tmp_path / "amap_export.geojson").write_text(
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
            '{"name":"张江高科站"},"geometry":{"type":"Point","coordinates":'
            '[121.5907,31.2035]}}]}', encoding="utf-8")
        code = "import zjgis\n" + code
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], cwd=cwd, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, f"README python block {index}:\n{code}\n{run.stderr}"
