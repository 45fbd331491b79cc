"""zjgis.io: reading Shanghai's files (encodings, CRS traps, bad geometry) and atomic writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from shapely import Point, Polygon

from zjgis import crs, io
from zjgis.errors import (
    CoordinateShiftWarning,
    CRSError,
    EncodingError,
    GeometryError,
    InvalidGeometryWarning,
    ReadError,
    ValidationError,
    WriteError,
)

NAMES = ["张江镇", "川沙新镇", "唐镇"]


@pytest.fixture
def towns():
    return gpd.GeoDataFrame(
        {"name": NAMES, "code": ["310115125", "310115103", "310115130"]},
        geometry=[Point(121.59, 31.20), Point(121.70, 31.19), Point(121.66, 31.22)],
        crs="EPSG:4326",
    )


def _gbk_shapefile(gdf, path, *, cpg=None):
    """Write a GBK shapefile the way Chinese GIS software does: no .cpg, LDID 0."""
    gdf.to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    raw = path.with_suffix(".dbf").read_bytes()
    assert raw[29] == 0  # no language driver id: GDAL cannot know it is GBK
    return path


def test_gbk_shapefile_without_cpg_reads_correct_chinese(tmp_path, towns):
    shp = _gbk_shapefile(towns, tmp_path / "towns.shp")
    # what GDAL alone returns: mojibake (pyogrio issue 380)
    raw = pyogrio.read_dataframe(shp)
    assert raw["name"].tolist() != NAMES
    got = io.read(shp)
    assert got["name"].tolist() == NAMES
    assert got.attrs["encoding"] == "gb18030"


def test_gbk_shapefile_zipped(tmp_path, towns):
    shp = _gbk_shapefile(towns, tmp_path / "towns.shp")
    zpath = tmp_path / "towns.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(shp.with_suffix(ext), f"towns{ext}")
    assert io.read(zpath)["name"].tolist() == NAMES


def test_wrong_cpg_is_a_clear_error_and_encoding_can_be_forced(tmp_path, towns):
    shp = _gbk_shapefile(towns, tmp_path / "towns.shp", cpg="UTF-8")
    with pytest.raises(EncodingError, match=r"towns\.dbf: the \.cpg says 'UTF-8'.*gb18030"):
        io.read(shp)
    assert io.read(shp, encoding="gbk")["name"].tolist() == NAMES


def test_gbk_forced_as_latin1_is_caught_as_mojibake(tmp_path, towns):
    shp = _gbk_shapefile(towns, tmp_path / "towns.shp", cpg="ISO-8859-1")
    # a .cpg that lies (Latin-1 decodes any bytes): the mojibake check catches it
    with pytest.raises(EncodingError, match="GBK text decoded as Latin-1"):
        io.read(shp)


def test_utf8_shapefile_with_cpg(tmp_path, towns):
    towns.to_file(tmp_path / "u.shp", encoding="UTF-8")
    assert io.read(tmp_path / "u.shp")["name"].tolist() == NAMES


def test_missing_crs_is_an_error_unless_named(tmp_path, towns):
    shp = tmp_path / "noprj.shp"
    towns.to_file(shp, encoding="UTF-8")
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"noprj\.shp has no coordinate reference system"):
        io.read(shp)
    got = io.read(shp, source_crs="EPSG:4490")
    assert got.crs.to_epsg() == 4490


def test_csv_with_lonlat_needs_a_crs(tmp_path):
    path = tmp_path / "stations.csv"
    pd.DataFrame({"station": ["张江高科", "金科路"], "lon": [121.5937, 121.6027],
                  "lat": [31.2033, 31.2029]}).to_csv(path, index=False)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        io.read(path)
    got = io.read(path, source_crs="WGS-84")
    assert got.crs.to_epsg() == 4326
    assert got["station"].tolist() == ["张江高科", "金科路"]
    assert got.geometry.iloc[0].x == pytest.approx(121.5937)


def test_csv_gbk_and_custom_columns(tmp_path):
    path = tmp_path / "pois.csv"
    text = "名称,x,y\n张江药谷,121.60,31.19\n"
    path.write_bytes(text.encode("gbk"))
    got = io.read(path, lonlat=("x", "y"), source_crs="WGS-84")
    assert got["名称"].tolist() == ["张江药谷"]
    assert got.attrs["encoding"] == "gb18030"


def _csv(folder, name: str, text: str):
    """A UTF-8 CSV in ``folder``, as a planner saves one."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_bad_rows_and_swapped_columns(tmp_path):
    bad = _csv(tmp_path, "bad.csv", "name,lon,lat\na,121.5,31.2\nb,,31.3\nc,abc,31.3\n")
    with pytest.raises(ReadError, match=r"2 row\(s\) have no numeric lon/lat \(file lines 3, 4\)"):
        io.read(bad, source_crs="WGS-84")
    swapped = _csv(tmp_path, "swapped.csv", "name,lon,lat\na,31.2,121.5\n")
    with pytest.raises(ReadError, match="swapped"):
        io.read(swapped, source_crs="WGS-84")
    nocols = _csv(tmp_path, "nocols.csv", "name,x,y\na,1,2\n")
    with pytest.raises(ReadError, match="no coordinate columns 'lon'/'lat'"):
        io.read(nocols, source_crs="WGS-84")


