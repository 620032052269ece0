"""The shared runner's API (what the CLI, the flake8 plugin and editors call)."""

import pickle

from gru_lint.config import Settings
from gru_lint.output import concise, full
from gru_lint.output.base import Report
from gru_lint.positions import IDENTITY, Position
from gru_lint.runner import check_text, run

BAD = (
    "import numpy as np\n"
    "import keras\n"
    "x = keras.Input(shape=(10, 8))\n"
    "h0 = np.zeros((64,))\n"
    "y = keras.layers.GRU(64)(x, initial_state=h0)\n"
)


def test_check_text_reports_findings_in_memory():
    outcome = check_text(BAD, "model.py")
    assert outcome.error is None
    assert [d.code for d in outcome.diagnostics] == ["GRU001"]
    assert outcome.start(outcome.diagnostics[0]).row == 5


def test_run_walks_paths_and_sorts(tmp_path):
    (tmp_path / "b.py").write_text(BAD)
    (tmp_path / "a.py").write_text("print('no keras here')\n")
    result = run([str(tmp_path)], Settings(), jobs=1)
    assert result.checked == 2
    assert [o.display.rsplit("/", 1)[-1] for o in result.outcomes] == ["a.py", "b.py"]
    assert [d.code for d in result.outcomes[1].diagnostics] == ["GRU001"]
    assert result.errors == []


class CellMapper:
    """What a notebook would plug in: lines 1-2 are cell 1, the rest cell 2."""

    def position(self, line, col):
        if line <= 2:
            return Position(line, col + 1, "cell 1", 1)
        return Position(line - 2, col + 1, "cell 2", 2)


def test_position_mapper_drives_every_text_format():
    outcome = check_text(BAD, "model.py", Settings(show_source=True))
    outcome.display, outcome.mapper = "model.ipynb", CellMapper()
    report = Report([outcome], Settings(show_source=True))
    line = concise.render(report).splitlines()[0]
    assert line.startswith("model.ipynb:cell 2:3:43: GRU001 ")
    assert full.render(report).splitlines()[0] == line


def test_identity_mapper_pickles_to_itself():
    assert pickle.loads(pickle.dumps(IDENTITY)) is IDENTITY
    assert IDENTITY.position(3, 0) == Position(3, 1)


def test_check_text_reads_a_notebook_buffer():
    import json

    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# model\n"]},
             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": BAD.splitlines(True)}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    outcome = check_text(text, "model.ipynb")
    (diag,) = outcome.diagnostics
    pos = outcome.start(diag)
    assert (pos.cell, pos.cell_index, pos.row, pos.column) == ("cell 2", 2, 5, 43)
    assert pickle.loads(pickle.dumps(outcome.mapper)) == outcome.mapper
