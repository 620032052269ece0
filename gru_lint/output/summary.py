"""The closing lines on standard error ("Found 3 findings in 2 files ...") and the exit status.

Exit status: 0 clean; 1 findings remain (or, with ``--fix``, a file was changed;
with ``--diff``, a file would change); 2 some file or argument could not be
handled. 2 wins over 1.
"""

from __future__ import annotations

from gru_lint.output.base import fix_applicable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Totals:
    """Counts over a run's outcomes."""

    def __init__(self, outcomes, settings):
        self.findings = self.files_with_findings = self.fixed = self.files_fixed = 0
        self.fixable = self.unsafe_only = 0
        self.errors: List[str] = []
        self.fixed_lines: List[str] = []  # "path: fixed N findings", with --fix
        self.diffs: List[str] = []  # with --diff
        for o in outcomes:
            if o.error:
                self.errors.append(o.error)
            if o.changed:
                self.fixed += o.fixed
                self.files_fixed += 1
                if settings.mode == "fix":
                    self.fixed_lines.append(f"{o.display}: fixed {plural(o.fixed, 'finding')}")
                elif o.diff:
                    self.diffs.append(o.diff)
            if o.diagnostics:
                self.files_with_findings += 1
            for d in o.diagnostics:
                self.findings += 1
                if fix_applicable(d, settings.unsafe):
                    self.fixable += 1
                elif fix_applicable(d, True):
                    self.unsafe_only += 1


def summary_lines(totals: Totals, settings, checked: int) -> List[str]:
    """What ``-q`` leaves out: fixed files, the one-line summary and the error count."""
    t = totals
    summary: List[str] = list(t.fixed_lines)
    if settings.mode == "diff":
        if t.files_fixed:
            summary.append(
                f"Would fix {plural(t.fixed, 'finding')} in {plural(t.files_fixed, 'file')}."
            )
        elif not t.findings:
            summary.append(f"No findings ({plural(checked, 'file')} checked).")
        else:
            summary.append("No fixes available.")
    else:
        if settings.mode == "fix" and t.files_fixed:
            summary.append(
                f"Fixed {plural(t.fixed, 'finding')} in {plural(t.files_fixed, 'file')}."
            )
        if t.findings:
            hints = []
            if t.fixable and settings.mode == "check":
                hints.append(f"{t.fixable} fixable with --fix")
            if t.unsafe_only:
                hints.append(f"{t.unsafe_only} fixable with --unsafe-fixes")
            tail = f" ({', '.join(hints)})" if hints else ""
            where = plural(t.files_with_findings, "file")
            summary.append(f"Found {plural(t.findings, 'finding')} in {where}{tail}.")
        elif not (settings.mode == "fix" and t.files_fixed):
            summary.append(f"No findings ({plural(checked, 'file')} checked).")
    if t.errors:
        summary.append(f"{plural(len(t.errors), 'error')}.")
    return summary


def exit_status(totals: Totals, settings) -> int:
    if totals.errors:
        return EXIT_ERROR
    if settings.mode == "diff":
        return EXIT_FINDINGS if totals.files_fixed else EXIT_CLEAN
    if totals.findings or totals.files_fixed:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def statistics_lines(outcomes, settings) -> List[str]:
    """``--statistics``: count, code, ``[*]`` when every one is fixable, and the rule name."""
    counts = {}
    fixable = {}
    for o in outcomes:
        for d in o.diagnostics:
            counts[d.code] = counts.get(d.code, 0) + 1
            fixable[d.code] = fixable.get(d.code, True) and fix_applicable(d, settings.unsafe)
    if not counts:
        return []
    try:
        from gru_lint.rules import RULES
    except ImportError:  # pragma: no cover
        RULES = {}
    width = max(len(str(n)) for n in counts.values())
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    out = []
    for code, n in rows:
        mark = "[*]" if fixable[code] else "   "
        name = getattr(RULES.get(code), "name", "")
        out.append(f"{n:>{width}}\t{code}\t{mark} {name}".rstrip())
    return out
