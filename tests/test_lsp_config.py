"""``gru-lint server`` and the project's ``[tool.gru-lint]``, end to end over stdio.

The server reads the ``pyproject.toml`` the command line would read for a document,
reloads it when it changes (watched-file notifications, or its status on the next
analysis), and falls back to the defaults, saying why, when it cannot be used.
Every wait is bounded (``lsp_client.TIMEOUT``); nothing here asserts on time.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

from lsp_client import TIMEOUT, LspClient  # noqa: E402

MODEL = """\
import numpy as np
from tensorflow import keras

inputs = keras.Input(shape=(10, 8))
state = np.zeros((64,))
outputs = keras.layers.GRU(64)(inputs, initial_state=state)
hidden = keras.layers.LSTM(32)(inputs, initial_state=[np.zeros((4, 32))])
"""
BOTH = ["GRU001", "GRU005"]


def codes(diagnostics):
    return sorted(d["code"] for d in diagnostics)


def write(path, text):
    """Write ``text`` and make sure the file's status changes even on a coarse clock."""
    before = os.stat(path).st_mtime_ns if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if before is not None and os.stat(path).st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def cli_codes(folder, name="model.py"):
    """What ``gru-lint`` run in ``folder`` reports for ``name``: the reference."""
    proc = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--no-cache", "--output-format", "pylint", name],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    return sorted(line.split("[", 1)[1].split("]", 1)[0] for line in proc.stdout.splitlines()
                  if "[GRU" in line)


class Session:
    def __init__(self, root, settings=None, initialization_options=None, capabilities=None):
        self.root = root
        self.client = LspClient(settings=settings if settings is not None else {}, cwd=str(root))
        self.client.initialize(capabilities=capabilities, initialization_options=initialization_options,
                               root=str(root))
        self.versions = {}
        self.seen = []  # every notification received, in order

    def next(self, method, predicate):
        """The params of the next notification ``method`` satisfying ``predicate``;
        every notification read on the way is kept in ``seen``."""
        while True:
            message = self.client.notifications.get(timeout=TIMEOUT)
            self.seen.append((message["method"], message.get("params")))
            if message["method"] == method and predicate(message.get("params")):
                return message["params"]

    def diagnostics(self, uri, version):
        return self.next("textDocument/publishDiagnostics",
                         lambda p: p["uri"] == uri and p.get("version") == version)["diagnostics"]

    def messages(self):
        """The window/showMessage notifications received so far."""
        while not self.client.notifications.empty():
            message = self.client.notifications.get_nowait()
            self.seen.append((message["method"], message.get("params")))
        return [p for m, p in self.seen if m == "window/showMessage"]

    def open(self, path, text=MODEL):
        uri = path.resolve().as_uri()
        self.versions[uri] = 1
        self.client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
        return uri, self.diagnostics(uri, 1)

    def change(self, uri, text):
        self.versions[uri] += 1
        version = self.versions[uri]
        self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
        return self.diagnostics(uri, version)

    def close(self):
        try:
            assert self.client.shutdown() == 0
        finally:
            self.client.kill()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pkg").mkdir()
    for name in ("model.py", "pkg/model.py"):
        (tmp_path / name).write_text(MODEL, encoding="utf-8")
    return tmp_path


def test_per_file_ignores_and_the_nearest_table(project):
    write(project / "pyproject.toml",
          '[tool.gru-lint]\nignore = ["GRU005"]\n\n'
          '[tool.gru-lint.per-file-ignores]\n"pkg/*.py" = ["GRU001"]\n')
    session = Session(project)
    try:
        _, top = session.open(project / "model.py")
        _, nested = session.open(project / "pkg" / "model.py")
    finally:
        session.close()
    assert codes(top) == ["GRU001"] == cli_codes(project)
    assert codes(nested) == [] == cli_codes(project, "pkg/model.py")


def test_the_table_found_from_the_document_not_from_the_server_directory(project, tmp_path_factory):
    write(project / "pkg" / "pyproject.toml", '[tool.gru-lint]\nselect = ["GRU005"]\n')
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    session = Session(elsewhere)  # started in another directory, as editors often do
    try:
        _, nested = session.open(project / "pkg" / "model.py")
        _, top = session.open(project / "model.py")
    finally:
        session.close()
    assert codes(nested) == ["GRU005"]
    assert codes(top) == BOTH


