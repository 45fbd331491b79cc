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


def test_terminal_shows_a_bar():
    leader, follower = pty.openpty()
    # a terminal of 100 x 30 (a new pty has size 0 x 0, where tqdm draws nothing)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", LOOP], env=_env(), stderr=follower,
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
    assert proc.returncode == 0
    assert b"noding" in b"".join(chunks)


@pytest.mark.parametrize("quiet", [False, True])
def test_redirected_stderr_gets_no_bar(tmp_path, quiet):
    log = tmp_path / "run.log"
    code = LOOP if not quiet else "import logging; logging.getLogger('zjgis').setLevel(40)\n" + LOOP
    with log.open("wb") as fh:
        subprocess.run([sys.executable, "-c", code], env=_env(), stderr=fh, check=True,
                       timeout=120)
    assert log.read_bytes() == b""


def test_notebook_kernel_counts_as_interactive(monkeypatch):
    class Shell:
        kernel = object()

    fake = type(sys)("IPython")
    fake.get_ipython = lambda: Shell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(sys.modules, "ipykernel", type(sys)("ipykernel"))
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv(_log.ENV_VAR, raising=False)
    assert _log._in_notebook()
    assert _log.progress_enabled()
