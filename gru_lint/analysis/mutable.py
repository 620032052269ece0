"""When a list's value can be trusted: nothing else can change it.

A Python list is a shared, mutable object: ``b = a; b.append(h)`` changes ``a``,
and so can any function it is handed to. A name bound to a list is trusted at a
use only if, in the whole scope that owns it (nested functions included), every
mention of the name is one that cannot change the list -- an argument to Keras,
NumPy, TensorFlow or a harmless builtin, an index, a ``len``, an iteration, a
``return``, or one of the in-place changes ``flow`` models (``states.append(h)``)
-- and no modelled change comes after the use. Anything else (an alias, an
argument to an unknown function, an element stored elsewhere) makes it unknown.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from typing import Dict, List

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.flow import Change, position
from gru_lint.analysis.records import Record
from gru_lint.analysis.values import DictVal, Instance, LayerVal, ModelVal, OtherLayer, Ref, Seq, UserDefined

# Calls that do not change a list handed to them.
SAFE_BUILTINS = frozenset({
    "len", "tuple", "list", "print", "isinstance", "zip", "enumerate", "sum", "min", "max",
    "sorted", "reversed", "str", "repr", "type", "id", "any", "all", "map", "iter", "bool",
    "hash", "format", "range", "dict", "set", "frozenset",
})
SAFE_LIBRARIES = frozenset({"numpy", "tensorflow", "keras", "jax", "torch", "math"})
READ_METHODS = frozenset({"count", "index", "copy"})
# A dict's reads that hand out an item: safe while no item is itself mutable.
ITEM_READS = frozenset({"get", "keys", "values", "items"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def has_lists(value) -> bool:
    """Whether a sequence (or dict) holds a mutable list or dict anywhere inside."""
    if isinstance(value, Record):
        return any(has_lists(Seq((v,))) for _, v in value.fields)
    return isinstance(value, (Seq, DictVal)) and any(
        isinstance(v, (DictVal, Record)) or (isinstance(v, Seq) and (v.kind == "list" or has_lists(v)))
        or has_lists(v) for v in value.items)


def list_is_stable(ev, owner: sc.Scope, name: str, pos, direct: bool, nested: bool) -> bool:
    """``nested``: the list holds lists, which an item, a loop or a copy could reach."""
    if direct and _changed_after(ev, owner, name, pos):
        return False
    memo = ev.__dict__.setdefault("_stable_memo", {})
    key = (id(owner), name, nested)
    if key not in memo:
        memo[key] = _no_unsafe_mention(ev, owner, name, nested)
    return memo[key]


def _changed_after(ev, owner, name, pos) -> bool:
    events = ev.flow.events(owner, name)
    for evs in events.by_node.values():
        for event in evs:
            if isinstance(event, Change) and position(event.stmt) > pos:
                return True
    return False


# -- the mentions of a name --------------------------------------------------------
def _line_index(ev) -> Dict[int, List[tuple]]:
    index = ev.__dict__.get("_mention_lines")
    if index is None:
        index = {}
        for stmt, scope, _ in ev.scopes.statements:
            for line in _header_range(stmt):
                index.setdefault(line, []).append((stmt, scope))
        ev._mention_lines = index
    return index


def _header_range(stmt):
    if isinstance(stmt, _DEFS):
        first = min([d.lineno for d in stmt.decorator_list] + [stmt.lineno])
        return range(first, stmt.body[0].lineno if stmt.body[0].lineno > stmt.lineno else stmt.lineno + 1)
    body = getattr(stmt, "body", None)
    end = stmt.end_lineno
    if isinstance(body, list) and body:
        end = max(stmt.lineno, body[0].lineno - 1)
    return range(stmt.lineno, end + 1)


def _roots(stmt):
    if isinstance(stmt, _DEFS):
        roots = list(stmt.decorator_list)
        if isinstance(stmt, ast.ClassDef):
            roots += stmt.bases + [k.value for k in stmt.keywords]
        else:
            roots += stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]
        return roots
    return list(sc.header_expressions(stmt))


def _no_unsafe_mention(ev, owner: sc.Scope, name: str, nested: bool, readonly: bool = False) -> bool:
    """``readonly``: even the changes ``flow`` models are unsafe (a helper's parameter,
    whose changes the caller's flow does not see)."""
    source = ev.source
    node = owner.node
    lo = getattr(node, "lineno", 1)
    hi = getattr(node, "end_lineno", None) or len(source.lines)
    starts = source.starts
    lo_off = starts[lo - 1] if lo - 1 < len(starts) else len(source.source)
    hi_off = starts[hi] if hi < len(starts) else len(source.source)
    pattern = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?!\w)")
    lines = {bisect_right(starts, m.start()) for m in pattern.finditer(source.source, lo_off, hi_off)}
    index = _line_index(ev)
    seen = set()
    for line in sorted(lines):
        for stmt, scope in index.get(line, ()):
            if id(stmt) in seen:
                continue
            seen.add(id(stmt))
            if not _stmt_is_safe(ev, stmt, scope, owner, name, nested, readonly):
                return False
    return True


