"""scripts/setup_env.sh is quiet and does nothing when .venv already matches pyproject.toml."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def _key(extras: str) -> str:
    py = subprocess.run([str(VENV / "bin" / "python"), "-VV"], capture_output=True, text=True,
                        check=True).stdout
    data = (ROOT / "pyproject.toml").read_bytes() + f"extras={extras}\n{py}".encode()
    return hashlib.sha256(data).hexdigest()


@pytest.mark.skipif(not (VENV / "bin" / "python").exists(), reason="no .venv (run scripts/test.sh)")
def test_up_to_date_environment_is_left_alone():
    stamp = VENV / ".zjgis-setup-test"
    if not stamp.exists() or stamp.read_text().strip() != _key("test"):
        pytest.skip(".venv was not installed by scripts/setup_env.sh from this pyproject.toml")
    if Path(sys.prefix).resolve() != VENV.resolve():
        pytest.skip("the suite runs outside the repository's .venv")
    for extras in ("test", ""):  # the plain install is covered by the test install
        start = time.monotonic()
        proc = subprocess.run(["bash", "scripts/setup_env.sh", *([extras] if extras else [])],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "" and proc.stderr == "", (proc.stdout, proc.stderr)
        assert took < 30, f"an up-to-date setup took {took:.1f} s"


def test_stamp_key_follows_pyproject_extras_and_python():
    script = (ROOT / "scripts" / "setup_env.sh").read_text(encoding="utf-8")
    # the key hashes exactly what _key() above hashes, so the check above means something
    assert "cat pyproject.toml; echo \"extras=$1\"; .venv/bin/python -VV" in script
    assert "pip install -q -e" in script and '>"$log" 2>&1' in script
