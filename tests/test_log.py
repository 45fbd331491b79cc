"""zjgis._log.progress: bars in a terminal and a notebook, silent under -q, in tests and logs."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from zjgis import _log

LOOP = "from zjgis._log import progress\nfor _ in progress(range(5000), desc='noding'): pass\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_CURRENT_TEST", _log.ENV_VAR)}
    env.update(extra)
    return env


def test_items_pass_through_unchanged():
    items = [object() for _ in range(3)]
    assert list(_log.progress(items, desc="x", min_items=1)) == items
    gen = (i * i for i in range(2000))
    assert sum(_log.progress(gen, total=2000, desc="squares")) == sum(i * i for i in range(2000))


def test_silent_under_pytest(capsys):
    list(_log.progress(range(5000), desc="noding"))
    assert capsys.readouterr().err == ""


def test_forced_on_draws_a_bar(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    list(_log.progress(range(5000), desc="noding"))
    err = capsys.readouterr().err
    assert "noding" in err and "5000" in err


def test_short_loops_draw_nothing(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    list(_log.progress(range(999), desc="short"))  # default min_items=1000
    assert capsys.readouterr().err == ""


def test_quiet_logger_silences_even_forced_bars(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    old = _log.logger.level
    _log.logger.setLevel(logging.ERROR)  # what `zjgis -q` does
    try:
        list(_log.progress(range(5000), desc="noding"))
    finally:
        _log.logger.setLevel(old)
    assert capsys.readouterr().err == ""


def test_env_var_zero_switches_bars_off(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "0")
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    assert not _log.progress_enabled()


def _in_terminal(code: str) -> bytes:
    """What ``python -c code`` writes to a terminal's stderr (a pty; nothing forced)."""
    leader, follower = pty.openpty()
    # a terminal of 100 x 30 (a new pty has size 0 x 0, where tqdm draws nothing)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", code], env=_env(), stderr=follower,
                            stdout=subprocess.DEVNULL)
    os.close(follower)  # the child holds it; reads end with EIO when the child is gone
    chunks = []
    try:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        proc.wait(120)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks)


def test_terminal_shows_a_bar():
    assert b"noding" in _in_terminal(LOOP)


NODING = """
import logging
import geopandas as gpd, shapely
from zjgis import network
from zjgis.network import graph
if QUIET:
    logging.getLogger("zjgis").setLevel(logging.ERROR)  # what zjgis -q does
graph._PROGRESS_MIN_SEGMENTS = 4  # the 100,000 of real work, lowered for a quick test
lines = [shapely.LineString([(0, i), (9, i)]) for i in range(3)] + [
    shapely.LineString([(i, -1), (i, 9)]) for i in range(3)]
network.build_graph(gpd.GeoDataFrame(geometry=lines, crs="EPSG:32651"))
"""


@pytest.mark.parametrize("quiet", [False, True])
def test_terminal_shows_the_noding_stages_and_none_under_quiet(quiet):
    err = _in_terminal(f"QUIET = {quiet}\n" + NODING)
    if quiet:
        assert err == b""
    else:
        assert b"noding" in err and b"stages" in err and b", crossings]" in err


@pytest.mark.parametrize("quiet", [False, True])
def test_redirected_stderr_gets_no_bar(tmp_path, quiet):
    log = tmp_path / "run.log"
    code = LOOP if not quiet else "import logging; logging.getLogger('zjgis').setLevel(40)\n" + LOOP
    with log.open("wb") as fh:
        subprocess.run([sys.executable, "-c", code], env=_env(), stderr=fh, check=True,
                       timeout=120)
    assert log.read_bytes() == b""


def _fake_kernel(monkeypatch):
    class Shell:
        kernel = object()

    fake = type(sys)("IPython")
    fake.get_ipython = lambda: Shell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(sys.modules, "ipykernel", type(sys)("ipykernel"))


def test_notebook_kernel_counts_as_interactive(monkeypatch):
    _fake_kernel(monkeypatch)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(_log.ENV_VAR, raising=False)
    assert _log._in_notebook()
    assert _log.progress_enabled()


# --- stage bars (zjgis._log.stages): vectorised work in named stages -------------------------

STAGES = ("segments", "crossings", "graph")


def _run_stages(**kw):
    with _log.stages(STAGES, desc="noding", **kw) as st:
        for _ in STAGES:
            st.step()
    return st