def _stmt_is_safe(ev, stmt, scope, owner, name, nested, readonly=False) -> bool:
    roots = _roots(stmt)
    parents = {}
    loads = []
    for root in roots:
        ev.scopes.register(root, scope)
        for parent in ast.walk(root):
            for child in ast.iter_child_nodes(parent):
                parents[id(child)] = parent
                if isinstance(child, ast.Name) and child.id == name:
                    loads.append(child)
        if isinstance(root, ast.Name) and root.id == name:
            loads.append(root)
    for node in loads:
        where = ev.scopes.scope_of(node)
        if where is None:
            return False
        found, _, _ = sc.resolve(where, name)
        if found is not owner:
            continue
        if isinstance(node.ctx, ast.Store) or isinstance(node.ctx, ast.Del):
            if readonly and isinstance(stmt, ast.AugAssign) and stmt.target is node:
                return False  # ``cfg |= {...}``, ``sizes += [8]``: in place
            continue  # a binding: flow follows it
        if not _safe_load(ev, node, parents, stmt, nested, readonly):
            return False
    return True


def _safe_load(ev, node, parents, stmt, nested, readonly=False) -> bool:
    parent = parents.get(id(node))
    while nested and isinstance(parent, ast.Subscript) and parent.value is node and isinstance(
            parent.ctx, ast.Load) and parents.get(id(parent)) is not None \
            and not isinstance(parents.get(id(parent)), ast.Attribute):
        # ``states[:1]`` / ``states[0]`` handed on: judged as the list itself would be.
        node, parent = parent, parents.get(id(parent))
    if parent is None:  # the whole header expression: an if/while test, a for iterable
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return not nested
        return isinstance(stmt, (ast.If, ast.While, ast.Assert))
    if isinstance(parent, ast.Return):
        return not readonly  # a helper handing its parameter back: the caller gets an alias
    if isinstance(parent, (ast.Expr, ast.Compare, ast.FormattedValue, ast.Assert)):
        return True
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in READ_METHODS or (not nested and parent.attr in ITEM_READS):
            return True
        if parent.attr in sc.MUTATORS:
            call = parents.get(id(parent))
            return not readonly and isinstance(stmt, ast.Expr) and call is stmt.value  # modelled by flow
        if isinstance(parent.ctx, ast.Load):
            # ``cfg.units`` read (not a method called): hands out a field, not the object.
            above = parents.get(id(parent))
            called = isinstance(above, ast.Call) and above.func is parent
            return not nested and not called and not parent.attr.startswith("__")
        return not readonly  # ``cfg.units = 8``: a change flow follows (a list has no such field)
    if not nested:
        # Items, copies and loops hand out the items, which are not lists.
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                return not readonly
            return not _item_changed(parent, parents)
        if isinstance(parent, (ast.BinOp, ast.comprehension, ast.Starred)):
            return True
        if isinstance(parent, ast.keyword) and parent.arg is None:
            return True  # ``f(**cfg)``: the callee gets a new dict of the items
    if isinstance(parent, ast.Subscript) and parent.value is node and not isinstance(
            parent.ctx, ast.Load):
        return not readonly  # ``states[0] = h``: a change flow follows
    argument = node  # the argument the call gets, when it is the name itself
    if isinstance(parent, ast.keyword):
        argument = parent
        parent = parents.get(id(parent))
    while isinstance(parent, (ast.List, ast.Tuple, ast.Starred)):
        argument = None
        parent = parents.get(id(parent))
        if isinstance(parent, ast.keyword):
            parent = parents.get(id(parent))
    if isinstance(parent, ast.Return) and argument is None:
        # ``return tokens, x, states``: as ``return states``, the caller gets it whole
        # and the function's own uses all came before.
        return not readonly
    if isinstance(parent, ast.Call) and parent.func is not node:
        return _safe_callee(ev, parent.func) or _reading_helper(ev, parent, argument, nested)
    return False


