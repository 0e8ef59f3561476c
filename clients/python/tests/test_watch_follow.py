"""`timeline --watch --follow` prints an event published after it caught up, live."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from conftest import CLIENT_ROOT, EXAMPLE_ENTITY

from newsline.v1 import (
    article_pb2,
    date_pb2,
    event_pb2,
    query_service_pb2_grpc,
    record_sink_service_pb2,
    record_sink_service_pb2_grpc,
)
from newsline_client.entities import resolve_entity

LINE_TIMEOUT_SECONDS = 30
LIVE_SENTENCE = "On 2 March 2031, the client test watched this event arrive live."


def lines_of(process: subprocess.Popen) -> queue.Queue[str | None]:
    """Reads the process's stdout on a thread so the test can wait for a line with a deadline."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str | None], wanted, seen: list[str]) -> str:
    deadline = time.monotonic() + LINE_TIMEOUT_SECONDS
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no such line in time; output so far:\n" + "\n".join(seen)
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            continue
        assert line is not None, "the command ended early; output:\n" + "\n".join(seen)
        seen.append(line)
        if wanted(line):
            return line


def publish_live_event(services, entity) -> None:
    article_id = "article:c11e47f0110e0001"
    when = date_pb2.DateRange(
        start=date_pb2.CalendarDate(year=2031, month=3, day=2),
        end=date_pb2.CalendarDate(year=2031, month=3, day=2),
        year_source=date_pb2.YEAR_SOURCE_EXPLICIT,
        text="On 2 March 2031",
    )
    batch = record_sink_service_pb2.PublishRequest(
        producer_id="python-client-test",
        sequence=1,
        articles=[article_pb2.Article(id=article_id, title="Client test", text=LIVE_SENTENCE, entity_ids=[entity.id])],
        entities=[entity],
        events=[
            event_pb2.Event(
                id="event:c11e47f0110e0001",
                article_id=article_id,
                kind=event_pb2.EVENT_KIND_STATEMENT,
                when=when,
                participants=[
                    event_pb2.Participant(
                        entity_id=entity.id, name=entity.name, role=event_pb2.PARTICIPANT_ROLE_SPEAKER
                    )
                ],
                sentence=LIVE_SENTENCE,
                sentence_end=len(LIVE_SENTENCE),
            )
        ],
    )
    sink = record_sink_service_pb2_grpc.RecordSinkServiceStub(services.query.channel)
    acknowledgements = list(sink.Publish(iter([batch]), timeout=30))
    assert [a.sequence for a in acknowledgements] == [1]


def test_follow_prints_events_published_after_catching_up(services):
    query = query_service_pb2_grpc.QueryServiceStub(services.query.channel)
    entity = resolve_entity(query, EXAMPLE_ENTITY, timeout=30).entity
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(CLIENT_ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "newsline_client.timeline",
            entity.id,
            "--address",
            services.query.address,
            "--watch",
            "--follow",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    seen: list[str] = []
    try:
        lines = lines_of(process)
        wait_for_line(lines, lambda line: line.startswith("-- caught up at revision"), seen)
        publish_live_event(services, entity)
        wait_for_line(lines, lambda line: line == f"{entity.name}, 2031:", seen)
        event_line = wait_for_line(lines, lambda line: line.startswith("  2031-03-02"), seen)
        assert "statement" in event_line
        wait_for_line(lines, lambda line: LIVE_SENTENCE in line, seen)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            exit_code = process.wait(timeout=LINE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=LINE_TIMEOUT_SECONDS)
            raise
    # Interrupting a follow is how it is meant to end: 130, like any command stopped with Ctrl-C.
    assert exit_code == 130, process.stderr.read()
