"""``gru-lint server`` end to end: a real server process driven over stdio as an editor does.

Every wait is bounded (``lsp_client.TIMEOUT``); nothing here asserts on time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

from lsp_client import LspClient, ServerError, apply_workspace_edit  # noqa: E402

from gru_lint.core import check_source  # noqa: E402

TESTS = Path(__file__).resolve().parent
FIX = TESTS / "fixtures" / "fix"
MIXED = FIX / "mixed_up_states.py"  # safe, unsafe and unfixable findings
SEQ2SEQ = FIX / "seq2seq_numpy_states.py"  # safe fixes only


def cli_fix(text: str, *extra: str) -> str:
    """What ``gru-lint --fix -`` writes for ``text``."""
    proc = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--fix", "--no-cache", *extra, "-"],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.decode("utf-8")


def findings(text: str) -> Counter:
    """What gru-lint reports for ``text`` (``# noqa`` honoured)."""
    from gru_lint.noqa import filter_noqa

    return Counter((d.code, d.message) for d in filter_noqa(check_source(text), text))


class Editor:
    """A client plus the texts and versions of what it has open."""

    def __init__(self, client: LspClient):
        self.client = client
        self.texts = {}
        self.versions = {}

    def open(self, uri, text, language="python"):
        self.texts[uri], self.versions[uri] = text, 1
        self.client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
        )
        return self.client.diagnostics(uri, 1)

    def change(self, uri, text, wait=True):
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": self.versions[uri]},
                "contentChanges": [{"text": text}],
            },
        )
        return self.client.diagnostics(uri, self.versions[uri]) if wait else None

    def actions(self, uri, rng=None, only=None, diagnostics=()):
        if rng is None:
            end = len(self.texts[uri].splitlines())
            rng = {"start": {"line": 0, "character": 0}, "end": {"line": end, "character": 0}}
        context = {"diagnostics": list(diagnostics)}
        if only is not None:
            context["only"] = only
        return self.client.request(
            "textDocument/codeAction", {"textDocument": {"uri": uri}, "range": rng, "context": context}
        )

    def apply(self, action):
        """Apply a code action's edit as an editor does: versions must match what is open."""
        edit = action["edit"]
        for change in edit.get("documentChanges") or []:
            doc = change["textDocument"]
            assert doc["version"] == self.versions[doc["uri"]], "edit for another version"
        self.texts = apply_workspace_edit(edit, self.texts)
        return self.texts


@pytest.fixture(scope="module")
def client():
    c = LspClient(settings={})
    try:
        c.initialize()
        yield c
    finally:
        c.kill()


@pytest.fixture
def editor(client):
    return Editor(client)


def uri_for(name: str) -> str:
    return (TESTS / "lsp-virtual" / name).as_uri()  # never on disk: the editor holds the text


# --------------------------------------------------------------------------- lifecycle


def test_initialize_advertises_what_the_server_does():
    c = LspClient(settings={})
    try:
        result = c.initialize()
        caps = result["capabilities"]
        assert result["serverInfo"]["name"] == "gru-lint"
        assert caps["textDocumentSync"]["openClose"] is True
        assert caps["textDocumentSync"]["save"]
        assert set(caps["codeActionProvider"]["codeActionKinds"]) == {"quickfix", "source.fixAll.gru-lint"}
        assert caps["hoverProvider"]
        assert caps["notebookDocumentSync"]["notebookSelector"][0]["cells"] == [{"language": "python"}]
        assert c.shutdown() == 0
    finally:
        c.kill()


def test_exit_without_shutdown_is_an_error_exit():
    c = LspClient(settings={})
    try:
        c.initialize()
        c.notify("exit")
        assert c.proc.wait(60) == 1
    finally:
        c.kill()


