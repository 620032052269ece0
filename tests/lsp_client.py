"""A minimal Language Server Protocol client for the tests: JSON-RPC over a child's stdio.

It does what an editor does: frames messages with ``Content-Length``, answers the
server's own requests (``workspace/configuration`` with ``settings``), and collects
notifications. Every wait has a timeout, so a hung server fails a test instead of
hanging it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

TIMEOUT = 60.0  # seconds; generous for a loaded 2-core machine, never reached when all is well


class ServerError(Exception):
    def __init__(self, error):
        super().__init__(error.get("message"))
        self.error = error


class LspClient:
    def __init__(self, command=None, settings=None, env=None, cwd=None):
        if command is None:
            command = [sys.executable, "-m", "gru_lint", "server"]
        self.settings = settings  # what workspace/configuration answers (None: the request fails)
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        self._next_id = 0
        self._responses = {}
        self._cond = threading.Condition()
        self.notifications = queue.Queue()
        self.server_requests = []
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._stderr = []
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # ---------------------------------------------------------------- wire

    def send_raw(self, body: bytes) -> None:
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _send(self, message) -> None:
        self.send_raw(json.dumps(message).encode("utf-8"))

    def _read_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def _read_loop(self):
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._cond:
                        self._cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = stream.read(length)
            message = json.loads(body)
            if "method" in message and "id" in message:
                self._answer(message)
            elif "method" in message:
                self.notifications.put(message)
            else:
                with self._cond:
                    self._responses[message.get("id")] = message
                    self._cond.notify_all()

    def _answer(self, message):
        self.server_requests.append(message)
        method = message["method"]
        if method == "workspace/configuration":
            if self.settings is None:
                reply = {"error": {"code": -32601, "message": "no configuration"}}
            else:
                items = message["params"]["items"]
                reply = {"result": [self.settings for _ in items]}
        else:
            reply = {"result": None}
        self._send({"jsonrpc": "2.0", "id": message["id"], **reply})

    # ---------------------------------------------------------------- calls

    def request(self, method, params=None, timeout=TIMEOUT):
        self._next_id += 1
        msg_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id, timeout)

    def response(self, msg_id, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._reader.is_alive():
                    raise TimeoutError(f"no response to request {msg_id}; stderr:\n{self.stderr}")
                self._cond.wait(min(left, 0.5))
            message = self._responses.pop(msg_id)
        if "error" in message:
            raise ServerError(message["error"])
        return message.get("result")

    def notify(self, method, params=None):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method, predicate=lambda params: True, timeout=TIMEOUT):
        """The params of the next notification ``method`` that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} notification; stderr:\n{self.stderr}")
            try:
                message = self.notifications.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if message["method"] == method and predicate(message.get("params")):
                return message["params"]

    def diagnostics(self, uri, version=None, timeout=TIMEOUT):
        """The next published diagnostics for ``uri`` (for ``version``, when given)."""
        params = self.wait_for(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and (version is None or p.get("version") == version),
            timeout,
        )
        return params["diagnostics"]

    # ---------------------------------------------------------------- session

    def initialize(self, capabilities=None, initialization_options=None, root=None):
        if capabilities is None:
            capabilities = {
                "workspace": {"workspaceEdit": {"documentChanges": True}, "configuration": True},
                "textDocument": {
                    "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                    "codeAction": {},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                },
                "notebookDocument": {"synchronization": {}},
            }
        params = {
            "processId": os.getpid(),
            "rootUri": Path(root).resolve().as_uri() if root else None,
            "capabilities": capabilities,
            "initializationOptions": initialization_options,
        }
        result = self.request("initialize", params)
        self.notify("initialized", {})
        return result

    def shutdown(self, timeout=TIMEOUT):
        self.request("shutdown", None, timeout)
        self.notify("exit")
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass


def apply_text_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 positions, as the server uses by default) to ``text``."""
    import re

    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def offset(pos):
        line = pos["line"]
        if line >= len(starts):
            return len(text)
        start = starts[line]
        end = starts[line + 1] if line + 1 < len(starts) else len(text)
        units = 0
        i = start
        while i < end and units < pos["character"]:
            units += 2 if ord(text[i]) > 0xFFFF else 1
            i += 1
        return i

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(edit, texts):
    """``texts`` (uri -> text, versions checked against ``versions`` if given) after ``edit``."""
    texts = dict(texts)
    for change in edit.get("documentChanges") or []:
        uri = change["textDocument"]["uri"]
        texts[uri] = apply_text_edits(texts[uri], change["edits"])
    for uri, edits in (edit.get("changes") or {}).items():
        texts[uri] = apply_text_edits(texts[uri], edits)
    return texts