def _reading_helper(ev, call: ast.Call, argument, nested: bool) -> bool:
    """A function of the file that only reads the parameter the list or dict is bound to.

    ``build(config)`` with ``def build(cfg): ... cfg["units"] ...``, ``decoder(x, states)``
    running ``call(self, x, states)``: the parameter is judged by the same rules as the
    name itself, in the function's own scope (``self.cfg = cfg`` keeps it: unknown). Not
    for decorated functions, ``*args``/``**kwargs``, nor a function that calls itself.
    """
    if argument is None:
        return False
    func, skip = _callee_function(ev, call.func)
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or func.decorator_list:
        return False
    scope = ev.scopes.scope_by_node.get(id(func))
    if scope is None or scope.parent is None or scope.parent.is_class != bool(skip):
        return False
    spec = func.args
    positional = (spec.posonlyargs + spec.args)[skip:]
    if isinstance(argument, ast.keyword):
        names = {p.arg for p in positional + spec.kwonlyargs}
        param = argument.arg if argument.arg in names else None
    else:
        index = next((i for i, a in enumerate(call.args) if a is argument), None)
        param = positional[index].arg if index is not None and index < len(positional) else None
    if param is None:
        return False
    memo = ev.__dict__.setdefault("_reading_memo", {})
    key = (id(func), param, nested)
    if key not in memo:
        memo[key] = False  # while it is being judged (recursion): not proven
        memo[key] = _no_unsafe_mention(ev, scope, param, nested, readonly=True)
    return memo[key]


def _callee_function(ev, func_node):
    """The function a call runs, and how many leading parameters it binds itself (``self``).

    A function of the file; a class of the file (its ``__init__``); ``instance(...)`` of one
    (its ``__call__``, or ``call`` for a Keras layer or model); ``instance.method(...)``;
    methods inherited from a base of the file included. (None, 0) otherwise.
    """
    callee = ev.value(func_node)
    if isinstance(callee, UserDefined) and isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return callee.node, 0
    if isinstance(callee, UserDefined) and isinstance(callee.node, ast.ClassDef):
        return ev.method(callee.node, "__init__"), 1  # ``Encoder(config)``
    if isinstance(callee, Instance):
        return ev.instance_call_method(callee), 1
    if isinstance(func_node, ast.Attribute):
        base = ev.value(func_node.value)
        if isinstance(base, Instance):
            method = ev.method(base.cls, func_node.attr)  # inherited from a base of the file too
            static = method is not None and any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list)
            return (None, 0) if static else (method, 1)
    return None, 0


def _item_changed(subscript, parents) -> bool:
    parent = parents.get(id(subscript))
    return isinstance(parent, ast.Attribute) and parent.attr in sc.MUTATORS


def _safe_callee(ev, func) -> bool:
    value = ev.value(func)
    if isinstance(value, (LayerVal, ModelVal, OtherLayer)):
        return True
    if isinstance(value, Ref):
        return value.qualname.split(".")[0] in SAFE_LIBRARIES
    if isinstance(value, UserDefined):
        return False
    if isinstance(func, ast.Name):
        where = ev.scopes.scope_of(func)
        if where is not None:
            owner, bindings, _ = sc.resolve(where, func.id)
            return owner is None and bindings == [] and func.id in SAFE_BUILTINS
    return False
