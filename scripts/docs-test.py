#!/usr/bin/env python3
"""Runs every grpcurl example in docs/api.md and README.md against live services and checks its output.

An example is a fenced ```sh (or bash/shell/console) block with lines starting `grpcurl` (a leading
`$ ` is allowed, and a trailing backslash continues a line). The fenced block right after it, when
it is ```json or ```text, is the output the docs show. The test:

  * substitutes the documented default ports (localhost:50051 query, localhost:50052 ingest) with the
    live services' addresses and runs the command with bash from the repository root;
  * fails when the command fails (unless the shown output is a grpcurl `ERROR:` block, in which case
    the same status `Code:` must come back);
  * for JSON output, fails when a key path shown in the docs (with its JSON type) is missing from the
    real output, or when the docs show messages and none come back (or the reverse). Values are not
    compared: ids, counts and cursors may change as extraction improves. Streams may show only their
    first messages;
  * for other text output (`list`, `describe`), compares the lines exactly.

Without --query-addr/--ingest-addr it starts the real binaries (NEWSLINE_BIN_DIR, default
target/debug) on free loopback ports and ingests seeds/ first, like the client tests. Against
services that already ran the examples, Publish answers `duplicate` and the shapes differ.
`--update` rewrites the shown outputs from the live services instead of checking them (long strings
and lists cut with "…", streams to as many messages as were shown); read the diff.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCS = [REPO_ROOT / "docs" / "api.md", REPO_ROOT / "README.md"]
COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
OUTPUT_LANGUAGES = {"json", "text", "output"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+)\s*(?P<lang>[\w+-]*)\s*$")
QUERY_PORT = re.compile(r"\b(?:localhost|127\.0\.0\.1):50051\b")
INGEST_PORT = re.compile(r"\b(?:localhost|127\.0\.0\.1):50052\b")
COMMAND_TIMEOUT_SECONDS = 30


@dataclass
class Block:
    language: str
    first_line: int  # index of the first content line
    end_line: int  # index of the closing fence
    text: str


@dataclass
class Example:
    path: Path
    line: int  # 1-based line of the command, for messages
    command: str
    output_block: Block | None


@dataclass
class Outcome:
    example: Example
    problems: list[str] = field(default_factory=list)
    actual: str = ""
    # False when the command hung or failed in a way the docs do not show: its output is no sample.
    usable_as_sample: bool = False


def display(path: Path) -> str:
    return os.path.relpath(path, REPO_ROOT)


def fenced_blocks(lines: list[str]) -> list[Block]:
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening["fence"]
        end = index + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence) and lines[end].strip().strip("`") == ""):
            end += 1
        blocks.append(Block(opening["lang"].lower(), index + 1, end, "\n".join(lines[index + 1 : end])))
        index = end + 1
    return blocks


def commands_in(block: Block) -> list[tuple[int, str]]:
    """The grpcurl commands of a shell block with their line offsets, continuation lines joined."""
    commands = []
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(block.text.splitlines()):
        line = raw.strip()
        if not pending:
            if line.startswith("$ "):
                line = line[2:].lstrip()
            if not line.startswith("grpcurl"):
                continue
            start = offset
        pending.append(line[:-1].rstrip() if line.endswith("\\") else line)
        if not line.endswith("\\"):
            commands.append((start, " ".join(pending)))
            pending = []
    if pending:
        commands.append((start, " ".join(pending)))
    return commands


def examples_in(path: Path) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = fenced_blocks(lines)
    examples = []
    for position, block in enumerate(blocks):
        if block.language not in COMMAND_LANGUAGES:
            continue
        commands = commands_in(block)
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        shows_output = (
            following is not None
            and following.language in OUTPUT_LANGUAGES
            and all(not line.strip() for line in lines[block.end_line + 1 : following.first_line - 1])
        )
        for offset, command in commands:
            output = following if shows_output and len(commands) == 1 else None
            examples.append(Example(path, block.first_line + offset + 1, command, output))
    return examples


def json_messages(text: str) -> list:
    """grpcurl prints one JSON document per message; a stream gives several, one after another."""
    decoder = json.JSONDecoder()
    messages = []
    index = 0
    text = text.strip()
    while index < len(text):
        message, index = decoder.raw_decode(text, index)
        messages.append(message)
        while index < len(text) and text[index].isspace():
            index += 1
    return messages


def json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def key_paths(value, prefix: str = "") -> set[tuple[str, str]]:
    paths = {(prefix or ".", json_type(value))}
    if isinstance(value, dict):
        for key, child in value.items():
            paths |= key_paths(child, f"{prefix}.{key}")
    elif isinstance(value, list):
        for child in value:
            paths |= key_paths(child, f"{prefix}[]")
    return paths


def error_code(text: str) -> str | None:
    match = re.search(r"^\s*Code:\s*(\S+)", text, re.MULTILINE)
    return match.group(1) if match else None


def split_error(text: str) -> tuple[str, str | None]:
    """Splits grpcurl output into the messages printed and the `ERROR:` report that may follow them."""
    match = re.search(r"^ERROR:", text, re.MULTILINE)
    if not match:
        return text.strip(), None
    return text[: match.start()].strip(), text[match.start() :].strip()


def compare(shown: Block, exit_code: int, actual: str) -> list[str]:
    expected_body, expected_error = split_error(shown.text)
    actual_body, actual_error = split_error(actual)
    if expected_error is not None:
        if exit_code == 0:
            return [f"the docs show an error ({error_code(expected_error)}) but the command succeeded"]
        if error_code(actual_error or "") != error_code(expected_error):
            return [f"status code {error_code(actual_error or '')}, the docs show {error_code(expected_error)}"]
    elif exit_code != 0:
        return [f"grpcurl exited with {exit_code}"]
    if shown.language == "json":
        try:
            expected_messages = json_messages(expected_body)
        except json.JSONDecodeError as error:
            return [f"the docs' output is not JSON: {error}"]
        try:
            actual_messages = json_messages(actual_body)
        except json.JSONDecodeError as error:
            return [f"the output is not JSON: {error}"]
        if bool(expected_messages) != bool(actual_messages):
            return [f"{len(actual_messages)} messages came back, the docs show {len(expected_messages)}"]
        expected_paths = set().union(*(key_paths(m) for m in expected_messages)) if expected_messages else set()
        actual_paths = set().union(*(key_paths(m) for m in actual_messages)) if actual_messages else set()
        missing = sorted(expected_paths - actual_paths)
        return [f"no longer in the output: {path} ({kind})" for path, kind in missing]
    if expected_error is not None and not expected_body:
        return []
    expected_lines = [line.rstrip() for line in expected_body.splitlines()]
    actual_lines = [line.rstrip() for line in actual_body.splitlines()]
    if expected_lines != actual_lines:
        return ["the text output differs from the docs"]
    return []


def run_example(example: Example, query_address: str, ingest_address: str) -> Outcome:
    command = QUERY_PORT.sub(query_address, example.command)
    command = INGEST_PORT.sub(ingest_address, command)
    outcome = Outcome(example)
    try:
        finished = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=REPO_ROOT,
            capture_output=True,
            check=False,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        outcome.problems.append(f"did not finish within {COMMAND_TIMEOUT_SECONDS}s")
        return outcome
    shows_error = example.output_block is not None and split_error(example.output_block.text)[1] is not None
    outcome.usable_as_sample = (finished.returncode != 0) == shows_error
    # grpcurl prints an RPC's error on stderr; the docs show it as the output.
    outcome.actual = finished.stdout if finished.returncode == 0 else (finished.stdout + finished.stderr)
    if example.output_block is None:
        if finished.returncode != 0:
            outcome.problems.append(f"grpcurl exited with {finished.returncode}: {finished.stderr.strip()}")
    else:
        outcome.problems = compare(example.output_block, finished.returncode, outcome.actual)
    return outcome


LONGEST_STRING_SHOWN = 160
LONGEST_LIST_SHOWN = 3


def abridged(value):
    """Cuts long strings and lists for the docs, marking the cut with "…"; the shape stays the same."""
    if isinstance(value, dict):
        return {key: abridged(child) for key, child in value.items()}
    if isinstance(value, list):
        return [abridged(child) for child in value[:LONGEST_LIST_SHOWN]]
    if isinstance(value, str) and len(value) > LONGEST_STRING_SHOWN:
        return value[: LONGEST_STRING_SHOWN - 20].rstrip() + f" … ({len(value)} characters)"
    return value


def updated_output(block: Block, actual: str) -> str:
    """The live output to show in place of `block`: as many messages as it showed (all if none)."""
    if block.language != "json":
        return actual.strip()
    body, error = split_error(actual)
    try:
        messages = json_messages(body)
        shown = len(json_messages(split_error(block.text)[0])) or len(messages)
    except json.JSONDecodeError:
        return actual.strip()
    rendered = [json.dumps(abridged(m), indent=2, ensure_ascii=False) for m in messages[:shown]]
    if error is not None:
        rendered.append(error)
    return "\n".join(rendered)


def rewrite(path: Path, outcomes: list[Outcome]) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    # From the bottom up, so earlier line numbers stay valid.
    for outcome in sorted(outcomes, key=lambda o: o.example.output_block.first_line, reverse=True):
        block = outcome.example.output_block
        replacement = updated_output(block, outcome.actual).splitlines()
        if lines[block.first_line : block.end_line] != replacement:
            lines[block.first_line : block.end_line] = replacement
            changed += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def start_live_services():
    sys.path[:0] = [str(REPO_ROOT / "clients" / "python" / "src"), str(REPO_ROOT / "clients" / "python" / "tests")]
    from newsline.v1 import ingest_service_pb2, ingest_service_pb2_grpc
    from services import start_services

    services = start_services()
    try:
        ingest = ingest_service_pb2_grpc.IngestServiceStub(services.ingest.channel)
        for seed in sorted((REPO_ROOT / "seeds").glob("*.txt")):
            ingest.IngestDocument(
                ingest_service_pb2.IngestDocumentRequest(
                    text=seed.read_text(encoding="utf-8"), source_uri=f"seeds/{seed.name}"
                ),
                timeout=60,
            )
    except BaseException:
        services.stop()
        raise
    return services


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", nargs="*", type=Path, help="markdown files (default: docs/api.md and README.md)")
    parser.add_argument("--query-addr", help="a running query service instead of starting one")
    parser.add_argument("--ingest-addr", help="a running ingest service instead of starting one")
    parser.add_argument("--update", action="store_true", help="rewrite the shown outputs from the live services")
    options = parser.parse_args()
    if bool(options.query_addr) != bool(options.ingest_addr):
        parser.error("give both --query-addr and --ingest-addr, or neither")

    documents = [path.resolve() for path in options.docs] or [path for path in DEFAULT_DOCS if path.exists()]
    examples = [example for path in documents for example in examples_in(path)]
    if not examples:
        print(f"docs-test: no grpcurl examples in {', '.join(str(d) for d in documents)}")
        return 1

    services = None
    if options.query_addr:
        query_address, ingest_address = options.query_addr, options.ingest_addr
    else:
        services = start_live_services()
        query_address, ingest_address = services.query.address, services.ingest.address
    try:
        outcomes = [run_example(example, query_address, ingest_address) for example in examples]
    finally:
        if services is not None:
            services.stop()

    if options.update:
        for path in documents:
            mine = [
                o
                for o in outcomes
                if o.example.path == path and o.example.output_block is not None and o.usable_as_sample
            ]
            for skipped in (
                o
                for o in outcomes
                if o.example.path == path and o.example.output_block is not None and not o.usable_as_sample
            ):
                print(
                    f"docs-test: not updated, the command failed: {display(path)}:{skipped.example.line}: {'; '.join(skipped.problems)}"
                )
            print(f"docs-test: {display(path)}: {rewrite(path, mine) if mine else 0} outputs updated")
        return 0

    failures = 0
    for outcome in outcomes:
        where = f"{display(outcome.example.path)}:{outcome.example.line}"
        if outcome.problems:
            failures += 1
            print(f"FAIL {where}: {outcome.example.command}")
            for problem in outcome.problems:
                print(f"     {problem}")
            print("     output:\n" + "\n".join("       " + line for line in outcome.actual.strip().splitlines()[:40]))
        else:
            print(f"ok   {where}: {outcome.example.command[:110]}")
    print(f"{len(outcomes) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
