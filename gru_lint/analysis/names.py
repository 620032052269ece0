"""What a name is worth where it is used: the definitions ``flow`` finds, evaluated.

A use sees the value every reaching definition agrees on; definitions that give
different values make it unknown, never a guess at which branch ran. In-place
changes are modelled exactly for lists (``append``, ``extend``, ``insert``,
``pop``, ``clear``, ``reverse``, ``+=``, ``x[i] = v``) and for the few changes that
keep an array's shape; any other change makes the value unknown. A list is
trusted only while nothing it could be changed through exists (``mutable``).
"""

from __future__ import annotations

import ast
from typing import Optional

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.flow import Carried, Change, Loop, position
from gru_lint.analysis.mutable import has_lists, list_is_stable
from gru_lint.analysis.records import Record
from gru_lint.analysis.values import (
    UNKNOWN,
    Array,
    DictVal,
    Instance,
    LayerVal,
    ModelVal,
    Num,
    Opaque,
    OtherLayer,
    Ref,
    Seq,
    Str,
    UserDefined,
    Value,
)


class NameResolver:
    """The name half of the evaluator (mixed into ``infer.Evaluator``)."""

    def _eval_Name(self, node: ast.Name) -> Value:
        scope = self.scope_of(node)
        if scope is None:
            return UNKNOWN
        owner, bindings, direct = sc.resolve(scope, node.id)
        if not bindings:
            return UNKNOWN
        name = node.id
        if isinstance(owner.node, sc.COMPREHENSIONS):
            return self.comprehension_name(owner, name)
        if direct:
            frame = self.frame_of(owner.node) if self.frame is not None else None
            first = _first_iterations(self.frame)
            if frame is None and not first:
                defs = self.flow.reaching(owner, name, position(node))
            elif frame is None:
                defs = self.flow.reaching(owner, name, position(node), None, first, first)
            else:
                defs = self.flow.reaching(owner, name, position(node),
                                          lambda test: self._decide(owner, test, frame),
                                          (frame, first) if first else frame, first)
        elif self.flow.changed_anywhere(owner, name):
            defs = None
        else:
            defs = tuple(bindings)
        if not defs:
            return UNKNOWN
        value = self._defs_value(defs, name)
        if isinstance(value, (DictVal, Record)) or (
                isinstance(value, Seq) and (value.kind == "list" or has_lists(value))):
            if not list_is_stable(self, owner, name, position(node), direct, has_lists(value)):
                return UNKNOWN
        return value

    frame = None  # the call being followed (``summaries.Frame``), if any

    def frame_of(self, scope_node):  # overridden where functions are followed
        return None

    def _eval_IfExp(self, node: ast.IfExp) -> Value:
        """``states if states is not None else zeros``: only when the call's argument decides it."""
        test = node.test
        if self.frame is None or not isinstance(test, ast.Compare) or not isinstance(test.left, ast.Name):
            return UNKNOWN
        scope = self.scope_of(test.left)
        if scope is None:
            return UNKNOWN
        owner, bindings, direct = sc.resolve(scope, test.left.id)
        frame = self.frame_of(owner.node) if direct and bindings else None
        if frame is None:
            return UNKNOWN
        taken = self._decide(owner, test, frame)
        if taken is None:
            return UNKNOWN
        branch = node.body if taken else node.orelse
        self.scopes.register(branch, scope)
        return self.value(branch)

    def _decide(self, owner, test, frame) -> Optional[bool]:
        """Whether ``if param is None:`` (or ``is not None``) runs its body in ``frame``.

        Decided only for a parameter of ``owner`` not re-bound before the test, whose
        value in this call is exactly known: ``None`` itself, or a value that is never
        ``None`` (an array, a list, a layer, a number...). Anything else: None."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1
                and isinstance(test.ops[0], (ast.Is, ast.IsNot)) and isinstance(test.left, ast.Name)
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
            return None
        name = test.left.id
        defs = self.flow.reaching(owner, name, position(test.left),
                                  lambda t: self._decide(owner, t, frame), frame)
        if not defs or len(defs) != 1 or isinstance(defs[0], Change):
            return None
        binding = defs[0]
        if binding.kind != "param" or binding.scope is not owner:
            return None
        value = self.param_value(binding, UNKNOWN)
        if value == Num(None):
            is_none = True
        elif isinstance(value, _NEVER_NONE) and value != Num(None):
            is_none = False
        else:
            return None
        return is_none if isinstance(test.ops[0], ast.Is) else not is_none

    def _defs_value(self, defs, name) -> Value:
        values = []
        for d in defs:
            if isinstance(d, Change):
                v = self._change_value(d, name)
            elif isinstance(d, Loop):
                v = self.loop_value(d, name)
            elif isinstance(d, Carried):
                v = self.carried_value(d, name)
            else:
                v = self._binding_value(d, name)
            if v is UNKNOWN:
                return UNKNOWN
            if v not in values:
                values.append(v)
        if len(values) == 1:
            return values[0]
        return join(values)

    def _binding_value(self, binding: sc.Binding, name: str) -> Value:
        if binding.kind == "for":
            return self.loop_target_value(binding, name)
        if binding.kind not in ("assign", "import", "def", "class", "param"):
            return UNKNOWN
        frame = self.frame_key(binding)
        memo_key = (id(binding.node), binding.index if binding.kind == "assign" else None,
                    name, frame)
        cached = self._binding_memo.get(memo_key)
        if cached is not None:
            return cached
        if frame is getattr(self, "frame", None):
            result = self._single_binding(binding, name)
        else:  # evaluated in the frame it depends on, outside the loop item it is read in
            result = self.run_in(frame, self._single_binding, binding, name)
        self._binding_memo[memo_key] = result
        return result

    def frame_key(self, binding):  # overridden where functions are followed
        return None

    def loop_target_value(self, binding, name):  # overridden where loops are unrolled
        return UNKNOWN

    def comprehension_name(self, owner, name):
        return UNKNOWN

    def _single_binding(self, binding: sc.Binding, name: str) -> Value:
        key = f"{id(binding.node)}:{name}" + self.frame_suffix()
        if binding.kind == "import":
            return Ref(binding.qualname)
        if binding.kind in ("def", "class"):
            return UserDefined(binding.node)
        if binding.kind == "param":
            return self.param_value(binding, Opaque(key, name))
        self.scopes.register(binding.value, binding.where or binding.scope)
        value = self.value(binding.value)
        if binding.index is not None:
            value = _unpack(value, binding.index, binding.count, binding.starred)
        if value is UNKNOWN:
            return Opaque(key, name)
        if isinstance(value, Array) and value.key is None:
            return _with_key(value, key)
        return value

    def param_value(self, binding, default: Value) -> Value:  # overridden by summaries
        return default

    def frame_suffix(self) -> str:
        """Distinguishes the unknown values of one binding in different calls of its function."""
        frame = getattr(self, "frame", None)
        if frame is None:
            return ""
        ids = self.__dict__.setdefault("_frame_ids", {})
        return "@" + str(ids.setdefault(frame, len(ids) + 1))

    # -- in-place changes ------------------------------------------------------------
    def _change_value(self, change: Change, name: str) -> Value:
        before = self._defs_value(change.before, name) if change.before else UNKNOWN
        if before is UNKNOWN or isinstance(before, Opaque):
            return UNKNOWN
        kind, node = change.kind, change.node
        if kind == "call":
            return self._method_change(before, node)
        if kind == "aug":
            return self._aug_change(before, node)
        if kind == "setitem":
            if isinstance(before, Array):
                return before  # item assignment keeps an array's shape
            if isinstance(before, Seq) and before.kind == "list" and isinstance(change.stmt, ast.Assign):
                index = self._index_value(node.slice) if isinstance(node, ast.Subscript) else None
                if isinstance(index, int) and -len(before.items) <= index < len(before.items):
                    items = list(before.items)
                    items[index] = self.value(change.stmt.value)
                    return _list(items)
            return UNKNOWN
        if kind == "attr" and isinstance(before, ModelVal) and node.attr == "trainable":
            return before
        return UNKNOWN

    def _method_change(self, before: Value, call: ast.Call) -> Value:
        method = call.func.attr
        if isinstance(before, Array):
            return before if method == "sort" and not call.args else UNKNOWN
        if not (isinstance(before, Seq) and before.kind == "list") or call.keywords:
            return UNKNOWN
        if any(isinstance(a, ast.Starred) for a in call.args):
            return UNKNOWN
        items, args = list(before.items), call.args
        if method == "append" and len(args) == 1:
            return _list(items + [self.value(args[0])])
        if method == "extend" and len(args) == 1:
            more = self.value(args[0])
            return _list(items + list(more.items)) if isinstance(more, Seq) else UNKNOWN
        if method == "clear" and not args:
            return _list([])
        if method == "reverse" and not args:
            return _list(items[::-1])
        if method == "insert" and len(args) == 2:
            index = self.value(args[0])
            if not (isinstance(index, Num) and type(index.value) is int):
                return UNKNOWN
            items.insert(index.value, self.value(args[1]))
            return _list(items)
        if method == "pop" and len(args) <= 1:
            index = self.value(args[0]) if args else Num(-1)
            if not (isinstance(index, Num) and type(index.value) is int):
                return UNKNOWN
            if not -len(items) <= index.value < len(items):
                return UNKNOWN
            del items[index.value]
            return _list(items)
        return UNKNOWN

    def _aug_change(self, before: Value, node: ast.AugAssign) -> Value:
        right = self.value(node.value)
        if isinstance(before, Seq) and isinstance(node.op, ast.Add) and isinstance(right, Seq):
            if before.kind == "tuple" and right.kind != "tuple":
                return UNKNOWN
            return Seq(before.items + right.items, before.kind)
        if isinstance(before, Seq) and isinstance(node.op, ast.Mult) and isinstance(right, Num) \
                and type(right.value) is int:
            return Seq(before.items * right.value, before.kind)
        if isinstance(before, Num) and isinstance(right, Num):
            a, b = before.value, right.value
            if type(a) is int and type(b) is int:
                if isinstance(node.op, ast.Add):
                    return Num(a + b)
                if isinstance(node.op, ast.Sub):
                    return Num(a - b)
                if isinstance(node.op, ast.Mult):
                    return Num(a * b)
        return UNKNOWN


def _first_iterations(frame) -> frozenset:
    """Ids of the ``for`` loops whose first iteration ``frame`` (or a frame it is in) stands for."""
    found = ()
    while frame is not None:
        if frame.first:
            found += (id(frame.func),)
        frame = frame.parent
    return frozenset(found)


_NEVER_NONE = (Num, Str, Seq, DictVal, Record, Array, LayerVal, OtherLayer, ModelVal, Instance, UserDefined)


def _list(items) -> Seq:
    return Seq(tuple(items), "list")


def join(values) -> Value:
    """Several definitions with different nodes but the same meaning: arrays of one shape."""
    first = values[0]
    if isinstance(first, Array) and first.shape is not None and all(
            isinstance(v, Array) and v.shape == first.shape and v.origin == first.origin
            for v in values):
        return Array(first.shape, first.origin)
    return UNKNOWN


def _unpack(value: Value, index: int, count: int, starred: bool) -> Value:
    if not isinstance(value, Seq) or len(value.items) < count - 1:
        return UNKNOWN
    items = value.items
    if starred:
        tail = count - index - 1
        return Seq(items[index:len(items) - tail], "list")
    if len(items) == count:
        return items[index]
    return UNKNOWN  # unpacking with a starred elsewhere, or a count mismatch


def _with_key(array: Array, key: Optional[str]) -> Array:
    return Array(array.shape, array.origin, array.ctor, array.shape_node, key, array.layer,
                 array.dim_nodes)
