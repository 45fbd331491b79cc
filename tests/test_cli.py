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


def test_refuse_existing_names_the_file_and_respects_overwrite(tmp_path):
    from zjgis.cli._common import refuse_existing
    from zjgis.errors import WriteError

    there = tmp_path / "plan.xlsx"
    there.write_bytes(b"old")
    refuse_existing([None, tmp_path / "new.html"], overwrite=False)  # nothing exists: fine
    refuse_existing([there], overwrite=True)
    with pytest.raises(WriteError, match=r"plan\.xlsx exists; pass --overwrite"):
        refuse_existing([tmp_path / "new.html", there], overwrite=False)
    assert there.read_bytes() == b"old"


def test_coverage_refuses_an_existing_csv_output(tmp_path, capsys):
    from zjgis import network

    out = tmp_path / "cov.gpkg"
    out.with_suffix(".zones.csv").write_text("keep me")
    code = main(["coverage", str(network.sample_path("population_jobs")), "--out", str(out)])
    assert code == 1
    assert "cov.zones.csv exists" in capsys.readouterr().err
    assert out.with_suffix(".zones.csv").read_text() == "keep me" and not out.exists()
