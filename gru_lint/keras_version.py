"""Which Keras a file is written for: 2 or 3, decided from its imports alone.

Keras 2 when the file imports ``tf_keras``, ``tensorflow.python.keras`` or a module
only Keras 2 has (``keras.engine``, ``keras.layers.recurrent``, ...), or sets
``TF_USE_LEGACY_KERAS`` (which makes ``tf.keras`` tf_keras); Keras 3 otherwise. A
file mixing both is judged as Keras 2, whose rules are the stricter in what they
report. The command line's ``--keras-version 2|3`` overrides the guess.
"""

from __future__ import annotations

import ast
from typing import Iterator, Optional, Union

from gru_lint.keras_facts import (
    KERAS2_MODULES,
    KERAS_VERSIONS,
    LEGACY_KERAS_VALUES,
    LEGACY_KERAS_VARIABLE,
    KerasVersion,
)

AUTO = "auto"
DEFAULT = 3

__all__ = ["AUTO", "DEFAULT", "detect", "facts", "resolve"]


def _statements(body) -> Iterator[ast.stmt]:
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                stack.extend(reversed(inner))


def _is_keras2_module(name: Optional[str]) -> bool:
    return bool(name) and any(name == m or name.startswith(m + ".") for m in KERAS2_MODULES)


def _sets_legacy_keras(stmt: ast.stmt) -> bool:
    """``os.environ["TF_USE_LEGACY_KERAS"] = "1"`` or ``os.environ.setdefault(...)``."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
        for target in stmt.targets:
            if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                    and target.slice.value == LEGACY_KERAS_VARIABLE):
                return stmt.value.value in LEGACY_KERAS_VALUES
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr in ("setdefault", "putenv")
                and len(call.args) == 2
                and all(isinstance(a, ast.Constant) for a in call.args)):
            return (call.args[0].value == LEGACY_KERAS_VARIABLE
                    and call.args[1].value in LEGACY_KERAS_VALUES)
    return False


# Every spelling ``detect`` answers 2 for holds one of these words (``KERAS2_MODULES``
# spelled whole or split as ``from tensorflow.python import keras``, the variable):
# a file without any of them needs no walk.
_KERAS2_WORDS = ("tf_keras", "python", "recurrent", "engine", LEGACY_KERAS_VARIABLE)


def detect(tree: ast.Module, source: Optional[str] = None, statements=None) -> int:
    """2 or 3: the Keras the module's imports say it targets (see the module doc).

    ``statements``: the module's ``(statement, scope, block)`` list in source order, when
    the scopes have already walked them (``scopes.ScopeBuilder.statements``)."""
    if source is not None and not any(word in source for word in _KERAS2_WORDS):
        return DEFAULT
    found = _statements(tree.body) if statements is None else (s for s, _, _ in statements)
    for stmt in found:
        if isinstance(stmt, ast.Import):
            if any(_is_keras2_module(alias.name) for alias in stmt.names):
                return 2
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                continue
            if _is_keras2_module(stmt.module):
                return 2
            if stmt.module and any(
                _is_keras2_module(f"{stmt.module}.{alias.name}") for alias in stmt.names
            ):
                return 2  # from keras.layers import recurrent; from tensorflow.python import keras
        elif _sets_legacy_keras(stmt):
            return 2
    return DEFAULT


def resolve(setting: Union[int, str, None], tree: ast.Module, source: Optional[str] = None,
            statements=None) -> int:
    """The version to check ``tree`` (parsed from ``source``, when given) against:
    ``setting`` (2, 3) or, for ``"auto"``/None, the guess."""
    if setting in (None, AUTO, ""):
        return detect(tree, source, statements)
    version = int(setting)
    if version not in KERAS_VERSIONS:
        raise ValueError(f"unknown Keras version: {setting!r} (expected 2, 3 or auto)")
    return version


def facts(version: int) -> KerasVersion:
    return KERAS_VERSIONS[version]