def test_a_changed_pyproject_is_reread_on_the_next_analysis(project):
    session = Session(project)
    try:
        uri, before = session.open(project / "model.py")
        write(project / "pyproject.toml", '[tool.gru-lint]\nignore = ["GRU001"]\n')
        created = session.change(uri, MODEL + "\n")
        write(project / "pyproject.toml", '[tool.gru-lint]\nselect = ["GRU001"]\n')
        edited = session.change(uri, MODEL + "\n\n")
        (project / "pyproject.toml").unlink()
        deleted = session.change(uri, MODEL)
    finally:
        session.close()
    assert codes(before) == BOTH
    assert codes(created) == ["GRU005"]
    assert codes(edited) == ["GRU001"]
    assert codes(deleted) == BOTH


def test_a_watched_file_change_republishes_every_open_document(project):
    capabilities = {"workspace": {"configuration": True,
                                  "didChangeWatchedFiles": {"dynamicRegistration": True}}}
    session = Session(project, capabilities=capabilities)
    try:
        first, _ = session.open(project / "model.py")
        second, _ = session.open(project / "pkg" / "model.py")
        registrations = [m for m in session.client.server_requests
                         if m["method"] == "client/registerCapability"]
        write(project / "pyproject.toml", '[tool.gru-lint]\nignore = ["GRU005"]\n')
        session.client.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": (project / "pyproject.toml").resolve().as_uri(), "type": 1}]})
        # No edit: the open documents are analysed again and published for their versions.
        republished = {}
        while len(republished) < 2:
            params = session.next("textDocument/publishDiagnostics",
                                  lambda p: p["uri"] in (first, second))
            republished[params["uri"]] = params["diagnostics"]
    finally:
        session.close()
    watchers = registrations[0]["params"]["registrations"][0]["registerOptions"]["watchers"]
    assert watchers == [{"globPattern": "**/pyproject.toml"}]
    assert {uri: codes(d) for uri, d in republished.items()} == {first: ["GRU001"], second: ["GRU001"]}


@pytest.mark.parametrize("table, named", [
    ('[tool.gru-lint]\nselect = "GRU001"\n', "select"),
    ('[tool.gru-lint]\nnot-a-key = 1\n', "not-a-key"),
    ('[tool.gru-lint\nselect = ["GRU001"]\n', "not valid TOML"),
])
def test_an_invalid_pyproject_is_reported_and_the_defaults_apply(project, table, named):
    write(project / "pyproject.toml", table)
    session = Session(project)
    try:
        uri, found = session.open(project / "model.py")
        again = session.change(uri, MODEL + "\n")  # still serving, and said only once
        shown = session.messages()
        write(project / "pyproject.toml", '[tool.gru-lint]\nignore = ["GRU001"]\n')
        fixed = session.change(uri, MODEL)
    finally:
        session.close()
    assert codes(found) == BOTH == codes(again)
    assert len(shown) == 1 and shown[0]["type"] == 1  # Error
    assert "pyproject.toml" in shown[0]["message"] and named in shown[0]["message"]
    assert "default settings" in shown[0]["message"]
    assert codes(fixed) == ["GRU005"]


def test_editor_settings_and_the_project(project):
    write(project / "pyproject.toml", '[tool.gru-lint]\nselect = ["GRU001"]\n')
    results = {}
    for preference, options in {
        "editorFirst": {"ignore": ["GRU001"], "extendSelect": ["GRU005"]},
        "filesystemFirst": {"select": ["GRU005"]},
        "editorOnly": {"ignore": ["GRU005"]},
    }.items():
        session = Session(project, settings={**options, "configurationPreference": preference})
        try:
            results[preference] = codes(session.open(project / "model.py")[1])
        finally:
            session.close()
    # editorFirst: the editor's settings act as command-line flags on the project's table
    # (``--ignore GRU001 --extend-select GRU005`` on ``select = ["GRU001"]``).
    assert results["editorFirst"] == ["GRU005"]
    assert results["filesystemFirst"] == ["GRU001"]  # the table wins where there is one
    assert results["editorOnly"] == ["GRU001"]  # the table is not read