def test_tables_with_the_coordinate_names_planners_use(tmp_path):
    # an Amap export and a bureau sheet: 经度/纬度 (with a note in the header), lng/lat,
    # Longitude/Latitude are found without lonlat=; two candidates are refused by name
    import pandas as pd

    for cols in (("经度", "纬度"), ("经度（GCJ-02）", "纬度（GCJ-02）"), ("lng", "lat"),
                 ("Longitude", "LATITUDE")):
        path = tmp_path / f"t{len(list(tmp_path.iterdir()))}.xlsx"
        pd.DataFrame({"站名": ["张江高科"], cols[0]: [121.5873], cols[1]: [31.2036]}).to_excel(
            path, index=False)
        g = io.read(path, source_crs="WGS-84")
        assert (g.geometry.x.iloc[0], g.geometry.y.iloc[0]) == (121.5873, 31.2036), cols
        assert "站名" in g.columns
    two = _csv(tmp_path, "two.csv", "name,经度,lng,纬度\na,121.5,121.5,31.2\n")
    with pytest.raises(ValidationError, match=r"two.csv: 经度, lng could each be the longitude"):
        io.read(two, source_crs="WGS-84")
    # lonlat= given names the columns: no guessing
    given = _csv(tmp_path, "given.csv", "name,经度,纬度,e,n\na,121.5,31.2,121.6,31.3\n")
    g = io.read(given, source_crs="WGS-84", lonlat=("e", "n"))
    assert (g.geometry.x.iloc[0], g.geometry.y.iloc[0]) == (121.6, 31.3)


def test_gcj02_geojson_claiming_4326_is_converted(tmp_path):
    # an Amap export: GCJ-02 numbers in a file that says (by default) EPSG:4326
    gcj = (121.5937, 31.2033)
    path = tmp_path / "amap.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "张江高科"},
         "geometry": {"type": "Point", "coordinates": list(gcj)}}]}, ensure_ascii=False),
        encoding="utf-8")
    as_is = io.read(path)
    assert as_is.crs.to_epsg() == 4326 and as_is.geometry.iloc[0].x == gcj[0]
    with pytest.warns(CoordinateShiftWarning,
                      match=r"amap\.geojson: the file declares EPSG:4326 but "
                            r"source_crs='GCJ-02' overrides it; converted GCJ-02 -> WGS-84"):
        got = io.read(path, source_crs="GCJ-02")
    x, y = crs.gcj02_to_wgs84(*gcj)
    assert got.geometry.iloc[0].x == pytest.approx(float(x), abs=1e-12)
    assert got.geometry.iloc[0].y == pytest.approx(float(y), abs=1e-12)
    assert got.attrs["coordinate_conversions"] == ["GCJ-02 -> WGS-84"]
    assert got.attrs["source_crs"] == "GCJ-02"
    with pytest.warns(CoordinateShiftWarning, match="BD-09 -> WGS-84"):
        bd = io.read(path, source_crs="bd09")
    assert bd.attrs["coordinate_conversions"] == ["BD-09 -> WGS-84"]


