"""The pure analysis core: text in, diagnostics (or fixed text) out. No I/O.

Analysis runs on the standard library's ``ast`` (fast, positions included); libcst is
loaded only by the fixer. A file is parsed only when the byte-level prefilter says it
can hold a finding.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from gru_lint.diagnostics import Diagnostic

# Every Keras reference goes through an import spelled with "keras".
_KERAS = "keras"
_KERAS_BYTES = b"keras"
_WORD = re.compile(rb"[a-z_]+")


@dataclass(frozen=True)
class FixResult:
    text: str  # the fixed source (the input itself when nothing applied)
    applied: Tuple[Diagnostic, ...]  # diagnostics whose fix was applied
    remaining: Tuple[Diagnostic, ...]  # diagnostics still present in ``text``
    # Set when the fixer stopped early because a round's output would not parse;
    # ``text`` is then the last text that did (see ``gru_lint.fixer``).
    error: Optional[str] = None


def might_matter(source: Union[str, bytes]) -> bool:
    """Cheap check on raw text: can this file contain any finding at all?

    True only if it mentions Keras and, for some rule, one of the tokens it needs
    (``Rule.triggers``) and one of the names it requires (``Rule.requires``: a recurrent
    class name for a rule about a recurrent layer). Files that fail it are never parsed.
    """
    kind = str if isinstance(source, str) else bytes
    if (_KERAS if kind is str else _KERAS_BYTES) not in source:
        return False
    # Plain substring searches first (each a fast scan in C, each token once); the regular
    # expression, which also checks whole names, only runs on the few files that pass.
    scans, rules = _screens(kind)
    present = set()
    _scan(scans, source, present)
    if not present:
        return False
    found = {}
    for wanted, required in rules:
        if not wanted & present:
            continue
        if not required or any(
            found[r] if r in found else found.setdefault(r, r in source) for r in required
        ):
            return _trigger_pattern(kind).search(source) is not None
    return False


# Substrings shared by several triggers, scanned first: a file without ``state`` holds none
# of ``initial_state``, ``return_state``, ``reset_states``, ``stateful=`` (most files).
_GUARDS = (b"state", b"LSTM")


def _scan(scans, source, present) -> None:
    """Add to ``present`` the triggers of the scan tree ``scans`` that ``source`` holds.

    A token's children contain it, so they are searched only where it was found.
    """
    for token, is_trigger, children in scans:
        if token in source:
            if is_trigger:
                present.add(token)
            if children:
                _scan(children, source, present)


def _scan_tree(triggers, guards=_GUARDS):
    """Triggers and guards as a forest: each under the longest other one it contains."""
    tokens = sorted(set(triggers) | set(guards), key=len)
    children = {t: [] for t in tokens}
    roots = []
    for i, token in enumerate(tokens):
        parents = [p for p in tokens[:i] if p in token and p != token]
        (children[max(parents, key=len)] if parents else roots).append(token)

    def node(token):
        return (token, token in triggers, tuple(node(c) for c in children[token]))

    return tuple(node(t) for t in roots)


@functools.lru_cache(maxsize=None)
def _screens(kind):
    """The triggers' scan tree, and per rule its triggers (a set) and required names."""
    from gru_lint.rules import RULES, TRIGGERS

    def cast(token: bytes):
        return token if kind is bytes else token.decode()

    rules = {(frozenset(map(cast, r.triggers)), tuple(map(cast, r.requires))) for r in RULES.values()}
    return _scan_tree(frozenset(map(cast, TRIGGERS)), tuple(map(cast, _GUARDS))), tuple(sorted(rules, key=repr))


@functools.lru_cache(maxsize=None)
def _trigger_pattern(kind):
    """One regular expression for every rule's trigger tokens: a single scan per file.

    A trigger spelled in lower case and underscores names a Keras argument or method
    (``initial_state``, ``return_state``, ``reset_states``) and must be that whole name:
    ``initial_states`` (a backend's ``rnn()`` argument) or ``initial_state_h`` is not it.
    Other triggers (``GRU(``, ``ConvLSTM``, ``stateful=``) match anywhere.
    """
    from gru_lint.rules import TRIGGERS

    alternatives = b"|".join(
        re.escape(t) + (rb"(?![A-Za-z0-9_])" if _WORD.fullmatch(t) else b"") for t in TRIGGERS
    )
    return re.compile(alternatives if kind is bytes else alternatives.decode())


