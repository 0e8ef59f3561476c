"""How the example commands report failures: one message and one exit code per gRPC status code."""

from __future__ import annotations

import enum

import grpc


class ExitCode(enum.IntEnum):
    OK = 0
    # The request was fine but names something that does not exist (unknown id, no search match).
    NOT_FOUND = 1
    # The request itself is wrong: a bad flag or a field the service rejected.
    BAD_REQUEST = 2
    # The service could not be reached or failed.
    SERVICE_PROBLEM = 3


def explain_rpc_error(error: grpc.RpcError, address: str) -> tuple[str, ExitCode]:
    """Turns a failed call into a message a person can act on and the exit code to end with."""
    code = error.code()
    details = error.details() or "no details"
    if code == grpc.StatusCode.NOT_FOUND:
        return f"not found: {details}", ExitCode.NOT_FOUND
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return f"the query service rejected the request: {details}", ExitCode.BAD_REQUEST
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"the service at {address} is unavailable ({details}); is it running?", ExitCode.SERVICE_PROBLEM
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"the service at {address} did not answer in time", ExitCode.SERVICE_PROBLEM
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return (
            f"the service at {address} refused the request as too large or too slow: {details}",
            ExitCode.SERVICE_PROBLEM,
        )
    return f"the service at {address} failed with {code.name}: {details}", ExitCode.SERVICE_PROBLEM