def test_forced_stages_draw_a_bar_naming_each_stage(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    st = _run_stages(size=100_000, min_size=100_000)
    err = capsys.readouterr().err
    assert "noding" in err and "%" in err
    for name in STAGES:
        assert name in err
    # the counter reaches each stage in order: "k/3 stages [..., name]"
    assert "0/3 stages" in err and "1/3 stages" in err and "2/3 stages" in err
    assert st.current == "graph" and not st.shown  # closed by the with block


def test_stages_below_min_size_under_quiet_and_in_tests_draw_nothing(monkeypatch, capsys):
    assert not _run_stages(size=10**6, min_size=1).shown  # pytest, not forced
    monkeypatch.setenv(_log.ENV_VAR, "1")
    with _log.stages(STAGES, desc="noding", size=99_999, min_size=100_000) as st:
        st.step()
        assert not st.shown
    old = _log.logger.level
    _log.logger.setLevel(logging.ERROR)  # what `zjgis -q` does
    try:
        with _log.stages(STAGES, desc="noding", size=10**6, min_size=1) as st:
            st.step()
            assert not st.shown
    finally:
        _log.logger.setLevel(old)
    monkeypatch.setenv(_log.ENV_VAR, "0")
    with _log.stages(STAGES, desc="noding", size=10**6, min_size=1) as st:
        assert not st.shown
    assert capsys.readouterr().err == ""


def test_stages_grow_when_passes_are_known_and_fail_cleanly(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    with _log.stages(["zones"], desc="zonal stats", size=2, min_size=1) as st:
        st.step()
        st.add(["burn 1/2", "burn 2/2"])
        st.step()
        st.step()
        st.step("statistics")  # one step more than announced: the bar grows
        assert st.names == ["zones", "burn 1/2", "burn 2/2", "statistics"]
    err = capsys.readouterr().err
    assert "burn 2/2" in err and "3/4 stages" in err
    with pytest.raises(ZeroDivisionError), _log.stages(["a", "b"], desc="failing", size=1,
                                                       min_size=1) as st:
        st.step()
        1 / 0  # noqa: B018
    assert not st.shown  # the bar of failed work is closed too
    assert "failing" in capsys.readouterr().err


def test_stage_names_cannot_send_terminal_escapes(monkeypatch, capsys):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    with _log.stages(["x"], desc="overlay\x1b[2J", size=1, min_size=1) as st:
        st.step("factor\x1b]0;owned\x07")
    err = capsys.readouterr().err
    assert "\x1b[2J" not in err and "\x1b]0" not in err and "factor?]0;owned?" in err


def test_bars_never_reach_a_logging_handler(monkeypatch, capsys, caplog):
    monkeypatch.setenv(_log.ENV_VAR, "1")
    caplog.set_level(logging.DEBUG, logger="zjgis")
    _log.logger.debug("before")
    _run_stages(size=1, min_size=1)
    list(_log.progress(range(2000), desc="tiles"))
    assert "noding" in capsys.readouterr().err
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "before" in text
    assert "noding" not in text and "tiles" not in text and "%|" not in text


def test_a_kernel_gets_the_notebook_widget(monkeypatch):
    pytest.importorskip("ipywidgets")
    from tqdm.notebook import tqdm as notebook_bar

    _fake_kernel(monkeypatch)
    assert _log._bar_class() is notebook_bar
    made = []

    class Recorder(notebook_bar):  # what tqdm.notebook would display, without a front end
        def __init__(self, *a, **k):
            made.append(k)
            k["disable"] = True
            super().__init__(*a, **k)

    import tqdm.notebook

    monkeypatch.setattr(tqdm.notebook, "tqdm", Recorder)
    monkeypatch.setenv(_log.ENV_VAR, "1")
    assert sum(_log.progress(range(2000), desc="tiles")) == sum(range(2000))
    _run_stages(size=1, min_size=1)
    assert [k["desc"] for k in made] == ["tiles", "noding"]
    assert made[1]["total"] == len(STAGES)


def test_a_kernel_without_ipywidgets_falls_back_to_the_text_bar(monkeypatch, capsys):
    from tqdm.std import tqdm as text_bar

    _fake_kernel(monkeypatch)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` fails
    assert _log._bar_class() is text_bar
    monkeypatch.setenv(_log.ENV_VAR, "1")
    _run_stages(size=1, min_size=1)
    err = capsys.readouterr().err
    assert "noding" in err and "segments" in err


def test_outside_a_kernel_the_text_bar(monkeypatch):
    from tqdm.std import tqdm as text_bar

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not _log._in_notebook()
    assert _log._bar_class() is text_bar


def test_a_real_kernel_shows_the_widget_not_text(tmp_path):
    """In a Jupyter kernel (not under pytest, nothing forced) a stage bar is a widget."""
    pytest.importorskip("ipywidgets")
    pytest.importorskip("ipykernel")
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3", env=_env(), cwd=str(tmp_path))
    msgs = []
    try:
        kc.execute("from zjgis._log import stages\n"
                   "with stages(['segments', 'graph'], desc='noding', size=1, min_size=1) as st:\n"
                   "    st.step(); st.step()\n")
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            msgs.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    shown = [m["content"]["data"] for m in msgs if m["msg_type"] == "display_data"]
    assert any("application/vnd.jupyter.widget-view+json" in d
               and "noding" in d.get("text/plain", "") for d in shown)
    updates = " ".join(str(m["content"]) for m in msgs if m["msg_type"] == "comm_msg")
    assert "graph" in updates  # the widget is told the stage names
    streams = [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"]
    assert not any("noding" in t for t in streams)  # no text bar in the notebook's output
    assert not any(m["msg_type"] == "error" for m in msgs)


def test_console_log_lines_print_above_a_bar_and_handlers_come_back(monkeypatch, capsys,
                                                                     tmp_path):
    """``zjgis -v``: a log line during a bar goes on a cleared line, not glued to the bar."""
    monkeypatch.setenv(_log.ENV_VAR, "1")
    console = logging.StreamHandler(sys.stderr)  # capsys's stderr here, as a terminal's
    console.setFormatter(logging.Formatter("LOG %(message)s"))
    to_file = logging.FileHandler(tmp_path / "run.log", encoding="utf-8")
    lg = _log.logger
    monkeypatch.setattr(lg, "handlers", [*lg.handlers, console, to_file])
    monkeypatch.setattr(lg, "level", logging.INFO)
    with _log.stages(["a", "b"], desc="noding", size=1, min_size=1) as st:
        st.step()
        _log.get_logger("zjgis.network").info("dropped 3 lines")
        assert console not in lg.handlers and to_file in lg.handlers
        st.step()
    for _ in _log.progress(range(2000), desc="tiles"):
        _log.get_logger("zjgis.network").info("in a loop")
        break
    assert lg.handlers[-2:] == [console, to_file]  # the application's handlers, back
    to_file.close()
    err = capsys.readouterr().err
    assert "\rLOG dropped 3 lines\n" in err and "\rLOG in a loop\n" in err
    assert (tmp_path / "run.log").read_text(encoding="utf-8") == "dropped 3 lines\nin a loop\n"
