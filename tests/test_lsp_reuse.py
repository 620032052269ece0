"""One analysis per document version serves its diagnostics, code actions and hovers.

The real server runs over stdio, with ``documents.Analysis`` wrapped to write a line to
standard error each time a text is analysed, so the test counts analyses as they happen.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

from lsp_client import TIMEOUT, LspClient  # noqa: E402

FIX = Path(__file__).resolve().parent / "fixtures" / "fix"
SERVER = """
import sys
import gru_lint.lsp.server as server

class Counted(server.Analysis):
    def __init__(self, *args, **kwargs):
        sys.stderr.write("ANALYSED\\n")
        sys.stderr.flush()
        super().__init__(*args, **kwargs)

server.Analysis = Counted
from gru_lint.lsp import main
sys.exit(main([]))
"""


def analyses(client, expected=None):
    """How many analyses the server has made (waiting, briefly, for ``expected``)."""
    deadline = time.monotonic() + (TIMEOUT if expected is not None else 0)
    while True:
        count = client.stderr.count("ANALYSED")
        if expected is None or count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_diagnostics_actions_and_hover_share_one_analysis(tmp_path):
    text = (FIX / "mixed_up_states.py").read_text(encoding="utf-8")
    path = tmp_path / "model.py"
    path.write_text(text, encoding="utf-8")
    uri = path.resolve().as_uri()
    client = LspClient(command=[sys.executable, "-c", SERVER], settings={}, cwd=str(tmp_path))
    try:
        client.initialize(root=str(tmp_path))
        client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
        diagnostics = client.diagnostics(uri, 1)
        assert diagnostics and analyses(client, 1) == 1
        end = len(text.splitlines())
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": end, "character": 0}}
        for only in (None, ["quickfix"], ["source.fixAll"]):
            context = {"diagnostics": diagnostics, **({"only": only} if only else {})}
            assert client.request("textDocument/codeAction", {
                "textDocument": {"uri": uri}, "range": whole, "context": context})
        hover = client.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": diagnostics[0]["range"]["start"]})
        assert hover and diagnostics[0]["code"] in hover["contents"]["value"]
        assert analyses(client) == 1  # the requests were answered from the first analysis
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text + "\n"}]})
        client.diagnostics(uri, 2)
        client.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": diagnostics[0]["range"]["start"]})
        assert analyses(client, 2) == 2  # one more for the new version, and only one
        assert client.shutdown() == 0
    finally:
        client.kill()
