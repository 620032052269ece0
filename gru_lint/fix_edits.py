"""The pieces the fixes are built from: where a state is constructed, the edits that
rewrite its shape, and expressions taken from the user's own code (the input's batch,
the layer's units, ``tf.shape``/``ops.shape`` and the import they need).

See :mod:`gru_lint.fixes` for when a fix may rewrite a state at all.
"""

from __future__ import annotations

import ast
import functools
import re
import weakref
from typing import Dict, List, Optional, Sequence, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.values import Array, Opaque, to_dim
from gru_lint.diagnostics import Edit
from gru_lint.keras_facts import ARRAY_CONSTRUCTORS, INPUT_NAMES

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIXABLE_ORIGINS = ("numpy", "tensor")
_TITLE_CODE_MAX = 70

# -- per-file support -------------------------------------------------------------------
class _Support:
    """Facts about one file that fixes need, computed on first use (most files need none)."""

    def __init__(self, analysis):
        # Weak: the analysis holds this object, and a cycle would outlive the file.
        self._analysis = weakref.ref(analysis)
        self.source = analysis.source
        self.text = analysis.positions  # the file's line table (``analysis.source.SourceText``)
        self._loads: Optional[Dict[str, List[ast.Name]]] = None
        self._has_input: Optional[bool] = None

    @property
    def analysis(self):
        return self._analysis()

    # positions
    def offset(self, line: int, byte_col: int) -> int:
        return self.text.offset(line, self.text.col(line, byte_col))

    def range(self, node: ast.AST) -> Tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def segment(self, node: ast.AST) -> str:
        start, end = self.range(node)
        return self.source[start:end]

    def line_end(self, line: int) -> Tuple[int, str]:
        """Offset just past line ``line`` (1-based) and that line's line break ("" at EOF)."""
        lines = self.text.lines
        if line > len(lines):
            return len(self.source), ""
        text = lines[line - 1]
        return self.text.starts[line], text[len(text.rstrip("\r\n")):]

    # names
    def loads(self, name: str) -> List[ast.Name]:
        if self._loads is None:
            loads: Dict[str, List[ast.Name]] = {}
            for node in ast.walk(self.analysis.tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    loads.setdefault(node.id, []).append(node)
            self._loads = loads
        return self._loads.get(name, [])

    @functools.cached_property
    def identifiers(self) -> set:
        """Every name the file binds or reads, in any scope (attributes excluded)."""
        names = set()
        for node in ast.walk(self.analysis.tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
            elif type(node).__name__ in ("MatchAs", "MatchStar") and getattr(node, "name", None):
                names.add(node.name)
            elif type(node).__name__ == "MatchMapping" and getattr(node, "rest", None):
                names.add(node.rest)
        return names

    @property
    def has_keras_input(self) -> bool:
        """The file builds ``keras.Input``s: a layer output may be symbolic."""
        if self._has_input is None:
            ev = self.analysis.evaluator
            self._has_input = "Input" in self.source and any(
                isinstance(n, ast.Call) and ev.qualname(n.func) in INPUT_NAMES
                for n in ast.walk(self.analysis.tree)
            )
        return self._has_input


def support(analysis) -> _Support:
    found = getattr(analysis, "_fix_support", None)
    if found is None:
        found = _Support(analysis)
        analysis._fix_support = found
    return found


# -- small ast helpers -----------------------------------------------------------------
def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))


