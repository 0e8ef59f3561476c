#!/usr/bin/env python3
"""Generates the Python gRPC stubs in src/newsline/ from the repository's proto/ with grpcio-tools.

The generated files are committed so that installing the client needs no code generator. Never edit
them by hand: change proto/ and run `python3 generate.py`. `python3 generate.py --check` regenerates
into a temporary directory and fails when the committed files differ (the tests run it).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.metadata
import shutil
import sys
import tempfile
from pathlib import Path

CLIENT_ROOT = Path(__file__).resolve().parent
PROTO_ROOT = CLIENT_ROOT.parent.parent / "proto"
GENERATED_PACKAGE = "newsline"
OUTPUT_ROOT = CLIENT_ROOT / "src"

# grpcio-tools writes the modules but not the package markers; the generated modules import each other
# as `newsline.v1.<name>_pb2`, so `newsline` and `newsline.v1` must be regular packages.
PACKAGE_MARKER = '"""Generated from proto/ by clients/python/generate.py. Do not edit."""\n'


def proto_files() -> list[str]:
    files = sorted(p.relative_to(PROTO_ROOT).as_posix() for p in (PROTO_ROOT / GENERATED_PACKAGE).rglob("*.proto"))
    if not files:
        raise SystemExit(f"generate.py: no .proto files under {PROTO_ROOT / GENERATED_PACKAGE}")
    return files


def generate_into(output_root: Path) -> None:
    from grpc_tools import protoc  # imported here so --help works without grpcio-tools

    include_dirs = [str(PROTO_ROOT)]
    # The well-known types (google/protobuf/*.proto) ship inside grpc_tools.
    import grpc_tools

    include_dirs.append(str(Path(grpc_tools.__file__).parent / "_proto"))
    args = [
        "grpc_tools.protoc",
        *(f"--proto_path={d}" for d in include_dirs),
        f"--python_out={output_root}",
        f"--pyi_out={output_root}",
        f"--grpc_python_out={output_root}",
        *proto_files(),
    ]
    status = protoc.main(args)
    if status != 0:
        raise SystemExit(f"generate.py: protoc failed with status {status}")
    for package_dir in sorted(
        {output_root / Path(f).parent for f in proto_files()} | {output_root / GENERATED_PACKAGE}
    ):
        (package_dir / "__init__.py").write_text(PACKAGE_MARKER)


def generated_files(root: Path) -> set[str]:
    package = root / GENERATED_PACKAGE
    if not package.exists():
        return set()
    return {p.relative_to(root).as_posix() for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def pinned_grpcio_tools() -> str | None:
    for line in (CLIENT_ROOT / "requirements-dev.txt").read_text().splitlines():
        name, separator, version = line.partition("==")
        if separator and name.strip().lower() == "grpcio-tools":
            return version.strip()
    return None


def check() -> int:
    installed = importlib.metadata.version("grpcio-tools")
    pinned = pinned_grpcio_tools()
    if pinned and installed != pinned:
        # Another generator version writes other version checks into the stubs: not a real drift.
        print(f"generate.py --check needs grpcio-tools {pinned} (requirements-dev.txt), found {installed}")
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        fresh_root = Path(scratch)
        generate_into(fresh_root)
        fresh = generated_files(fresh_root)
        committed = generated_files(OUTPUT_ROOT)
        problems = [f"missing: {name}" for name in sorted(fresh - committed)]
        problems += [f"stale (no longer generated): {name}" for name in sorted(committed - fresh)]
        problems += [
            f"differs: {name}"
            for name in sorted(fresh & committed)
            if not filecmp.cmp(fresh_root / name, OUTPUT_ROOT / name, shallow=False)
        ]
    if problems:
        print("The generated Python stubs do not match proto/; run `python3 clients/python/generate.py`:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"generated stubs are up to date ({len(fresh)} files)")
    return 0


def regenerate() -> int:
    shutil.rmtree(OUTPUT_ROOT / GENERATED_PACKAGE, ignore_errors=True)
    generate_into(OUTPUT_ROOT)
    print(f"generated {len(generated_files(OUTPUT_ROOT))} files under {OUTPUT_ROOT / GENERATED_PACKAGE}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when the committed stubs differ from proto/")
    options = parser.parse_args()
    return check() if options.check else regenerate()


if __name__ == "__main__":
    sys.exit(main())
