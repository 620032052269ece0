"""Applies the fixes attached to diagnostics, round after round, until none applies.

``fix_text(source, unsafe=False)``:

1. check ``source``; keep the diagnostics whose fix applies (safe ones, and unsafe ones
   too with ``unsafe=True``);
2. choose a set of non-overlapping fixes: in source order, a fix is taken whole or not
   at all -- if one of its edits overlaps (or starts where) an edit already taken, it
   waits for the next round. An edit identical to one already taken is merged with it
   (two findings on one constructor, an import two fixes need);
3. apply them, and require the result to parse with the standard ``ast`` and, around
   every edit, with libcst (``gru_lint.validate`` bounds what libcst is shown: it
   crashes natively on some inputs); otherwise stop, keep the last text that did, and
   say why in ``FixResult.error``. (When libcst cannot parse the same place of the
   *input* either -- syntax newer than the installed libcst -- only ``ast`` is
   required.)
4. repeat (at most ``MAX_ROUNDS`` rounds, never revisiting a text) until no applicable
   fix is left.

The result is idempotent: fixing its text again changes nothing. When nothing applies,
the very input string is returned. ``applied`` holds the diagnostics whose fixes went
in (each as reported in the round it was fixed); ``remaining`` is
``check_source(result.text)``. A source that does not parse raises ``SyntaxError``,
exactly like ``check_source``.

The input is decoded text: no byte-order mark, line endings as in the file
(``gru_lint.sourcefile`` reads and writes files that way). Edits are character
offsets, so CRLF files, coding cookies and non-ASCII text keep every byte outside
the edits.
"""

from __future__ import annotations

import bisect
from typing import Iterable, List, Optional, Sequence, Tuple

from gru_lint.core import FixResult, check_source
from gru_lint.diagnostics import Applicability, Diagnostic, Edit
from gru_lint.validate import parse_problem

MAX_ROUNDS = 10

__all__ = ["MAX_ROUNDS", "applicable", "apply_fixes", "fix_text"]


def applicable(diag: Diagnostic, unsafe: bool) -> bool:
    fix = diag.fix
    if fix is None or not fix.edits:
        return False
    return unsafe or Applicability(fix.applicability) == Applicability.SAFE


def _conflicts(a: Edit, b: Edit) -> bool:
    """Same start, overlapping ranges, or an insertion strictly inside the other's range."""
    return a.start == b.start or (a.start < b.end and b.start < a.end)


def choose_edits(text: str, diagnostics: Iterable[Diagnostic]) -> Tuple[List[Edit], List[Diagnostic]]:
    """The non-conflicting edits (sorted by position) and the diagnostics they fix.

    Accepted edits never conflict, so they are ordered by start *and* end, and a new
    edit need only be compared with its two neighbours: O(n log n) for n fixes.
    """
    ordered = sorted(
        (d for d in diagnostics if d.fix is not None and d.fix.edits),
        key=lambda d: (min(e.start for e in d.fix.edits), d.sort_key()),
    )
    accepted: List[Edit] = []  # sorted by start
    starts: List[int] = []
    taken = set()
    used: List[Diagnostic] = []
    n = len(text)
    for diag in ordered:
        edits = sorted(set(diag.fix.edits), key=lambda e: (e.start, e.end, e.text))
        if any(e.start < 0 or e.end < e.start or e.end > n for e in edits):
            continue
        if any(_conflicts(a, b) for a, b in zip(edits, edits[1:])):
            continue
        new = [e for e in edits if (e.start, e.end, e.text) not in taken]
        clash = False
        for e in new:
            k = bisect.bisect_left(starts, e.start)
            if (k < len(accepted) and _conflicts(e, accepted[k])) or (
                k > 0 and _conflicts(e, accepted[k - 1])
            ):
                clash = True
                break
        if clash:
            continue
        for e in new:
            k = bisect.bisect_left(starts, e.start)
            starts.insert(k, e.start)
            accepted.insert(k, e)
        taken.update((e.start, e.end, e.text) for e in new)
        used.append(diag)
    return accepted, used


def splice(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` (sorted by start) applied, in one pass."""
    out = []
    pos = 0
    for e in edits:
        out.append(text[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def apply_fixes(text: str, diagnostics: Iterable[Diagnostic]) -> Tuple[str, List[Diagnostic]]:
    """Apply the fixes of ``diagnostics`` that fit together; return (new text, fixed diagnostics)."""
    edits, used = choose_edits(text, diagnostics)
    return splice(text, edits), used


def fix_text(source: str, *, unsafe: bool = False, wanted=None, keras_version=None,
             diagnostics: Optional[Sequence[Diagnostic]] = None) -> FixResult:
    """Apply every applicable fix, repeatedly, and return the fixed text (see module doc).

    ``wanted(diagnostics, text)``, when given, narrows each round to the findings the
    caller wants fixed (the command line passes its ``# noqa`` and ``--select`` filter).
    ``keras_version`` is as for ``check_source``. ``diagnostics``, when the caller has
    them, are ``check_source(source, keras_version=keras_version)``: the first round
    starts from them instead of checking ``source`` again (the language server's
    fix-all reuses the analysis its diagnostics came from).
    """
    text = source
    if keras_version in (None, "auto") and source:
        # Decide once, on the input: a fix never changes which Keras the code is for.
        try:
            from gru_lint.core import parse
            from gru_lint.keras_version import detect

            keras_version = detect(parse(source))
        except SyntaxError:
            pass
    if diagnostics is None:
        diagnostics = check_source(text, keras_version=keras_version)
    applied: List[Diagnostic] = []
    seen = {text}
    error = None
    for _ in range(MAX_ROUNDS):
        candidates = diagnostics if wanted is None else wanted(diagnostics, text)
        chosen = [d for d in candidates if applicable(d, unsafe)]
        if not chosen:
            break
        edits, used = choose_edits(text, chosen)
        new_text = splice(text, edits)
        if not used or new_text in seen:
            break
        error = parse_problem(new_text, text, edits)
        if error is not None:
            break
        text = new_text
        seen.add(text)
        applied.extend(used)
        diagnostics = check_source(text, keras_version=keras_version)
    if not applied:
        return FixResult(source, (), tuple(diagnostics), error)
    return FixResult(text, tuple(applied), tuple(diagnostics), error)