def test_malformed_messages_do_not_kill_the_server(editor, client):
    client.send_raw(b"{this is not json")
    client.send_raw(json.dumps({"jsonrpc": "2.0", "id": 9001, "method": "textDocument/hover",
                                "params": {"textDocument": 3}}).encode())
    with pytest.raises(ServerError):
        client.response(9001)
    with pytest.raises(ServerError) as err:
        client.request("gru-lint/no-such-method", {})
    assert err.value.error["code"] == -32601
    # ... and it still works.
    diags = editor.open(uri_for("after_garbage.py"), SEQ2SEQ.read_text())
    assert len(diags) == len(check_source(SEQ2SEQ.read_text()))


def test_missing_pygls_is_a_one_line_error():
    code = (
        "import sys; sys.modules['pygls'] = None; sys.modules['pygls.lsp.server'] = None\n"
        "from gru_lint.cli import main; sys.exit(main(['server']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        'gru-lint: error: the language server needs pygls 2: pip install "gru-lint[lsp]"'
    ]


def test_importing_gru_lint_does_not_load_pygls():
    code = (
        "import sys, gru_lint, gru_lint.cli, gru_lint.lsp\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# --------------------------------------------------------------------------- diagnostics


def test_did_open_publishes_every_finding_with_its_details(editor):
    text = SEQ2SEQ.read_text()
    uri = uri_for("seq2seq.py")
    diags = editor.open(uri, text)
    expected = check_source(text)
    assert [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"]) for d in diags] == [
        (d.code, d.span.line, d.span.col) for d in expected
    ]
    first = diags[0]
    assert first["source"] == "gru-lint"
    assert first["severity"] == 1  # GRU001 always crashes: an error
    assert first["message"] == expected[0].message
    assert first["codeDescription"]["href"].startswith("file://")
    assert first["codeDescription"]["href"].endswith("gru001_missing_batch.py")
    (related,) = first["relatedInformation"]
    assert related["message"] == "`GRU(UNITS)` created here"
    assert related["location"]["uri"] == uri
    assert related["location"]["range"]["start"]["line"] == expected[0].related[0].span.line - 1


def test_silently_wrong_findings_are_warnings(editor):
    diags = editor.open(uri_for("mixed.py"), MIXED.read_text())
    severities = {d["code"]: d["severity"] for d in diags}
    assert severities["GRU006"] == 2 and severities["GRU001"] == 1


def test_did_change_publishes_fresh_diagnostics_for_the_new_version(editor):
    uri = uri_for("changing.py")
    text = SEQ2SEQ.read_text()
    assert len(editor.open(uri, text)) == 6
    fixed = cli_fix(text)
    assert editor.change(uri, fixed) == []
    assert len(editor.change(uri, text)) == 6


def test_no_stale_diagnostics_during_a_burst_of_edits(editor, client):
    """Every publication describes the text of the version it names, and the last one
    is for the last version."""
    uri = uri_for("burst.py")
    base = SEQ2SEQ.read_text()
    editor.open(uri, base)
    texts = {1: base}
    lines = base.splitlines(keepends=True)
    for v in range(2, 22):
        # Alternately break and restore the first finding's state shape.
        text = base if v % 2 else "".join(lines[:13] + ["    h0 = np.zeros((BATCH, UNITS), dtype='float32')\n"] + lines[14:])
        texts[v] = text
        editor.change(uri, text, wait=False)
    seen = []
    while not seen or seen[-1][0] != 21:
        p = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
        seen.append((p["version"], p["diagnostics"]))
    for version, diags in seen:
        assert len(diags) == len(check_source(texts[version])), version
    assert [v for v, _ in seen] == sorted(v for v, _ in seen)


def test_a_syntax_error_clears_the_findings(editor):
    uri = uri_for("broken.py")
    text = SEQ2SEQ.read_text()
    assert editor.open(uri, text)
    assert editor.change(uri, text + "\ndef oops(:\n") == []


def test_close_clears_the_findings(editor, client):
    uri = uri_for("closing.py")
    assert editor.open(uri, SEQ2SEQ.read_text())
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []


def test_non_python_documents_are_left_alone(editor, client):
    uri = uri_for("notes.md")
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": SEQ2SEQ.read_text()}},
    )
    assert client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}},
        "context": {"diagnostics": []},
    }) is None


