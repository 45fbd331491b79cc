"""The ``zjgis`` entry point: version, help, error handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

import zjgis
from zjgis.cli.main import build_parser, main


def test_version_via_console_script():
    out = subprocess.run([sys.executable, "-m", "zjgis.cli.main", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"zjgis {zjgis.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: zjgis" in capsys.readouterr().out


def test_every_subcommand_module_registers():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert "layers" in sub.choices


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
