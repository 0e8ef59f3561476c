"""The Python, Node and Go example commands print the same thing for the same request.

Needs node (with clients/node/node_modules) and go with Debian's grpc packages; without them the test
is skipped, unless NEWSLINE_REQUIRE_ALL_CLIENTS=1 (scripts/clients-test.sh sets it) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import CLIENT_ROOT, EXAMPLE_ENTITY, run_example

CLIENTS_ROOT = CLIENT_ROOT.parent
GO_ENVIRONMENT = {"GO111MODULE": "off", "GOPATH": f"{CLIENTS_ROOT / 'go'}:/usr/share/gocode", "GOFLAGS": ""}


def missing_toolchain() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (CLIENTS_ROOT / "node" / "node_modules" / "@grpc" / "grpc-js").exists():
        return "clients/node/node_modules is missing (npm ci)"
    if shutil.which("go") is None:
        return "go is not installed"
    return None


@pytest.fixture(scope="module")
def go_examples(tmp_path_factory):
    problem = missing_toolchain()
    if problem:
        if os.environ.get("NEWSLINE_REQUIRE_ALL_CLIENTS") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    output_dir = tmp_path_factory.mktemp("go-examples")
    for name in ("newsline-timeline", "newsline-relations"):
        subprocess.run(
            ["go", "build", "-o", str(output_dir / name), f"newsline/cmd/{name}"],
            check=True,
            timeout=300,
            env={**os.environ, **GO_ENVIRONMENT},
            cwd=CLIENTS_ROOT / "go",
        )
    return output_dir


def run_node(example: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(CLIENTS_ROOT / "node" / "examples" / f"{example}.js"), *arguments],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def run_go(directory, example: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(directory / f"newsline-{example}"), *arguments],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "example, arguments",
    [
        ("timeline", [EXAMPLE_ENTITY]),
        ("timeline", [EXAMPLE_ENTITY, "--watch"]),
        ("timeline", [EXAMPLE_ENTITY, "--descending", "--limit", "3", "--kind", "visit"]),
        ("relations", [EXAMPLE_ENTITY]),
        ("relations", [EXAMPLE_ENTITY, "--kind", "country", "--from", "2015"]),
        ("timeline", ["person:nobody-by-this-name"]),
        ("relations", [EXAMPLE_ENTITY, "--from", "2017", "--to", "2015"]),
    ],
)
def test_every_client_prints_the_same(go_examples, query_address, example, arguments):
    arguments = [*arguments, "--address", query_address]
    python = run_example(example, *arguments)
    node = run_node(example, *arguments)
    go = run_go(go_examples, example, *arguments)
    assert python.stdout or python.stderr
    assert (node.returncode, node.stdout, node.stderr) == (python.exit_code, python.stdout, python.stderr)
    assert (go.returncode, go.stdout, go.stderr) == (python.exit_code, python.stdout, python.stderr)
