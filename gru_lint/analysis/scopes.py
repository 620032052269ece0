"""Name bindings per scope, from one walk of the ``ast``.

A name resolves to a value only when it is bound exactly once in the scope that
owns it (or every binding is the same import). Anything else -- rebinding in a
loop or a branch, ``global`` writes from functions, star imports, parameters --
makes the name unknown, and unknown means silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional

from gru_lint.keras_facts import KERAS_PREFIXES

SCOPE_NODES = (
    ast.Module,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Binding:
    """One place where a name gets a value.

    ``kind``: "assign" (``value`` is the right-hand side; ``index`` is the
    position in a tuple target, ``starred`` when it is ``*name``; ``count`` the
    number of targets), "import" (``qualname``), "def", "class", "param",
    or "other" (for/with/except/augmented/...: value unknown).
    """

    kind: str
    node: ast.AST
    scope: "Scope"
    value: Optional[ast.AST] = None
    qualname: Optional[str] = None
    index: Optional[int] = None
    count: Optional[int] = None
    starred: bool = False


class Scope:
    __slots__ = ("node", "parent", "bindings", "globals", "nonlocals", "attrs", "self_name")

    def __init__(self, node: ast.AST, parent: "Optional[Scope]"):
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: set = set()
        self.nonlocals: set = set()
        # For classes: ``self.<attr>`` bindings made in its methods.
        self.attrs: Dict[str, List[Binding]] = {}
        # For methods: the name of the first parameter (``self``).
        self.self_name: Optional[str] = None

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"<Scope {type(self.node).__name__} {sorted(self.bindings)}>"


def canonical_module(qualname: str) -> str:
    """``tensorflow.keras.layers.GRU`` -> ``keras.layers.GRU``; ``np`` aliases are already resolved."""
    for prefix in KERAS_PREFIXES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            return "keras" + qualname[len(prefix):]
    if qualname == "tf" or qualname.startswith("tf."):  # ``import tensorflow as tf`` resolves anyway
        return qualname
    return qualname


class ScopeBuilder(ast.NodeVisitor):
    """Builds the scope tree and records every binding, in one pass."""

    def __init__(self, module: ast.Module):
        self.module_scope = Scope(module, None)
        self.scope_of: Dict[int, Scope] = {id(module): self.module_scope}
        # id(node) -> the scope a Name/expression is evaluated in.
        self.node_scope: Dict[int, Scope] = {}
        self.current = self.module_scope
        self.class_stack: List[Scope] = []

    # -- helpers ---------------------------------------------------------------
    def _bind(self, name: str, binding: Binding):
        scope = self.current
        if name in scope.globals:
            scope = self.module_scope
        elif name in scope.nonlocals:
            scope = self._nonlocal_owner(name) or scope
        scope.bindings.setdefault(name, []).append(
            Binding(binding.kind, binding.node, scope, binding.value, binding.qualname,
                    binding.index, binding.count, binding.starred)
        )

    def _nonlocal_owner(self, name):
        scope = self.current.parent
        while scope is not None and not isinstance(scope.node, ast.Module):
            if not scope.is_class and name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def _enter(self, node: ast.AST) -> Scope:
        scope = Scope(node, self.current)
        self.scope_of[id(node)] = scope
        return scope

    def _bind_target(self, target: ast.AST, value: Optional[ast.AST], kind="assign",
                     index=None, count=None, starred=False, stmt=None):
        stmt = stmt or target
        if isinstance(target, ast.Name):
            self._bind(target.id, Binding(kind, stmt, self.current, value, None, index, count, starred))
        elif isinstance(target, (ast.Tuple, ast.List)):
            n = len(target.elts)
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self._bind_target(elt.value, value, kind, i, n, True, stmt)
                elif kind == "assign" and index is None:
                    self._bind_target(elt, value, kind, i, n, False, stmt)
                else:  # nested unpacking: give up on the value
                    self._bind_target(elt, None, "other", stmt=stmt)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, "other", stmt=stmt)
        elif isinstance(target, ast.Attribute):
            self._bind_attr(target, value if kind == "assign" and index is None else None,
                            stmt, index=index, count=count, starred=starred)
        # Subscript targets bind nothing.

    def _bind_attr(self, target: ast.Attribute, value, stmt, index=None, count=None, starred=False):
        """Record ``self.x = ...`` inside a method of a class."""
        func = self.current
        if not isinstance(target.value, ast.Name) or func.self_name is None:
            return
        if target.value.id != func.self_name or not self.class_stack:
            return
        cls = func.parent
        if cls is None or not cls.is_class:
            return
        kind = "assign" if value is not None or index is not None else "other"
        cls.attrs.setdefault(target.attr, []).append(
            Binding(kind, stmt, func, value, None, index, count, starred)
        )

    def visit(self, node):
        self.node_scope[id(node)] = self.current
        return super().visit(node)

    # -- statements that bind ----------------------------------------------------
    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, Binding("import", node, self.current,
                                                 qualname=canonical_module(alias.name)))
            else:
                top = alias.name.split(".")[0]
                self._bind(top, Binding("import", node, self.current, qualname=canonical_module(top)))

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level:  # relative import: the user's own module
            for alias in node.names:
                if alias.name != "*":
                    self._bind(alias.asname or alias.name, Binding("other", node, self.current))
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.current.bindings.setdefault("*", []).append(
                    Binding("import", node, self.current, qualname=canonical_module(module)))
                continue
            self._bind(alias.asname or alias.name,
                       Binding("import", node, self.current,
                               qualname=canonical_module(f"{module}.{alias.name}")))

    def visit_Assign(self, node: ast.Assign):
        self.visit(node.value)
        for target in node.targets:
            self._bind_target(target, node.value, stmt=node)
            self._visit_target_subexprs(target)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if node.value is not None:
            self._bind_target(node.target, node.value, stmt=node)
        elif isinstance(node.target, ast.Name):
            pass  # a bare annotation binds nothing
        self._visit_target_subexprs(node.target)

    def visit_AugAssign(self, node: ast.AugAssign):
        self.visit(node.value)
        self._bind_target(node.target, None, "other", stmt=node)
        self._visit_target_subexprs(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        scope = self.current
        # The walrus binds in the nearest enclosing non-comprehension scope.
        saved = self.current
        while isinstance(scope.node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            scope = scope.parent
        self.current = scope
        self._bind_target(node.target, node.value, stmt=node)
        self.current = saved

    def _for(self, node):
        self.visit(node.iter)
        self._bind_target(node.target, None, "other", stmt=node)
        self._visit_target_subexprs(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_For = _for
    visit_AsyncFor = _for

    def _with(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, None, "other", stmt=node)
                self._visit_target_subexprs(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_With = _with
    visit_AsyncWith = _with

    def visit_ExceptHandler(self, node: ast.ExceptHandler):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name, Binding("other", node, self.current))
        for stmt in node.body:
            self.visit(stmt)

    def visit_Delete(self, node: ast.Delete):
        for target in node.targets:
            self._bind_target(target, None, "other", stmt=node)
            self._visit_target_subexprs(target)

    def visit_Global(self, node: ast.Global):
        self.current.globals.update(node.names)
        for name in node.names:  # a function may rebind it: the module binding is no longer single
            self.module_scope.bindings.setdefault(name, []).append(Binding("other", node, self.current))

    def visit_Nonlocal(self, node: ast.Nonlocal):
        self.current.nonlocals.update(node.names)

    def visit_match_case(self, node):  # 3.10+: every capture binds a name to an unknown value
        for child in ast.walk(node.pattern):
            name = getattr(child, "name", None) or getattr(child, "rest", None)
            if isinstance(name, str):
                self._bind(name, Binding("other", child, self.current))
        self.generic_visit(node)

    def _visit_target_subexprs(self, target):
        """Visit the expressions inside a target (``a[i]``, ``obj.attr``) for scoping."""
        for child in ast.walk(target):
            if child is not target:
                self.node_scope.setdefault(id(child), self.current)
            if isinstance(child, ast.Subscript):
                self.visit(child.slice)
                self.visit(child.value)
            elif isinstance(child, ast.Attribute):
                self.visit(child.value)

    # -- scopes ------------------------------------------------------------------
    def _function(self, node):
        for deco in node.decorator_list:
            self.visit(deco)
        args = node.args
        for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        if node.returns is not None:
            self.visit(node.returns)
        self._bind(node.name, Binding("def", node, self.current))
        self._function_body(node, node.body)

    def _function_body(self, node, body):
        outer = self.current
        scope = self._enter(node)
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if outer.is_class and params and not self._is_static(node):
            scope.self_name = params[0].arg
        self.current = scope
        for arg in params + [a for a in (node.args.vararg, node.args.kwarg) if a]:
            self._bind(arg.arg, Binding("param", arg, scope))
        if isinstance(body, list):
            for stmt in body:
                self.visit(stmt)
        else:
            self.visit(body)
        self.current = outer

    @staticmethod
    def _is_static(node) -> bool:
        return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
                   for d in getattr(node, "decorator_list", ()))

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda):
        args = node.args
        for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        self._function_body(node, node.body)

    def visit_ClassDef(self, node: ast.ClassDef):
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expr)
        self._bind(node.name, Binding("class", node, self.current))
        outer = self.current
        scope = self._enter(node)
        self.current = scope
        self.class_stack.append(scope)
        for stmt in node.body:
            self.visit(stmt)
        self.class_stack.pop()
        self.current = outer

    def _comprehension(self, node):
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        outer = self.current
        self.current = self._enter(node)
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self._bind_target(gen.target, None, "other", stmt=gen)
            for cond in gen.ifs:
                self.visit(cond)
        for elt in ("elt", "key", "value"):
            if getattr(node, elt, None) is not None:
                self.visit(getattr(node, elt))
        self.current = outer

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension


def build_scopes(module: ast.Module) -> ScopeBuilder:
    builder = ScopeBuilder(module)
    for stmt in module.body:
        builder.visit(stmt)
    return builder


def lookup(scope: Scope, name: str) -> Optional[List[Binding]]:
    """The bindings a load of ``name`` in ``scope`` can see (Python's LEGB rules)."""
    if name in scope.globals:
        scope = _module_of(scope)
    first = True
    while scope is not None:
        if (first or not scope.is_class) and name in scope.bindings:
            return scope.bindings[name]
        if (first or not scope.is_class) and "*" in scope.bindings:
            return None  # a star import may or may not define it
        first = False
        scope = scope.parent
    return []  # a builtin or an undefined name


def _module_of(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope
