"""Keras test oracle: run a fixture program under real Keras and report what happened.

The oracle knows nothing about gru-lint's rule codes. It runs a fixture and
records generic observations (exceptions, and the outcome of every recurrent
layer call made with ``initial_state``) attributed to statements of the
fixture file. ``verdict`` then compares those observations with the
``# error: [CODE]`` markers of the fixture, given a mapping from each code to
the observation kinds that prove it.

Fixture contract
----------------
* A fixture is a runnable program. Lines where gru-lint must report carry a
  trailing ``# error: [GRU001]`` (or ``# error: [GRU001, GRU003]``) comment.
* If the module defines top-level ``case_*`` functions, the module body runs
  once and then every case runs in isolation (``keras.backend.clear_session()``
  and fixed seeds before each); an exception in one case does not stop the
  next. Without ``case_*`` functions the module body is the single case.

Observation kinds
-----------------
``raised``
    An exception escaped a case; attributed to the innermost traceback frame
    in the fixture file.
``call_raised``
    A recurrent layer call with ``initial_state`` raised eagerly (for a
    symbolic call: raised once fed concrete arrays).
``graph_raised``
    The same call raised inside ``tf.function``.
``state_ignored``
    Perturbing an array leaf of the (flattened) initial state left the output
    unchanged; ``detail`` lists the unused leaf indices.
``nonarray_state``
    Some leaves of the initial state are Python scalars (a nested list of
    floats), not arrays.
``output_changed``
    The output shapes differ from those of the same call without
    ``initial_state``.
``model_state_ignored``
    A ``keras.Model`` call with ``initial_state=`` returned the same output as
    without it.
``state_list_fed``
    An exception raised by a layer that was handed the list ``[output, *states]``
    of a recurrent layer built with ``return_state=True`` (as a ``Sequential``
    does); attributed to the statement that created that recurrent layer, and
    recorded just before the ``raised`` it comes with.
``state_not_carried``
    A recurrent layer called with ``initial_state`` that returns its states, or a
    model fed several arrays that returns several (``decoder_model.predict([tok] +
    states)``, ``decoder(tok, hidden, enc_out)``), called again from the same fixture
    statement (same call chain, same object) was fed, for some argument, exactly what
    it was fed the step before, although that step returned new arrays of that
    argument's shape, and none of the arrays it returned is fed back: the state is
    not carried from one step to the next. A step that is fed back one of the
    previous step's new arrays is recorded as ``ok`` ("state carried"). Eager calls
    only; values are compared, not identities.
``ok``
    An intercepted call showed none of the above.
``probe_error``
    The oracle itself failed while checking a call (a harness bug, never a
    Keras verdict).

Notebooks
---------
``notebook_program(path, directory)`` writes a notebook's code cells, in order and
with IPython syntax masked line for line (``gru_lint.notebook``), as one program
file; ``observe`` and ``parse_markers`` then work on it as on any fixture, and
``get_ipython()`` (what masked ``x = !cmd`` lines call) returns None. Such a program
runs cell by cell in one namespace, as Jupyter's "run all" with errors allowed: each
cell is a case (``"cell 5"``), and an exception ends only its own cell.

Keras 2
-------
``observe(path, flavour="tf_keras")`` runs a fixture written for Keras 2 (it imports
``tf_keras``) with tf_keras's classes intercepted instead of Keras 3's; the
observations mean the same.

Calls on symbolic ``KerasTensor`` inputs (functional model building) are
concretised: each KerasTensor is replaced by a random array of its shape,
``CONCRETE_BATCH`` standing for an unknown batch dimension and ``CONCRETE_DIM``
for any other unknown dimension, and the checks run on those arrays with the
same layer object. Calls traced inside ``tf.function`` are concretised the same
way (outside the graph) after the traced call itself succeeded.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import os
import re
import sys
import tempfile
import tokenize
import types
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__all__ = [
    "CONCRETE_BATCH",
    "CONCRETE_DIM",
    "KINDS",
    "SEED",
    "CaseResult",
    "Observation",
    "notebook_program",
    "observe",
    "parse_markers",
    "run_fixture",
    "statement_of",
    "statement_ranges",
    "verdict",
]

SEED = 1234
CONCRETE_BATCH = 3
CONCRETE_DIM = 4
MODULE_CASE = "<module>"

KINDS = frozenset(
    {
        "raised",
        "call_raised",
        "graph_raised",
        "state_ignored",
        "nonarray_state",
        "output_changed",
        "model_state_ignored",
        "state_list_fed",
        "state_not_carried",
        "ok",
        "probe_error",
    }
)

_MARKER_RE = re.compile(r"#\s*error:\s*\[([^\]]*)\]")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_CORE_RE = re.compile(r"\x1b\[1m(.*?)(?:\x1b\[0m|$)", re.DOTALL)
_BOILERPLATE = (
    "Exception encountered when calling",
    "in user code:",
    "Graph execution error:",
)


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One thing seen while running a fixture.

    ``stmt`` is the (first_line, last_line) range of the fixture statement the
    observation is attributed to; ``seq`` orders observations by execution;
    ``case`` is the ``case_*`` function name (or ``"<module>"``); ``layer`` is
    the class name of the intercepted layer or model ("" for ``raised``).
    ``chain`` holds the statements of the fixture frames that led there, from the
    case (or module body) down to the frame holding ``stmt`` (excluded): for a
    layer called inside a helper, the helper's call and the calls above it.
    """

    stmt: tuple[int, int]
    kind: str
    detail: str = ""
    case: str = MODULE_CASE
    seq: int = 0
    layer: str = ""
    chain: tuple[tuple[int, int], ...] = ()

    @property
    def statements(self) -> tuple[tuple[int, int], ...]:
        """The statements of the fixture's call chain, outermost first, ending at ``stmt``."""
        return self.chain + (self.stmt,)

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        where = (
            f"{self.stmt[0]}"
            if self.stmt[0] == self.stmt[1]
            else f"{self.stmt[0]}-{self.stmt[1]}"
        )
        who = f" {self.layer}" if self.layer else ""
        return f"[{self.case}] line {where}: {self.kind}{who} {self.detail}".rstrip()


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one case in ``run_fixture``: ``error`` is None when it ran."""

    case: str
    error: str | None


# --------------------------------------------------------------------------
# Source helpers: statements and markers
# --------------------------------------------------------------------------

_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _header_range(node: ast.AST) -> tuple[int, int]:
    first = node.lineno
    for deco in getattr(node, "decorator_list", ()) or ():
        first = min(first, deco.lineno)
    last = node.lineno
    for field, value in ast.iter_fields(node):
        if field in _BODY_FIELDS:
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, ast.AST):
                end = getattr(item, "end_lineno", None)
                if end is None:
                    for sub in ast.walk(item):
                        end = max(end or 0, getattr(sub, "end_lineno", 0) or 0)
                if end:
                    last = max(last, end)
    return first, last


def _ranges_from_tree(tree: ast.AST) -> list[tuple[int, int]]:
    ranges: set[tuple[int, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.stmt, ast.ExceptHandler)):
            has_body = any(f in _BODY_FIELDS for f, _ in ast.iter_fields(node))
            if has_body:
                ranges.add(_header_range(node))
            else:
                ranges.add((node.lineno, node.end_lineno or node.lineno))
    return sorted(ranges)


_RANGE_CACHE: dict[tuple[str, float], list[tuple[int, int]]] = {}


def statement_ranges(path: str | os.PathLike) -> list[tuple[int, int]]:
    """Line ranges of every simple statement (and compound-statement header).

    A compound statement (``if``, ``for``, ``with``, ``def``...) contributes its
    header only, so a line maps to the smallest enclosing simple statement.
    """
    p = Path(path).resolve()
    key = (str(p), p.stat().st_mtime)
    if key not in _RANGE_CACHE:
        _RANGE_CACHE[key] = _ranges_from_tree(
            ast.parse(p.read_text(encoding="utf-8"), str(p))
        )
    return list(_RANGE_CACHE[key])


def statement_of(line: int, ranges: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The smallest range containing ``line`` (``(line, line)`` when none does)."""
    best: tuple[int, int] | None = None
    for first, last in ranges:
        if first <= line <= last and (best is None or last - first < best[1] - best[0]):
            best = (first, last)
    return best if best is not None else (line, line)