# --------------------------------------------------------------------------- code actions


@pytest.mark.parametrize("path", [SEQ2SEQ, MIXED], ids=lambda p: p.name)
def test_fix_all_is_exactly_gru_lint_fix(editor, path):
    uri = uri_for("fixall_" + path.name)
    text = path.read_text()
    editor.open(uri, text)
    (action,) = editor.actions(uri, only=["source.fixAll"])
    assert action["kind"] == "source.fixAll.gru-lint"
    assert editor.apply(action)[uri] == cli_fix(text)


def test_fix_all_is_also_offered_for_source_and_exact_kinds(editor):
    uri = uri_for("kinds.py")
    editor.open(uri, SEQ2SEQ.read_text())
    for only in (["source"], ["source.fixAll.gru-lint"]):
        assert [a["kind"] for a in editor.actions(uri, only=only)] == ["source.fixAll.gru-lint"]
    assert all(a["kind"] == "quickfix" for a in editor.actions(uri, only=["quickfix"]))


def test_each_quick_fix_removes_exactly_its_finding(editor):
    text = SEQ2SEQ.read_text()
    uri = uri_for("quick.py")
    diags = editor.open(uri, text)
    before = findings(text)
    core = check_source(text)
    tried = 0
    for diag in diags:
        actions = [a for a in editor.actions(uri, diag["range"], diagnostics=[diag])
                   if a["kind"] == "quickfix" and not a["title"].startswith("Disable")]
        mine = [a for a in actions if a["diagnostics"][0]["range"] == diag["range"]
                and a["diagnostics"][0]["code"] == diag["code"]]
        assert len(mine) == 1, diag
        assert mine[0]["isPreferred"] is True
        editor.texts[uri] = text
        after = findings(editor.apply(mine[0])[uri])
        # This finding goes, and with it only those its very edit repairs too (the
        # h and c of ``initial_state=[zero, zero]`` share one constructor).
        start = diag["range"]["start"]
        (me,) = [d for d in core if (d.code, d.span.line - 1, d.span.col) == (diag["code"], start["line"], start["character"])]
        same_edit = Counter((d.code, d.message) for d in core if set(d.fix.edits) == set(me.fix.edits))
        assert (diag["code"], diag["message"]) in before - after
        assert before - after == same_edit
        assert after - before == Counter()
        tried += 1
    assert tried == 6


def test_unsafe_fixes_are_offered_only_when_enabled_and_labelled():
    text = MIXED.read_text()
    for settings, offered in (({}, False), ({"unsafeFixes": True}, True)):
        c = LspClient(settings=settings)
        try:
            c.initialize()
            ed = Editor(c)
            uri = uri_for("unsafe.py")
            diags = ed.open(uri, text)
            gru002 = next(d for d in diags if d["code"] == "GRU002")
            titles = [a["title"] for a in ed.actions(uri, gru002["range"], only=["quickfix"])]
            unsafe = [t for t in titles if t.endswith("(unsafe)")]
            assert bool(unsafe) == offered, titles
            (fix_all,) = ed.actions(uri, only=["source.fixAll"])
            extra = ("--unsafe-fixes",) if offered else ()
            assert ed.apply(fix_all)[uri] == cli_fix(text, *extra)
        finally:
            c.kill()


def test_disable_for_this_line_adds_a_noqa_comment(editor):
    text = SEQ2SEQ.read_text()
    uri = uri_for("noqa.py")
    diags = editor.open(uri, text)
    target = diags[0]
    (action,) = [a for a in editor.actions(uri, target["range"]) if a["title"] == "Disable GRU001 for this line"]
    new = editor.apply(action)[uri]
    line = target["range"]["start"]["line"]
    assert new.splitlines()[line] == text.splitlines()[line] + "  # noqa: GRU001"
    assert findings(text) - findings(new) == Counter({(target["code"], target["message"]): 1})


