"""``gru-lint server`` skips what the command line skips: documents the project's
``exclude``/``extend-exclude`` exclude (as ``--force-exclude`` applies them to a path it
is given) and documents larger than ``max-file-size`` get an empty publish, end to end
over stdio. Nothing here asserts on time.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

from test_lsp_config import BOTH, MODEL, Session, codes, write  # noqa: E402


def cli(folder, *args):
    """``gru-lint`` run in ``folder``: (exit status, codes reported)."""
    proc = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--no-cache", "--output-format", "pylint", *args],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    found = sorted(line.split("[", 1)[1].split("]", 1)[0] for line in proc.stdout.splitlines()
                   if "[GRU" in line)
    return proc.returncode, found


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    for name in ("model.py", "legacy_model.py", "pkg/model.py"):
        (root / name).write_text(MODEL, encoding="utf-8")
    return root


def fix_all(session, uri):
    return session.client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]},
    })


def test_excluded_documents_get_no_diagnostics(project):
    write(project / "pyproject.toml",
          '[tool.gru-lint]\nexclude = ["pkg/"]\nextend-exclude = ["legacy_*.py"]\n')
    session = Session(project)
    try:
        _, kept = session.open(project / "model.py")
        legacy, by_name = session.open(project / "legacy_model.py")
        _, by_path = session.open(project / "pkg" / "model.py")
        actions = fix_all(session, legacy)
        edited = session.change(legacy, MODEL + "\n")  # still skipped after an edit
        logged = [p["message"] for m, p in session.seen if m == "window/logMessage"]
        # The command line agrees with --force-exclude (without it, a path given is checked).
        forced = cli(project, "--force-exclude", "model.py", "legacy_model.py", "pkg/model.py")
        given = cli(project, "legacy_model.py")
        write(project / "pyproject.toml", '[tool.gru-lint]\nexclude = ["pkg/"]\n')
        included = session.change(legacy, MODEL)  # the table changed: checked again
    finally:
        session.close()
    assert codes(kept) == BOTH
    assert by_name == [] == by_path == edited
    assert actions == []
    assert any("legacy_model.py" in m and "not checked" in m and "exclude" in m for m in logged)
    assert codes(included) == BOTH
    assert forced == (1, BOTH)
    assert given[1] == BOTH


def test_directories_above_the_project_do_not_count(tmp_path):
    root = tmp_path / "vendor" / "proj"
    root.mkdir(parents=True)
    (root / "model.py").write_text(MODEL, encoding="utf-8")
    write(root / "pyproject.toml", '[tool.gru-lint]\nextend-exclude = ["vendor", "proj"]\n')
    session = Session(root)
    try:
        _, found = session.open(root / "model.py")
    finally:
        session.close()
    assert codes(found) == BOTH == cli(root, "--force-exclude", "model.py")[1]


def test_editor_only_settings_read_no_excludes(project):
    write(project / "pyproject.toml", '[tool.gru-lint]\nextend-exclude = ["legacy_*.py"]\n')
    session = Session(project, settings={"configurationPreference": "editorOnly"})
    try:
        _, found = session.open(project / "legacy_model.py")
    finally:
        session.close()
    assert codes(found) == BOTH


def test_documents_larger_than_max_file_size_get_no_diagnostics(project):
    size = len(MODEL.encode("utf-8"))
    write(project / "pyproject.toml", f'[tool.gru-lint]\nmax-file-size = {size}\n')
    padded = MODEL + "# é\n"  # over the limit by five bytes in UTF-8 (four characters)
    session = Session(project)
    try:
        uri, at_limit = session.open(project / "model.py")
        over = session.change(uri, padded)
        logged = [p["message"] for m, p in session.seen if m == "window/logMessage"]
        back = session.change(uri, MODEL)
    finally:
        session.close()
    assert codes(at_limit) == BOTH == codes(back)
    assert over == []
    assert any("larger than the limit" in m for m in logged)
    (project / "model.py").write_text(padded, encoding="utf-8")
    status, found = cli(project, "model.py")
    assert found == [] and status == 2  # the command line skips it too (and says so)


def test_an_excluded_notebook_gets_no_diagnostics(project):
    write(project / "pyproject.toml", '[tool.gru-lint]\nextend-exclude = ["scratch_*"]\n')
    session = Session(project)
    results = {}
    try:
        for name in ("scratch_model.ipynb", "model.ipynb"):
            notebook = (project / name).resolve().as_uri()
            cell = f"vscode-notebook-cell:{(project / name).resolve()}#cell0"
            session.client.notify("notebookDocument/didOpen", {
                "notebookDocument": {"uri": notebook, "notebookType": "jupyter-notebook", "version": 1,
                                     "cells": [{"kind": 2, "document": cell}]},
                "cellTextDocuments": [{"uri": cell, "languageId": "python", "version": 1, "text": MODEL}],
            })
            results[name] = session.diagnostics(cell, 1)
    finally:
        session.close()
    assert results["scratch_model.ipynb"] == []
    assert codes(results["model.ipynb"]) == BOTH
