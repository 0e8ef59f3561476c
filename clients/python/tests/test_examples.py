"""Runs the example commands against the real services and checks what they print against the API."""

from __future__ import annotations

import re

import pytest
from conftest import EXAMPLE_ENTITY, run_example

from newsline.v1 import query_service_pb2, query_service_pb2_grpc
from newsline_client.entities import resolve_entity
from newsline_client.errors import ExitCode
from newsline_client.formatting import count

YEAR_HEADING = re.compile(r"^(?P<name>.+), (?P<year>\d{4}|year unknown):$")
EVENT_LINE = re.compile(r"^  \S")


@pytest.fixture(scope="module")
def query_stub(services):
    return query_service_pb2_grpc.QueryServiceStub(services.query.channel)


@pytest.fixture(scope="module")
def example_entity(query_stub):
    return resolve_entity(query_stub, EXAMPLE_ENTITY, timeout=30)


def timeline_of(query_stub, entity_id):
    request = query_service_pb2.StreamTimelineRequest(filter=query_service_pb2.TimelineFilter(entity_ids=[entity_id]))
    return [item.event for item in query_stub.StreamTimeline(request, timeout=30)]


def event_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if EVENT_LINE.match(line)]


def test_timeline_prints_the_entitys_events_grouped_by_year(query_stub, query_address, example_entity):
    entity = example_entity.entity
    events = timeline_of(query_stub, entity.id)
    assert events, f"the seeds give {entity.id} no events"

    result = run_example("timeline", EXAMPLE_ENTITY, "--address", query_address)
    print(result.stdout)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{entity.name} ({entity.id}): {count(example_entity.event_count, 'event')} in ")
    headings = [YEAR_HEADING.match(line) for line in lines if YEAR_HEADING.match(line)]
    expected_years = []
    for event in events:
        year = str(event.when.start.year) if event.when.start.year else "year unknown"
        if not expected_years or expected_years[-1] != year:
            expected_years.append(year)
    assert [h["year"] for h in headings] == expected_years
    assert all(h["name"] == entity.name for h in headings)
    assert len(event_lines(result.stdout)) == len(events)
    assert lines[-1] == f"{count(len(events), 'event')} shown"


def test_timeline_by_id_matches_timeline_by_name(query_address, example_entity):
    by_name = run_example("timeline", EXAMPLE_ENTITY, "--address", query_address)
    by_id = run_example("timeline", example_entity.entity.id, "--address", query_address)
    assert by_id.exit_code == 0, by_id.stderr
    assert by_id.stdout == by_name.stdout


def test_watch_replays_the_same_events_then_stops_when_caught_up(query_address, example_entity):
    streamed = run_example("timeline", example_entity.entity.id, "--address", query_address)
    watched = run_example("timeline", example_entity.entity.id, "--address", query_address, "--watch")
    print(watched.stdout)
    assert watched.exit_code == 0, watched.stderr
    assert re.search(r"^-- caught up at revision \d+ --$", watched.stdout, re.MULTILINE)
    assert sorted(event_lines(watched.stdout)) == sorted(event_lines(streamed.stdout))


def test_timeline_filters_by_kind_and_date(query_stub, query_address, example_entity):
    entity_id = example_entity.entity.id
    events = timeline_of(query_stub, entity_id)
    year = next(e.when.start.year for e in events if e.when.start.year)
    result = run_example("timeline", entity_id, "--address", query_address, "--from", str(year), "--to", str(year))
    assert result.exit_code == 0, result.stderr
    expected = [e for e in events if e.when.start.year == year]
    assert result.stdout.splitlines()[-1] == f"{count(len(expected), 'event')} shown"


def test_relations_lists_the_streamed_relations_strongest_first(query_stub, query_address, example_entity):
    entity = example_entity.entity
    relations = list(
        query_stub.StreamEntityRelations(
            query_service_pb2.StreamEntityRelationsRequest(entity_id=entity.id), timeout=30
        )
    )
    assert relations, f"the seeds relate {entity.id} to nothing"

    result = run_example("relations", EXAMPLE_ENTITY, "--address", query_address)
    print(result.stdout)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{entity.name} ({entity.id}) shares events with:"
    rows = lines[1:-1]
    assert len(rows) == len(relations)
    for row, relation in zip(rows, relations):
        assert f"{relation.entity.name} (" in row and f", {relation.entity.id})" in row
        assert row.lstrip().startswith(f"{count(relation.event_count, 'event')} ")
    assert lines[-1] == count(len(relations), "related entity", "related entities")


def test_relations_limit_and_kind(query_stub, query_address, example_entity):
    result = run_example(
        "relations", example_entity.entity.id, "--address", query_address, "--kind", "person", "--limit", "2"
    )
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()[1:-1]
    assert len(rows) <= 2
    assert all("(person, person:" in row for row in rows)


@pytest.mark.parametrize("module", ["timeline", "relations"])
def test_unknown_entity_id_is_reported_as_not_found(query_address, module):
    result = run_example(module, "person:nobody-by-this-name", "--address", query_address)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr.startswith(f"newsline-{module}: not found:")
    assert result.stdout == ""


def test_name_matching_nothing_is_reported_as_not_found(query_address):
    result = run_example("timeline", "Qxzwv Jjjkq", "--address", query_address)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "no entity matches 'Qxzwv Jjjkq'" in result.stderr


def test_range_the_service_rejects_is_a_bad_request(query_address, example_entity):
    result = run_example(
        "relations", example_entity.entity.id, "--address", query_address, "--from", "2017", "--to", "2015"
    )
    assert result.exit_code == ExitCode.BAD_REQUEST, result.stderr
    assert "rejected the request" in result.stderr
    assert result.stdout == ""


def test_malformed_flag_is_a_usage_error_without_calling_the_service():
    result = run_example("timeline", "person:anyone", "--address", "127.0.0.1:9", "--from", "2015-13")
    assert result.exit_code == ExitCode.BAD_REQUEST
    assert "month or day out of range" in result.stderr


def test_unreachable_service_is_reported_as_unavailable():
    from services import free_loopback_port

    address = f"127.0.0.1:{free_loopback_port()}"
    result = run_example("timeline", "person:anyone", "--address", address, "--timeout", "10")
    assert result.exit_code == ExitCode.SERVICE_PROBLEM
    assert f"the service at {address} is unavailable" in result.stderr
