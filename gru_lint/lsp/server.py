"""``gru-lint server``: the language server, on pygls 2 and lsprotocol, over stdio.

Every open Python file and notebook is an *entry*. An edit marks its entry dirty and its
text is analysed on one worker thread (the event loop stays free to read the next edits):
at once after a pause, or, in a burst of edits, once none has come for ``debounce``
seconds; edits made during an analysis are taken together by the next one. A result is
published only if the document has not changed meanwhile: a diagnostic is never shown
for a text the editor no longer has. The analysis (``documents.Analysis``) is kept with the snapshot it was made
from and serves the code actions and hovers of that version, so a request costs no
second analysis. Edits in code actions carry the versions of the documents they apply to.

A notebook is analysed as one program, its Python code cells joined in order with
IPython syntax masked (``gru_lint.notebook``); diagnostics and edits are mapped back to
the cells.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from gru_lint import __version__
from gru_lint.lsp import options
from gru_lint.lsp.actions import FIX_ALL, Actions
from gru_lint.lsp.collector import Collector
from gru_lint.lsp.convert import Conversions
from gru_lint.lsp.documents import Analysis
from gru_lint.lsp.project import Projects, excluded, too_large
from gru_lint.lsp.snapshots import Entry, Part, Result, Snapshot

log = logging.getLogger("gru_lint.lsp")

DEBOUNCE = 0.05  # seconds: edits closer than this are analysed together
CONFIGURATION_WAIT = 5.0  # seconds to wait for the client's settings before publishing


class _Unanswerable:
    """Stands for a request that could not be read; ``handle_message`` drops it."""

    jsonrpc = "invalid"


class Protocol(LanguageServerProtocol):
    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:  # a request: the client waits for an answer
                self._send_response(data["id"], error=exc.to_response_error())
                return _Unanswerable()
            raise


class GruLintServer(Actions, Conversions, LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE):
        super().__init__(
            "gru-lint",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[
                    lsp.NotebookDocumentFilterWithCells(cells=[lsp.NotebookCellLanguage("python")])
                ],
                save=True,
            ),
            protocol_cls=Protocol,
        )
        self.debounce = debounce
        self.entries: Dict[str, Entry] = {}
        self.overrides: Dict[str, object] = {}
        self.generation = 0  # bumped whenever the settings change
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gru-lint")
        self.collector = Collector()  # started by ``gru-lint server`` (``gru_lint.lsp.main``)
        self._settings: Dict[Optional[str], tuple] = {}  # per directory: (Settings, FileConfig)
        self.projects = Projects()
        self._reported: set = set()  # configuration errors already shown
        self.initialization_options: Dict[str, object] = {}
        # Set while the client's first workspace/configuration answer is awaited: nothing
        # is published before it, so findings the settings ignore never flash up.
        self.configuring: Optional[asyncio.Event] = None

    # ------------------------------------------------------------------ settings

    async def pull_configuration(self) -> None:
        """Ask the client for the ``gru-lint`` section, over the initialization options."""
        caps = self.client_capabilities.workspace
        if not (caps and caps.configuration):
            return
        try:
            answer = await self.workspace_configuration_async(
                lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=options.SECTION)])
            )
        except Exception as exc:  # a client that fails the request: keep what we have
            log.warning("workspace/configuration failed: %r", exc)
            return
        if answer and isinstance(answer[0], dict):
            merged = dict(self.initialization_options)
            merged.update(answer[0])
            self.set_overrides(merged)

    async def watch_pyproject(self) -> None:
        """Ask a client that can watch files to report changed ``pyproject.toml`` files
        (each analysis also checks their modification times, for clients that cannot)."""
        caps = self.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps else None
        if not (watched and watched.dynamic_registration):
            return
        registration = lsp.Registration(
            id="gru-lint-pyproject",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
            ),
        )
        try:
            await self.client_register_capability_async(lsp.RegistrationParams(registrations=[registration]))
        except Exception as exc:  # the mtime checks still notice changes
            log.warning("could not watch pyproject.toml files: %r", exc)

    def set_overrides(self, raw) -> None:
        found, problems = options.parse(raw)
        for problem in problems:
            self.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=problem)
            )
        self.overrides = found
        self.reload()

    def reload(self) -> None:
        """Forget every document's settings and analyse every open document again."""
        self.projects.clear()
        self._settings.clear()
        self._reported.clear()
        self.generation += 1
        for key in list(self.entries):
            self.schedule(key, 0)

    def check_project(self) -> None:
        """Reload when a ``pyproject.toml`` the settings were read from (or looked for)
        has been created, changed or deleted since: a few ``stat`` calls."""
        if self.projects.stale():
            log.info("a pyproject.toml changed: reloading the settings")
            self.reload()

    @staticmethod
    def path_of(uri: str) -> Optional[str]:
        if not uri.startswith("file:"):
            return None
        from pygls.uris import to_fs_path

        return to_fs_path(uri)

    def settings_for(self, uri: str):
        """The settings of a document: its project's ``[tool.gru-lint]`` (found from its
        directory upwards, as the command line finds it) and the editor's settings."""
        return self._configured(uri)[0]

    def _configured(self, uri: str) -> tuple:
        """(settings, the ``pyproject.FileConfig`` read for them or None), per directory."""
        import os

        path = self.path_of(uri)
        folder = os.path.dirname(path) if path else self.workspace.root_path
        if folder not in self._settings:
            config = None
            if folder and options.preference(self.overrides) != "editorOnly":
                found = self.projects.lookup(folder)
                if found.error is not None:
                    self.config_error(found.error)
                config = found.config
            self._settings[folder] = (options.merge(config, self.overrides), config)
        return self._settings[folder]

    def skipped(self, uri: str, snap: Snapshot) -> Optional[str]:
        """Why the command line would not check this document, or None: its project's
        ``exclude``/``extend-exclude`` (applied as ``--force-exclude`` applies them to a
        path it is given) or ``max-file-size``."""
        settings, config = self._configured(uri)
        path = self.path_of(uri)
        if excluded(path, config):
            return f"excluded by the exclude settings of {config.path}"
        return too_large([p.text for p in snap.parts], settings.max_file_size)

    def config_error(self, error) -> None:
        """Say once that a ``pyproject.toml`` cannot be used (the defaults apply)."""
        message = f"gru-lint: {error}; using the default settings for the files below it"
        if message in self._reported:
            return
        self._reported.add(message)
        log.warning("%s", message)
        self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=message))
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))

    # ------------------------------------------------------------------ snapshots

    def owner(self, uri: str) -> Optional[Tuple[str, int]]:
        """The entry holding document ``uri`` and the document's index in its snapshot."""
        if uri in self.entries and self.entries[uri].kind == "text":
            return uri, 0
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is None or notebook.uri not in self.entries:
            return None
        result = self.entries[notebook.uri].result
        uris = [p.uri for p in result.snapshot.parts] if result else self._cell_uris(notebook)
        return (notebook.uri, uris.index(uri)) if uri in uris else None

    def _cell_uris(self, notebook) -> List[str]:
        uris = []
        for cell in notebook.cells:
            if cell.kind != lsp.NotebookCellKind.Code:
                continue
            doc = self.workspace.text_documents.get(cell.document)
            if doc is not None and (doc.language_id or "python") == "python":
                uris.append(cell.document)
        return uris

    def snapshot(self, key: str) -> Optional[Snapshot]:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.kind == "text":
            doc = self.workspace.text_documents.get(key)
            if doc is None:
                return None
            part = Part(key, doc.version, doc.source)
            return Snapshot(key, (doc.version, len(part.text)), [part], False)
        notebook = self.workspace.get_notebook_document(notebook_uri=key)
        if notebook is None:
            return None
        parts = []
        for uri in self._cell_uris(notebook):
            doc = self.workspace.text_documents[uri]
            parts.append(Part(uri, doc.version, doc.source))
        signature = (notebook.version, tuple((p.uri, p.version) for p in parts))
        return Snapshot(key, signature, parts, True)

    def signature(self, key: str):
        snap = self.snapshot(key)
        return None if snap is None else snap.signature

    async def result(self, key: str) -> Optional[Result]:
        """The analysis of the entry's current text, made now only if not made already."""
        self.check_project()
        snap = self.snapshot(key)
        entry = self.entries.get(key)
        if snap is None or entry is None:
            return None
        old = entry.result
        if old is not None and old.generation == self.generation and old.snapshot.text == snap.text:
            if old.snapshot.signature != snap.signature:
                old.snapshot, old.published = snap, None  # same text, newer versions
            return old
        uri = snap.parts[0].uri if entry.kind == "text" else key
        settings = self.settings_for(uri)
        generation = self.generation
        skip = self.skipped(uri, snap)
        if skip != entry.skipped and skip is not None:
            self.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Info, message=f"gru-lint: {uri}: not checked: {skip}")
            )
        entry.skipped = skip
        if skip is not None:  # no diagnostics, as the command line reports none
            analysis = Analysis(snap.text, settings, None, self.path_of(uri), skipped=skip)
        else:
            loop = asyncio.get_running_loop()
            self.collector.busy()
            analysis = await loop.run_in_executor(
                self.worker, self._analyse, snap.text, settings, self.path_of(uri)
            )
        result = Result(snap, analysis, generation)
        if key in self.entries:
            self.entries[key].result = result
        return result

    def _analyse(self, text: str, settings, path: Optional[str]) -> Analysis:
        """On the worker thread."""
        self.collector.before_analysis()
        return Analysis(text, settings, None, path)

    # ------------------------------------------------------------------ diagnostics

    def schedule(self, key: str, delay: Optional[float] = None) -> None:
        entry = self.entries.get(key)
        if entry is None:
            return
        now = asyncio.get_running_loop().time()
        if delay is None:
            # Debounce bursts only: an edit made while nothing is pending is analysed at
            # once (the time the user waits is the analysis alone); edits made during an
            # analysis are taken together once ``debounce`` seconds pass without one.
            delay = 0.0
        entry.dirty = True
        entry.changed_at = now
        if entry.task is None or entry.task.done():
            entry.task = asyncio.ensure_future(self._lint(key, delay))

    async def _lint(self, key: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                entry = self.entries.get(key)
                if entry is None or not entry.dirty:
                    return
                wait = entry.changed_at + delay - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                if self.configuring is not None and not self.configuring.is_set():
                    try:
                        await asyncio.wait_for(self.configuring.wait(), CONFIGURATION_WAIT)
                    except asyncio.TimeoutError:
                        self.configuring.set()  # a client that never answers
                    continue
                self.check_project()
                entry.dirty = False
                result = await self.result(key)
                delay = self.debounce  # what comes in meanwhile is a burst
                if result is None or self.entries.get(key) is not entry:
                    return
                if result.snapshot.signature != self.signature(key):
                    continue  # edited meanwhile: the newer text is analysed next
                if result.generation != self.generation:
                    entry.dirty = True  # the settings changed meanwhile
                    continue
                self.publish(entry, result)
                waiting = any(e.dirty for e in self.entries.values())
                self.collector.published(loop, waiting)
        except Exception as exc:  # a bug must not stop the server
            log.exception("analysis failed")
            self.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"gru-lint: {exc!r}")
            )

    def diagnostics(self, result: Result) -> List[Tuple[int, lsp.Diagnostic, object]]:
        if result.published is None:
            result.published = []
            for diag in result.analysis.diagnostics:
                converted = self._diagnostic(result.snapshot, diag)
                if converted is not None:
                    result.published.append((converted[0], converted[1], diag))
        return result.published

    def publish(self, entry: Entry, result: Result) -> None:
        per_part: Dict[int, List[lsp.Diagnostic]] = {i: [] for i in range(len(result.snapshot.parts))}
        for part, diag, _ in self.diagnostics(result):
            per_part[part].append(diag)
        uris = set()
        for i, part in enumerate(result.snapshot.parts):
            uris.add(part.uri)
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=part.uri, diagnostics=per_part[i], version=part.version)
            )
        for gone in entry.uris - uris:  # cells deleted or no longer Python
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=gone, diagnostics=[]))
        entry.uris = uris

    def clear(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        if entry.task is not None:
            entry.task.cancel()
        for uri in entry.uris:
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _is_python(doc: lsp.TextDocumentItem) -> bool:
    return doc.language_id in ("python", "", None) or doc.uri.endswith((".py", ".pyi"))


def create_server(debounce: float = DEBOUNCE) -> GruLintServer:
    server = GruLintServer(debounce)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: GruLintServer, params: lsp.InitializeParams):
        raw = params.initialization_options
        if isinstance(raw, dict) and isinstance(raw.get(options.SECTION), dict):
            raw = raw[options.SECTION]
        if raw is not None:
            ls.set_overrides(raw)
            if isinstance(raw, dict):
                ls.initialization_options = dict(raw)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: GruLintServer, params):
        ls.configuring = asyncio.Event()
        try:
            await ls.pull_configuration()
        finally:
            ls.configuring.set()
        await ls.watch_pyproject()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: GruLintServer, params: lsp.DidChangeConfigurationParams):
        settings = params.settings
        if isinstance(settings, dict) and options.SECTION in settings:
            ls.set_overrides(settings[options.SECTION])
        else:
            await ls.pull_configuration()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GruLintServer, params: lsp.DidOpenTextDocumentParams):
        if _is_python(params.text_document):
            ls.entries[params.text_document.uri] = Entry("text")
            ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GruLintServer, params: lsp.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GruLintServer, params: lsp.DidSaveTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GruLintServer, params: lsp.DidCloseTextDocumentParams):
        ls.clear(params.text_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: GruLintServer, params: lsp.DidOpenNotebookDocumentParams):
        ls.entries[params.notebook_document.uri] = Entry("notebook")
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: GruLintServer, params: lsp.DidChangeNotebookDocumentParams):
        ls.schedule(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: GruLintServer, params: lsp.DidSaveNotebookDocumentParams):
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: GruLintServer, params: lsp.DidCloseNotebookDocumentParams):
        ls.clear(params.notebook_document.uri)

    server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]),
    )(GruLintServer.code_actions)
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(GruLintServer.hover)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: GruLintServer, params: lsp.DidChangeWatchedFilesParams):
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.reload()

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: GruLintServer, *args):
        for key in list(ls.entries):
            entry = ls.entries[key]
            if entry.task is not None:
                entry.task.cancel()
        ls.worker.shutdown(wait=False)

    return server
