"""Findings inside a function that one call of it proves, reported at that call.

``def build_decoder(units, states): ... GRU(units)(y, initial_state=states)`` says
nothing on its own: its parameters are unknown. Called as
``build_decoder(32, np.zeros((4,)))`` it is wrong, and only that call proves it.
For every function (or method) of the file that holds a site and is called with
arguments that say something, the rules run once more on the function's own
statements, evaluated in the frame of that call; a finding the function does not
have on its own is reported at the call, with a note at the line inside. A call
made inside another function (``def train_step(x, hidden): ... encoder(x, hidden)``)
is also evaluated in the frames of that function's own calls, and theirs, up to
``MAX_LEVELS`` functions deep (``build_model(16)`` -> ``build_decoder`` ->
``decoder_block``), wherever every run of the outer function reaches the call; a
finding only the outer call's arguments prove is reported there. The rules run
once per function and distinct frame (frames are equal when their values are).

Only calls found by name are looked at (``name(``, ``.method(``, and instances
bound to a name or a ``self.`` attribute), so files without such calls cost
nothing more.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from typing import Callable, List

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.values import UNKNOWN, DictVal, Instance, Opaque, Seq, UserDefined
from gru_lint.diagnostics import Diagnostic, Related

MAX_CALLS = 20  # calls followed per function
MAX_LEVELS = 3  # a site inside a helper, called by a helper, called by a helper


def caller_findings(analysis, base: List[Diagnostic], run: Callable) -> List[Diagnostic]:
    known = {(d.span, d.code) for d in base}
    out: List[Diagnostic] = []
    ev = analysis.evaluator
    memo = {}

    def findings(func, frame):
        key = (id(func), frame)
        if key not in memo:
            memo[key] = [d for d in run(analysis.within(func, frame))
                         if (d.span, d.code) not in known]
        return memo[key]

    def report(func, frame, where: ast.Call, notes, skip=frozenset()):
        reported = set()
        for diag in findings(func, frame):
            if (diag.span, diag.code) in skip:
                continue
            reported.add((diag.span, diag.code))
            note = Related(f"inside `{func.name}`, with the arguments of this call", diag.span)
            out.append(Diagnostic(diag.code, diag.message, analysis.span(where), None,
                                  tuple(notes) + (note,) + tuple(diag.related)))
        return reported

    for func, calls in _called_functions(analysis):
        for call, instance in calls[:MAX_CALLS]:
            frame = ev.bind_call(func, call, instance)
            if frame is None:
                continue
            direct = report(func, frame, call, ()) if _informative(frame) else set()
            # ``def train_step(x, hidden): ... encoder(x, hidden)``: the arguments come
            # from the calls of the function holding this call, and of its callers.
            for outer, outer_frame, top in _chains(analysis, call, func, MAX_LEVELS - 1):
                inner = ev.run_in(outer_frame, ev.bind_call, func, call, instance)
                if inner is None or not _informative(inner):
                    continue
                note = Related(f"inside `{outer.name}`, which passes them on here",
                               analysis.span(call))
                report(func, inner, top, (note,), direct)
    return out


def _chains(analysis, call, func, levels: int):
    """(outer function, its frame, outermost call) for the calls of the function holding ``call``.

    The frame is the one a call of the outer function gives, from where that call
    stands or through at most ``levels - 1`` further calls of functions.
    """
    outer, outer_scope = _enclosing_function(analysis, call)
    if outer is None or outer is func or levels <= 0:
        return
    if not _always_runs(analysis, outer, call):
        return  # in a branch: the outer call's arguments need not reach it
    ev = analysis.evaluator
    for outer_call, outer_instance in _calls_of(analysis, outer, outer_scope)[:MAX_CALLS]:
        frame = ev.bind_call(outer, outer_call, outer_instance)
        if frame is not None and _informative(frame):
            yield outer, frame, outer_call
        if outer_instance is not None:
            continue
        for _, parent_frame, top in _chains(analysis, outer_call, outer, levels - 1):
            frame = ev.run_in(parent_frame, ev.bind_call, outer, outer_call, None)
            if frame is not None and _informative(frame):
                yield outer, frame, top


def _enclosing_function(analysis, call):
    scope = analysis.__dict__.get("_scope_of", {}).get(id(call))
    while scope is not None and isinstance(scope.node, sc.COMPREHENSIONS):
        scope = scope.parent
    if scope is not None and isinstance(scope.node, ast.FunctionDef):
        return scope.node, scope
    return None, None


_BRANCHING = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
              ast.GeneratorExp)
_WITHS = (ast.With, ast.AsyncWith)


def _always_runs(analysis, func, call) -> bool:
    """Whether every run of ``func`` that returns reaches ``call``: in its body or in ``with``
    blocks there, after no statement that may return or raise, not in a conditional expression."""
    stmt = _statement_of(analysis, call)
    if stmt is None:
        return False
    block = func.body
    while True:
        for earlier in block:
            if earlier is stmt or (isinstance(earlier, _WITHS) and _holds(earlier, stmt)):
                break
            if any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(earlier)):
                return False
        else:
            return False
        if earlier is stmt:
            break
        block = earlier.body
    stack = [stmt]
    while stack:
        node = stack.pop()
        if node is call:
            return True
        if isinstance(node, _BRANCHING):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _holds(outer, stmt) -> bool:
    return (outer.lineno, outer.col_offset) <= (stmt.lineno, stmt.col_offset) and \
        (stmt.end_lineno, stmt.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)


def _informative(frame) -> bool:
    values = [v for _, v in frame.args]
    if frame.instance is not None and frame.instance.init is not None:
        values += [v for _, v in frame.instance.init.args]
    return any(v is not UNKNOWN and not isinstance(v, Opaque) and not (
        isinstance(v, (Seq, DictVal)) and not v.items) for v in values)


def _called_functions(analysis):
    """(function, [(call, instance or None)]) for functions holding a site (once per view:
    the loops of the file and the calls of its functions both ask)."""
    found = analysis.__dict__.get("_called_functions")
    if found is None:
        found = analysis._called_functions = _find_called_functions(analysis)
    return found


def _find_called_functions(analysis):
    holders = {}
    for stmt, scope, _ in analysis.examined:
        node = scope.node
        if isinstance(node, ast.FunctionDef):
            holders.setdefault(id(node), (node, scope))
    if not holders:
        return []
    result = []
    for func, scope in holders.values():
        calls = _calls_of(analysis, func, scope)
        if calls:
            result.append((func, calls))
    return result


def _calls_of(analysis, func, scope):
    """[(call, instance or None)]: the calls of ``func`` (whose scope is ``scope``) found by name."""
    parent = scope.parent
    if parent is not None and parent.is_class:
        return _method_calls(analysis, func, parent)
    return [(c, None) for c in _calls_by_name(analysis, func.name, False)
            if isinstance(c.func, ast.Name) and c.func.id == func.name
            and _is(analysis.evaluator.value(c.func), func)]


def _is(value, node) -> bool:
    return isinstance(value, UserDefined) and value.node is node


def _method_calls(analysis, func, cls_scope):
    found = []
    for cls in _classes_running(analysis, func, cls_scope.node):
        found.extend(_method_calls_of(analysis, func, cls))
    return found


def _classes_running(analysis, func, owner):
    """``owner`` and the classes of the file that inherit ``func`` from it (``class
    MyDecoder(Decoder): pass``), whose instances run it."""
    ev = analysis.evaluator
    found = [owner]
    for scope in list(analysis.scopes.scope_by_node.values()):
        cls = scope.node
        if isinstance(cls, ast.ClassDef) and cls is not owner and cls.bases \
                and ev.method(cls, func.name) is func \
                and (func.name != "call" or ev.lookup_method(cls, "__call__") is None):
            found.append(cls)
    return found


def _method_calls_of(analysis, func, cls):
    ev = analysis.evaluator
    found = []
    if func.name == "call":
        names = _instance_names(analysis, cls)
        for name in names:
            dotted = name.startswith(".")
            for c in _calls_by_name(analysis, name[1:] if dotted else name, dotted):
                target = c.func
                if isinstance(target, (ast.Name, ast.Attribute)):
                    inst = ev.value(target)
                    if isinstance(inst, Instance) and inst.cls is cls and inst.keras:
                        found.append((c, inst))
        for c in _calls_by_name(analysis, cls.name, False):  # ``Encoder(16)(x, h)``
            if isinstance(c.func, ast.Call):
                inst = ev.value(c.func)
                if isinstance(inst, Instance) and inst.cls is cls and inst.keras:
                    found.append((c, inst))
    elif not func.name.startswith("__"):
        for c in _calls_by_name(analysis, func.name, True):
            if isinstance(c.func, ast.Attribute) and c.func.attr == func.name:
                inst = ev.value(c.func.value)
                if isinstance(inst, Instance) and inst.cls is cls:
                    found.append((c, inst))
    return found


def _instance_names(analysis, cls) -> List[str]:
    """Names (and ``.attr`` for ``self.attr``) bound to ``cls(...)``."""
    names = []
    for c in _calls_by_name(analysis, cls.name, False):
        stmt = _statement_of(analysis, c)
        if isinstance(stmt, ast.Assign) and stmt.value is c:
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    names.append(target.id)
                elif isinstance(target, ast.Attribute):
                    names.append("." + target.attr)
    return sorted(set(names))


def _calls_by_name(analysis, name: str, dotted: bool) -> List[ast.Call]:
    """Calls in statements whose text holds ``name(`` (``.name(`` when ``dotted``)."""
    memo = analysis.__dict__.setdefault("_calls_by_name", {})
    key = (name, dotted)
    if key in memo:
        return memo[key]
    source = analysis.source
    starts = analysis.positions.starts
    lines = set()
    for at in _call_offsets(source, name):
        before = source[at - 1] if at else ""
        if (before == ".") == dotted and not (before.isalnum() or before == "_"):
            lines.add(bisect_right(starts, at))
    calls = []
    index = analysis.index
    stmt_of = analysis.__dict__.setdefault("_stmt_of", {})
    scope_of = analysis.__dict__.setdefault("_scope_of", {})
    for stmt, scope, _block in index.statements_on(lines):
        analysis.scopes.register_statement(stmt, scope)
        for node in index.calls(stmt):
            calls.append(node)
            stmt_of[id(node)] = stmt
            scope_of[id(node)] = scope
    memo[key] = calls
    return calls


_SPACE = frozenset(" \t\n\r\f\v")


def _call_offsets(source: str, name: str):
    """Offsets of ``name`` followed by ``(`` (white space between allowed).

    Plain ``str.find`` scans: one regular expression per name would be compiled
    again in every file."""
    size, end = len(source), len(name)
    at = source.find(name)
    while at != -1:
        k = at + end
        while k < size and source[k] in _SPACE:
            k += 1
        if k < size and source[k] == "(":
            yield at
        at = source.find(name, at + 1)


def _statement_of(analysis, call):
    return analysis.__dict__.get("_stmt_of", {}).get(id(call))
