"""Prints the entities that share events with one entity, strongest first.

newsline-relations "Makei"
newsline-relations person:vladimir-makei --from 2016 --kind person --limit 10
"""

from __future__ import annotations

import argparse
import sys

from newsline.v1 import query_service_pb2, query_service_pb2_grpc
from newsline_client.cli import base_parser, entity_kind, run_reporting_errors
from newsline_client.connection import connect
from newsline_client.entities import resolve_entity
from newsline_client.formatting import count, entity_kind_name, format_date, kind_name

PROGRAM = "newsline-relations"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = base_parser(PROGRAM, __doc__.splitlines()[0])
    parser.add_argument(
        "--kind", action="append", type=entity_kind, default=[], help="only related entities of this kind; repeatable"
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many relations (default: all)")
    options = parser.parse_args(argv)
    if options.limit < 0:
        parser.error("--limit must be 0 (all) or more")
    return options


def print_relations(options: argparse.Namespace) -> None:
    with connect(options.address) as channel:
        stub = query_service_pb2_grpc.QueryServiceStub(channel)
        entity = resolve_entity(stub, options.entity, options.timeout).entity
        request = query_service_pb2.StreamEntityRelationsRequest(
            entity_id=entity.id, kinds=options.kind, max_results=options.limit
        )
        if options.from_date:
            getattr(request, "from").CopyFrom(options.from_date)
        if options.to_date:
            request.to.CopyFrom(options.to_date)
        header = f"{entity.name} ({entity.id}) shares events with:"
        shown = 0
        for relation in stub.StreamEntityRelations(request, timeout=options.timeout):
            # The header waits for the first answer, so a rejected request prints only its error.
            if shown == 0:
                print(header)
            related = relation.entity
            span = format_date(relation.first_date)
            if format_date(relation.last_date) != span:
                span += f" … {format_date(relation.last_date)}"
            kinds = ", ".join(f"{kind_name(k.kind)} {k.count}" for k in relation.kind_counts)
            print(
                f"  {relation.event_count:>3} {'event' if relation.event_count == 1 else 'events':<6}  {span:<25} {related.name} "
                f"({entity_kind_name(related.kind)}, {related.id})  [{kinds}]"
            )
            shown += 1
        if shown == 0:
            print(header)
        print(count(shown, "related entity", "related entities"))


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    return run_reporting_errors(options.address, lambda: print_relations(options), PROGRAM)


if __name__ == "__main__":
    sys.exit(main())