def _is_int_literal(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _lookup(analysis, node: ast.AST, name: str):
    """The bindings ``name`` sees where ``node`` is evaluated; None when that is not known
    (a default argument or decorator, which the scopes do not place)."""
    scope = analysis.evaluator.scope_of(node)
    return None if scope is None else sc.lookup(scope, name)


def _defined_before(analysis, binding: sc.Binding, at: ast.AST) -> bool:
    """Is ``binding`` bound by the time the code at ``at`` runs?"""
    if binding.kind == "param":
        return True
    scope = analysis.evaluator.scope_of(at)
    if scope is None:
        return False
    while scope is not None and scope is not binding.scope:
        if isinstance(scope.node, sc.FUNCTION_NODES):
            return True  # ``at`` runs when the function is called, after the enclosing code
        scope = scope.parent
    if scope is None:
        return False
    node = binding.node
    end = (getattr(node, "end_lineno", None) or node.lineno, getattr(node, "end_col_offset", 0) or 0)
    return end <= (at.lineno, at.col_offset)


def _visible(analysis, name: str, ref: ast.AST, at: ast.AST) -> bool:
    """``name`` means at ``at`` exactly what it means at ``ref``, and is bound when ``at`` runs."""
    bindings = _lookup(analysis, ref, name)
    if not bindings or _lookup(analysis, at, name) is not bindings:
        return False
    if len(bindings) > 1:
        if not all(b.kind == "import" for b in bindings) or len({b.qualname for b in bindings}) != 1:
            return False
    elif bindings[0].kind not in ("assign", "import", "param", "def", "class"):
        return False
    return _defined_before(analysis, bindings[0], at)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TITLE_CODE_MAX else text[: _TITLE_CODE_MAX - 3] + "..."


def _rewritten(sup: _Support, node: ast.AST, edits: Sequence[Edit]) -> str:
    """The text of ``node`` once ``edits`` (all inside it, or elsewhere) are applied."""
    start, end = sup.range(node)
    text = sup.source[start:end]
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if start <= e.start and e.end <= end:
            text = text[: e.start - start] + e.text + text[e.end - start:]
    return text


def _input_label(sup: _Support, plan) -> str:
    node = plan.call.inputs_node
    if node is not None:
        text = sup.segment(node)
        if len(text) <= 30 and "\n" not in text:
            return f"`{text}`"
    return "the input"


# -- the state's constructor ----------------------------------------------------------------
def state_array(analysis, plan, given) -> Optional[Array]:
    """The constructed array of one state, when rewriting its constructor touches nothing else."""
    value = given.value
    if not isinstance(value, Array) or value.ctor is None or value.origin not in _FIXABLE_ORIGINS:
        return None
    if analysis.evaluator.qualname(value.ctor.func) not in ARRAY_CONSTRUCTORS:
        return None
    if not _owned(analysis, plan.call.state_node, value.ctor):
        return None
    return value


_MAX_OWNED_NAMES = 8


def _owned(analysis, state_node: ast.AST, ctor: ast.Call) -> bool:
    """Does ``ctor`` only ever feed this call's ``initial_state``?

    True when it is written inside the call's state expression, or inside the value of a
    name bound once whose every use is inside such a region (``h0 = np.zeros(64)`` used
    only here; ``init = [np.zeros(64), c]`` used only here; ``[zero, zero]``). A name
    also used elsewhere -- by another layer, a print, a return -- is never rewritten.
    """
    sup = support(analysis)
    regions = [state_node]
    done = set()
    for _ in range(_MAX_OWNED_NAMES):
        if any(_contains(r, ctor) for r in regions):
            return True
        inside = {id(n) for r in regions for n in ast.walk(r)}
        grew = False
        for region in list(regions):
            for name in ast.walk(region):
                if not isinstance(name, ast.Name) or not isinstance(name.ctx, ast.Load):
                    continue
                bindings = _lookup(analysis, name, name.id)
                if not bindings or len(bindings) != 1 or id(bindings[0]) in done:
                    continue
                binding = bindings[0]
                if binding.kind != "assign" or binding.value is None or binding.starred:
                    continue
                # A load the scopes cannot place might be a use: then the name is not owned.
                uses = [n for n in sup.loads(name.id)
                        if _lookup(analysis, n, n.id) in (bindings, None)]
                if any(id(n) not in inside for n in uses):
                    continue
                value = binding.value
                if binding.index is not None:  # ``h, c = a, b``: only this name's own element
                    if not isinstance(value, (ast.Tuple, ast.List)) or len(value.elts) != binding.count \
                            or any(isinstance(e, ast.Starred) for e in value.elts):
                        continue
                    value = value.elts[binding.index]
                done.add(id(binding))
                regions.append(value)
                grew = True
        if not grew:
            return False
    return False


def _dims_ok(analysis, array: Array, rank: int) -> bool:
    """The constructor spells each of its ``rank`` dimensions as one integer expression."""
    dims = array.dim_nodes
    if array.shape is None or len(array.shape) != rank or dims is None or len(dims) != rank:
        return False
    ev = analysis.evaluator
    return all(d is not None and to_dim(ev.value(d)) is not None for d in dims)


def _prepend_dim(analysis, array: Array, text: str) -> Optional[Tuple[Edit, ...]]:
    """Edits making a 1-D constructor 2-D with ``text`` as its first dimension."""
    if not _dims_ok(analysis, array, 1):
        return None
    sup = support(analysis)
    how = ARRAY_CONSTRUCTORS[analysis.evaluator.qualname(array.ctor.func)][0]
    dim = array.dim_nodes[0]
    if how == "dims":  # np.random.rand(64) -> np.random.rand(B, 64)
        start = sup.range(dim)[0]
        return (Edit(start, start, f"{text}, "),)
    shape = array.shape_node
    start, end = sup.range(shape)
    written = sup.source[start:end]
    if isinstance(shape, (ast.Tuple, ast.List)):
        if not (written[:1] in "([" and written[-1:] in ")]") or len(written) < 2:
            return None
        if "#" in written:  # keep comments: insert after the bracket
            return (Edit(start + 1, start + 1, f"{text}, "),)
        return (Edit(start, end, f"{written[0]}{text}, {sup.segment(dim)}{written[-1]}"),)
    if shape is dim:  # np.zeros(64) -> np.zeros((B, 64))
        return (Edit(start, end, f"({text}, {written})"),)
    return None


def _replace_dim(analysis, array: Array, index: int, text: str) -> Optional[Tuple[Edit, ...]]:
    if not _dims_ok(analysis, array, 2):
        return None
    sup = support(analysis)
    start, end = sup.range(array.dim_nodes[index])
    if sup.source[start:end] == text:
        return None
    return (Edit(start, end, text),)


# -- expressions reused from the user's code --------------------------------------------------
def _shape_function(analysis, at: ast.AST) -> Optional[Tuple[str, Tuple[Edit, ...]]]:
    """A ``shape`` function usable at ``at`` (``tf.shape``, ``ops.shape``, ``keras.ops.shape``),
    with the import to add when none is imported and adding one is trivially safe."""
    ev = analysis.evaluator
    scope = ev.scope_of(at)
    if scope is None:
        return None
    names = []
    s, first = scope, True
    while s is not None:
        if first or not s.is_class:
            names.extend(s.bindings)
        first = False
        s = s.parent
    found = {}
    for name in dict.fromkeys(names):
        if not name.isidentifier():  # "*": a star import
            continue
        bindings = sc.lookup(scope, name)
        if not bindings or not all(b.kind == "import" for b in bindings):
            continue
        quals = {b.qualname for b in bindings}
        if len(quals) != 1 or not _defined_before(analysis, bindings[0], at):
            continue
        found.setdefault(quals.pop(), name)
    if "tensorflow" in found:
        return f"{found['tensorflow']}.shape", ()
    if "keras.ops" in found:
        return f"{found['keras.ops']}.shape", ()
    if "keras" in found:
        return f"{found['keras']}.ops.shape", ()
    return _add_import(analysis, at)


def _add_import(analysis, at: ast.AST) -> Optional[Tuple[str, Tuple[Edit, ...]]]:
    """``import tensorflow as tf`` (or ``from keras import ops``) after the module's imports,
    only if the file already imports that package and never spells the new name."""
    sup = support(analysis)
    tree = analysis.tree
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
           for n in ast.walk(tree)):
        return None
    top = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    modules = set()
    for stmt in top:
        if isinstance(stmt, ast.Import):
            modules.update(a.name.split(".")[0] for a in stmt.names)
        elif stmt.module and not stmt.level:
            modules.add(stmt.module.split(".")[0])
    before = [s for s in top if (s.end_lineno, s.end_col_offset) <= (at.lineno, at.col_offset)]
    if not before or before[-1].col_offset != 0:
        return None
    used = sup.identifiers
    if "tensorflow" in modules and "tf" not in used:
        line, name = "import tensorflow as tf", "tf.shape"
    elif "keras" in modules and "ops" not in used:
        line, name = "from keras import ops", "ops.shape"
    else:
        return None
    offset, brk = sup.line_end(before[-1].end_lineno)
    if brk:
        text = line + brk
    else:  # the import is the file's last line, without a line break
        newline = _LINE_BREAK.search(sup.source)
        text = (newline.group() if newline else "\n") + line
    return name, (Edit(offset, offset, text),)