def parse_markers(path: str | os.PathLike) -> dict[int, set[str]]:
    """``{line: {codes}}`` from ``# error: [CODE, ...]`` comments (real comments only)."""
    markers: dict[int, set[str]] = {}
    with open(path, "rb") as fh:
        for tok in tokenize.tokenize(fh.readline):
            if tok.type != tokenize.COMMENT:
                continue
            match = _MARKER_RE.search(tok.string)
            if not match:
                continue
            codes = {c.strip() for c in match.group(1).split(",") if c.strip()}
            if codes:
                markers.setdefault(tok.start[0], set()).update(codes)
    return markers


# --------------------------------------------------------------------------
# Verdict
# --------------------------------------------------------------------------


def verdict(
    observations: Iterable[Observation],
    markers: Mapping[int, Iterable[str]],
    effects: Mapping[str, Iterable[str]],
) -> list[str]:
    """Problems found when comparing observations with markers (empty = agreement).

    * every marked statement needs an observation whose kind is in the union of
      ``effects[code]`` over its codes, made at that statement or below it in the
      call chain (a layer called inside a helper credits a marker on the helper's
      call, as gru-lint reports a finding that depends on the caller's arguments);
    * a fixture without markers may only produce ``ok`` observations;
    * in a marked fixture, an intercepted call whose call chain holds no marked
      statement must be ``ok``; a ``raised`` there is tolerated only after (in
      the same case) a marked statement showed one of its proving kinds other
      than ``ok``.
    """
    obs = sorted(observations, key=lambda o: o.seq)
    problems: list[str] = []

    if not markers:
        for o in obs:
            if o.kind != "ok":
                problems.append(f"unmarked fixture: {_describe(o)}")
        return problems

    # Group marker lines into statements, using the observed statement ranges.
    stmt_codes: dict[tuple[int, int], set[str]] = {}
    for line, codes in sorted(markers.items()):
        containing = [
            st for o in obs for st in o.statements if st[0] <= line <= st[1]
        ]
        stmt = (
            min(containing, key=lambda r: r[1] - r[0]) if containing else (line, line)
        )
        stmt_codes.setdefault(stmt, set()).update(codes)

    def proving(codes: Iterable[str]) -> set[str]:
        kinds: set[str] = set()
        for code in codes:
            kinds.update(effects.get(code, ()))
        return kinds

    for stmt, codes in sorted(stmt_codes.items()):
        unknown = sorted(c for c in codes if c not in effects)
        if unknown:
            problems.append(
                f"line {_lines(stmt)}: no effects known for {', '.join(unknown)}"
            )
        wanted = proving(codes)
        here = [o for o in obs if stmt in o.statements]
        if not any(o.kind in wanted for o in here):
            seen = ", ".join(sorted({o.kind for o in here})) or "nothing"
            problems.append(
                f"line {_lines(stmt)} marked [{', '.join(sorted(codes))}]: "
                f"expected one of {{{', '.join(sorted(wanted))}}}, observed {seen}"
            )

    failing_since: dict[str, int] = {}
    for o in obs:
        marked = [stmt_codes[st] for st in o.statements if st in stmt_codes]
        codes = set().union(*marked) if marked else None
        if codes is not None:
            if (
                o.kind != "ok"
                and o.kind in proving(codes)
                and o.case not in failing_since
            ):
                failing_since[o.case] = o.seq
            continue
        if o.kind == "ok":
            continue
        if (
            o.kind == "raised"
            and o.case in failing_since
            and failing_since[o.case] < o.seq
        ):
            continue
        problems.append(f"unmarked statement: {_describe(o)}")
    return problems


def _lines(stmt: tuple[int, int]) -> str:
    return str(stmt[0]) if stmt[0] == stmt[1] else f"{stmt[0]}-{stmt[1]}"


