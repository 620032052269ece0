"""Configuration objects: dataclass instances, ``SimpleNamespace``, class attributes.

Real training scripts keep their sizes in a config object as often as in constants:

- ``@dataclass class Config: units: int = 64`` then ``cfg = Config(units=128)``;
- ``hp = types.SimpleNamespace(units=64, batch_size=16)``;
- ``class Config: UNITS = 64`` read as ``Config.UNITS``.

Each gives its field's value, and only while nothing can change it. An attribute
written anywhere in the file under that name (``x.units = ...``, ``self.cfg.units += 1``),
or any ``setattr``, ``vars()`` or ``__dict__`` in the file, makes every read of it
unknown. A dataclass or namespace instance is a mutable object: its name is trusted
only where a list's would be (``mutable.list_is_stable``), so handing it to an unknown
function makes it unknown. Decorated classes other than a plain ``@dataclass``, a
``__post_init__``, ``field(...)`` defaults, ``ClassVar``/``InitVar`` fields and bases
are not followed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.values import UNKNOWN, Value

_DATACLASS = frozenset({"dataclasses.dataclass"})
_NAMESPACE = frozenset({"types.SimpleNamespace", "argparse.Namespace"})
_ESCAPES = re.compile(r"\bsetattr\b|\bvars\s*\(|__dict__|\b__setattr__\b")


@dataclass(frozen=True)
class Record(Value):
    """A dataclass instance or a namespace: named fields with known values."""

    fields: Tuple[Tuple[str, Value], ...]
    node: Optional[ast.AST] = None  # the call that made it

    def get(self, name: str) -> Optional[Value]:
        for key, value in self.fields:
            if key == name:
                return value
        return None


class Records:
    """The configuration-object half of the evaluator (mixed into ``infer.Evaluator``)."""

    def record_attr(self, record: Record, attr: str) -> Value:
        found = record.get(attr)
        if found is None or self.attr_written(attr) or _mutable(found):
            return UNKNOWN
        return found

    def attr_written(self, attr: str) -> bool:
        """Whether the file may write an attribute of that name anywhere but a constructor's ``self``."""
        memo = self.__dict__.setdefault("_written_attrs", {})
        if attr not in memo:
            text = self.source.source
            pattern = re.compile(r"\.\s*" + re.escape(attr) + r"\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)")
            memo[attr] = bool(_ESCAPES.search(text)) or any(
                not _in_init_of_self(self, m.start()) for m in pattern.finditer(text))
        return memo[attr]

    # -- making them ------------------------------------------------------------------
    def namespace(self, qualname: str, call: ast.Call) -> Optional[Value]:
        """``SimpleNamespace(units=64)``; None when ``qualname`` is not a namespace class."""
        if qualname not in _NAMESPACE:
            return None
        if call.args or any(k.arg is None for k in call.keywords):
            return UNKNOWN
        return Record(tuple((k.arg, self.value(k.value)) for k in call.keywords), call)

    def dataclass_instance(self, cls: ast.ClassDef, call: ast.Call) -> Optional[Value]:
        """An instance of a plain ``@dataclass`` of the file; None when ``cls`` is not one."""
        if not self._is_dataclass(cls):
            return None
        fields = _fields(cls)
        scope = self.scopes.scope_by_node.get(id(cls))
        if fields is None or scope is None or scope.attrs or any(isinstance(a, ast.Starred) for a in call.args) \
                or any(k.arg is None for k in call.keywords) or len(call.args) > len(fields):
            return UNKNOWN
        values = {}
        for (name, _), arg in zip(fields, call.args):
            values[name] = self.value(arg)
        names = {name for name, _ in fields}
        for kw in call.keywords:
            if kw.arg not in names or kw.arg in values:
                return UNKNOWN  # a TypeError at run time
            values[kw.arg] = self.value(kw.value)
        for name, default in fields:
            if name not in values:
                if default is None:
                    return UNKNOWN
                self.scopes.register(default, scope)
                values[name] = self.run_in(None, self.value, default)
        return Record(tuple((name, values[name]) for name, _ in fields), call)

    def _is_dataclass(self, cls: ast.ClassDef) -> bool:
        if len(cls.decorator_list) != 1 or cls.bases or cls.keywords:
            return False
        decorator = cls.decorator_list[0]
        scope = self.scopes.scope_by_node.get(id(cls))
        if scope is None or scope.parent is None:
            return False
        if isinstance(decorator, ast.Call):  # ``@dataclass(frozen=True)``: options that keep __init__
            if decorator.args or any(k.arg in ("init",) or k.arg is None for k in decorator.keywords):
                return False
            decorator = decorator.func
        return _imported_name(scope.parent, decorator) in _DATACLASS

    # -- class attributes -------------------------------------------------------------
    def class_attr(self, cls: ast.ClassDef, attr: str) -> Value:
        """``Config.UNITS``: the class body's single binding of it, on a plain class."""
        if cls.decorator_list or cls.bases or cls.keywords or self.attr_written(attr):
            return UNKNOWN
        scope = self.scopes.scope_by_node.get(id(cls))
        if scope is None or attr in scope.attrs:
            return UNKNOWN
        bindings = scope.bindings.get(attr) or ()
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].scope is not scope:
            return UNKNOWN
        value = self.run_in(None, self._binding_value, bindings[0], f"{cls.name}.{attr}")
        return UNKNOWN if _mutable(value) else value


def _mutable(value) -> bool:
    """A list, dict or namespace held in a field: ``Config.SIZES.append(64)`` changes it
    where no write of the attribute shows, so it is not trusted."""
    from gru_lint.analysis.values import DictVal, Seq

    if isinstance(value, (DictVal, Record)):
        return True
    return isinstance(value, Seq) and (value.kind == "list" or any(_mutable(v) for v in value.items))


def _imported_name(scope, node) -> Optional[str]:
    """``dataclass`` / ``dataclasses.dataclass`` as imported, when the name is bound once.

    Decorators stand above their statement, where the flow walk does not look: the
    name is resolved by its only binding, an import.
    """
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    _, bindings, _ = sc.resolve(scope, node.id)
    if not bindings or len(bindings) != 1 or bindings[0].kind != "import":
        return None
    return ".".join([bindings[0].qualname] + attrs[::-1])


def _fields(cls: ast.ClassDef):
    """A dataclass's fields in order, as (name, default node or None); None: not followed."""
    fields = []
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign):
            if not isinstance(stmt.target, ast.Name):
                return None
            annotation = ast.unparse(stmt.annotation)
            if "ClassVar" in annotation or "InitVar" in annotation or "KW_ONLY" in annotation:
                return None
            default = stmt.value
            if isinstance(default, ast.Call):
                return None  # ``field(...)`` and other calls: not followed
            fields.append((stmt.target.id, default))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name in ("__init__", "__post_init__", "__setattr__", "__getattribute__",
                             "__getattr__", "__new__"):
                return None
        elif isinstance(stmt, ast.Assign):
            continue  # a class attribute, not a field
        elif not isinstance(stmt, (ast.Expr, ast.Pass)):
            return None
    return fields


def _in_init_of_self(ev, offset: int) -> bool:
    """Whether the attribute write at ``offset`` is ``self.x = ...``.

    Those set the instance a method runs on (``self.units = units`` in a Keras layer),
    not a dataclass or namespace made elsewhere; a dataclass whose own methods write
    ``self.x`` is refused by ``dataclass_instance``.
    """
    text = ev.source.source
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return text[start:offset] == "self" and (start == 0 or text[start - 1] not in "._")


__all__ = ["Record", "Records"]
