"""Every notebook in notebooks/ is executed; a failing cell fails the suite.

Notebooks are stored without outputs, write what they make into ``output/`` (ignored by
git) or a temporary folder, show the warnings they expect instead of silencing them, and
their inline maps draw with no network: one notebook's HTML export (nbconvert) is opened
in headless Chromium with networking off and its drawn features are counted.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from _notebooks import NOTEBOOKS, ROOT, execute


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stored_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name}: store notebooks without outputs"
    text = "\n".join(code)
    # expected warnings are shown (or asserted), never silenced wholesale
    assert not re.search(r"simplefilter\(\s*['\"]ignore", text), path.name
    assert not re.search(r"filterwarnings\(\s*['\"]ignore", text), path.name
    # .explore() loads Leaflet from a CDN: notebooks draw with zjgis.maps (inline, offline)
    assert ".explore(" not in text, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    _, cwd = execute(path)  # once per session (the docs build reuses it)
    # what the notebook made stays in output/ (git-ignored) or a temporary folder
    stray = [p.name for p in cwd.iterdir() if p.name != "output"]
    assert stray == [], f"{path.name} wrote {stray} beside itself; write into output/"


def test_notebook_outputs_folder_is_ignored():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    probe = ROOT / "notebooks" / "output" / "probe.html"
    proc = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT)
    assert proc.returncode == 0, "notebooks/output/ should be in .gitignore"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ should hold the executed tour notebooks"


IFRAME_LAYERS_JS = """
(() => {
  const out = [];
  for (const f of document.querySelectorAll('iframe')) {
    const d = f.contentDocument, w = f.contentWindow;
    if (!d || !d.documentElement) { out.push({rendered: null}); continue; }
    const layers = {};
    if (w.zjgis && w.zjgis.layers) {
      for (const [name, r] of Object.entries(w.zjgis.layers)) {
        if (!r || !r.spec || !r.group) continue;
        layers[name] = {count: r.count, onMap: w.zjgis.layers.__map.hasLayer(r.group),
                        paths: d.querySelectorAll('path.zj-l-' + r.spec.css).length};
      }
    }
    out.push({rendered: d.documentElement.getAttribute('data-zjgis-rendered'),
              leaflet: !!(w.L && d.querySelector('.leaflet-map-pane')), layers});
  }
  return JSON.stringify(out);
})()
"""


@pytest.mark.browser
def test_notebook_html_export_draws_maps_offline(tmp_path):
    """Notebook 01's HTML export: its inline map draws every feature with networking off."""
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    nbconvert = pytest.importorskip("nbconvert")
    from _browser import Page, find_chromium

    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium not installed (apt-get install chromium; scripts/setup_env.sh "
                    "test does it)")
    path = ROOT / "notebooks" / "01_layers.ipynb"
    nb, _ = execute(path)
    # the lab template without MathJax and require.js (both CDN links; no cell needs them)
    exporter = nbconvert.HTMLExporter(template_name="lab", mathjax_url="", require_js_url="")
    html, _ = exporter.from_notebook_node(nb)
    html = html.replace('<script src=""></script>', "")
    page_file = tmp_path / "01_layers.html"
    page_file.write_text(html, encoding="utf-8")

    from zjgis import layers

    stations = layers.load("rail_stations")
    expected = {name: len(layers.load(name)) for name in
                ("science_city_2022", "science_city_2017", "axis_zones", "axis",
                 "industrial_communities")}
    in_city = stations.sjoin(layers.load("science_city_2022")[["geometry"]],
                             predicate="intersects")
    n_stations = int(in_city.index.unique().size)

    with Page(exe) as page:
        page.call("Page.navigate", url=page_file.resolve().as_uri())
        deadline = time.monotonic() + 60
        while True:
            frames = json.loads(page.evaluate(IFRAME_LAYERS_JS))
            if frames and all(f["rendered"] == "1" for f in frames):
                break
            assert time.monotonic() < deadline, f"inline map did not render: {frames}"
            time.sleep(0.1)
        page.pump(0.5)
        assert page.requests() == [], "the exported notebook asked the network for something"
        assert page.console_errors() == []
    assert frames and all(f["leaflet"] for f in frames)
    for frame in frames:  # every inline map draws each feature of each layer it shows
        for name, layer in frame["layers"].items():
            if layer["onMap"]:
                assert layer["paths"] == layer["count"], (name, layer)
    drawn = frames[0]["layers"]  # the first map: the catalog layers and the stations
    for name, n in expected.items():
        assert drawn[name]["count"] == n, name
        if drawn[name]["onMap"]:  # layers switched off in the layer control draw nothing yet
            assert drawn[name]["paths"] == n, name
    shown = [name for name in expected if drawn[name]["onMap"]]
    assert shown, drawn
    extra = [v for k, v in drawn.items() if k not in expected and v["count"] == n_stations]
    assert extra and extra[0]["paths"] == n_stations, drawn


def test_notebook_extra_gives_a_working_jupyter_lab():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    assert any(req.startswith("jupyterlab") for req in extras["notebook"])
    pytest.importorskip("jupyterlab", reason='pip install -e ".[notebook]" brings JupyterLab')
    import sys

    jupyter = Path(sys.executable).with_name("jupyter")
    proc = subprocess.run([str(jupyter), "lab", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", proc.stdout.strip()), proc.stdout
