"""Fixtures: the real services, started once per test session and loaded with the repository's seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from services import REPO_ROOT, Services, start_services

from newsline.v1 import ingest_service_pb2, ingest_service_pb2_grpc

CLIENT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = Path(os.environ.get("NEWSLINE_SEEDS_DIR", REPO_ROOT / "seeds"))
# The entity the examples are shown with; it is named across the seeds.
EXAMPLE_ENTITY = os.environ.get("NEWSLINE_EXAMPLE_ENTITY", "Makei")
COMMAND_TIMEOUT_SECONDS = 60


@dataclass
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def run_example(module: str, *arguments: str) -> CommandResult:
    """Runs an example command the way a user would, in a fresh interpreter."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(CLIENT_ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    finished = subprocess.run(
        [sys.executable, "-m", f"newsline_client.{module}", *arguments],
        capture_output=True,
        check=False,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    return CommandResult(finished.returncode, finished.stdout, finished.stderr)


@pytest.fixture(scope="session")
def services():
    running = start_services()
    try:
        ingest = ingest_service_pb2_grpc.IngestServiceStub(running.ingest.channel)
        seed_paths = sorted(SEEDS_DIR.glob("*.txt"))
        assert seed_paths, f"no seeds in {SEEDS_DIR}"
        for path in seed_paths:
            answer = ingest.IngestDocument(
                ingest_service_pb2.IngestDocumentRequest(text=path.read_text(encoding="utf-8"), source_uri=str(path)),
                timeout=60,
            )
            assert answer.event_count > 0, f"{path.name} produced no events: {answer}"
            assert not answer.spooled, f"{path.name} was spooled instead of published: {answer}"
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def query_address(services: Services) -> str:
    return services.query.address
