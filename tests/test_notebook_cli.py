"""Notebooks on the command line, with the real core: positions, fixes, diffs, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gru_lint.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures"
COLAB = FIXTURES / "notebooks" / "seq2seq_colab.ipynb"


def run(capsys, *argv):
    status = main(["--no-cache", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def notebook(*sources, kinds=None):
    cells = []
    for i, source in enumerate(sources):
        kind = (kinds or {}).get(i, "code")
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1) + "\n"


IMPORTS = "import numpy as np\nimport keras\n"
BUG = ("x = np.zeros((4, 5, 3), 'float32')\nh = np.zeros((6,), 'float32')\n"
       "y = keras.layers.GRU(6)(x, initial_state=h)\n")


def test_findings_are_reported_per_cell_as_ruff_does(capsys):
    status, out, err = run(capsys, COLAB)
    assert status == 1
    assert out.splitlines() == [
        f"{COLAB}:cell 7:3:48: GRU001 GRU(LATENT) expects initial_state of shape (batch, 16); "
        "found (16,) — the batch dimension is missing [*]",
        f"{COLAB}:cell 8:3:51: GRU006 GRU(LATENT) takes 1 initial state [h]; found 2 — "
        "Keras silently ignores 1 of them [*]",
    ]
    assert "Found 2 findings in 1 file" in err


def test_show_source_uses_cell_lines(capsys):
    status, out, _ = run(capsys, "--show-source", COLAB)
    lines = out.splitlines()
    assert lines[1] == "  3 | warm = decoder_gru(decoder_data, initial_state=h0)  # error: [GRU001]"
    assert lines[2].endswith("^^")
    assert lines[3] == f"  note: {COLAB}:cell 7:2:15: `GRU(LATENT)` created here"


def test_directory_walks_include_notebooks_but_not_checkpoints(tmp_path, capsys):
    (tmp_path / "model.ipynb").write_text(notebook(IMPORTS, BUG))
    for skipped in (".ipynb_checkpoints", "site-packages"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "model-checkpoint.ipynb").write_text(notebook(IMPORTS, BUG))
    status, out, err = run(capsys, tmp_path)
    assert status == 1
    assert out.splitlines()[0].startswith(f"{tmp_path / 'model.ipynb'}:cell 2:3:")
    assert len(out.splitlines()) == 1


def test_fix_rewrites_the_cells_and_a_second_fix_changes_nothing(tmp_path, capsys):
    target = tmp_path / "colab.ipynb"
    shutil.copy(COLAB, target)
    status, _, err = run(capsys, "--fix", target)
    assert status == 1 and "fixed 2 findings" in err
    golden = FIXTURES / "notebooks" / "seq2seq_colab.fixed.ipynb"
    assert target.read_bytes() == golden.read_bytes()
    before = os.stat(target).st_mtime_ns
    status, _, err = run(capsys, "--fix", target)
    assert status == 0 and os.stat(target).st_mtime_ns == before
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left nothing behind


def test_diff_shows_cell_labelled_hunks_and_writes_nothing(tmp_path, capsys):
    target = tmp_path / "colab.ipynb"
    shutil.copy(COLAB, target)
    status, out, _ = run(capsys, "--diff", target)
    assert status == 1 and target.read_bytes() == COLAB.read_bytes()
    assert f"--- {target}:cell 7\n+++ {target}:cell 7\n" in out
    assert f"--- {target}:cell 8\n+++ {target}:cell 8\n" in out
    assert '-h0 = np.zeros((LATENT,), "float32")\n+h0 = np.zeros((BATCH, LATENT), "float32")' in out


def test_invalid_notebook_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "broken.ipynb"
    bad.write_text('{"cells": [')
    good = tmp_path / "model.ipynb"
    good.write_text(notebook(IMPORTS, BUG))
    status, out, err = run(capsys, tmp_path)
    assert status == 2
    errors = [line for line in err.splitlines() if "error:" in line]
    assert errors == [f"{bad}: error: not a valid notebook: invalid JSON: Expecting value "
                      "(line 1, column 12)"]
    assert "GRU001" in out  # the other notebook is still checked


def test_syntax_error_points_into_its_cell(tmp_path, capsys):
    path = tmp_path / "model.ipynb"
    path.write_text(notebook(IMPORTS, "# notes\n", BUG + "y = (\n", kinds={1: "markdown"}))
    status, _, err = run(capsys, path)
    assert status == 2
    assert f"{path}:cell 3:4:" in err and "could not parse" in err


def test_noqa_in_a_cell(tmp_path, capsys):
    path = tmp_path / "model.ipynb"
    path.write_text(notebook(IMPORTS, BUG.replace("initial_state=h)", "initial_state=h)  # noqa: GRU001")))
    status, out, _ = run(capsys, path)
    assert status == 0 and out == ""


def test_notebook_without_code_cells(capsys):
    status, out, err = run(capsys, FIXTURES / "clean_notebooks" / "no_code_cells.ipynb")
    assert status == 0 and out == "" and "No findings (1 file checked)" in err


def test_many_notebooks_in_parallel(tmp_path, capsys):
    for i in range(4):
        (tmp_path / f"m{i}.ipynb").write_text(notebook(IMPORTS, "# m\n", BUG, kinds={1: "markdown"}))
    status, out, _ = run(capsys, "-j", "2", tmp_path)
    assert status == 1
    assert [line.split(": GRU")[0] for line in out.splitlines()] == [
        f"{tmp_path / f'm{i}.ipynb'}:cell 3:3:42" for i in range(4)]


def test_stdin_notebook_fix(capsys):
    proc = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--no-cache", "--fix", "--stdin-filename", "x.ipynb", "-"],
        input=COLAB.read_bytes(), capture_output=True, cwd=str(ROOT),
    )
    assert proc.returncode == 0  # fixed and nothing remains: `--fix -` exits 0, as ruff
    assert proc.stdout == (FIXTURES / "notebooks" / "seq2seq_colab.fixed.ipynb").read_bytes()


def test_readme_first_command_shows_a_notebook_finding(capsys):
    status, out, _ = run(capsys, ROOT / "examples")
    assert status == 1
    assert any(".ipynb:cell " in line for line in out.splitlines())
