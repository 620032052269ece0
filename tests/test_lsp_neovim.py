"""A real editor, headless Neovim, driving ``gru-lint server``: diagnostics, fix-all, hover.

Skipped when ``nvim`` is not installed (``.ci/run`` installs Debian's). The Lua below uses
the client API every Neovim since 0.7 has (``vim.lsp.start_client``); the README's
``vim.lsp.config`` set-up (Neovim 0.11) starts the same command with the same settings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed")

TESTS = Path(__file__).resolve().parent
SEQ2SEQ = TESTS / "fixtures" / "fix" / "seq2seq_numpy_states.py"

SCRIPT = r"""
local out = {}
local file = os.getenv("GRU_FILE")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "gru-lint",
  cmd = vim.fn.json_decode(os.getenv("GRU_CMD")),
  root_dir = vim.fn.fnamemodify(file, ":h"),
  init_options = { ignore = { "GRU003" } },
})
vim.lsp.buf_attach_client(bufnr, id)
local client = vim.lsp.get_client_by_id(id)
out.published = vim.wait(60000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, source = d.source })
end
local first = vim.diagnostic.get(bufnr)[1]
local hover = client.request_sync("textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  position = { line = first.lnum, character = first.col },
}, 60000, bufnr)
out.hover = hover and hover.result and hover.result.contents.value or vim.NIL
local actions = client.request_sync("textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = { line = 0, character = 0 }, ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 } },
  context = { diagnostics = {}, only = { "source.fixAll" } },
}, 60000, bufnr)
out.actions = {}
for _, a in ipairs(actions.result or {}) do table.insert(out.actions, a.title) end
vim.lsp.util.apply_workspace_edit(actions.result[1].edit, client.offset_encoding)
vim.cmd("write")
out.cleared = vim.wait(60000, function() return #vim.diagnostic.get(bufnr) == 0 end, 20)
client.stop()
vim.wait(10000, function() return client.is_stopped() end, 20)
vim.fn.writefile({ vim.fn.json_encode(out) }, os.getenv("GRU_OUT"))
vim.cmd("qall!")
"""


def test_headless_neovim_gets_diagnostics_fixes_and_hover(tmp_path):
    work = tmp_path / "seq2seq.py"
    work.write_bytes(SEQ2SEQ.read_bytes())
    script = tmp_path / "drive.lua"
    script.write_text(SCRIPT)
    result = tmp_path / "out.json"
    env = {
        "GRU_FILE": str(work),
        "GRU_CMD": json.dumps([sys.executable, "-m", "gru_lint", "server"]),
        "GRU_OUT": str(result),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {script}"],
        env=env,
        capture_output=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert result.exists(), proc.stderr.decode(errors="replace") + proc.stdout.decode(errors="replace")
    out = json.loads(result.read_text())
    assert out["published"] is True
    # GRU003 is ignored through the client's init_options.
    assert sorted({d["code"] for d in out["diagnostics"]}) == ["GRU001"]
    assert {d["source"] for d in out["diagnostics"]} == {"gru-lint"}
    assert (out["diagnostics"][0]["lnum"], out["diagnostics"][0]["col"]) == (14, 41)
    assert "state-missing-batch" in out["hover"]
    assert out["actions"] == ["Fix all gru-lint findings"]
    expected = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--fix", "--no-cache", "--ignore", "GRU003", "-"],
        input=SEQ2SEQ.read_bytes(),
        capture_output=True,
        timeout=120,
    ).stdout
    assert work.read_bytes() == expected
    assert out["cleared"] is True
