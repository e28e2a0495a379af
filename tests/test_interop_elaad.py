"""Interoperability: ElaadNL's openadr3-client (PyPI), BL and VEN, against `vtn serve`.

The library needs Python >= 3.12, so it runs in its own virtual environment (tests/interop/venv.py makes
it on first use, in .interop/); it uses HTTP Basic at /auth/token, sends explicit nulls, and validates
every answer with strict pydantic models.
"""

import subprocess
from pathlib import Path

from .interop.venv import elaad_python
from .served import add_client

FLOW = Path(__file__).parent / "interop" / "elaad_flow.py"


def test_bl_and_ven_flow(served, database_url):
    bl = add_client(database_url, "bl", "utility DR system")
    ven = add_client(database_url, "ven", "automaker A")
    args = [served.api, bl["client_id"], bl["client_secret"], ven["client_id"], ven["client_secret"]]
    done = subprocess.run([elaad_python(), str(FLOW), *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip().endswith("OK"), done.stdout + done.stderr
