"""The paired result file: written, read back whole, refused with a reason, compared alone."""

import json

import pytest
from pairedrounds import BASE_SHA, HEAD_SHA, paired_run, rounds

from bot.cli import main
from bot.core.bench.model import BenchFileError
from bot.core.bench.paired_file import VERSION, dumps, loads


def test_a_paired_file_reads_back_exactly_as_written() -> None:
    run = paired_run(rounds({"parse": 0.2, "save": 0.0}, 6), planned=10)
    back = loads("paired.json", dumps(run))
    assert back.rounds == run.rounds
    assert (back.base.sha, back.head.sha, back.planned) == (BASE_SHA, HEAD_SHA, 10)
    assert back.machine == {"hostname": "ci", "cpus": 2}
    assert back.timings == run.timings and back.command == run.command
    doc = json.loads(dumps(run))
    assert doc["perfbot"] == "perfbot-paired" and doc["version"] == VERSION
    first = doc["rounds"][0]
    assert first["order"] == "base-first"
    assert first["base"]["files"][0]["benchmarks"][0]["samples"]


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda d: d.update(version=VERSION + 1), "upgrade perfbot"),
    (lambda d: d.pop("rounds"), "'rounds' is a required property"),
    (lambda d: d["rounds"][0].update(order="sideways"), "at rounds/0/order"),
    (lambda d: d.update(rounds=[]), "holds no rounds"),
    (lambda d: d.update(perfbot="other"), "is not a perfbot paired result file"),
])
def test_a_broken_paired_file_is_refused_saying_what_is_wrong(edit, problem) -> None:
    doc = json.loads(dumps(paired_run(rounds({"parse": 0.0}, 2))))
    edit(doc)
    with pytest.raises(BenchFileError) as caught:
        loads("paired.json", json.dumps(doc).encode())
    assert problem in str(caught.value) and str(caught.value).startswith("paired.json")


def test_a_truncated_paired_file_is_refused() -> None:
    data = dumps(paired_run(rounds({"parse": 0.0}, 2)))
    with pytest.raises(BenchFileError, match="truncated"):
        loads("paired.json", data[: len(data) // 2])


def test_bench_compare_reads_one_paired_file_as_the_whole_comparison(tmp_path, capsys) -> None:
    path = tmp_path / "paired.json"
    path.write_bytes(dumps(paired_run(rounds({"parse": 0.25, "save": 0.0}, 10), planned=10)))
    assert main(["bench", "compare", str(path)]) == 1
    out = capsys.readouterr().out
    assert "| Rounds |" in out and "🔴 regressed" in out
    assert "**Paired rounds:** 10 of 10" in out and "**Noise:**" in out
    assert main(["bench", "compare", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    parse = next(b for b in doc["benchmarks"] if b["name"] == "parse")
    assert {"name", "base", "head", "unit", "change", "verdict", "rounds", "interval"} <= set(parse)
    assert parse["verdict"] == "regressed" and parse["rounds"] == 8  # decided at the first look
    assert parse["interval"][0] > 0.05
    assert doc["rounds"] == 10 and doc["head"]["sha"] == HEAD_SHA
    # A looser threshold is the paired threshold for a paired file.
    assert main(["bench", "compare", str(path), "--threshold", "0.5"]) == 0


def test_a_paired_file_is_not_one_side_of_two(tmp_path, capsys) -> None:
    path = tmp_path / "paired.json"
    path.write_bytes(dumps(paired_run(rounds({"parse": 0.0}, 2))))
    assert main(["bench", "compare", str(path), str(path)]) == 2
    assert "a whole comparison by itself" in capsys.readouterr().err


def test_one_file_that_is_not_paired_says_how_to_compare_two(tmp_path, capsys) -> None:
    path = tmp_path / "bench.json"
    path.write_text('{"benchmarks": [{"name": "a", "unit": "s", "value": 1}]}')
    assert main(["bench", "compare", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a perfbot paired result file" in err and "bench compare BASE HEAD" in err