def test_disable_merges_with_an_existing_noqa(editor):
    text = SEQ2SEQ.read_text().replace(
        "initial_state=h0)  # error: [GRU001]", "initial_state=h0)  # noqa: GRU002"
    )
    uri = uri_for("noqa_merge.py")
    diags = editor.open(uri, text)
    target = next(d for d in diags if d["range"]["start"]["line"] == 14)
    (action,) = [a for a in editor.actions(uri, target["range"]) if a["title"].startswith("Disable")]
    new = editor.apply(action)[uri]
    assert new.splitlines()[14].endswith("initial_state=h0)  # noqa: GRU002, GRU001")


def test_edits_use_utf16_positions_after_wide_characters(editor):
    text = SEQ2SEQ.read_text().replace(
        "    _, h = encoder(source, initial_state=h0)",
        "    _, h = encoder(source, initial_state=h0) if '😀' else None",
    )
    uri = uri_for("emoji.py")
    diags = editor.open(uri, text)
    assert diags[0]["code"] == "GRU001"
    (action,) = editor.actions(uri, only=["source.fixAll"])
    assert editor.apply(action)[uri] == cli_fix(text)


def test_code_actions_for_an_old_version_carry_the_current_version(editor):
    uri = uri_for("versions.py")
    text = SEQ2SEQ.read_text()
    editor.open(uri, text)
    editor.change(uri, text.replace("UNITS = 8", "UNITS = 16"))
    (action,) = editor.actions(uri, only=["source.fixAll"])
    assert action["edit"]["documentChanges"][0]["textDocument"]["version"] == 2


# --------------------------------------------------------------------------- hover


def test_hover_on_a_finding_shows_the_rule_docs(editor, client):
    from gru_lint.rules import explain

    uri = uri_for("hover.py")
    diags = editor.open(uri, SEQ2SEQ.read_text())
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": diags[0]["range"]["start"]})
    assert hover["contents"]["kind"] == "markdown"
    assert explain("GRU001").strip() in hover["contents"]["value"]
    assert hover["range"] == diags[0]["range"]
    nothing = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    assert nothing is None


# --------------------------------------------------------------------------- settings


def test_initialization_options_select_and_ignore():
    c = LspClient(settings=None)  # a client without workspace/configuration answers
    try:
        c.initialize(initialization_options={"ignore": ["GRU001"]})
        diags = Editor(c).open(uri_for("ignore.py"), SEQ2SEQ.read_text())
        assert {d["code"] for d in diags} == {"GRU003"}
    finally:
        c.kill()


def test_workspace_configuration_and_its_changes():
    c = LspClient(settings={"select": "GRU003"})
    try:
        c.initialize()
        ed = Editor(c)
        uri = uri_for("config.py")
        diags = ed.open(uri, SEQ2SEQ.read_text())
        assert {d["code"] for d in diags} == {"GRU003"}
        c.notify("workspace/didChangeConfiguration", {"settings": {"gru-lint": {"select": ["GRU001"]}}})
        diags = c.diagnostics(uri)
        assert {d["code"] for d in diags} == {"GRU001"}
    finally:
        c.kill()


def test_invalid_settings_are_reported_and_skipped():
    c = LspClient(settings=None)
    try:
        c.initialize(initialization_options={"select": ["GRU999"], "unsafeFixes": "yes"})
        messages = [c.wait_for("window/showMessage")["message"] for _ in range(2)]
        assert any("select" in m for m in messages) and any("unsafeFixes" in m for m in messages)
        assert len(Editor(c).open(uri_for("invalid.py"), SEQ2SEQ.read_text())) == 6
    finally:
        c.kill()
