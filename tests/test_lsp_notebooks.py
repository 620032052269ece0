"""Notebook documents in ``gru-lint server``: notebookDocument/* sync, the cells analysed
together as one program, diagnostics and edits per cell."""

from __future__ import annotations

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

from lsp_client import LspClient, apply_workspace_edit  # noqa: E402

NB = "file:///work/notebooks/model.ipynb"
SETUP = (
    "import numpy as np\n"
    "import keras\n"
    "\n"
    "UNITS = 8\n"
    "x = np.random.rand(4, 6, 3).astype('float32')\n"
    "gru = keras.layers.GRU(UNITS)"
)
NOTES = "# The model\nA GRU whose state is built by hand."
BUGGY = "%matplotlib inline\nh0 = np.zeros(UNITS)\ny = gru(x, initial_state=h0)\n!ls\n"


def cell_uri(n: int) -> str:
    return f"vscode-notebook-cell:/work/notebooks/model.ipynb#cell{n}"


class Notebook:
    def __init__(self, client, cells):
        """``cells``: (kind, language, text) triples; kind 2 is code, 1 markup."""
        self.client = client
        self.version = 1
        self.cells = {cell_uri(i): [kind, lang, text, 1] for i, (kind, lang, text) in enumerate(cells)}
        self.order = list(self.cells)
        client.notify(
            "notebookDocument/didOpen",
            {
                "notebookDocument": {
                    "uri": NB,
                    "notebookType": "jupyter-notebook",
                    "version": 1,
                    "cells": [{"kind": self.cells[u][0], "document": u} for u in self.order],
                },
                "cellTextDocuments": [
                    {"uri": u, "languageId": self.cells[u][1], "version": 1, "text": self.cells[u][2]}
                    for u in self.order
                ],
            },
        )

    def text(self, uri):
        return self.cells[uri][2]

    def edit_cell(self, uri, text):
        self.version += 1
        self.cells[uri][2] = text
        self.cells[uri][3] += 1
        self.client.notify(
            "notebookDocument/didChange",
            {
                "notebookDocument": {"uri": NB, "version": self.version},
                "change": {
                    "cells": {
                        "textContent": [
                            {
                                "document": {"uri": uri, "version": self.cells[uri][3]},
                                "changes": [{"text": text}],
                            }
                        ]
                    }
                },
            },
        )

    def delete_cell(self, uri):
        self.version += 1
        index = self.order.index(uri)
        self.order.remove(uri)
        self.client.notify(
            "notebookDocument/didChange",
            {
                "notebookDocument": {"uri": NB, "version": self.version},
                "change": {
                    "cells": {
                        "structure": {
                            "array": {"start": index, "deleteCount": 1, "cells": []},
                            "didClose": [{"uri": uri}],
                        }
                    }
                },
            },
        )

    def fix_all(self, uri):
        end = len(self.text(uri).splitlines())
        actions = self.client.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": end, "character": 0}},
                "context": {"diagnostics": [], "only": ["source.fixAll"]},
            },
        )
        return actions

    def close(self):
        self.client.notify(
            "notebookDocument/didClose",
            {"notebookDocument": {"uri": NB}, "cellTextDocuments": [{"uri": u} for u in self.order]},
        )


@pytest.fixture
def client():
    c = LspClient(settings={})
    try:
        c.initialize()
        yield c
    finally:
        c.kill()


def test_cells_are_one_program_and_findings_land_in_their_cell(client):
    nb = Notebook(client, [(2, "python", SETUP), (1, "markdown", NOTES), (2, "python", BUGGY)])
    published = {}
    while len(published) < 2:
        p = client.wait_for("textDocument/publishDiagnostics")
        published[p["uri"]] = p
    assert set(published) == {cell_uri(0), cell_uri(2)}  # no diagnostics for the markdown cell
    assert published[cell_uri(0)]["diagnostics"] == []
    (diag,) = published[cell_uri(2)]["diagnostics"]
    assert diag["code"] == "GRU001"
    # Line 3 of the cell ("y = gru(x, initial_state=h0)"), despite the magic above it.
    assert diag["range"]["start"] == {"line": 2, "character": 25}
    assert published[cell_uri(2)]["version"] == 1
    (related,) = diag["relatedInformation"]
    assert related["location"]["uri"] == cell_uri(0)  # GRU(64) was created in the first cell
    assert related["location"]["range"]["start"] == {"line": 5, "character": 6}
    nb.close()


def test_a_cell_edit_republishes_for_the_new_cell_version(client):
    nb = Notebook(client, [(2, "python", SETUP), (2, "python", BUGGY)])
    assert client.diagnostics(cell_uri(1), 1)
    nb.edit_cell(cell_uri(1), BUGGY.replace("np.zeros(UNITS)", "np.zeros((4, UNITS))"))
    assert client.diagnostics(cell_uri(1), 2) == []
    # A change in another cell matters too: the names are shared.
    nb.edit_cell(cell_uri(0), SETUP.replace("UNITS = 8", "UNITS = 8\nx = x[0]"))
    assert client.diagnostics(cell_uri(1), 2) == []


def test_fix_all_edits_only_the_cells_it_changes(client):
    nb = Notebook(client, [(2, "python", SETUP), (2, "python", BUGGY)])
    assert client.diagnostics(cell_uri(1), 1)
    (action,) = nb.fix_all(cell_uri(1))
    changes = action["edit"]["documentChanges"]
    assert [c["textDocument"] for c in changes] == [{"uri": cell_uri(1), "version": 1}]
    texts = apply_workspace_edit(action["edit"], {u: nb.text(u) for u in nb.order})
    assert texts[cell_uri(0)] == SETUP
    assert texts[cell_uri(1)] == BUGGY.replace("np.zeros(UNITS)", "np.zeros((4, UNITS))")


def test_quick_fix_in_a_cell(client):
    nb = Notebook(client, [(2, "python", SETUP), (2, "python", BUGGY)])
    (diag,) = client.diagnostics(cell_uri(1), 1)
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": cell_uri(1)}, "range": diag["range"], "context": {"diagnostics": [diag]}},
    )
    titles = [a["title"] for a in actions]
    assert "Disable GRU001 for this line" in titles
    fix = next(a for a in actions if a.get("isPreferred"))
    texts = apply_workspace_edit(fix["edit"], {u: nb.text(u) for u in nb.order})
    assert texts[cell_uri(1)] == BUGGY.replace("np.zeros(UNITS)", "np.zeros((4, UNITS))")
    hover = client.request(
        "textDocument/hover", {"textDocument": {"uri": cell_uri(1)}, "position": diag["range"]["start"]}
    )
    assert "GRU001" in hover["contents"]["value"]


def test_deleting_or_closing_clears_the_cells(client):
    nb = Notebook(client, [(2, "python", SETUP), (2, "python", BUGGY)])
    assert client.diagnostics(cell_uri(1), 1)
    nb.delete_cell(cell_uri(1))
    assert client.diagnostics(cell_uri(1)) == []
    nb.close()
    assert client.diagnostics(cell_uri(0)) == []
