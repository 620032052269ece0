"""Collections built by iterating: comprehensions, ``for`` loops, ``zip`` and friends.

An iterable is *exact* when its items are known one by one: ``range(n)`` with
integer arguments, a list or tuple whose value is known (a literal, a known list
of cells or widths), a string constant (its characters), and ``zip``/``enumerate``/``reversed`` of exact iterables.
Over an exact iterable of at most ``MAX_ITEMS`` items,

- a list comprehension (and ``tuple(...)``/``list(...)`` of a generator) is
  evaluated once per item, the loop variable bound to that item in a local
  ``Frame`` (``[np.zeros((b, u)) for u in widths]``);
- a ``for`` loop that changes a name in place (``for cell in cells:
  states.append(...)``) is unrolled: ``flow`` gives the definitions at the end of
  one iteration, from the value the name had at its start (``Carried``), and they
  are evaluated once per item, in order.

Anything else -- an iterable whose items are unknown, a filter (``if``), a loop
with ``break``/``continue``, more items than the bound -- is unknown. Values built
in a local frame lose the nodes a fix would edit: one expression written once
stands for several values there.
"""

from __future__ import annotations

import ast
from typing import List, Optional

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.flow import Carried, Loop
from gru_lint.analysis.summaries import Frame, detach
from dataclasses import replace

from gru_lint.analysis.values import UNKNOWN, Array, DictVal, LayerVal, Num, Opaque, Seq, Str, Value

MAX_ITEMS = 32  # items of one comprehension or loop evaluated one by one
MAX_UNROLLED = 512  # item evaluations per file, all loops and comprehensions together
MAX_REPEATS = 100_000  # ``[[0.0] * u for _ in range(b)]``: copies of one value
_LOCAL = (ast.For, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)
_SEQUENCE_BUILTINS = frozenset({"tuple", "list", "len", "range", "zip", "enumerate", "reversed", "dict"})


def is_local(frame: Optional[Frame]) -> bool:
    """A frame of one loop iteration or comprehension item (not of a function call)."""
    return frame is not None and isinstance(frame.func, _LOCAL)


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    start = (node.lineno, node.col_offset)
    return (outer.lineno, outer.col_offset) <= start <= (outer.end_lineno, outer.end_col_offset)


