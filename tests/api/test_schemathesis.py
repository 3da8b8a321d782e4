"""Schemathesis over the OpenAPI document against a live server: no 5xx, no response that
breaks the documented schema, whatever the input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpwire.accounts.models import ApiToken

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
])


# About two and a half minutes: run once per CI, in the PostgreSQL pass.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_survives_schemathesis(live_server, admin, inbound, settings, tmp_path: Path):
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    settings.HELPWIRE_API_RATE = "1000000/m"
    for n in range(3):
        inbound(f"Письмо {n}", thread=f"t{n}")
    _token, raw = ApiToken.issue(agent=admin)
    examples = os.environ.get("HELPWIRE_SCHEMATHESIS_EXAMPLES", "25")
    result = subprocess.run(
        [st, "run", f"{live_server.url}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {raw}",
         "--checks", CHECKS, "--max-examples", examples, "--seed", "1",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
         "--workers", "1", "--wait-for-schema", "30"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
