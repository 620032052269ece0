"""Sites in a ``for`` loop over an exact iterable are checked once per iteration."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import keras
x = np.zeros((8, 5, 3), "float32")
sizes = [16, 32]
"""


def found(body: str):
    return [(d.line - PRELUDE.count("\n"), d.code, d.fix)
            for d in check_source(PRELUDE + textwrap.dedent(body))]


def test_the_first_iteration_that_fails_is_reported_once_without_a_fix():
    diags = check_source(PRELUDE + textwrap.dedent("""\
        for units in sizes:
            keras.layers.GRU(units)(x, initial_state=np.zeros((8, 16)))
        """))
    assert [(d.code, d.fix) for d in diags] == [("GRU002", None)]
    assert "iteration 2 of 2" in diags[0].related[-1].message
    assert "units = 32" in diags[0].related[-1].message


@pytest.mark.parametrize("loop", [
    # under an ``if``: which iterations run it is not followed
    "for units in sizes:\n    if units < 32:\n        GRU(units)(x, initial_state=S)",
    # iterations that may stop early
    "for units in sizes:\n    if units > 16:\n        break\n    GRU(units)(x, initial_state=S)",
    "for units in sizes:\n    if units > 16:\n        continue\n    GRU(units)(x, initial_state=S)",
    "def f():\n    for units in sizes:\n        if units > 16:\n            return\n        GRU(units)(x, initial_state=S)",
    "for units in sizes:\n    GRU(units)(x, initial_state=S)\nelse:\n    pass",
    # an iterable that is not exact
    "import random\nfor units in random.sample(sizes, 1):\n    GRU(units)(x, initial_state=S)",
    "for units in set(sizes):\n    GRU(units)(x, initial_state=S)",
    # the list is changed where the loop cannot see
    "def grow(s):\n    s.append(64)\ngrow(sizes)\nfor units in sizes[:1]:\n    GRU(units)(x, initial_state=S)",
    # re-bound in the loop: unknown at the top of the body
    "units = 16\nfor _ in range(2):\n    GRU(units)(x, initial_state=S)\n    units = 32",
    # a while loop is not unrolled
    "i = 0\nwhile i < 2:\n    GRU(sizes[i])(x, initial_state=S)\n    i += 1",
])
def test_loops_not_followed_stay_silent(loop):
    body = "GRU = keras.layers.GRU\nS = np.zeros((8, 16))\n" + loop + "\n"
    assert found(body) == []


def test_nested_loops_bind_both_targets():
    body = """\
        for width in [16]:
            for units in [width, 2 * width]:
                keras.layers.GRU(units)(x, initial_state=np.zeros((8, width)))
        """
    assert [(line, code) for line, code, _ in found(body)] == [(3, "GRU002")]


def test_a_matching_loop_is_silent():
    body = """\
        for units in sizes:
            keras.layers.GRU(units)(x, initial_state=np.zeros((8, units)))
        """
    assert found(body) == []


def test_the_first_iteration_sees_what_the_loop_rebinds_as_it_was_before():
    body = """\
        gru = keras.layers.GRU(16, return_state=True)
        h = np.zeros((8, 32))
        for step in range(3):
            out, h = gru(x, initial_state=h)
        """
    assert [(line, code) for line, code, _ in found(body)] == [(4, "GRU002")]


def test_a_later_iteration_does_not_see_the_value_from_before_the_loop():
    # Iteration 1 gets the 16-wide state the layer returned; only the first is wrong, and
    # the first is reported. Here the first is right and the rest are unknown: silent.
    body = """\
        gru = keras.layers.GRU(16, return_state=True)
        h = np.zeros((8, 16))
        for step in range(3):
            out, h = gru(x, initial_state=h)
            h = np.zeros((8, 32)) if step > 5 else h
        """
    assert found(body) == []


def test_a_helper_called_in_the_loop_is_followed_with_the_iterations_values():
    body = """\
        def step(units, state):
            return keras.layers.GRU(units)(x, initial_state=state)

        for units in sizes:
            step(units, np.zeros((8, 16)))
        """
    assert [(line, code) for line, code, _ in found(body)] == [(5, "GRU002")]


@pytest.mark.parametrize("loop", [
    # an iteration that raises on purpose before the site, caught around or inside the loop
    "def check(u):\n    assert u <= 16\ntry:\n    for units in sizes:\n        check(units)\n"
    "        GRU(units)(x, initial_state=S)\nexcept AssertionError:\n    pass",
    "def check(u):\n    assert u <= 16\nfor units in sizes:\n    try:\n        check(units)\n"
    "        GRU(units)(x, initial_state=S)\n    except AssertionError:\n        pass",
    "import contextlib\nfor units in sizes:\n    with contextlib.suppress(KeyError):\n"
    "        {16: 0}[units]\n        GRU(units)(x, initial_state=S)",
])
def test_iterations_that_may_stop_on_purpose_stay_silent(loop):
    body = "GRU = keras.layers.GRU\nS = np.zeros((8, 16))\n" + loop + "\n"
    assert found(body) == []


def test_a_gradient_tape_around_the_site_lets_every_iteration_reach_it():
    body = """\
        import tensorflow as tf
        for units in sizes:
            with tf.GradientTape() as tape:
                keras.layers.GRU(units)(x, initial_state=np.zeros((8, 16)))
        """
    assert [(line, code) for line, code, _ in found(body)] == [(4, "GRU002")]
