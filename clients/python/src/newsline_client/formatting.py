"""Plain-text rendering of dates, events and relations for the example commands."""

from __future__ import annotations

import textwrap

from newsline.v1 import date_pb2, entity_pb2, event_pb2

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(date: date_pb2.CalendarDate) -> str:
    """`2015-11-18`, `2015-11`, `2015`, or `18 Nov (year unknown)`: only the parts that are known."""
    if date.year == 0:
        if date.month == 0:
            return "undated"
        day = f"{date.day} " if date.day else ""
        return f"{day}{MONTHS[date.month - 1]} (year unknown)"
    if date.month == 0:
        return f"{date.year:04d}"
    if date.day == 0:
        return f"{date.year:04d}-{date.month:02d}"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def format_range(when: date_pb2.DateRange) -> str:
    start, end = format_date(when.start), format_date(when.end)
    if not when.HasField("end") or start == end:
        return start
    return f"{start} – {end}"


def kind_name(kind: int) -> str:
    """`EVENT_KIND_MEETING` → `meeting`."""
    return event_pb2.EventKind.Name(kind).removeprefix("EVENT_KIND_").lower()


def entity_kind_name(kind: int) -> str:
    return entity_pb2.EntityKind.Name(kind).removeprefix("ENTITY_KIND_").lower()


def role_name(role: int) -> str:
    return event_pb2.ParticipantRole.Name(role).removeprefix("PARTICIPANT_ROLE_").lower()


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`1 event`, `2 events`."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def year_heading(entity_name: str, date: date_pb2.CalendarDate) -> str:
    return f"{entity_name}, {date.year}:" if date.year else f"{entity_name}, year unknown:"


def format_event(event: event_pb2.Event, focus_entity_id: str) -> str:
    """Two lines: the date, kind, other participants and place, then the sentence it came from."""
    others = [
        p.name if p.role == event_pb2.PARTICIPANT_ROLE_UNSPECIFIED else f"{p.name} ({role_name(p.role)})"
        for p in event.participants
        if p.entity_id != focus_entity_id
    ]
    summary = [f"{format_range(event.when):<24}", f"{kind_name(event.kind):<10}"]
    if others:
        summary.append("with " + ", ".join(others))
    if event.location_name and event.location_id != focus_entity_id:
        summary.append(f"in {event.location_name}")
    if event.planned:
        summary.append("(planned)")
    sentence = textwrap.shorten(" ".join(event.sentence.split()), width=140, placeholder=" …")
    return "  " + " ".join(summary).rstrip() + f"\n      “{sentence}”"
