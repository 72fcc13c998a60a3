"""Where functions end, on real code: every function of the labelled precision corpus
(benchmarks/precision/: real ranges of black, client_golang, crates.io, zap, Express,
NestJS, FastAPI, Flask, gin and Spring projects, with provenance in each labels.json)
whose lines the range adds in full must end on the last line its label gives.

The labels' ``start``/``end`` were written by reading the code; a body ending by
indentation alone took a method after a top-level function for a closure of it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from bot.core import languages
from bot.core.corpus import build
from bot.core.rules import instrumentation
from bot.core.rules.sources import select

ROOT = Path(__file__).resolve().parents[1]


def _precision() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precision", ROOT / "benchmarks/precision.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("precision", module)
    spec.loader.exec_module(module)
    return module


def ends_found() -> dict[tuple[str, str, int], tuple[int, set[int]]]:
    """(corpus, path, definition line) → (last code line of the region, lines added)."""
    precision = _precision()
    found: dict[tuple[str, str, int], tuple[int, set[int]]] = {}
    for directory in precision.corpora():
        doc, _ = precision.labels_of(directory)
        pr = precision.pull_request(doc, (directory / "range.patch").read_text())
        by_language = defaultdict(list)
        for path, lines in select(pr.files).files:
            language = languages.language_of(path)
            if language is not None:
                by_language[language].append((path, lines))
        for language, group in by_language.items():
            corpus = build(group)
            added: dict[int, set[int]] = defaultdict(set)
            for index, owner in enumerate(corpus.owners):
                added[owner].add(corpus.numbers[index])
            found_definitions = languages.definitions(language, corpus.text)
            for definition, _, end in instrumentation._regions(
                corpus, found_definitions, language
            ):
                last = end - 1
                while last > definition.line and (
                    not corpus.lines[last].strip()
                    or corpus.lines[last].lstrip().startswith(("#", "//"))
                ):
                    last -= 1  # trailing blank lines and comments
                path, line = corpus.where(definition.line)
                owner = corpus.owners[definition.line]
                found[(directory.name, path, line)] = (corpus.numbers[last], added[owner])
    return found


def test_every_wholly_added_function_of_the_corpus_ends_where_its_label_says() -> None:
    precision = _precision()
    found = ends_found()
    checked, wrong = 0, []
    for directory in precision.corpora():
        _, labels = precision.labels_of(directory)
        for label in labels:
            key = (directory.name, label.path, label.line)
            if key not in found:
                continue
            end, added = found[key]
            if not all(n in added for n in range(label.start, label.end + 1)):
                continue  # the range changes part of it: its region is the added lines
            checked += 1
            if end != label.end:
                wrong.append((*key, label.name, label.end, end))
    assert checked >= 600
    assert wrong == []
