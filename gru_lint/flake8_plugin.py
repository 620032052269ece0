"""flake8 plugin: report gru-lint's findings as ``GRU`` errors.

A thin adapter in the spirit of flake8's own pyflakes plugin. flake8 hands over
the lines it has already read; they are joined back into the file's text, the
core's cheap prefilter is asked whether the file can matter at all, and only
then is the file checked. Findings read exactly like the ``gru-lint`` command's
(same line, same column once flake8 adds its 1, same code and message); the only
difference is how a repairable finding is marked: the command prints ``[*]``,
the plugin names the command that repairs it (``FIXABLE_SAFE`` and
``FIXABLE_UNSAFE`` below).

The plugin never raises. A file that does not parse is flake8's business (it
reports ``E999`` and skips every tree plugin), and any other failure yields
nothing; it is logged through flake8's logging, which ``flake8 -v`` shows.
``# noqa`` comments, ``# flake8: noqa`` and ``--select``/``--extend-ignore`` are
applied by flake8; the file-level ``# gru-lint: noqa`` (and ``# gru-lint: noqa:
GRU001``) by the plugin, exactly as the command applies it.

Importing this module is cheap: the parser and the rules are loaded on the
first file the prefilter lets through.
"""

from __future__ import annotations

from gru_lint import __version__

# Appended to the message of a finding that ``gru-lint --fix`` can repair.
FIXABLE_SAFE = " [fixable: gru-lint --fix]"
# ... and of one that only ``gru-lint --fix --unsafe-fixes`` repairs.
FIXABLE_UNSAFE = " [fixable: gru-lint --fix --unsafe-fixes]"


def fix_marker(diagnostic) -> str:
    """The suffix the plugin adds to ``diagnostic``'s message ("" when not fixable)."""
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return ""
    applicability = getattr(fix.applicability, "value", fix.applicability)
    return FIXABLE_SAFE if applicability == "safe" else FIXABLE_UNSAFE


class GruLintChecker:
    """flake8 tree plugin (``GRU`` codes); flake8 supplies the file's lines and name."""

    name = "gru-lint"
    version = __version__

    def __init__(self, tree, lines, filename="<unknown>"):
        # flake8 parsed ``"".join(lines)`` into ``tree`` already: the core reuses it
        # instead of parsing the file a second time.
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self):
        try:
            found = self._check()
        except Exception:  # never take flake8 down with us
            import logging

            logging.getLogger(__name__).warning(
                "gru-lint failed on %s; no GRU findings reported for it",
                self.filename,
                exc_info=True,
            )
            return
        for line, col, text in found:
            yield line, col, text, type(self)

    def _check(self):
        text = "".join(self.lines)
        from gru_lint.core import might_matter

        if not might_matter(text):
            return []
        from gru_lint.core import check_source

        try:
            diagnostics = check_source(text, self.filename, tree=self.tree)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []  # flake8 reports E999 itself
        from gru_lint.noqa import filter_file_noqa

        # flake8 skips a ``# flake8: noqa`` file itself; ``# gru-lint: noqa`` is ours.
        return [
            (d.span.line, d.span.col, f"{d.code} {d.message}{fix_marker(d)}")
            for d in filter_file_noqa(diagnostics, text)
        ]
