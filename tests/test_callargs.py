"""``*seq`` and ``**mapping`` arguments: unpacked when their value is exact.

A known dict (``{"units": 64}``, ``dict(units=64)``) unpacked with ``**`` gives its
items as keywords, an exact tuple or list unpacked with ``*`` gives its items as
positional arguments, in calls of the file's functions and classes and in layer
constructors. Anything not known exactly, and any keyword given twice, is silent.
"""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import json
import numpy as np
import keras
from keras import layers
x = np.zeros((8, 5, 3), "float32")
h = np.zeros((8, 16))
"""


def codes(body: str):
    return sorted(d.code for d in check_source(PRELUDE + textwrap.dedent(body)))


@pytest.mark.parametrize("body", [
    'cfg = {"units": 32}\nlayers.GRU(**cfg)(x, initial_state=h)',
    'cfg = dict(units=32, return_sequences=True)\nlayers.GRU(**cfg)(x, initial_state=h)',
    'layers.GRU(**{"units": 32})(x, initial_state=h)',
    'sizes = (32,)\nlayers.GRU(*sizes)(x, initial_state=h)',
    'cfg = {"units": 32, "vocab": 10}\ndef build(units, vocab):\n    return layers.GRU(units)\n'
    'build(**cfg)(x, initial_state=h)',
    'sizes = [32, 10]\ndef build(units, vocab):\n    return layers.GRU(units)\nbuild(*sizes)(x, initial_state=h)',
    'def build(units, **kw):\n    return layers.GRU(units, **kw)\n'
    'out, s = build(32, return_state=True)(x, initial_state=h)',
    'def build(**kw):\n    return layers.GRU(kw["units"])\nbuild(units=32)(x, initial_state=h)',
    # the callee gets a new dict: ``cfg`` is still known after the call
    'cfg = {"units": 32}\ndef tweak(**kw):\n    kw["units"] = 8\ntweak(**cfg)\n'
    'layers.GRU(cfg["units"])(x, initial_state=h)',
])
def test_exact_unpackings_are_followed(body):
    assert codes(body) == ["GRU002"]


@pytest.mark.parametrize("body", [
    # the dict may change, or is not known
    'cfg = {"units": 32}\ncfg["units"] = 16\nlayers.GRU(**cfg)(x, initial_state=h)',
    'cfg = {"units": 32}\ncfg.update(json.load(open("c.json")))\nlayers.GRU(**cfg)(x, initial_state=h)',
    'cfg = json.load(open("c.json"))\nlayers.GRU(**cfg)(x, initial_state=h)',
    'cfg = {"units": 32, **json.load(open("c.json"))}\nlayers.GRU(**cfg)(x, initial_state=h)',
    'def build(cfg):\n    return layers.GRU(**cfg)\nbuild(json.load(open("c.json")))(x, initial_state=h)',
    # a dict holding a list handed on: the list may change
    'cfg = {"units": 32, "sizes": [4]}\nimport tuner\ntuner.tweak(**cfg)\nlayers.GRU(cfg["units"])(x, initial_state=h)',
    # a keyword given twice, or a key that is not a string: TypeError at run time
    'layers.GRU(32, **{"units": 16})(x, initial_state=h)',
    'cfg = {"units": 32}\nlayers.GRU(units=16, **cfg)(x, initial_state=h)',
    'layers.GRU(**{"units": 32}, **{"units": 16})(x, initial_state=h)',
    'def build(units):\n    return layers.GRU(units)\nbuild(**{1: 32})(x, initial_state=h)',
    'def build(units):\n    return layers.GRU(units)\nbuild(**{"units": 32, "extra": 1})(x, initial_state=h)',
    'def build(units):\n    return layers.GRU(units)\nbuild(*[32, 10])(x, initial_state=h)',
    # a sequence of unknown length
    'import sys\nlayers.GRU(*sys.argv[1:])(x, initial_state=h)',
    'def build(*sizes):\n    return layers.GRU(*sizes)\nbuild(*range(len(x)))(x, initial_state=h)',
    # keywords gru-lint reads from the call's text: not followed through **
    'layers.GRU(**{"units": 32, "return_runtime": True})(x, initial_state=h)',
])
def test_unpackings_that_are_not_exact_are_silent(body):
    assert codes(body) == []


def test_a_stateful_flag_given_by_a_dict():
    body = '''
    RNN_KWARGS = {"stateful": True, "return_sequences": True}
    inputs = keras.Input(shape=(5, 3))
    out = layers.GRU(16, **RNN_KWARGS)(inputs)
    '''
    assert codes(body) == ["GRU012"]
    fixed = body.replace("keras.Input(shape=(5, 3))", "keras.Input(batch_shape=(8, 5, 3))")
    assert codes(fixed) == []


def test_an_input_whose_batch_comes_through_a_dict_is_not_read():
    body = '''
    inputs = keras.Input(shape=(5, 3), **{"batch_size": 8})
    out = layers.GRU(16, stateful=True)(inputs)
    '''
    assert codes(body) == []


def test_no_fix_edits_the_units_of_an_unpacked_constructor():
    source = PRELUDE + 'cfg = {"units": 32}\nlayers.GRU(**cfg)(x, initial_state=h)\n'
    (diag,) = check_source(source)
    assert diag.code == "GRU002"
    assert "GRU(**cfg)" in diag.message
    for edit in (diag.fix.edits if diag.fix is not None else ()):
        assert "cfg" not in source[edit.start:edit.end]