def batch_expression(analysis, plan, state: Array,
                     dynamic_first: bool = False) -> Optional[Tuple[str, Tuple[Edit, ...]]]:
    """The input's batch, spelled so that it can be written in ``state``'s constructor:
    the batch the input's constructor spells (a literal or a name), ``x.shape[0]`` for a
    NumPy array, ``tf.shape(x)[0]`` / ``ops.shape(x)[0]`` for a tensor (only in a tensor
    constructor: NumPy cannot take a symbolic batch). Returns (text, extra edits).

    ``dynamic_first``: the state spelled its batch as an expression, so a literal batch
    is the last resort (``enc_x.shape[0]`` becomes ``dec_x.shape[0]``, not ``3``)."""
    at = state.ctor
    x = plan.call.inputs
    x_node = plan.call.inputs_node
    if x_node is None:
        return None
    literal = None
    if isinstance(x, Array):
        dims = x.dim_nodes
        if dims and dims[0] is not None:
            batch = dims[0]
            if _is_int_literal(batch):
                literal = (support(analysis).segment(batch), ())
                if not dynamic_first:
                    return literal
            elif isinstance(batch, ast.Name) and _visible(analysis, batch.id, batch, at):
                return batch.id, ()
        if x.origin == "input":
            return literal  # symbolic: only a batch written out can be reused
        if x.origin == "layer" and support(analysis).has_keras_input:
            return literal  # may be symbolic
    elif not isinstance(x, Opaque) or support(analysis).has_keras_input:
        return None
    if not isinstance(x_node, ast.Name) or not _visible(analysis, x_node.id, x_node, at):
        return literal
    if isinstance(x, Array) and x.origin == "numpy":
        return f"{x_node.id}.shape[0]", ()
    shape = _shape_function(analysis, at) if state.origin == "tensor" else None
    if shape is None:
        return literal
    function, edits = shape
    return f"{function}({x_node.id})[0]", edits


def _units_expression(analysis, slot, at: ast.AST) -> Optional[str]:
    node = slot.cell.units_node
    if node is not None:
        if _is_int_literal(node):
            return support(analysis).segment(node)
        if isinstance(node, ast.Name) and _visible(analysis, node.id, node, at):
            return node.id
    if isinstance(slot.units, int):
        return str(slot.units)
    return None



def _guarded(build):
    """A fix that cannot be built is no fix: never let it break the check itself."""

    @functools.wraps(build)
    def wrapper(*args):
        try:
            return build(*args)
        except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
            return None

    return wrapper