def _describe(o: Observation) -> str:
    who = f" {o.layer}" if o.layer else ""
    return f"[{o.case}] line {_lines(o.stmt)}: {o.kind}{who} {o.detail}".rstrip()


# --------------------------------------------------------------------------
# Lazy TensorFlow / Keras
# --------------------------------------------------------------------------

_TF: Any = None
_KERAS: Any = None  # the Keras being observed: Keras 3, or tf_keras for Keras 2 fixtures
_KERAS3: Any = None
_KERAS_TENSOR: Any = None
_NP: Any = None
# tf_keras rejects NumPy arrays as eager states: the arrays the oracle makes are tensors there.
_TENSOR_ARRAYS = False
FLAVOURS = ("keras", "tf_keras")


def _use(flavour: str) -> None:
    """Observe Keras 3 (``"keras"``) or tf_keras 2 (``"tf_keras"``)."""
    global _KERAS, _KERAS_TENSOR, _TENSOR_ARRAYS
    _load()
    _TENSOR_ARRAYS = flavour == "tf_keras"
    if flavour == "tf_keras":
        import tf_keras
        from tf_keras.src.engine.keras_tensor import KerasTensor

        _KERAS, _KERAS_TENSOR = tf_keras, KerasTensor
    elif flavour == "keras":
        _KERAS, _KERAS_TENSOR = _KERAS3, _KERAS3.KerasTensor
    else:
        raise ValueError(f"unknown Keras flavour {flavour!r}")


def _load() -> None:
    global _TF, _KERAS, _KERAS3, _KERAS_TENSOR, _NP
    if _TF is not None:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import logging

    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel(logging.CRITICAL)
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.FATAL)
    except Exception:  # pragma: no cover
        pass
    _NP, _TF, _KERAS, _KERAS3, _KERAS_TENSOR = np, tf, keras, keras, keras.KerasTensor


def _reset_keras_globals() -> None:
    keras, tf = _KERAS, _TF
    try:
        tf.config.run_functions_eagerly(False)
    except Exception:  # pragma: no cover
        pass
    try:
        config = getattr(keras, "config", None) or keras.backend
        config.set_floatx("float32")
        keras.mixed_precision.set_global_policy("float32")
    except Exception:  # pragma: no cover
        pass


def _clear_session() -> None:
    try:
        _KERAS.backend.clear_session(free_memory=False)
    except TypeError:  # tf_keras: no free_memory argument
        _KERAS.backend.clear_session()


def _fresh_case() -> None:
    _clear_session()
    _KERAS.utils.set_random_seed(SEED)


# --------------------------------------------------------------------------
# Messages and frames
# --------------------------------------------------------------------------


def _exc_detail(exc: BaseException) -> str:
    text = str(exc)
    lines = [
        ln.strip() for ln in _ANSI_RE.sub("", text).strip().splitlines() if ln.strip()
    ]
    first = lines[0] if lines else ""
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    if first.startswith(_BOILERPLATE):
        core = _CORE_RE.search(text)
        core_line = ""
        if core:
            core_lines = [
                ln.strip() for ln in core.group(1).strip().splitlines() if ln.strip()
            ]
            core_line = core_lines[0] if core_lines else ""
        elif len(lines) > 1:
            core_line = next((ln for ln in lines[1:] if not ln.startswith("File ")), "")
        core_line = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", core_line)
        if core_line:
            detail += f" [{core_line[:200]}]"
    return detail


def _is_autograph_plumbing(filename: str) -> bool:
    return (
        f"{os.sep}autograph{os.sep}" in filename
        and f"{os.sep}tensorflow{os.sep}" in filename
    )


def _autograph_origin(frame: types.FrameType, lineno: int) -> tuple[str, int] | None:
    """Map a line of autograph-generated code back to the original source line."""
    parent = frame.f_back
    converted = parent.f_locals.get("converted_f") if parent is not None else None
    source_map = getattr(converted, "ag_source_map", None)
    if not source_map:
        return None
    origin = source_map.get((frame.f_code.co_filename, lineno))
    if origin is None:
        return None
    return origin.loc.filename, origin.loc.lineno


def _frame_line(
    frame: types.FrameType, filename: str, lineno: int | None = None
) -> int | None:
    """The fixture line of ``frame`` (at ``lineno``), or None when it is not fixture code."""
    code_file = frame.f_code.co_filename
    lineno = frame.f_lineno if lineno is None else lineno
    if code_file == filename:
        return lineno
    if "__autograph_generated_file" in code_file:
        origin = _autograph_origin(frame, lineno)
        if origin and origin[0] == filename:
            return origin[1]
    return None


# --------------------------------------------------------------------------
# The recorder and the patched __call__ methods
# --------------------------------------------------------------------------


