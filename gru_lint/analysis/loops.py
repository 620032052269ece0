"""Sites in the body of a ``for`` loop, checked once per iteration.

A stacked encoder is usually built in a loop::

    for i, units in enumerate(layer_sizes):
        x, h = layers.GRU(units, return_state=True)(x, initial_state=states[i])

Checked once, ``units`` and ``i`` are unknown and nothing can be said. When the loop
runs over an exact iterable (``range(n)``, a known list or tuple, ``zip``/``enumerate``/
``reversed`` of those: ``iteration.iteration_items``), the rules run once more on the
loop's statements for each item, with the loop target bound to it (a local frame, as a
comprehension item has), and a finding the loop does not have on its own is reported
once, at its site, for the first iteration that proves it, with a note naming that
iteration. Such a finding is never offered as a fix: an edit at the site would change
every iteration.

Only statements every iteration runs are checked this way: in the loop's body, or in
``try``/``finally`` blocks and ``with`` blocks of context managers that let exceptions
through (``tf.GradientTape()``) there, never under an ``if`` (which iterations take it is
not followed), and only in loops without ``break``, ``continue``, ``return``, ``raise`` or
``yield`` anywhere in them, standing in no ``try`` with handlers (an iteration may raise
on purpose). Nested loops are followed two deep, ``MAX_ITERATIONS`` items in all. In the
first iteration a name the loop re-binds has its value from before the loop; in later
ones it is unknown at the top of the body.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.diagnostics import Diagnostic, Related

MAX_ITERATIONS = 32  # items checked per loop (nested loops: in all)
MAX_DEPTH = 2  # loops nested in loops
_STOPS = (ast.Break, ast.Continue, ast.Return, ast.Raise, ast.Yield, ast.YieldFrom, ast.Await)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_ALWAYS = (ast.With, ast.AsyncWith)  # blocks every iteration runs whole
# Context managers that never swallow an exception, by the name they are called by.
_PASSING_CONTEXTS = frozenset({"GradientTape", "device", "name_scope", "scope", "open",
                               "variable_scope", "no_grad", "inference_mode"})


def loop_findings(view, base: List[Diagnostic], rules: Callable, run: Callable) -> List[Diagnostic]:
    """Findings that one iteration of a loop over an exact iterable proves.

    ``rules(view)`` runs the rules on a view; ``run(view)`` also follows what it calls (for
    a function of the file called in the loop, evaluated with that iteration's values).
    """
    if not view.examined or "for" not in view.source or not _for_statements(view):
        return []
    # Functions called in a loop are followed from the file's own statements (a function
    # followed for one call is not searched for further calls again).
    helpers = _helper_calls(view) if view.evaluator.frame is None else {}
    groups = _loops_with_sites(view, helpers)
    if not groups:
        return []
    known = {(d.span, d.code) for d in base}
    out: Dict[tuple, Diagnostic] = {}
    for chain, scope, statements in groups:
        evaluator = view.fork_evaluator()  # one memo for all the iterations (frames key it)
        for frame, note in _iterations(view, chain, scope):
            evaluator.frame = frame
            sub = view.in_frame(evaluator, statements, loop_view=True)
            found = rules(sub)
            if helpers:
                found += _helper_findings(view, evaluator, statements, helpers, run)
            for diag in found:
                key = (diag.span, diag.code)
                if key in known or key in out:
                    continue
                related = tuple(diag.related) + (Related(note, view.span(chain[-1].target)),)
                out[key] = Diagnostic(diag.code, diag.message, diag.span, None, related)
    return list(out.values())


# -- which statements ---------------------------------------------------------------------
def _loops_with_sites(view, helpers) -> List[Tuple[tuple, object, list]]:
    """(enclosing loops, outermost first; their scope; statements) per innermost loop: the
    examined statements, and those calling a function of the file that holds a site."""
    loops = _for_statements(view)
    if not loops:
        return []
    candidates = list(view.examined)
    seen = {id(stmt) for stmt, _, _ in candidates}
    candidates += [entry for key, entry in helpers.get("statements", {}).items() if key not in seen]
    groups: Dict[int, list] = {}
    for stmt, scope, block in candidates:
        chain = _loop_chain(stmt, scope, loops)
        if not chain:
            continue
        plain, names = _loop_info(view, chain[-1])
        if plain and _mentions(stmt, names) and not _guarded(view, chain[0], scope):
            entry = groups.setdefault(id(chain[-1]), [tuple(chain), scope, []])
            entry[2].append((stmt, scope, block))
    return [tuple(g) for g in groups.values()]


def _for_statements(view) -> List[tuple]:
    """Every ``for`` statement of the file with its scope (shared by the file's views)."""
    found = view.index.__dict__.get("_for_statements")
    if found is None:
        found = [(stmt, scope) for stmt, scope, _ in view.scopes.statements if type(stmt) is ast.For]
        view.index._for_statements = found
    return found


def _loop_chain(stmt, scope, loops) -> Optional[List[ast.For]]:
    """The ``for`` loops whose every iteration runs ``stmt`` (outermost first), or None."""
    line = stmt.lineno
    around = [loop for loop, where in loops if where is scope and loop is not stmt
              and loop.body[0].lineno <= line <= loop.body[-1].end_lineno]
    if not around:
        return None
    around.sort(key=lambda loop: loop.lineno)
    inner = around[-1]
    if not _always_reached(inner.body, stmt):
        return None
    chain = [inner]
    for outer in reversed(around[:-1]):
        if len(chain) == MAX_DEPTH or not _always_reached(outer.body, chain[0]):
            break
        chain.insert(0, outer)
    return chain


def _always_reached(block, target) -> bool:
    """Whether ``target`` stands in ``block``, or in ``with`` or ``try`` blocks (not handlers)
    nested there: then every run of the block runs it (absent a jump, which ``_scan`` rules out)."""
    line = target.lineno
    while True:
        holder = next((s for s in block if s.lineno <= line <= s.end_lineno), None)
        if holder is None:
            return False
        if holder is target:
            return True
        if isinstance(holder, _ALWAYS) and not _may_suppress(holder):
            block = holder.body
        elif isinstance(holder, ast.Try) and not holder.handlers and (
                _within(holder.body, line) or _within(holder.finalbody, line)):
            block = holder.body if _within(holder.body, line) else holder.finalbody
        else:
            return False  # an ``if``, a ``while``, a handler, another loop, a def


def _guarded(view, loop, scope) -> bool:
    """Whether the loop stands in a ``try`` with handlers, or a ``with`` that may swallow an
    exception: an iteration that raises before the site (a check, a lookup) may then be
    how the program is meant to run, and later iterations need not reach it."""
    found = view.index.__dict__.get("_guards")
    if found is None:
        found = [(stmt, where) for stmt, where, _ in view.scopes.statements
                 if (type(stmt) is ast.Try and stmt.handlers)
                 or (isinstance(stmt, _ALWAYS) and _may_suppress(stmt))]
        view.index._guards = found
    line = loop.lineno
    return any(where is scope and _within(stmt.body, line) for stmt, where in found)


def _may_suppress(stmt) -> bool:
    """A ``with`` whose context manager is not one known to let exceptions through
    (``tf.GradientTape()``, ``tf.device(...)``, name scopes, ``open(...)``)."""
    for item in stmt.items:
        func = item.context_expr.func if isinstance(item.context_expr, ast.Call) else None
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _PASSING_CONTEXTS:
            return True
    return False


def _within(block, line) -> bool:
    return bool(block) and block[0].lineno <= line <= block[-1].end_lineno


def _mentions(stmt, names) -> bool:
    """Whether the statement reads a name the loop binds: only then can an iteration differ."""
    for root in sc.header_expressions(stmt):
        for node in ast.walk(root):
            if isinstance(node, ast.Name) and node.id in names:
                return True
    return False


def _loop_info(view, loop: ast.For):
    """(whether every iteration runs to the end of the body, the names the loop binds)."""
    memo = view.index.__dict__.setdefault("_loop_info", {})
    found = memo.get(id(loop))
    if found is None:
        found = memo[id(loop)] = _scan(loop)
    return found


def _scan(loop: ast.For):
    """One walk of the loop: does any iteration stop early, and which names does it bind."""
    names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    plain = not loop.orelse
    stack = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _STOPS):
            plain = False
        elif isinstance(node, _DEFS):
            names.add(getattr(node, "name", ""))
            continue
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return plain, frozenset(names)


# -- functions called in the loop ---------------------------------------------------------
def _helper_calls(view) -> dict:
    """The functions of the file that hold a site, and the statements calling them."""
    from gru_lint.analysis.contexts import _called_functions, _statement_of

    called = _called_functions(view)
    if not called:
        return {}
    where = {}
    wanted = set()
    for func, calls in called:
        wanted.add(id(func))
        for call, _ in calls:
            stmt = _statement_of(view, call)
            if stmt is not None:
                where[id(stmt)] = stmt
    statements = {}
    if where:
        for stmt, scope, block in view.scopes.statements:
            if id(stmt) in where:
                statements[id(stmt)] = (stmt, scope, block)
    return {"functions": wanted, "statements": statements}


def _helper_findings(view, evaluator, statements, helpers, run) -> List[Diagnostic]:
    """Findings inside functions called from the loop's statements, with this iteration's values."""
    from gru_lint.analysis.contexts import _informative

    out = []
    for stmt, _scope, _block in statements:
        if id(stmt) not in helpers["statements"]:
            continue
        for call in view.index.calls(stmt):
            func, instance = _callee(evaluator, call)
            if func is None or id(func) not in helpers["functions"]:
                continue
            frame = evaluator.bind_call(func, call, instance)
            if frame is None or not _informative(frame):
                continue
            for diag in run(view.within(func, frame)):
                note = Related(f"inside `{func.name}`, with the arguments of this call", diag.span)
                out.append(Diagnostic(diag.code, diag.message, view.span(call), None,
                                      (note,) + tuple(diag.related)))
    return out


def _callee(ev, call: ast.Call):
    """(the function of the file a call runs, the instance it runs on or None)."""
    from gru_lint.analysis.summaries import method_of
    from gru_lint.analysis.values import Instance, UserDefined

    value = ev.value(call.func)
    if isinstance(value, UserDefined) and isinstance(value.node, ast.FunctionDef):
        return value.node, None
    if isinstance(value, Instance):
        method = method_of(value.cls, "__call__")
        if method is None and value.keras:
            method = method_of(value.cls, "call")
        return method, value
    if isinstance(call.func, ast.Attribute):
        base = ev.value(call.func.value)
        if isinstance(base, Instance):
            return method_of(base.cls, call.func.attr), base
    return None, None


# -- which iterations ---------------------------------------------------------------------
def _iterations(view, chain, scope):
    """(frame, note) for each iteration of the loops in ``chain``, nested, at most MAX_ITERATIONS."""
    if len(chain) > 1 and not all(_loop_info(view, loop)[0] for loop in chain):
        chain = chain[-1:]
    return _walk(view, chain, scope, 0, view.evaluator.frame, (), [MAX_ITERATIONS])


def _walk(view, chain, scope, depth, parent_frame, labels, budget):
    # A module-level generator (a nested one naming itself would be a reference cycle).
    ev = view.evaluator
    loop = chain[depth]
    view.scopes.register_statement(loop, scope)
    items = ev.run_in(parent_frame, ev.iteration_items, loop.iter)
    if not items or len(items) > budget[0]:
        budget[0] = -1
        return
    budget[0] -= len(items)
    for k, item in enumerate(items):
        frame = ev.run_in(parent_frame, ev.local_frame, loop, loop.target, item)
        if frame is None:
            return
        if k == 0:  # what the loop re-binds still holds its value from before the loop
            frame = replace(frame, first=True)
        label = labels + (f"{k + 1} of {len(items)}",)
        if depth + 1 < len(chain):
            yield from _walk(view, chain, scope, depth + 1, frame, label, budget)
        else:
            yield frame, _note(label, frame)


def _note(labels, frame) -> str:
    where = "iteration " + ", ".join(labels) if len(labels) == 1 else \
        "iteration " + " / ".join(labels) + " (outer / inner loop)"
    shown = [f"{name} = {_text(value)}" for name, value in frame.args if _text(value) is not None]
    return f"in {where} of this loop" + (f", where {', '.join(shown)}" if shown else "")


def _text(value) -> Optional[str]:
    from gru_lint.analysis.values import Num, Str

    if isinstance(value, Num) and isinstance(value.value, (int, float)):
        return str(value.value)
    if isinstance(value, Str):
        return repr(value.value)
    return None