def parse(source: str) -> ast.Module:
    """Parse ``source``; SyntaxError (with a line) when it is not Python."""
    try:
        return ast.parse(source)
    except ValueError as exc:  # NUL bytes and the like
        raise SyntaxError(str(exc)) from None
    except (RecursionError, MemoryError):
        raise SyntaxError("too deeply nested to parse") from None


def analyse(source: str, tree: ast.Module = None, keras_version=None):
    """The rules' view of ``source``; ``keras_version`` is 2, 3, or None/"auto" to detect it."""
    from gru_lint.analysis.facts import FileAnalysis

    tree = tree if tree is not None else parse(source)
    return FileAnalysis(source, tree, keras_version)


def check_source(source: str, path: str = "<string>", tree: ast.Module = None,
                 keras_version=None) -> List[Diagnostic]:
    """All diagnostics for ``source``, sorted by position.

    Raises SyntaxError when a file that can matter does not parse. Files the
    prefilter rejects are not parsed at all. ``tree``, when given, must be
    ``ast.parse(source)`` (flake8 hands its own over, so the file is parsed once).
    ``keras_version`` (2, 3, or None/"auto": decided from the imports) selects the
    Keras whose behaviour the rules describe.
    """
    if not might_matter(source):
        return []
    with _collector_paused():
        return _check(source, tree, keras_version)


def _check(source: str, tree, keras_version) -> List[Diagnostic]:
    if not isinstance(tree, ast.Module):
        tree = parse(source)
    try:
        analysis = analyse(source, tree, keras_version)
        try:
            return _run_rules(analysis)
        finally:
            from gru_lint.analysis.scopes import release

            release(analysis.scopes)  # freed by reference counts, no collector pass
    except RecursionError:
        return []  # absurdly deep code: nothing can be proven about it


@contextlib.contextmanager
def _collector_paused():
    """No cyclic garbage collection while one file is parsed and analysed.

    Nearly everything allocated then (the tree, the scopes, the values) stays alive until
    the file is done, so the collector's passes over it find nothing and cost a third of
    the time. The collector is turned back on once the file's tree and analysis are
    released (if it was on), and its next pass frees the little they leave.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_rules(analysis) -> List[Diagnostic]:
    from gru_lint.analysis.contexts import caller_findings

    found = _run_view(analysis)
    # Findings inside functions that one call proves, reported at that call.
    extra = {(d.span, d.code, d.message): d for d in caller_findings(analysis, found, _run_view)}
    for key in set(extra) - {(d.span, d.code, d.message) for d in found}:
        found.append(extra[key])
    return sorted(found, key=Diagnostic.sort_key)


def _rules_on(view) -> List[Diagnostic]:
    """Every rule's findings on one view of the file (the file, a call, a loop iteration)."""
    from gru_lint.rules import checks_for

    found = {}
    for check in checks_for(view.keras_version):
        for diag in check(view):
            found.setdefault((diag.span, diag.code, diag.message), diag)
    return list(found.values())


def _run_view(view) -> List[Diagnostic]:
    """The rules on a view, and on each iteration of its loops over exact iterables.

    Module-level functions, not closures: a closure that names itself is a reference
    cycle, which would keep each file's analysis for the cyclic collector.
    """
    from gru_lint.analysis.loops import loop_findings

    found = _rules_on(view)
    if not view.loop_view:
        found.extend(loop_findings(view, found, _rules_on, _run_view))
    return found


def fix_source(source: str, *, unsafe: bool = False, wanted=None,
               keras_version=None) -> FixResult:
    """Apply the fixes gru-lint can prove, repeated until stable.

    ``wanted(diagnostics, text) -> diagnostics`` limits each round to some findings.
    """
    from gru_lint.fixer import fix_text

    return fix_text(source, unsafe=unsafe, wanted=wanted, keras_version=keras_version)
