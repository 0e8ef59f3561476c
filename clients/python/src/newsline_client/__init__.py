"""A small client for the newsline gRPC API.

The protobuf messages and stubs live in the generated package `newsline.v1` (see generate.py); this
package adds what every caller needs around them: connecting, waiting for a service to be serving,
finding an entity by id or name, printing dates and events, and turning gRPC status codes into
messages and exit codes.
"""

from newsline_client.connection import DEFAULT_INGEST_ADDRESS, DEFAULT_QUERY_ADDRESS, connect, wait_until_serving
from newsline_client.entities import EntityNotFound, resolve_entity
from newsline_client.errors import ExitCode, explain_rpc_error

__all__ = [
    "DEFAULT_INGEST_ADDRESS",
    "DEFAULT_QUERY_ADDRESS",
    "EntityNotFound",
    "ExitCode",
    "connect",
    "explain_rpc_error",
    "resolve_entity",
    "wait_until_serving",
]