class _Recorder:
    def __init__(self, filename: str, ranges: list[tuple[int, int]]):
        self.filename = filename
        self.ranges = ranges
        self.case = MODULE_CASE
        self.seq = 0
        self.probing = 0
        self.observations: list[Observation] = []
        self._seen: set[tuple] = set()
        self.probed: set[tuple] = set()
        self.rng = None
        # id(layer) -> (layer, fixture line of the statement that created it)
        self.created: dict[int, tuple[Any, int]] = {}
        # (case, site, id(callee)) -> (arrays fed, arrays returned) of its last step
        self.steps: dict[tuple, tuple[list[Any], list[Any]]] = {}

    def add(self, where: int | _Site, kind: str, detail: str = "", layer: str = "") -> None:
        """Record an observation at a fixture line (or at a ``_Site`` with its call chain)."""
        line, outer = (where.line, where.outer) if isinstance(where, _Site) else (where, ())
        stmt = statement_of(line, self.ranges)
        chain = tuple(statement_of(n, self.ranges) for n in outer)
        key = (stmt, kind, detail, self.case, layer, chain)
        if key in self._seen:
            return
        self._seen.add(key)
        self.seq += 1
        self.observations.append(
            Observation(stmt, kind, detail, self.case, self.seq, layer, chain)
        )

    def step(self, site: _Site, callee: Any, fed: Any, returned: Any, name: str) -> None:
        """One more call of ``callee`` at ``site``: is the state carried from the last one?

        ``fed`` and ``returned`` are the arrays that matter (a layer's initial state and
        returned states; a model's inputs and outputs); anything that is not an
        eager array (symbolic tensors, ``None``, Python flags) is left out.
        """
        key = (self.case, site, id(callee))
        fed_arrays, returned_arrays = _eager_arrays(fed), _eager_arrays(returned)
        if fed_arrays is None or returned_arrays is None or not fed_arrays or not returned_arrays:
            self.steps.pop(key, None)
            return
        previous = self.steps.get(key)
        self.steps[key] = (fed_arrays, returned_arrays)
        if previous is None:
            return
        found = _carried(previous, (fed_arrays, returned_arrays))
        if found == "carried":
            self.add(site, "ok", "state carried", name)
        elif found is not None:
            self.add(site, "state_not_carried", found, name)

    def caller_site(self, frame: types.FrameType | None) -> _Site | None:
        """Fixture line of the code that called the layer (skipping autograph plumbing),
        with the fixture lines of the frames above it; None when fixture code did not call."""
        while frame is not None and _is_autograph_plumbing(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is None:
            return None
        line = _frame_line(frame, self.filename)
        if line is None:
            return None
        outer: list[int] = []
        up = frame.f_back
        while up is not None:
            found = _frame_line(up, self.filename)
            if found is not None:
                outer.append(found)
            up = up.f_back
        return _Site(line, tuple(reversed(outer)))

    def created_line(self, frame: types.FrameType | None) -> int | None:
        """The first fixture line up the stack from ``frame`` (a constructor's caller)."""
        while frame is not None:
            line = _frame_line(frame, self.filename)
            if line is not None:
                return line
            frame = frame.f_back
        return None

    def state_lists(self, exc: BaseException) -> list[tuple[int, str]]:
        """(creation line, class) of return_state layers whose whole result a failing layer got.

        Keras reports "expects 1 input(s), but it received N input tensors" from the
        input checks, whose frame holds the list it was given (or from a recurrent layer,
        whose intercepted call keeps it on the exception): every tensor of it
        produced by one recurrent layer with ``return_state=True``.
        """
        found = []
        candidates = [getattr(exc, "_oracle_inputs", None)]
        tb = exc.__traceback__
        while tb is not None:
            candidates.append(tb.tb_frame.f_locals.get("inputs"))
            tb = tb.tb_next
        for inputs in candidates:
            if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
                continue
            producers = set()
            for item in inputs:
                history = getattr(item, "_keras_history", None)
                layer = (getattr(history, "operation", None) or getattr(history, "layer", None)
                         if history is not None else None)
                producers.add(id(layer) if layer is not None else None)
            if len(producers) != 1 or None in producers:
                continue
            entry = self.created.get(producers.pop())
            if entry is not None and getattr(entry[0], "return_state", False):
                if (entry[1], type(entry[0]).__name__) not in found:
                    found.append((entry[1], type(entry[0]).__name__))
        return found

    def raised_site(self, exc: BaseException) -> _Site | None:
        """The innermost fixture line of the traceback, with the fixture lines above it."""
        lines: list[int] = []
        tb = exc.__traceback__
        while tb is not None:
            found = _frame_line(tb.tb_frame, self.filename, tb.tb_lineno)
            if found is not None:
                lines.append(found)
            tb = tb.tb_next
        if not lines:
            if isinstance(exc, SyntaxError) and exc.lineno:
                return _Site(exc.lineno, ())
            return None
        return _Site(lines[-1], tuple(lines[:-1]))


@dataclass(frozen=True)
class _Site:
    """A fixture line and the fixture lines of the frames that called it, outermost first."""

    line: int
    outer: tuple[int, ...] = ()


_ACTIVE: _Recorder | None = None


# ---- structure helpers (independent of keras.tree so odd containers survive)


def _flatten(struct: Any) -> list[Any]:
    if isinstance(struct, (list, tuple)):
        out: list[Any] = []
        for item in struct:
            out.extend(_flatten(item))
        return out
    if isinstance(struct, dict):
        out = []
        for key in sorted(struct, key=repr):
            out.extend(_flatten(struct[key]))
        return out
    return [struct]


def _map(fn: Callable[[Any], Any], struct: Any) -> Any:
    if isinstance(struct, (list, tuple)):
        items = [_map(fn, item) for item in struct]
        if isinstance(struct, tuple) and hasattr(struct, "_fields"):
            return type(struct)(*items)
        return tuple(items) if isinstance(struct, tuple) else list(items)
    if isinstance(struct, dict):
        return {key: _map(fn, value) for key, value in struct.items()}
    return fn(struct)


def _signature(struct: Any) -> tuple:
    """Hashable description of a call's arguments (types, shapes, dtypes)."""
    sig = []
    for leaf in _flatten(struct):
        if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
            dims = _dims(leaf.shape)
            sig.append(
                (
                    type(leaf).__name__,
                    tuple(dims) if dims is not None else None,
                    str(leaf.dtype),
                )
            )
        elif isinstance(leaf, (bool, int, float, str, type(None))):
            sig.append((type(leaf).__name__, leaf))
        else:
            sig.append((type(leaf).__name__, id(leaf)))
    return repr(_map(lambda _: 0, struct)), tuple(sig)


def _is_keras_tensor(x: Any) -> bool:
    return isinstance(x, _KERAS_TENSOR)


def _is_graph_tensor(x: Any) -> bool:
    tf = _TF
    return isinstance(x, (tf.Tensor, tf.Variable)) and tf.is_symbolic_tensor(x)


def _is_array(x: Any) -> bool:
    np, tf = _NP, _TF
    if isinstance(x, (bool, int, float, complex, str, bytes)) or x is None:
        return False
    if isinstance(x, (np.ndarray, np.generic, tf.Tensor, tf.Variable)):
        return True
    variable = getattr(_KERAS, "Variable", None)
    if (variable is not None and isinstance(x, variable)) or _is_keras_tensor(x):
        return True
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _is_nonarray(x: Any) -> bool:
    return x is not None and not _is_array(x)


def _state_of(args: tuple, kwargs: dict) -> tuple[bool, Any]:
    if kwargs.get("initial_state") is not None:
        return True, kwargs["initial_state"]
    if "initial_state" not in kwargs and len(args) >= 2 and args[1] is not None:
        return True, args[1]
    return False, None


def _with_state(args: tuple, kwargs: dict, state: Any) -> tuple[tuple, dict]:
    if kwargs.get("initial_state") is not None:
        return args, {**kwargs, "initial_state": state}
    return (args[0], state, *args[2:]), dict(kwargs)


def _without_state(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if "initial_state" in kwargs:
        kw = dict(kwargs)
        del kw["initial_state"]
        return args, kw
    if len(args) > 2:
        return (args[0], None, *args[2:]), dict(kwargs)
    return args[:1], dict(kwargs)


def _dims(shape: Any) -> list[int | None] | None:
    try:
        dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    except (TypeError, ValueError):
        return None
    return [None if d is None else int(d) for d in dims]


def _concrete_shape(shape: Any, batch: int) -> tuple[int, ...] | None:
    dims = _dims(shape)
    if dims is None:
        return None
    return tuple(
        (batch if i == 0 else CONCRETE_DIM) if dim is None else dim
        for i, dim in enumerate(dims)
    )


def _random_array(shape: tuple[int, ...], dtype: Any, rng: Any) -> Any:
    np = _NP
    dtype = np.dtype(
        getattr(dtype, "as_numpy_dtype", dtype) if not isinstance(dtype, str) else dtype
    )
    if dtype == np.bool_:
        arr = np.ones(shape, dtype=bool)
    elif np.issubdtype(dtype, np.integer):
        arr = rng.integers(0, 2, size=shape).astype(dtype)
    else:
        arr = rng.standard_normal(shape).astype(dtype)
    return _TF.convert_to_tensor(arr) if _TENSOR_ARRAYS else arr


class _Unconcretisable(Exception):
    pass


def _concretise(struct: tuple[tuple, dict], rng: Any) -> Any:
    """Replace symbolic tensors in ``(args, kwargs)`` by random arrays.

    An unknown batch dimension takes the batch of the first leaf (the input
    sequences) when that one is known, else the one static batch of the
    states of rank 2 or more in the initial state (a functional model given a
    constant state runs only with that batch; one given a ``keras.Input`` whose
    ``batch_shape`` spells a batch runs with any, that one included), else
    ``CONCRETE_BATCH``; any other unknown dimension becomes ``CONCRETE_DIM``.
    """
    batch = CONCRETE_BATCH
    args, kwargs = struct
    first = args[0] if args else kwargs.get("sequences", kwargs.get("inputs"))
    leaves = _flatten(first)
    if leaves and hasattr(leaves[0], "shape"):
        dims = _dims(leaves[0].shape)
        if dims and dims[0] is not None:
            batch = dims[0]
        elif dims:
            batch = _state_batch(args, kwargs) or batch

    def one(x: Any) -> Any:
        if _is_keras_tensor(x) or _is_graph_tensor(x):
            shape = _concrete_shape(x.shape, batch)
            if shape is None:
                raise _Unconcretisable(repr(x))
            dtype = x.dtype
            if not isinstance(dtype, str):
                dtype = getattr(dtype, "name", str(dtype))
            return _random_array(shape, dtype, rng)
        return x

    return _map(one, struct)


def _state_batch(args: tuple, kwargs: dict) -> int | None:
    """The static batch shared by the states (rank >= 2) of a call's initial state."""
    given, state = _state_of(args, kwargs)
    if not given:
        return None
    found = set()
    for leaf in _flatten(state):
        if not hasattr(leaf, "shape"):
            continue
        dims = _dims(leaf.shape)
        if dims is None or len(dims) < 2 or dims[0] is None:
            continue
        found.add(dims[0])
    return found.pop() if len(found) == 1 else None


def _perturbed(leaf: Any) -> Any:
    np = _NP
    arr = np.asarray(leaf)
    if arr.dtype == np.bool_:
        out = np.logical_not(arr)
    elif not np.issubdtype(arr.dtype, np.number):
        return None
    else:
        out = (arr + np.ones((), dtype=arr.dtype)).astype(arr.dtype)
    if _TENSOR_ARRAYS and not isinstance(leaf, np.ndarray):
        return _TF.convert_to_tensor(out)
    return out


def _replace_leaf(struct: Any, index: int, value: Any) -> Any:
    counter = [-1]

    def one(x: Any) -> Any:
        counter[0] += 1
        return value if counter[0] == index else x

    return _map(one, struct)


def _to_numpy_list(out: Any) -> list[Any]:
    np = _NP
    return [np.asarray(t) for t in _flatten(out)]


def _shapes(out: Any) -> list[tuple]:
    return [tuple(getattr(t, "shape", ())) for t in _flatten(out)]


def _same_values(a: list[Any], b: list[Any]) -> bool:
    np = _NP
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return False
        if not np.allclose(x, y, rtol=0.0, atol=1e-6, equal_nan=True):
            return False
    return True


def _eager_arrays(struct: Any) -> list[Any] | None:
    """Copies of the eager array leaves of ``struct`` (non-arrays left out); None when a
    leaf is symbolic (a functional model being built, a traced call)."""
    np = _NP
    out = []
    for leaf in _flatten(struct):
        if _is_keras_tensor(leaf) or _is_graph_tensor(leaf):
            return None
        if not _is_array(leaf) or isinstance(leaf, (str, bytes)):
            continue
        try:
            arr = np.array(leaf, copy=True)
        except Exception:
            return None
        if arr.dtype.kind in "biufc":
            out.append(arr)
    return out


def _same_array(a: Any, b: Any) -> bool:
    return a.shape == b.shape and _same_values([a], [b])


def _carried(previous: tuple[list, list], current: tuple[list, list]) -> str | None:
    """"carried", a description of the state not carried, or None (nothing to say).

    The new arrays of the previous step are the ones it returned that it was not fed.
    Fed back (some array fed now equals one of them): carried. Not carried: an array
    fed now equals the one fed at the same place the step before, the previous step
    returned a new array of that shape, and no new array is fed back.
    """
    fed_before, returned_before = previous
    fed_now, _ = current
    new = [r for r in returned_before if not any(_same_array(r, f) for f in fed_before)]
    if not new:
        return None
    if any(_same_array(f, r) for f in fed_now for r in new):
        return "carried"
    if len(fed_now) != len(fed_before):
        return None
    for i, (before, now) in enumerate(zip(fed_before, fed_now)):
        if _same_array(before, now) and any(r.shape == before.shape for r in new):
            return (f"fed argument {i} of {len(fed_now)} (shape {tuple(before.shape)}) again "
                    f"unchanged; the {len(new)} new array(s) the previous step returned are not fed")
    return None


@contextlib.contextmanager
def _preserved_variables(layer: Any):
    """Restore the layer's variables (weights, RNN states, seeds) after side calls."""
    saved = []
    seen: set[int] = set()
    candidates: list[Any] = []
    try:
        candidates.extend(getattr(layer, "variables", []) or [])
        sublayers = layer._flatten_layers(include_self=True, recursive=True)
        for sub in sublayers:
            # RNN state variables of stateful layers are not tracked in `variables`.
            states = (
                getattr(sub, "states", None)
                if getattr(sub, "stateful", False)
                else None
            )
            if states is not None:
                candidates.extend(_flatten(list(states)))
    except Exception:
        pass
    for var in candidates:
        if id(var) in seen or not hasattr(var, "assign"):
            continue
        seen.add(id(var))
        try:
            saved.append((var, var.numpy()))
        except Exception:
            pass
    try:
        yield
    finally:
        for var, value in saved:
            try:
                var.assign(value)
            except Exception:
                pass


# ---- probes


def _probe_layer(
    rec: _Recorder,
    line: _Site,
    orig: Callable,
    layer: Any,
    args: tuple,
    kwargs: dict,
    out: Any,
    *,
    eager_done: bool,
    graph_check: bool,
    replay_errors: bool = True,
) -> bool:
    """Run the checks on concrete ``args``/``kwargs`` (``out``: their result when ``eager_done``).

    Returns False, recording nothing, when the eager replay fails and
    ``replay_errors`` is False (a call traced in a graph whose replay is not
    trustworthy, e.g. while the layer's variables are still being created).
    """
    name = type(layer).__name__
    found: list[tuple[str, str]] = []
    _, state = _state_of(args, kwargs)
    leaves = _flatten(state)
    nonarray = [i for i, leaf in enumerate(leaves) if _is_nonarray(leaf)]
    if nonarray:
        found.append(
            ("nonarray_state", f"non-array leaves {nonarray} of {len(leaves)}")
        )

    if not eager_done:
        try:
            out = orig(layer, *args, **kwargs)
        except Exception as exc:
            if not replay_errors:
                return False
            rec.add(line, "call_raised", _exc_detail(exc), name)
            for kind, detail in found:
                rec.add(line, kind, detail, name)
            return True

    if graph_check:
        try:
            fn = _TF.function(lambda: orig(layer, *args, **kwargs), autograph=False)
            fn()
        except Exception as exc:
            found.append(("graph_raised", _exc_detail(exc)))

    base = _to_numpy_list(out)
    unused = []
    for i, leaf in enumerate(leaves):
        if not _is_array(leaf):
            continue
        try:
            bumped = _perturbed(leaf)
        except Exception:
            bumped = None
        if bumped is None:
            continue
        a, k = _with_state(args, kwargs, _replace_leaf(state, i, bumped))
        try:
            other = _to_numpy_list(orig(layer, *a, **k))
        except Exception:
            continue
        if _same_values(base, other):
            unused.append(i)
    if unused:
        found.append(("state_ignored", f"unused leaves {unused} of {len(leaves)}"))

    a, k = _without_state(args, kwargs)
    try:
        plain = orig(layer, *a, **k)
    except Exception:
        plain = None
    if plain is not None and _shapes(plain) != _shapes(out):
        found.append(
            (
                "output_changed",
                f"output shapes {_shapes(out)} vs {_shapes(plain)} without initial_state",
            )
        )

    if not found:
        found.append(("ok", ""))
    for kind, detail in found:
        rec.add(line, kind, detail, name)
    return True


def _probe_model(
    rec: _Recorder,
    line: _Site,
    orig: Callable,
    model: Any,
    args: tuple,
    kwargs: dict,
    out: Any,
    *,
    eager_done: bool,
    replay_errors: bool = True,
) -> bool:
    name = type(model).__name__
    if not eager_done:
        try:
            out = orig(model, *args, **kwargs)
        except Exception as exc:
            if not replay_errors:
                return False
            rec.add(line, "call_raised", _exc_detail(exc), name)
            return True
    a, k = _without_state(args, kwargs) if "initial_state" in kwargs else (args, kwargs)
    try:
        plain = orig(model, *a, **k)
    except Exception:
        rec.add(line, "ok", "differs from the call without initial_state", name)
        return True
    if _same_values(_to_numpy_list(out), _to_numpy_list(plain)):
        rec.add(
            line,
            "model_state_ignored",
            f"{name} output unchanged by initial_state",
            name,
        )
    else:
        rec.add(line, "ok", "", name)
    return True


def _intercept(orig: Callable, is_model: bool) -> Callable:
    def __call__(self, *args, **kwargs):
        rec = _ACTIVE
        if rec is None or rec.probing:
            return orig(self, *args, **kwargs)
        if is_model:
            given, state = kwargs.get("initial_state") is not None, None
        else:
            given, state = _state_of(args, kwargs)
        if not given:
            if is_model:
                return _stepped(rec, sys._getframe(1), orig, self, args, kwargs)
            if not args or not isinstance(args[0], (list, tuple)):
                return orig(self, *args, **kwargs)
            try:
                return orig(self, *args, **kwargs)
            except Exception as exc:  # keep what the layer was handed (see state_lists)
                with contextlib.suppress(Exception):
                    exc._oracle_inputs = args[0]
                raise
        line = rec.caller_site(sys._getframe(1))
        if line is None:
            return orig(self, *args, **kwargs)

        everything = (args, kwargs)
        symbolic_keras = any(_is_keras_tensor(x) for x in _flatten(everything))
        in_graph = not _TF.executing_eagerly() or any(
            _is_graph_tensor(x) for x in _flatten(everything)
        )
        name = type(self).__name__
        try:
            out = orig(self, *args, **kwargs)
        except Exception as exc:
            kind = (
                "graph_raised" if (in_graph and not symbolic_keras) else "call_raised"
            )
            rec.add(line, kind, _exc_detail(exc), name)
            if not is_model:
                leaves = _flatten(state)
                nonarray = [i for i, leaf in enumerate(leaves) if _is_nonarray(leaf)]
                if nonarray:
                    rec.add(
                        line,
                        "nonarray_state",
                        f"non-array leaves {nonarray} of {len(leaves)}",
                        name,
                    )
            raise

        if not is_model and not symbolic_keras and not in_graph:
            returned = _returned_states(self, out)
            if returned is not None:
                with contextlib.suppress(Exception):
                    rec.step(line, self, state, returned, name)

        key = (rec.case, line, id(self), _signature((args, kwargs)))
        if key in rec.probed:
            return out
        rec.probed.add(key)
        rec.probing += 1
        try:
            with _TF.init_scope(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with _preserved_variables(self):
                    if symbolic_keras or in_graph:
                        try:
                            c_args, c_kwargs = _concretise((args, kwargs), rec.rng)
                        except _Unconcretisable:
                            rec.add(line, "ok", "not probed: unknown shapes", name)
                            return out
                        traced = in_graph and not symbolic_keras
                        if is_model:
                            done = _probe_model(
                                rec,
                                line,
                                orig,
                                self,
                                c_args,
                                c_kwargs,
                                None,
                                eager_done=False,
                                replay_errors=not traced,
                            )
                        else:
                            done = _probe_layer(
                                rec,
                                line,
                                orig,
                                self,
                                c_args,
                                c_kwargs,
                                None,
                                eager_done=False,
                                graph_check=not traced,
                                replay_errors=not traced,
                            )
                        if not done:
                            # try again when the function is traced again
                            rec.probed.discard(key)
                            rec.add(
                                line,
                                "ok",
                                "not probed: eager replay of a traced call failed",
                                name,
                            )
                    elif is_model:
                        _probe_model(
                            rec, line, orig, self, args, kwargs, out, eager_done=True
                        )
                    else:
                        _probe_layer(
                            rec,
                            line,
                            orig,
                            self,
                            args,
                            kwargs,
                            out,
                            eager_done=True,
                            graph_check=True,
                        )
        except Exception as exc:  # a failure of the checks, not of the program
            rec.add(line, "probe_error", _exc_detail(exc), name)
        finally:
            rec.probing -= 1
        return out

    __call__._oracle_wrapped = orig  # type: ignore[attr-defined]
    return _TF.autograph.experimental.do_not_convert(__call__)


def _returned_states(layer: Any, out: Any) -> Any:
    """The states a recurrent layer built with ``return_state=True`` returned, else None."""
    if getattr(layer, "return_state", False) and isinstance(out, (list, tuple)) and len(out) >= 2:
        return list(out[1:])
    return None


def _stepped(rec: _Recorder, frame: Any, orig: Callable, model: Any, args: tuple,
             kwargs: dict, x: Any = None) -> Any:
    """Call ``orig`` (a model's ``__call__`` or ``predict``); when fixture code called it with
    several arrays and got several back, record the step (``_Recorder.step``).

    ``x``: what counts as fed (the data of ``predict``); by default every argument."""
    site = rec.caller_site(frame)
    out = orig(model, *args, **kwargs)
    if site is None:
        return out
    fed = (args, kwargs) if x is None else x
    try:
        fed_arrays, returned = _eager_arrays(fed), _eager_arrays(out)
        if fed_arrays is not None and returned is not None and len(fed_arrays) >= 2 \
                and len(returned) >= 2:
            rec.step(site, model, fed, out, type(model).__name__)
    except Exception as exc:  # a failure of the checks, not of the program
        rec.add(site, "probe_error", _exc_detail(exc), type(model).__name__)
    return out


def _intercept_predict(orig: Callable) -> Callable:
    """Wrap ``Model.predict``/``predict_on_batch``: decoding loops run models through them."""

    def predict(self, *args, **kwargs):
        rec = _ACTIVE
        if rec is None or rec.probing:
            return orig(self, *args, **kwargs)
        x = args[0] if args else kwargs.get("x")
        return _stepped(rec, sys._getframe(1), orig, self, args, kwargs, x)

    predict._oracle_wrapped = orig  # type: ignore[attr-defined]
    return predict


def _record_creation(orig: Callable) -> Callable:
    """Wrap a layer ``__init__`` to remember the fixture line that created each layer."""

    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        rec = _ACTIVE
        if rec is not None and id(self) not in rec.created:
            line = rec.created_line(sys._getframe(1))
            if line is not None:
                rec.created[id(self)] = (self, line)

    __init__._oracle_wrapped = orig  # type: ignore[attr-defined]
    return __init__


@contextlib.contextmanager
def _patched():
    keras = _KERAS
    targets = [
        (keras.layers.RNN, False),
        (keras.layers.Bidirectional, False),
        (keras.Model, True),
    ]
    saved = []
    inits = []
    saved_methods: list[tuple[str, bool, Any]] = []
    for cls in (keras.layers.RNN, keras.layers.Bidirectional):
        inits.append((cls, "__init__" in cls.__dict__, cls.__dict__.get("__init__")))
        cls.__init__ = _record_creation(cls.__init__)
    for cls, is_model in targets:
        had_own = "__call__" in cls.__dict__
        orig = cls.__call__
        saved.append((cls, had_own, cls.__dict__.get("__call__")))
        cls.__call__ = _intercept(orig, is_model)
    for method in ("predict", "predict_on_batch"):
        cls = keras.Model
        saved_methods.append((method, method in cls.__dict__, cls.__dict__.get(method)))
        setattr(cls, method, _intercept_predict(getattr(cls, method)))
    try:
        yield
    finally:
        for method, had_own, own in reversed(saved_methods):
            if had_own:
                setattr(keras.Model, method, own)
            else:
                delattr(keras.Model, method)
        for cls, had_own, own in reversed(saved):
            if had_own:
                cls.__call__ = own
            else:
                del cls.__call__
        for cls, had_own, own in reversed(inits):
            if had_own:
                cls.__init__ = own
            else:
                del cls.__init__


# --------------------------------------------------------------------------
# Running fixtures
# --------------------------------------------------------------------------


def notebook_program(path: str | os.PathLike, directory: str | os.PathLike) -> Path:
    """The code cells of the notebook at ``path`` as one program file in ``directory``."""
    from gru_lint.notebook import read_notebook

    notebook = read_notebook(Path(path).read_bytes(), str(path))
    target = Path(directory) / (Path(path).stem + "_cells.py")
    target.write_text(notebook.virtual.text, encoding="utf-8")
    return target


_CELL_MARK = re.compile(r"^# gru-lint notebook cell (\d+)$", re.MULTILINE)


def _notebook_cells(source: str, filename: str) -> list[tuple[str, Any]] | None:
    """``[(case name, code)]`` for a program written by ``notebook_program``, else None.

    Each cell's code is compiled with its lines where they are in the program.
    """
    marks = list(_CELL_MARK.finditer(source))
    if not marks or marks[0].start() != 0:
        return None
    cells = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(source)
        padding = "\n" * source.count("\n", 0, mark.start())
        code = compile(padding + source[mark.start():end], filename, "exec")
        cells.append((f"cell {mark.group(1)}", code))
    return cells


def _no_ipython() -> None:
    """``get_ipython()`` outside IPython: what masked ``x = !cmd`` lines call."""
    return None


def _case_names(tree: ast.Module) -> list[str]:
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("case_")
    ]


def _execute(
    path: str | os.PathLike,
    on_case: Callable[[str], None],
    on_error: Callable[[str, BaseException], None],
) -> None:
    """Run the module body, then each ``case_*`` function, reporting errors."""
    _load()
    filename = str(Path(path).resolve())
    source = Path(filename).read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename)
        code = compile(tree, filename, "exec")
    except SyntaxError as exc:
        on_case(MODULE_CASE)
        on_error(MODULE_CASE, exc)
        return
    cases = _case_names(tree)
    cells = _notebook_cells(source, filename)

    module = types.ModuleType("__main__")
    module.__file__ = filename
    module.__dict__["__builtins__"] = builtins
    module.__dict__["get_ipython"] = _no_ipython
    saved_main = sys.modules.get("__main__")
    saved_argv = sys.argv[:]
    saved_cwd = os.getcwd()

    def run(name: str, fn: Callable[[], Any], fresh: bool = True) -> None:
        on_case(name)
        if fresh:
            _fresh_case()
        try:
            fn()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                on_error(name, exc)
        except Exception as exc:
            on_error(name, exc)

    _reset_keras_globals()
    with (
        tempfile.TemporaryDirectory(prefix="gru-lint-oracle-") as workdir,
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        sys.modules["__main__"] = module
        sys.argv = [filename]
        os.chdir(workdir)
        try:
            if cells is not None:  # a notebook: cells share one session, as in a kernel
                _fresh_case()
                for name, cell_code in cells:
                    run(name, lambda c=cell_code: exec(c, module.__dict__), fresh=False)
                cases = []
            else:
                run(MODULE_CASE, lambda: exec(code, module.__dict__))
            for name in cases:
                fn = module.__dict__.get(name)
                if callable(fn):
                    run(name, fn)
        finally:
            os.chdir(saved_cwd)
            sys.argv = saved_argv
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            _reset_keras_globals()
            _clear_session()


def observe(path: str | os.PathLike, flavour: str = "keras") -> list[Observation]:
    """Run the fixture under Keras with recurrent calls intercepted; return observations.

    ``flavour`` is ``"keras"`` (Keras 3) or ``"tf_keras"`` (Keras 2 fixtures).
    """
    global _ACTIVE
    _use(flavour)
    filename = str(Path(path).resolve())
    try:
        ranges = statement_ranges(filename)
    except SyntaxError:
        ranges = []
    rec = _Recorder(filename, ranges)
    rec.rng = _NP.random.default_rng(SEED)

    def on_case(name: str) -> None:
        rec.case = name

    def on_error(name: str, exc: BaseException) -> None:
        for created, layer in rec.state_lists(exc):
            rec.add(created, "state_list_fed", _exc_detail(exc), layer)
        site = rec.raised_site(exc)
        rec.add(site if site is not None else 0, "raised", _exc_detail(exc))

    if _ACTIVE is not None:
        raise RuntimeError("observe() is not re-entrant")
    with _patched():
        _ACTIVE = rec
        try:
            _execute(filename, on_case, on_error)
        finally:
            _ACTIVE = None
    return rec.observations


def run_fixture(path: str | os.PathLike, flavour: str = "keras") -> list[CaseResult]:
    """Run the fixture's cases with nothing patched; one result per case."""
    _use(flavour)
    results: dict[str, str | None] = {}
    order: list[str] = []

    def on_case(name: str) -> None:
        order.append(name)
        results[name] = None

    def on_error(name: str, exc: BaseException) -> None:
        results[name] = _exc_detail(exc)

    _execute(path, on_case, on_error)
    return [CaseResult(name, results[name]) for name in order]
