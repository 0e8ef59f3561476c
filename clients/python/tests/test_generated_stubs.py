import subprocess
import sys

from conftest import CLIENT_ROOT


def test_committed_stubs_match_proto():
    check = subprocess.run(
        [sys.executable, str(CLIENT_ROOT / "generate.py"), "--check"],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
