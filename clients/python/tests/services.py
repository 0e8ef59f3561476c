"""Starts the real newsline binaries on free loopback ports for the tests, and stops them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from newsline_client.connection import connect, wait_until_serving

REPO_ROOT = Path(__file__).resolve().parents[3]
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def binary_dir() -> Path:
    return Path(os.environ.get("NEWSLINE_BIN_DIR", REPO_ROOT / "target" / "debug"))


def dying_with_this_process(command: list[str]) -> list[str]:
    """Should pytest die without stopping a server, the server goes too (util-linux's setpriv)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningService:
    name: str
    address: str
    process: subprocess.Popen
    log_path: Path
    channel: grpc.Channel = field(init=False)

    def __post_init__(self) -> None:
        self.channel = connect(self.address)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


def start_service(name: str, arguments: list[str], health_service: str, work_dir: Path) -> RunningService:
    """Starts `name serve --listen 127.0.0.1:<free port> ...` and waits until its health says SERVING.

    The free port is found by binding port 0 and releasing it, so another process can take it in
    between; a server that exits during startup is therefore started again on a new port, twice at most.
    """
    executable = binary_dir() / name
    if not executable.exists():
        raise FileNotFoundError(f"{executable} is missing: run `cargo build -p {name}` or set NEWSLINE_BIN_DIR")
    last_log = ""
    for attempt in range(3):
        address = f"127.0.0.1:{free_loopback_port()}"
        log_path = work_dir / f"{name}-{attempt}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                dying_with_this_process([str(executable), "serve", "--listen", address, *arguments]),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=work_dir,
                env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info")},
            )
        service = RunningService(name, address, process, log_path)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            try:
                wait_until_serving(service.channel, health_service, timeout=min(1.0, deadline - time.monotonic()))
                return service
            except TimeoutError:
                continue
        last_log = service.log()
        service.stop()
        if process.returncode is None or time.monotonic() >= deadline:
            break
    raise RuntimeError(f"{name} did not become SERVING; its log:\n{last_log}")


@dataclass
class Services:
    query: RunningService
    ingest: RunningService
    work_dir: Path

    def stop(self) -> None:
        # Ingest first: it publishes into the query service.
        self.ingest.stop()
        self.query.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def start_services() -> Services:
    work_dir = Path(tempfile.mkdtemp(prefix="newsline-client-test-"))
    query = None
    try:
        query = start_service("query-service", [], "newsline.v1.QueryService", work_dir)
        ingest = start_service(
            "ingest-service",
            ["--query-addr", f"http://{query.address}"],
            "newsline.v1.IngestService",
            work_dir,
        )
    except BaseException:
        if query is not None:
            query.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    return Services(query, ingest, work_dir)
