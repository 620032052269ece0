"""The benchmark driver's reading of a run: bad corpus files are not a failed run."""
import importlib.util
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("gru_bench", REPO_ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_unreadable_corpus_files_are_counted(bench):
    stderr = (
        "/lib/test/bad_coding2.py: error: encoding problem: utf-8\n"
        "/lib/test/pep3120.py: error: cannot decode as utf-8: invalid start byte (byte 0xf6 at offset 8, line 1)\n"
        "No findings (1790 files checked).\n"
        "2 errors.\n"
    )
    assert bench._unreadable_files(stderr) == 2


@pytest.mark.parametrize(
    "stderr",
    [
        "",
        "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'x'\n",
        "/lib/a.py: error: cannot decode as utf-8\nSegmentation fault\n",
        "gru-lint: error: unrecognized arguments: --bogus\n2 errors.\n",
    ],
)
def test_other_exit_2_runs_stay_problems(bench, stderr):
    assert bench._unreadable_files(stderr) == 0


def test_targets_are_the_engine_issue_limits(bench):
    assert "met" in bench._target_cell("keras", "cold/ruff", 0.99)
    assert "MISSED" in bench._target_cell("keras", "cold/ruff", 1.01)
    assert "met" in bench._target_cell("stdlib", "cold/ruff", 0.3)
    assert "MISSED" in bench._target_cell("stdlib", "cold/ruff", 0.31)