def test_gcj_source_on_projected_file_is_refused(tmp_path, towns):
    path = tmp_path / "m.gpkg"
    towns.to_crs(crs.METRIC).to_file(path)
    with pytest.raises(CRSError, match="is a lon/lat frame but the file's coordinates are proj"):
        io.read(path, source_crs="GCJ-02")


@pytest.fixture
def bowtie_file(tmp_path):
    bowtie = Polygon([(121.5, 31.1), (121.6, 31.2), (121.6, 31.1), (121.5, 31.2), (121.5, 31.1)])
    ok = Polygon([(121.7, 31.1), (121.8, 31.1), (121.8, 31.2), (121.7, 31.1)])
    gdf = gpd.GeoDataFrame({"pid": ["P1", "P2"]}, geometry=[ok, bowtie], crs="EPSG:4326")
    path = tmp_path / "parcels.gpkg"
    gdf.to_file(path)
    return path


def test_invalid_geometry_is_reported(bowtie_file):
    with pytest.warns(InvalidGeometryWarning, match=r"1 invalid .*feature 1: Self-intersection"):
        got = io.read(bowtie_file)
    assert not got.geometry.iloc[1].is_valid  # not repaired behind the user's back
    report = io.geometry_report(got, id_column="pid")
    assert report["id"].tolist() == ["P2"]
    assert report["reason"].iloc[0].startswith("Self-intersection")


def test_invalid_geometry_repaired_when_asked(bowtie_file):
    got = io.read(bowtie_file, repair=True)
    assert got.geometry.is_valid.all()
    assert got.attrs["repaired_geometries"] == 1
    assert got.geometry.iloc[1].area > 0


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        io.read(tmp_path / "nope.gpkg")
    (tmp_path / "x.dwg").write_bytes(b"AC1015")
    with pytest.raises(ReadError, match="unsupported file type '.dwg'"):
        io.read(tmp_path / "x.dwg")
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReadError, match="broken.geojson: could not read"):
        io.read(tmp_path / "broken.geojson")


def test_write_roundtrip_gpkg_and_geojson(tmp_path, towns):
    io.write(towns, tmp_path / "t.gpkg", layer="towns")
    io.write(towns.iloc[:1], tmp_path / "t.gpkg", layer="other")
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "t.gpkg")}
    assert layers == {"towns", "other"}  # the second write kept the first layer
    assert io.read(tmp_path / "t.gpkg", layer="towns")["name"].tolist() == NAMES
    io.write(towns.to_crs(crs.METRIC), tmp_path / "t.geojson")
    back = io.read(tmp_path / "t.geojson")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].x == pytest.approx(121.59, abs=1e-9)


