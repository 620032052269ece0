"""Flow-sensitive names and in-place changes: the value a use sees, or silence."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import keras
x = np.zeros((2, 3, 5))
h = np.zeros((2, 32))
c = np.zeros((2, 32))
"""


def codes(body: str):
    return sorted(d.code for d in check_source(PRELUDE + textwrap.dedent(body)))


# -- re-bound names --------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, expected",
    [
        # straight-line re-binding: the last one reaches the call
        ("s = h\ns = np.zeros((32,))\nkeras.layers.GRU(32)(x, initial_state=s)\n", ["GRU001"]),
        ("s = np.zeros((32,))\ns = h\nkeras.layers.GRU(32)(x, initial_state=s)\n", []),
        # a use before a later re-binding sees the earlier value
        ("s = np.zeros((32,))\nkeras.layers.GRU(32)(x, initial_state=s)\ns = h\n", ["GRU001"]),
        # the text-generation tutorial: x bound three times, the layer once
        ("gru = keras.layers.GRU(32)\ny = x\ny = y * 2\ngru(y, initial_state=np.zeros((32,)))\n",
         ["GRU001"]),
        # both branches agree
        ("if len(x):\n    s = np.zeros((32,))\nelse:\n    s = np.zeros((32,))\n"
         "keras.layers.GRU(32)(x, initial_state=s)\n", ["GRU001"]),
        # a branch that leaves gives nothing
        ("def f(flag):\n    s = np.zeros((32,))\n    if flag:\n        s = h\n        return s\n"
         "    return keras.layers.GRU(32)(x, initial_state=s)\n", ["GRU001"]),
        # the first iteration of an exact loop sees the value from before the loop
        ("s = np.zeros((32,))\nfor _ in range(3):\n    keras.layers.GRU(32)(x, initial_state=s)\n"
         "    s = h\n", ["GRU001"]),
        # bound earlier in the same loop iteration
        ("for _ in range(3):\n    s = np.zeros((32,))\n    keras.layers.GRU(32)(x, initial_state=s)\n",
         ["GRU001"]),
        # the layer re-bound before the call
        ("gru = keras.layers.GRU(16)\ngru = keras.layers.GRU(32)\ngru(x, initial_state=h)\n", []),
        ("gru = keras.layers.GRU(32)\ngru = keras.layers.GRU(16)\ngru(x, initial_state=h)\n",
         ["GRU002"]),
    ],
)
def test_the_binding_that_reaches_the_use(body, expected):
    assert codes(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        # branches that differ
        "if len(x):\n    s = np.zeros((32,))\nelse:\n    s = h\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        "s = h\nif len(x):\n    s = np.zeros((32,))\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        # bound in a loop: unknown in and after it (but for the first iteration of an exact
        # loop, which sees the value from before it: tests/test_loops.py)
        "s = np.zeros((32,))\nfor _ in range(3):\n    s = h\n    keras.layers.GRU(32)(x, initial_state=s)\n",
        "s = np.zeros((32,))\nfor _ in x:\n    keras.layers.GRU(32)(x, initial_state=s)\n"
        "    s = h\n",
        "s = np.zeros((32,))\nfor _ in range(3):\n    s = h\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        "s = np.zeros((32,))\nwhile len(x):\n    s = h\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        # try: the handler may run after any part of the body
        "s = np.zeros((32,))\ntry:\n    s = h\nexcept Exception:\n    pass\n"
        "keras.layers.GRU(32)(x, initial_state=s)\n",
        "try:\n    s = h\nexcept Exception:\n    s = np.zeros((32,))\n"
        "keras.layers.GRU(32)(x, initial_state=s)\n",
        # written from a function
        "s = np.zeros((32,))\ndef reset():\n    global s\n    s = h\nreset()\n"
        "keras.layers.GRU(32)(x, initial_state=s)\n",
        # augmented, deleted, with-bound
        "s = np.zeros((32,))\ns += 1\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        "s = np.zeros((32,))\nwith open('f') as s:\n    pass\nkeras.layers.GRU(32)(x, initial_state=s)\n",
        # a layer changed after it was built
        "gru = keras.layers.GRU(16)\ngru.units = 32\ngru(x, initial_state=h)\n",
    ],
)
def test_ambiguous_names_are_silent(body):
    assert codes(body) == []


def test_a_function_sees_the_module_name_only_when_it_is_bound_once():
    once = "s = np.zeros((32,))\ndef run():\n    return keras.layers.GRU(32)(x, initial_state=s)\n"
    twice = "s = np.zeros((32,))\ns = h\ndef run():\n    return keras.layers.GRU(32)(x, initial_state=s)\n"
    assert codes(once) == ["GRU001"]
    assert codes(twice) == []


# -- lists changed in place --------------------------------------------------------------
@pytest.mark.parametrize(
    "build, expected",
    [
        ("states = []\nstates.append(h)\nstates.append(c)\n", []),
        ("states = []\nstates.append(h)\n", ["GRU005"]),
        ("states = [h]\nstates.extend([c, c])\n", ["GRU005"]),
        ("states = [h]\nstates += [c]\n", []),
        ("states = [h, c, c]\nstates.pop()\n", []),
        ("states = [h, c]\nstates.insert(0, h)\n", ["GRU005"]),
        ("states = [h, h]\nstates[1] = np.zeros((2, 16))\n", ["GRU002"]),
        ("states = [h, c]\nstates.clear()\n", ["GRU005"]),
    ],
)
def test_list_changes_are_modelled_exactly(build, expected):
    body = build + "keras.layers.LSTM(32)(x, initial_state=states)\n"
    assert codes(body) == expected


@pytest.mark.parametrize(
    "build",
    [
        # an alias changes the same list
        "states = [h]\nalias = states\nalias.append(c)\n",
        # an unknown function may change it
        "def fill(s):\n    s.append(c)\nstates = [h]\nfill(states)\n",
        "states = [h]\nimport mylib\nmylib.fill(states)\n",
        # a nested function changes it
        "states = [h]\ndef more():\n    states.append(c)\nmore()\n",
        # changed in a loop or a branch
        "states = []\nfor s in (h, c):\n    states.append(s)\n",
        "states = [h]\nif len(x):\n    states.append(c)\n",
        # stored in another list, changed through it
        "states = [h]\nboth = [states]\nboth[0].append(c)\n",
        # changed by a method not modelled
        "states = [c, h]\nstates.sort(key=id)\n",
        "states = [h, c, c]\nstates.remove(c)\n",
    ],
)
def test_unmodelled_list_changes_are_silent(build):
    body = build + "keras.layers.LSTM(32)(x, initial_state=states)\n"
    assert codes(body) == []


def test_a_change_after_the_use_still_makes_the_list_unknown_there():
    # the list the call saw is the one appended to later: the finding would rest on order alone
    body = "states = [h]\nkeras.layers.LSTM(32)(x, initial_state=states)\nstates.append(c)\n"
    assert codes(body) == []


def test_lists_read_safely_stay_known():
    body = ("states = [h]\nprint(len(states), states[0].shape)\n"
            "keras.layers.LSTM(32)(x, initial_state=states)\n")
    assert codes(body) == ["GRU005"]
