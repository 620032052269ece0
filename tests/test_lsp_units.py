"""The language server's pure parts (no pygls needed): noqa edits, text edits, settings."""

from __future__ import annotations

import pytest

from gru_lint.analysis.source import SourceText
from gru_lint.lsp import options
from gru_lint.lsp.documents import apply_edits, noqa_edit, text_edits


def add_noqa(text: str, line: int, code: str = "GRU001") -> str:
    edit = noqa_edit(text, SourceText(text), line, code)
    return text if edit is None else apply_edits(text, [edit])


@pytest.mark.parametrize(
    "before, after",
    [
        ("x = f(h)\n", "x = f(h)  # noqa: GRU001\n"),
        ("x = f(h)   \r\n", "x = f(h)  # noqa: GRU001\r\n"),
        ("x = f(h)  # why\n", "x = f(h)  # why  # noqa: GRU001\n"),
        ("x = f(h)  # noqa: GRU002\n", "x = f(h)  # noqa: GRU002, GRU001\n"),
        ("x = f(h)  # NOQA:GRU002,GRU003 \n", "x = f(h)  # NOQA:GRU002,GRU003, GRU001 \n"),
        ("x = f(h)  # noqa: GRU001\n", "x = f(h)  # noqa: GRU001\n"),
        ("x = f(h)  # noqa\n", "x = f(h)  # noqa\n"),
        ("x = f(h)", "x = f(h)  # noqa: GRU001"),
    ],
)
def test_noqa_edit(before, after):
    assert add_noqa(before, 1) == after


def test_noqa_goes_after_a_multiline_string_not_into_it():
    text = 'x = f(h, """a\nb\nc""")\ny = 1\n'
    assert add_noqa(text, 1) == 'x = f(h, """a\nb\nc""")  # noqa: GRU001\ny = 1\n'


def test_noqa_follows_a_backslash_continuation():
    text = "x = f(h) + \\\n    g(h)\n"
    assert add_noqa(text, 1) == "x = f(h) + \\\n    g(h)  # noqa: GRU001\n"


def test_noqa_inside_brackets_stays_on_its_line():
    text = "x = f(\n    h,\n)\n"
    assert add_noqa(text, 2) == "x = f(\n    h,  # noqa: GRU001\n)\n"


@pytest.mark.parametrize(
    "old, new",
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("a\nb\nc\n", "a\nc\n"),
        ("a\r\nb\r\n", "a\r\nx = 1\r\nb\r\n"),
        ("x = np.zeros(8)\n", "x = np.zeros((4, 8))\n"),
        ("", "a\n"),
        ("a", ""),
        ("h = 1  # 😀\n", "h = (1,)  # 😀\n"),
    ],
)
def test_text_edits_rebuild_the_new_text(old, new):
    edits = text_edits(old, new)
    assert apply_edits(old, edits) == new
    assert all(e.start <= e.end for e in edits)
    assert text_edits(old, old) == []


def test_text_edits_are_small():
    (edit,) = text_edits("x = np.zeros(8)\ny = 2\n", "x = np.zeros((4, 8))\ny = 2\n")
    assert (edit.start, edit.end) == (13, 14)


def test_options_parse():
    found, problems = options.parse({"select": "GRU00, GRU013", "ignore": ["gru013"], "unsafeFixes": True})
    assert found == {"select": ("GRU00", "GRU013"), "ignore": ("GRU013",), "unsafe": True}
    assert problems == []
    found, problems = options.parse({"gru-lint": {"select": ["NOPE1"], "unsafe-fixes": 1, "other": 2}})
    assert found == {} and len(problems) == 2
    assert options.parse(None) == ({}, [])
    assert options.parse([1])[0] == {}


def test_readme_editor_snippets_start_the_server():
    import json
    import re

    from readme_snippets import snippet

    vscode = json.loads(snippet("lsp-vscode"))
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == ["gru-lint", "server"]
    assert options.parse(vscode["glspc.server.initializationOptions"]) == ({"ignore": ()}, [])
    assert re.search(r'cmd = \{ "gru-lint", "server" \}', snippet("lsp-neovim"))
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        tomllib = pytest.importorskip("tomli")
    helix = tomllib.loads(snippet("lsp-helix"))
    server = helix["language-server"]["gru-lint"]
    assert [server["command"], *server["args"]] == ["gru-lint", "server"]
    assert options.parse(server["config"]) == ({"ignore": ()}, [])
    assert "gru-lint" in helix["language"][0]["language-servers"]
