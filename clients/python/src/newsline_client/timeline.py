"""Prints the timeline of one entity, grouped by year ("Vladimir Makei, 2016: …").

    newsline-timeline "Makei"
    newsline-timeline person:vladimir-makei --from 2016 --kind meeting
    newsline-timeline person:vladimir-makei --watch   # replay with WatchTimeline until caught up

By default the events come from StreamTimeline. With --watch they come from WatchTimeline, which
replays the stored events and then says it has caught up; the command stops there (add --follow to
keep printing events as they are published, until interrupted).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from newsline.v1 import event_pb2, query_service_pb2, query_service_pb2_grpc
from newsline_client.cli import base_parser, run_reporting_errors
from newsline_client.connection import connect
from newsline_client.entities import resolve_entity
from newsline_client.formatting import count, format_date, format_event, year_heading

PROGRAM = "newsline-timeline"


def event_kind(text: str) -> int:
    try:
        kind = event_pb2.EventKind.Value(f"EVENT_KIND_{text.upper()}")
    except ValueError:
        kind = event_pb2.EVENT_KIND_UNSPECIFIED
    if kind == event_pb2.EVENT_KIND_UNSPECIFIED:
        choices = ", ".join(k.removeprefix("EVENT_KIND_").lower() for k in event_pb2.EventKind.keys()[1:])
        raise argparse.ArgumentTypeError(f"{text!r} is not an event kind ({choices})")
    return kind


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = base_parser(PROGRAM, __doc__.splitlines()[0])
    parser.add_argument(
        "--kind", action="append", type=event_kind, default=[], help="only events of this kind; repeatable"
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many events (StreamTimeline only)")
    parser.add_argument("--descending", action="store_true", help="newest first (StreamTimeline only)")
    parser.add_argument("--watch", action="store_true", help="use WatchTimeline and stop once caught up")
    parser.add_argument("--follow", action="store_true", help="with --watch, keep printing live events")
    options = parser.parse_args(argv)
    if options.limit < 0:
        parser.error("--limit must be 0 (all) or more")
    if options.follow and not options.watch:
        parser.error("--follow needs --watch")
    return options


def streamed_events(stub, options, timeline_filter) -> Iterator[event_pb2.Event]:
    request = query_service_pb2.StreamTimelineRequest(
        filter=timeline_filter,
        max_results=options.limit,
        order=query_service_pb2.SORT_ORDER_DESCENDING if options.descending else query_service_pb2.SORT_ORDER_ASCENDING,
    )
    for item in stub.StreamTimeline(request, timeout=options.timeout):
        yield item.event


def watched_events(stub, options, timeline_filter) -> Iterator[event_pb2.Event]:
    request = query_service_pb2.WatchTimelineRequest(filter=timeline_filter)
    # A watch never ends on its own, so only the replay is bounded by --timeout; --follow is unbounded.
    call = stub.WatchTimeline(request, timeout=None if options.follow else options.timeout)
    try:
        for update in call:
            which = update.WhichOneof("update")
            if which == "event":
                yield update.event.event
            elif which == "caught_up":
                print(f"-- caught up at revision {update.caught_up.revision} --", flush=True)
                if not options.follow:
                    return
    finally:
        call.cancel()


def print_timeline(options: argparse.Namespace) -> None:
    with connect(options.address) as channel:
        stub = query_service_pb2_grpc.QueryServiceStub(channel)
        found = resolve_entity(stub, options.entity, options.timeout)
        entity = found.entity
        span = ""
        if found.HasField("first_date"):
            span = f", {format_date(found.first_date)} … {format_date(found.last_date)}"
        print(
            f"{entity.name} ({entity.id}): {count(found.event_count, 'event')} in {count(found.article_count, 'article')}{span}"
        )
        timeline_filter = query_service_pb2.TimelineFilter(entity_ids=[entity.id], kinds=options.kind)
        if options.from_date:
            getattr(timeline_filter, "from").CopyFrom(options.from_date)
        if options.to_date:
            timeline_filter.to.CopyFrom(options.to_date)
        source = watched_events if options.watch else streamed_events
        heading = None
        shown = 0
        for event in source(stub, options, timeline_filter):
            this_heading = year_heading(entity.name, event.when.start)
            if this_heading != heading:
                print(this_heading)
                heading = this_heading
            print(format_event(event, entity.id), flush=options.follow)
            shown += 1
        print(f"{count(shown, 'event')} shown")


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    return run_reporting_errors(options.address, lambda: print_timeline(options), PROGRAM)


if __name__ == "__main__":
    sys.exit(main())
