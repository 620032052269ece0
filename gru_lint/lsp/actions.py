"""Code actions and hovers, answered from the analysis of the version the editor shows.

``Actions`` is a part of ``GruLintServer``: it uses the server's ``result`` (the
analysis of an entry's current text, made once), its diagnostics in LSP form and its
position conversions. Quick fixes are the findings' own fixes, "Disable CODE for this
line" adds a ``# noqa``; ``source.fixAll.gru-lint`` is what ``gru-lint --fix`` writes.
Edits carry the versions of the documents they apply to.
"""

from __future__ import annotations

import asyncio
from typing import List, Optional

from lsprotocol import types as lsp

from gru_lint.lsp.documents import apply_edits, fixable, is_unsafe, text_edits
from gru_lint.lsp.snapshots import Snapshot

FIX_ALL = "source.fixAll.gru-lint"


class Actions:
    """The code action and hover requests of ``GruLintServer``, registered as handlers
    themselves: pygls hands them the server because ``self`` is annotated ``Actions``."""

    def workspace_edit(self, snap: Snapshot, new_text: str) -> Optional[lsp.WorkspaceEdit]:
        texts = snap.split(new_text)
        if texts is None:
            return None
        changes = []
        for part, text in zip(snap.parts, texts):
            if text == part.text:
                continue
            edits = [
                lsp.TextEdit(
                    range=lsp.Range(
                        start=self.to_client(part, part.lines.position(e.start)),
                        end=self.to_client(part, part.lines.position(e.end)),
                    ),
                    new_text=e.text,
                )
                for e in text_edits(part.text, text)
            ]
            changes.append((part, edits))
        if not changes:
            return None
        caps = self.client_capabilities.workspace
        if caps and caps.workspace_edit and caps.workspace_edit.document_changes:
            return lsp.WorkspaceEdit(
                document_changes=[
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                            uri=part.uri, version=part.version
                        ),
                        edits=edits,
                    )
                    for part, edits in changes
                ]
            )
        return lsp.WorkspaceEdit(changes={part.uri: edits for part, edits in changes})

    async def code_actions(self: Actions, params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        owner = self.owner(params.text_document.uri)
        if owner is None:
            return None
        key, index = owner
        result = await self.result(key)
        if result is None or result.analysis.error is not None:
            return None
        snap, analysis = result.snapshot, result.analysis
        if index >= len(snap.parts) or snap.parts[index].uri != params.text_document.uri:
            return None
        only = params.context.only

        def wanted(kind: str) -> bool:
            return only is None or any(kind == k or kind.startswith(k + ".") for k in only)

        part = snap.parts[index]
        start = snap.virtual(index, self.from_client(part, params.range.start))
        end = snap.virtual(index, self.from_client(part, params.range.end))
        found = {id(d): lsp_diag for p, lsp_diag, d in self.diagnostics(result) if p == index}
        here = [d for d in analysis.at(start, end) if id(d) in found]
        actions: List[lsp.CodeAction] = []
        unsafe = result.analysis.settings.unsafe
        if wanted(lsp.CodeActionKind.QuickFix):
            silenced = set()
            for diag in here:
                if fixable(diag, unsafe):
                    new = analysis.quick_fix(diag)
                    edit = self.workspace_edit(snap, new) if new is not None else None
                    if edit is not None:
                        risky = is_unsafe(diag)
                        actions.append(
                            lsp.CodeAction(
                                title=diag.fix.title + (" (unsafe)" if risky else ""),
                                kind=lsp.CodeActionKind.QuickFix,
                                diagnostics=[found[id(diag)]],
                                is_preferred=not risky,
                                edit=edit,
                            )
                        )
            for diag in here:
                if (diag.span.line, diag.code) in silenced:
                    continue
                silenced.add((diag.span.line, diag.code))
                noqa = analysis.noqa_edit(diag)
                edit = self.workspace_edit(snap, apply_edits(analysis.text, [noqa])) if noqa else None
                if edit is not None:
                    actions.append(
                        lsp.CodeAction(
                            title=f"Disable {diag.code} for this line",
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[found[id(diag)]],
                            edit=edit,
                        )
                    )
        if wanted(FIX_ALL) and any(fixable(d, unsafe) for d in analysis.diagnostics):
            loop = asyncio.get_running_loop()
            fixed = await loop.run_in_executor(self.worker, analysis.fix_all)
            edit = self.workspace_edit(snap, fixed) if fixed != analysis.text else None
            if edit is not None:
                actions.append(
                    lsp.CodeAction(title="Fix all gru-lint findings", kind=FIX_ALL, edit=edit)
                )
        return actions

    async def hover(self: Actions, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        from gru_lint.rules import explain

        owner = self.owner(params.text_document.uri)
        if owner is None:
            return None
        key, index = owner
        result = await self.result(key)
        if result is None or index >= len(result.snapshot.parts):
            return None
        snap = result.snapshot
        part = snap.parts[index]
        pos = snap.virtual(index, self.from_client(part, params.position))
        shown = [(p, ld, d) for p, ld, d in self.diagnostics(result) if p == index]
        here = [(ld, d) for _, ld, d in shown if d in result.analysis.at(pos, pos)]
        if not here:
            return None
        blocks = []
        for lsp_diag, diag in here:
            doc = explain(diag.code) or ""
            blocks.append(f"**{diag.code}**: {diag.message}\n\n---\n\n{doc.strip()}")
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(blocks)),
            range=here[0][0].range,
        )
