"""The virtual environment of ElaadNL's openadr3-client, which needs Python >= 3.12.

The interpreter is VTN_INTEROP_PYTHON, else the first python3.12+ on PATH or under ~/.pyenv/versions.
The environment is made once in .interop/elaad-venv (`.ci/run` makes it before the tests run).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "openadr3-client==2.4.2"
VENV = Path(__file__).resolve().parents[2] / ".interop" / "elaad-venv"


def _candidates() -> list[str]:
    found = [os.environ.get("VTN_INTEROP_PYTHON", "")]
    found += [shutil.which(f"python3.{minor}") or "" for minor in range(20, 11, -1)]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")), reverse=True)
    return [path for path in found if path]


def _version_ok(python: str) -> bool:
    probe = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info >= (3, 12))"], capture_output=True, text=True
    )
    return probe.stdout.strip() == "True"


def elaad_python() -> str:
    """The venv's python, making the venv first if needed."""
    python = VENV / "bin" / "python"
    if python.exists():
        return str(python)
    base = next((p for p in _candidates() if _version_ok(p)), None)
    if base is None:
        raise RuntimeError("The ElaadNL interop test needs Python >= 3.12: set VTN_INTEROP_PYTHON.")
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", PACKAGE], check=True)
    return str(python)


if __name__ == "__main__":
    sys.stdout.write(elaad_python() + "\n")
