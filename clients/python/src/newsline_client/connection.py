"""Channels to the newsline services and waiting for them to be ready."""

from __future__ import annotations

import os
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_QUERY_ADDRESS = os.environ.get("NEWSLINE_QUERY_ADDR", "localhost:50051")
DEFAULT_INGEST_ADDRESS = os.environ.get("NEWSLINE_INGEST_ADDR", "localhost:50052")


def connect(address: str) -> grpc.Channel:
    """Opens a plaintext channel; `http://` prefixes are accepted so the services' own flag values work."""
    for scheme in ("http://", "grpc://"):
        address = address.removeprefix(scheme)
    return grpc.insecure_channel(address)


def wait_until_serving(channel: grpc.Channel, service: str = "", timeout: float = 30.0) -> None:
    """Polls the standard health service until `service` reports SERVING.

    Raises TimeoutError when it does not within `timeout` seconds. A service that is not up yet answers
    UNAVAILABLE, and one that is starting may answer NOT_FOUND or NOT_SERVING; all are retried.
    """
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + timeout
    last_problem = "no answer yet"
    delay = 0.02
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"health of {service or 'the server'!r} not SERVING after {timeout}s: {last_problem}")
        try:
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=min(remaining, 2.0))
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                return
            last_problem = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
        except grpc.RpcError as error:
            last_problem = f"{error.code().name}: {error.details()}"
        # Back off gently: this is a readiness poll, not a timing assumption.
        time.sleep(min(delay, max(remaining, 0)))
        delay = min(delay * 2, 0.25)
