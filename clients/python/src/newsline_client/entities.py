"""Finding the entity a person means, by id (`person:vladimir-makei`) or by name ("Makei")."""

from __future__ import annotations

from newsline.v1 import query_service_pb2, query_service_pb2_grpc


class EntityNotFound(Exception):
    """No entity matches the text a person gave."""


def looks_like_entity_id(text: str) -> bool:
    kind, separator, key = text.partition(":")
    return bool(separator) and kind in {"person", "country", "organization", "city"} and bool(key)


def resolve_entity(
    stub: query_service_pb2_grpc.QueryServiceStub, text: str, timeout: float
) -> query_service_pb2.GetEntityResponse:
    """Returns the entity with id `text`, or else the best match for `text` as a name.

    An id that is not stored raises grpc.RpcError with NOT_FOUND (the service's answer); a name that
    matches nothing raises EntityNotFound.
    """
    if looks_like_entity_id(text):
        return stub.GetEntity(query_service_pb2.GetEntityRequest(id=text), timeout=timeout)
    matches = stub.SearchEntities(query_service_pb2.SearchEntitiesRequest(query=text, max_results=1), timeout=timeout)
    best = next(iter(matches), None)
    if best is None:
        raise EntityNotFound(f"no entity matches {text!r}")
    return stub.GetEntity(query_service_pb2.GetEntityRequest(id=best.entity.id), timeout=timeout)