def test_failed_write_leaves_old_file_intact(tmp_path, towns, monkeypatch):
    target = tmp_path / "t.geojson"
    io.write(towns, target)
    before = target.read_bytes()

    def crash(*args, **kwargs):
        # write half a file, then die like a full disk would
        args[1].write_bytes(b'{"type": "FeatureCollection", "feat')
        raise OSError("No space left on device")

    monkeypatch.setattr(pyogrio, "write_dataframe", crash)
    with pytest.raises(WriteError, match="the old file is kept"):
        io.write(towns.iloc[:1], target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.geojson"]  # no temp left


def test_atomic_write_exception_in_block(tmp_path):
    target = tmp_path / "plan.txt"
    io.write_text("v1", target)
    with pytest.raises(RuntimeError), io.atomic_write(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "v1"
    with pytest.raises(WriteError, match="exists; pass overwrite=True"):
        io.write_text("v2", target, overwrite=False)


def test_write_refuses_no_crs_and_unknown_suffix(tmp_path, towns):
    with pytest.raises(CRSError, match="no CRS"):
        io.write(gpd.GeoDataFrame(towns.drop(columns="geometry"),
                                  geometry=list(towns.geometry)), tmp_path / "a.gpkg")
    with pytest.raises(WriteError, match=r"writes \.gpkg, \.geojson"):
        io.write(towns, tmp_path / "a.kml")


def test_detect_encoding_text(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("名称\n张江\n".encode())
    assert io.detect_encoding(p) == "utf-8"
    p.write_bytes("名称\n张江\n".encode("gbk"))
    assert io.detect_encoding(p) == "gb18030"
    p.write_bytes(bytes(np.random.default_rng(0).integers(128, 256, 200, dtype=np.uint8)))
    with pytest.raises(EncodingError, match="neither UTF-8 nor GBK"):
        io.detect_encoding(p)


def test_reads_real_gcj02_district_file(shared_data):
    # the shipped cnmaps file is GCJ-02 although GeoJSON says EPSG:4326
    path = shared_data / "admin" / "shanghai_districts_cnmaps_gcj02.geojson"
    raw = io.read(path)
    with pytest.warns(CoordinateShiftWarning, match="declares EPSG:4326"):
        fixed = io.read(path, source_crs="GCJ-02")
    ref = io.read(shared_data / "admin" / "shanghai_districts_geoboundaries_osm_wgs84.geojson")
    name = "普陀区"
    a = raw[raw["name"] == name].to_crs(crs.METRIC).geometry.iloc[0]
    b = fixed[fixed["name"] == name].to_crs(crs.METRIC).geometry.iloc[0]
    r = ref[ref["district"] == name].to_crs(crs.METRIC).geometry.iloc[0]
    iou = lambda p, q: p.intersection(q).area / p.union(q).area  # noqa: E731
    assert iou(b, r) > 0.97 > iou(a, r)


# --------------------------------------------------------------------------- plain tables


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gbk"])
def test_read_table_csv_encodings(tmp_path, codec):
    p = tmp_path / "projects.csv"
    p.write_bytes("项目名称,用地需求(亩),project_id\n集成电路,30,007\n".encode(codec))
    t = io.read_table(p, dtype={"project_id": str})
    assert list(t.columns) == ["项目名称", "用地需求(亩)", "project_id"]  # no BOM in the header
    assert t["项目名称"].tolist() == ["集成电路"]
    assert t["project_id"].tolist() == ["007"]
    assert t.attrs["source_path"] == str(p)


def test_read_table_excel_and_sheets(tmp_path):
    p = tmp_path / "projects.xlsx"
    with pd.ExcelWriter(p) as xw:
        first = pd.DataFrame({"项目名称": ["A"], "用地需求(亩)": [12.5]})
        first.to_excel(xw, sheet_name="清单", index=False)
        pd.DataFrame({"x": [1, 2]}).to_excel(xw, sheet_name="other", index=False)
    assert io.read_table(p)["用地需求(亩)"].tolist() == [12.5]
    assert len(io.read_table(p, sheet="other")) == 2
    assert len(io.read_table(p, sheet=1)) == 2
    with pytest.raises(ReadError, match="no sheet 'nope'; the workbook has 清单, other"):
        io.read_table(p, sheet="nope")


@pytest.mark.parametrize("name, content, match", [
    ("empty.csv", b"", "empty.csv: the file is empty"),
    ("blank.csv", b"\n\n", "blank.csv: the file has no header"),
    ("trunc.csv", b'a,b\n1,"2\n3', "trunc.csv: the file ends inside its last row"),
    ("quote.csv", b'a,b\n1,"2\n3,4\n', "quote.csv: not a readable CSV table"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "broken.xlsx: not a readable Excel"),
    ("half.xlsx", None, "half.xlsx: not a readable Excel"),
    ("a.dbf", b"x", "unsupported table type '.dbf'"),
])
def test_read_table_broken_files_are_read_errors(tmp_path, name, content, match):
    p = tmp_path / name
    if content is None:  # a real workbook cut in half (an interrupted download)
        pd.DataFrame({"x": range(100)}).to_excel(tmp_path / "full.xlsx", index=False)
        raw = (tmp_path / "full.xlsx").read_bytes()
        content = raw[: len(raw) // 2]
    p.write_bytes(content)
    with pytest.raises(ReadError, match=match):
        io.read_table(p)
    with pytest.raises(ReadError):
        io.read_table(tmp_path / "missing.csv")


def test_read_of_empty_and_truncated_csv_is_a_read_error(tmp_path):
    p = tmp_path / "points.csv"
    p.write_bytes(b"")
    with pytest.raises(ReadError, match="points.csv: the file is empty"):
        io.read(p, source_crs="WGS-84")
    p.write_bytes(b'lon,lat,name\n121.6,31.2,"a\n121.7')
    with pytest.raises(ReadError, match="points.csv: the file ends inside its last row"):
        io.read(p, source_crs="WGS-84")
    p.write_bytes(b'lon,lat,name\n121.6,31.2,"a\n121.7,31.3,b\n')  # a quote never closed
    with pytest.raises(ReadError, match="points.csv: not a readable CSV"):
        io.read(p, source_crs="WGS-84")
    p.write_bytes(b"lon,lat,name\n121.6,31.2,a\n121.7,31.3,b")  # no final newline: complete
    assert io.read(p, source_crs="WGS-84")["name"].tolist() == ["a", "b"]
    with pytest.raises(ReadError, match="is a folder"):
        io.read(tmp_path)


# ----------------------------------------------------------- CRS claims, overrides and guesses


def test_no_crs_with_gauss_krueger_coordinates_suggests_the_zone(tmp_path):
    # a bureau shapefile in CGCS2000 3-degree Gauss-Krueger zone 40 with its .prj lost
    pts = gpd.GeoDataFrame({"name": ["张江"]}, geometry=[Point(121.5937, 31.2033)], crs=4326)
    shp = tmp_path / "gk.shp"
    pts.to_crs("EPSG:4528").to_file(shp, encoding="UTF-8")
    shp.with_suffix(".prj").unlink()
    x = io.read(shp, source_crs="EPSG:4528").geometry.iloc[0].x
    assert 40_000_000 < x < 41_000_000
    with pytest.raises(CRSError, match=r"not longitude/latitude: x ≈ 40,6\d\d,\d\d\d.*EPSG:4528 "
                                       r"\(CGCS2000 / 3-degree Gauss-Kruger zone 40\)"):
        io.read(shp)
    with pytest.raises(CRSError, match="EPSG:4528"):
        io.read(shp, source_crs="WGS-84")  # metres are not degrees
    with pytest.raises(CRSError, match="EPSG:4528"):
        io.read(shp, source_crs="GCJ-02")
    # the same coordinates without the zone prefix: the central-meridian variant 120E
    plain = tmp_path / "cm.shp"
    pts.to_crs("EPSG:4549").to_file(plain, encoding="UTF-8")
    plain.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"EPSG:4549 \(CGCS2000 / 3-degree Gauss-Kruger CM 120E\)"):
        io.read(plain)
    back = io.read(plain, source_crs="EPSG:4549").to_crs(4326).geometry.iloc[0]
    assert back.x == pytest.approx(121.5937, abs=1e-7)


def test_override_of_a_declared_crs_warns_naming_both(tmp_path, towns):
    path = tmp_path / "t.gpkg"
    towns.to_crs("EPSG:4490").to_file(path)
    with pytest.warns(CoordinateShiftWarning,
                      match="declares EPSG:4490 but source_crs='EPSG:4326'"):
        got = io.read(path, source_crs="EPSG:4326")
    assert got.crs.to_epsg() == 4326
    io.read(path, source_crs="EPSG:4490")  # the same CRS: no warning (the suite errors on one)
    with pytest.raises(CRSError, match="not a CRS zjgis knows"):
        io.read(path, source_crs="Beijing 54 maybe")


def test_metres_labelled_4326_in_a_file_are_refused(tmp_path, towns):
    path = tmp_path / "m.geojson"
    metres = towns.to_crs(crs.METRIC).set_crs(4326, allow_override=True)
    pyogrio.write_dataframe(metres, path)
    with pytest.raises(CRSError, match="outside the lon/lat range.*look like metres"):
        io.read(path)


def test_zip_with_the_shapefile_in_a_subfolder(tmp_path, towns):
    folder = tmp_path / "export"
    folder.mkdir()
    _gbk_shapefile(towns, folder / "towns.shp")
    archive = tmp_path / "delivery.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"2024交付/towns/{p.name}")
    got = io.read(archive)
    assert got["name"].tolist() == NAMES and got.crs.to_epsg() == 4326
    assert io.read(archive, layer="towns")["name"].tolist() == NAMES


# ------------------------------------------------------------------ writes that must not happen


def test_read_only_target_is_never_replaced(tmp_path, towns):
    target = tmp_path / "t.geojson"
    io.write(towns, target)
    before = target.read_bytes()
    target.chmod(0o444)
    try:
        for overwrite in (True, False):
            with pytest.raises(WriteError,
                               match=r"t\.geojson is read-only \(mode 444\).*chmod u\+w"):
                io.write(towns.iloc[:1], target, overwrite=overwrite)
        with pytest.raises(WriteError, match="read-only"):
            io.write_text("x", target)
        assert target.read_bytes() == before
    finally:
        target.chmod(0o644)
    io.write(towns.iloc[:1], target)  # writable again: replaced
    assert len(io.read(target)) == 1


def test_writing_onto_a_folder_is_a_write_error(tmp_path, towns):
    folder = tmp_path / "out.gpkg"
    folder.mkdir()
    with pytest.raises(WriteError, match=r"out\.gpkg is a folder"):
        io.write(towns, folder)
    with pytest.raises(WriteError, match="is a folder"):
        io.write_bytes(b"x", tmp_path)


def test_read_only_folder_is_a_write_error(tmp_path, towns, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root may write anywhere: make the OS refuse as it would a planner
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(WriteError, match=r"folder .*ro does not accept new files"):
            io.write(towns, folder / "t.gpkg")
    finally:
        folder.chmod(0o755)
    assert not any(folder.iterdir())


def test_nan_vertex_is_refused_not_written_as_null(tmp_path, towns):
    bad = towns.copy()
    bad.geometry = [Point(121.59, 31.20), Point(np.nan, 31.19), Point(121.66, 31.22)]
    for name in ("t.geojson", "t.gpkg"):
        with pytest.raises(GeometryError, match=r"refusing to write .*t\.\w+: 1 feature\(s\) have "
                                                r"NaN or infinite coordinates — feature 1"):
            io.write(bad, tmp_path / name)
    assert not any(tmp_path.iterdir())


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_killed_writes_are_removed_by_the_next_write(tmp_path, towns):
    target = tmp_path / "t.gpkg"
    io.write(towns, target)
    dead = tmp_path / f".t.{_dead_pid()}.abc123.tmp.gpkg"
    dead.write_bytes(b"half a file")
    (tmp_path / (dead.name + "-journal")).write_bytes(b"j")
    live = tmp_path / f".t.{os.getppid()}.def456.tmp.gpkg"  # a writer that still runs
    live.write_bytes(b"in progress")
    other = tmp_path / f".u.{_dead_pid()}.xyz.tmp.gpkg"  # another target's: not ours to judge
    other.write_bytes(b"x")
    io.write(towns.iloc[:1], target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["t.gpkg", live.name, other.name])


_KILLED_WRITER = """
import sys, geopandas as gpd, numpy as np
from shapely import Point
import zjgis.io as io
n = int(sys.argv[2])
rng = np.random.default_rng(0)
gdf = gpd.GeoDataFrame({"v": rng.random(n)}, geometry=gpd.points_from_xy(
    121.5 + rng.random(n) * 0.2, 31.1 + rng.random(n) * 0.2), crs=4326)
print("ready", flush=True)
io.write(gdf, sys.argv[1])
"""


def test_killed_writes_leave_the_old_file_and_the_next_write_cleans_up(tmp_path, towns):
    target = tmp_path / "t.gpkg"
    io.write(towns, target)
    before = target.read_bytes()
    script = tmp_path / "writer.py"
    script.write_text(_KILLED_WRITER)
    rng = np.random.default_rng(1)

    def temporaries():
        return [p for p in tmp_path.iterdir() if ".tmp." in p.name]

    for _ in range(8):  # until a kill has hit the write in progress
        proc = subprocess.Popen([sys.executable, str(script), str(target), "20000"],
                                stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if target.read_bytes() != before:  # the write finished first: a complete new file
            assert len(io.read(target)) == 20000
            io.write(towns, target)
            before = target.read_bytes()
        elif temporaries():
            break
    assert temporaries(), "no kill hit a write in progress: the test measured nothing"
    assert target.read_bytes() == before  # the killed write left the old file as it was
    io.write(towns.iloc[:1], target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["t.gpkg", "writer.py"]


# ------------------------------------------------------------------ tables with geometry


def test_excel_with_wkt_and_sheets_is_read(tmp_path):
    path = tmp_path / "parcels.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="说明", index=False)
        pd.DataFrame({"宗地号": ["A1", "A2"],
                      "wkt": ["POLYGON ((121.6 31.2, 121.61 31.2, 121.61 31.21, 121.6 31.2))",
                              "POINT (121.62 31.21)"]}).to_excel(xw, sheet_name="地块",
                                                                 index=False)
    got = io.read(path, layer="地块", source_crs="WGS-84")
    assert got["宗地号"].tolist() == ["A1", "A2"] and got.crs.to_epsg() == 4326
    assert got.geometry.iloc[1].equals(Point(121.62, 31.21))
    with pytest.raises(CRSError, match="no coordinate reference system"):
        io.read(path, layer="地块")
    with pytest.raises(ReadError, match="no sheet 'nope'"):
        io.read(path, layer="nope", source_crs="WGS-84")


def test_csv_in_gauss_krueger_metres_with_source_crs(tmp_path):
    x, y = pyproj.Transformer.from_crs(4326, 4528, always_xy=True).transform(121.6, 31.2)
    path = tmp_path / "gk.csv"
    path.write_text(f"name,x,y\n张江,{x},{y}\n", encoding="utf-8")
    got = io.read(path, lonlat=("x", "y"), source_crs="EPSG:4528")
    back = got.to_crs(4326).geometry.iloc[0]
    assert back.x == pytest.approx(121.6, abs=1e-9) and back.y == pytest.approx(31.2, abs=1e-9)
    with pytest.raises(CRSError, match="EPSG:4528"):
        io.read(path, lonlat=("x", "y"))


def test_table_to_geodata_bad_wkt_rows(tmp_path):
    t = pd.DataFrame({"pid": ["A", "B", "C"],
                      "geom": ["POINT (121.6 31.2)", "POLYGON ((1 2", None]})
    with pytest.raises(ReadError, match=r"column 'geom' is not WKT in 1 row\(s\) \(file lines 3\)"):
        io.table_to_geodata(t, source_crs="WGS-84", name="t.csv")
    g = io.table_to_geodata(t, source_crs="WGS-84", bad_wkt="null", name="t.csv")
    assert g.geometry.isna().tolist() == [False, True, True]
    assert g.attrs["unparsed_wkt_rows"] == [1]
    with pytest.raises(ReadError, match="no WKT column 'shape'"):
        io.table_to_geodata(t, source_crs="WGS-84", wkt_column="shape")
    gcj = pd.DataFrame({"lon": [121.5937], "lat": [31.2033]})
    w = io.table_to_geodata(gcj, source_crs="GCJ-02")
    x, y = crs.gcj02_to_wgs84(121.5937, 31.2033)
    assert w.geometry.iloc[0].x == pytest.approx(float(x), abs=1e-12)
    assert w.attrs["coordinate_conversions"] == ["GCJ-02 -> WGS-84"]


def test_stale_cleanup_leaves_other_targets_with_a_similar_stem(tmp_path, towns):
    target = tmp_path / "t.gpkg"
    similar = tmp_path / f".t.x.{_dead_pid()}.abc.tmp.gpkg"  # a temporary of t.x.gpkg
    similar.write_bytes(b"x")
    old = tmp_path / ".t.k3j2l1.tmp.gpkg"  # an hour-old temporary without a pid (older zjgis)
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    io.write(towns, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([similar.name, "t.gpkg"])