class Iteration:
    """The iteration half of the evaluator (mixed into ``infer.Evaluator``)."""

    # -- frames ---------------------------------------------------------------------
    def frame_key(self, binding):
        """The frame a binding's value depends on: local frames only for what they hold."""
        frame = self.frame
        while is_local(frame) and not _inside(binding.node, frame.func):
            frame = frame.parent
        return frame

    def local_frame(self, node: ast.AST, target: ast.AST, item: Value) -> Optional[Frame]:
        values = {}
        if not _bind_target(target, item, values):
            return None
        parent = self.frame
        return Frame(node, tuple(sorted(values.items(), key=lambda kv: kv[0])),
                     parent.instance if parent is not None else None, parent,
                     parent.depth if parent is not None else 0)

    def _spend(self, count: int) -> bool:
        spent = self.__dict__.get("_unrolled", 0) + count
        self._unrolled = spent
        return spent <= MAX_UNROLLED

    # -- names bound by iteration -------------------------------------------------------
    def comprehension_name(self, owner: sc.Scope, name: str) -> Value:
        frame = self.frame_of(owner.node)
        value = frame.get(name) if frame is not None else None
        return UNKNOWN if value is None else value

    def loop_target_value(self, binding, name: str) -> Value:
        frame = self.frame_of(binding.node)
        value = frame.get(name) if frame is not None else None
        return UNKNOWN if value is None else value

    # -- iterables ------------------------------------------------------------------------
    def iteration_items(self, node: ast.AST, limit: int = MAX_ITEMS) -> Optional[List[Value]]:
        """The items iterating over ``node`` gives, one by one; None when not exact."""
        if isinstance(node, ast.Call) and self._builtin(node.func) in ("range", "zip", "enumerate",
                                                                       "reversed"):
            name = node.func.id
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                return None
            if name == "range":
                bounds = self._range(node)
                if bounds is None or len(bounds) > limit:
                    return None
                return [Num(i) for i in bounds]
            if name == "zip":
                parts = [self.iteration_items(a, limit) for a in node.args]
                if not parts or any(p is None for p in parts):
                    return None
                return [Seq(tuple(group), "tuple") for group in zip(*parts)]
            if len(node.args) == 1 or (name == "enumerate" and len(node.args) == 2):
                items = self.iteration_items(node.args[0], limit)
                if items is None:
                    return None
                if name == "reversed":
                    return items[::-1]
                start = self.value(node.args[1]) if len(node.args) == 2 else Num(0)
                if not (isinstance(start, Num) and type(start.value) is int):
                    return None
                return [Seq((Num(start.value + i), item), "tuple") for i, item in enumerate(items)]
            return None
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            value = self.comprehension(node)
        else:
            value = self.value(node)
        if isinstance(value, Seq) and len(value.items) <= limit:
            return list(value.items)
        if isinstance(value, Str) and len(value.value) <= limit:
            return [Str(c) for c in value.value]  # ``for k in "hc"``: its characters
        return None

    def _range(self, node: ast.Call) -> Optional[range]:
        args = [self.value(a) for a in node.args]
        if not 1 <= len(args) <= 3 or not all(isinstance(a, Num) and type(a.value) is int
                                               for a in args):
            return None
        bounds = range(*(a.value for a in args))
        return bounds if len(bounds) <= MAX_REPEATS else None

    def _builtin(self, func: ast.AST) -> Optional[str]:
        """The name of a sequence builtin ``func`` is, when nothing in the file rebinds it."""
        if not isinstance(func, ast.Name) or func.id not in _SEQUENCE_BUILTINS:
            return None
        scope = self.scope_of(func)
        if scope is None or sc.lookup(scope, func.id) != []:
            return None
        return func.id

    # -- comprehensions and builtins ----------------------------------------------------------
    def _eval_ListComp(self, node: ast.ListComp) -> Value:
        return self.comprehension(node)

    def comprehension(self, node) -> Value:
        """A list comprehension (or a generator handed to ``tuple``/``list``) as a list."""
        if any(g.ifs or getattr(g, "is_async", 0) for g in node.generators):
            return UNKNOWN
        if len(node.generators) != 1:
            return self._nested_comprehension(node)
        gen = node.generators[0]
        if gen.ifs or getattr(gen, "is_async", 0):
            return UNKNOWN
        targets = {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        uses_target = any(isinstance(n, ast.Name) and n.id in targets for n in ast.walk(node.elt))
        if not uses_target:
            # ``[[0.0] * u for _ in range(b)]``: b copies of one value.
            count = self._count(gen.iter)
            if count is None:
                return UNKNOWN
            item = self.value(node.elt)
            if item is UNKNOWN:
                return UNKNOWN
            return Seq((item,) * count, "list", node)
        items = self.iteration_items(gen.iter)
        if items is None or not self._spend(len(items)):
            return UNKNOWN
        out = []
        for item in items:
            frame = self.local_frame(node, gen.target, item)
            if frame is None:
                return UNKNOWN
            value = self.run_in(frame, self.value, node.elt)
            if value is UNKNOWN or isinstance(value, Opaque):
                return UNKNOWN
            out.append(local_value(value))
        return Seq(tuple(out), "list")

    def _nested_comprehension(self, node) -> Value:
        """``[f(u) for u in sizes for _ in range(2)]``: every ``for`` clause over an exact
        iterable, the later ones evaluated once per item of the earlier ones (they may use
        their targets), ``MAX_ITEMS`` items in all."""
        out: List[Value] = []
        parent = self.frame
        pending = [{}]  # the targets bound so far, one dict per combination of items
        for gen in node.generators:
            bound = []
            for values in pending:
                frame = _comprehension_frame(node, values, parent)
                items = self.run_in(frame, self.iteration_items, gen.iter) if values \
                    else self.iteration_items(gen.iter)
                if items is None or len(bound) + len(items) > MAX_ITEMS \
                        or not self._spend(len(items)):
                    return UNKNOWN
                for item in items:
                    more = dict(values)
                    if not _bind_target(gen.target, item, more):
                        return UNKNOWN
                    bound.append(more)
            pending = bound
        for values in pending:
            value = self.run_in(_comprehension_frame(node, values, parent), self.value, node.elt)
            if value is UNKNOWN or isinstance(value, Opaque):
                return UNKNOWN
            out.append(local_value(value))
        return Seq(tuple(out), "list")

    def _count(self, iterable: ast.AST) -> Optional[int]:
        if isinstance(iterable, ast.Call) and self._builtin(iterable.func) == "range" \
                and not iterable.keywords:
            bounds = self._range(iterable)
            return len(bounds) if bounds is not None else None
        items = self.iteration_items(iterable)
        return len(items) if items is not None else None

    def builtin_call(self, node: ast.Call) -> Optional[Value]:
        """``tuple(...)``, ``list(...)``, ``len(...)`` of what iteration knows; None: not one."""
        name = self._builtin(node.func)
        if name == "dict":
            return self._dict_call(node)
        if name not in ("tuple", "list", "len"):
            return None
        if node.keywords or len(node.args) > 1 or any(isinstance(a, ast.Starred) for a in node.args):
            return UNKNOWN
        if not node.args:
            return UNKNOWN if name == "len" else Seq((), name)
        arg = node.args[0]
        if name == "len":
            value = self.value(arg)
            return Num(len(value.items)) if isinstance(value, Seq) else UNKNOWN
        if isinstance(arg, ast.GeneratorExp):
            value = self.comprehension(arg)
            return Seq(value.items, name) if isinstance(value, Seq) else UNKNOWN
        value = self.value(arg)
        if isinstance(value, Seq):
            return Seq(value.items, name, value.node if name == value.kind else None,
                       value.item_nodes)
        if isinstance(value, Array):
            return UNKNOWN  # the rows of an array: not followed
        items = self.iteration_items(arg, MAX_REPEATS)
        return Seq(tuple(items), name) if items is not None else UNKNOWN

    def _dict_call(self, node: ast.Call) -> Value:
        """``dict(units=64, batch=8)``: keywords only, each once (Python enforces that)."""
        if node.args or any(k.arg is None for k in node.keywords):
            return UNKNOWN
        return DictVal(tuple(k.arg for k in node.keywords),
                       tuple(self.value(k.value) for k in node.keywords))

    # -- for loops --------------------------------------------------------------------------
    def loop_value(self, loop: Loop, name: str) -> Value:
        """The value of ``name`` after a ``for`` loop over an exact iterable, unrolled."""
        memo = self.__dict__.setdefault("_loop_memo", {})
        key = (loop, name, self.frame)
        if key not in memo:
            memo[key] = self._unroll(loop, name)
        return memo[key]

    def _unroll(self, loop: Loop, name: str) -> Value:
        value = self._defs_value(loop.before, name)
        if value is UNKNOWN or isinstance(value, Opaque):
            return UNKNOWN
        items = self.iteration_items(loop.stmt.iter)
        if items is None or not self._spend(len(items)):
            return UNKNOWN
        carried = self.__dict__.setdefault("_carried", {})
        for item in items:
            frame = self.local_frame(loop.stmt, loop.stmt.target, item)
            if frame is None:
                return UNKNOWN
            carried[(id(loop.stmt), name, frame)] = value
            value = self.run_in(frame, self._defs_value, loop.end, name)
            if value is UNKNOWN or isinstance(value, Opaque):
                return UNKNOWN
        return local_value(value)

    def carried_value(self, start: Carried, name: str) -> Value:
        carried = self.__dict__.get("_carried", {})
        return carried.get((id(start.stmt), name, self.frame), UNKNOWN)


def local_value(value: Value) -> Value:
    """A value built in a loop item: no nodes to edit, and a layer named by its width."""
    value = detach(value)
    if isinstance(value, LayerVal) and value.wrapped is None and value.cells is None \
            and isinstance(value.units, int):
        return replace(value, display=f"{value.spec.name}({value.units})")
    if isinstance(value, Seq):
        return Seq(tuple(local_value(v) for v in value.items), value.kind)
    return value


def _comprehension_frame(node: ast.AST, values: dict, parent: Optional[Frame]) -> Frame:
    """The frame of one item of ``node``: its targets' values (a later clause's win)."""
    return Frame(node, tuple(sorted(values.items(), key=lambda kv: kv[0])),
                 parent.instance if parent is not None else None, parent,
                 parent.depth if parent is not None else 0)


def _bind_target(target: ast.AST, item: Value, out: dict) -> bool:
    """Bind a loop target to one item: a name, or a tuple of names unpacking a known tuple."""
    if isinstance(target, ast.Name):
        out[target.id] = item
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        if not isinstance(item, Seq) or len(item.items) != len(target.elts):
            return False
        return all(_bind_target(t, v, out) for t, v in zip(target.elts, item.items))
    return False
