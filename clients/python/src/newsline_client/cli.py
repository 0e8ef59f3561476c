"""What the example commands share: flags, date parsing and turning failures into exit codes."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable

import grpc

from newsline.v1 import date_pb2, entity_pb2
from newsline_client.connection import DEFAULT_QUERY_ADDRESS
from newsline_client.entities import EntityNotFound
from newsline_client.errors import ExitCode, explain_rpc_error

DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def calendar_date(text: str) -> date_pb2.CalendarDate:
    """Parses `2015`, `2015-11` or `2015-11-18` for argparse."""
    match = DATE_PATTERN.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2015, 2015-11 or 2015-11-18")
    year, month, day = (int(part) if part else 0 for part in match.groups())
    if month > 12 or (match.group(2) and month == 0) or day > 31 or (match.group(3) and day == 0):
        raise argparse.ArgumentTypeError(f"{text!r} has a month or day out of range")
    return date_pb2.CalendarDate(year=year, month=month, day=day)


def entity_kind(text: str) -> int:
    try:
        kind = entity_pb2.EntityKind.Value(f"ENTITY_KIND_{text.upper()}")
    except ValueError:
        kind = entity_pb2.ENTITY_KIND_UNSPECIFIED
    if kind == entity_pb2.ENTITY_KIND_UNSPECIFIED:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of person, country, organization, city")
    return kind


def base_parser(program: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=program, description=description)
    parser.add_argument("entity", help="an entity id such as person:vladimir-makei, or a name such as 'Makei'")
    parser.add_argument(
        "--address",
        default=DEFAULT_QUERY_ADDRESS,
        help="the query service, host:port (default: $NEWSLINE_QUERY_ADDR or localhost:50051)",
    )
    parser.add_argument(
        "--from", dest="from_date", type=calendar_date, help="only from this date: 2015, 2015-11 or 2015-11-18"
    )
    parser.add_argument("--to", dest="to_date", type=calendar_date, help="only up to this date, inclusive")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the whole answer (default 30)")
    return parser


def run_reporting_errors(address: str, command: Callable[[], None], program: str) -> int:
    """Runs `command`, printing a failure on stderr as `<program>: <message>` with its exit code."""
    try:
        command()
    except EntityNotFound as missing:
        print(f"{program}: {missing}", file=sys.stderr)
        return ExitCode.NOT_FOUND
    except grpc.RpcError as error:
        message, code = explain_rpc_error(error, address)
        print(f"{program}: {message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `| head` closed the pipe: the reader has what it wanted.
        sys.stderr.close()
        return ExitCode.OK
    return ExitCode.OK
