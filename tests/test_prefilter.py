"""The byte-level prefilter (``core.might_matter``) never hides a finding.

A file it rejects is never parsed; so every file it rejects must be one the rules,
run without it, find nothing in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gru_lint.core import _run_rules, analyse, might_matter

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _findings_without_prefilter(text: str):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return [d.code for d in _run_rules(analyse(text, tree))]


def test_every_recurrent_and_model_class_holds_a_required_name():
    from gru_lint.keras_facts import LAYERS, MODEL_NAME_PARTS, MODELS, RECURRENT_NAME_PARTS

    for name, spec in LAYERS.items():
        if spec.kind == "bidirectional":
            continue  # a wrapper: the layer it wraps is built from one of the others
        assert any(part.decode() in name for part in RECURRENT_NAME_PARTS), name
    for name in MODELS:
        assert any(part.decode() in name for part in MODEL_NAME_PARTS), name


def test_files_the_prefilter_rejects_have_no_findings():
    rejected = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        data = path.read_bytes()
        if might_matter(data):
            continue
        rejected += 1
        assert _findings_without_prefilter(data.decode("utf-8")) == [], path
    # Every fixture that has a marked line passes it.
    for path in sorted(FIXTURES.rglob("*.py")):
        if b"# error: [GRU" in path.read_bytes():
            assert might_matter(path.read_bytes()), path


@pytest.mark.parametrize("text, expected", [
    ("import keras\nout = keras.layers.GRU(4)(x, initial_state=h)\n", True),
    ("import keras\nout = GRU(4)(x, initial_state = h)\n", True),
    ("import keras\nclass M(keras.Model):\n    def call(self, x, initial_state=None): ...\n", True),
    ('import keras\nkeras.layers.LSTM(4)(x, **{"initial_state": h})\n', True),
    ("import keras\ngru = keras.layers.GRU(4)\nstates = gru.get_initial_state(batch_size=4)\n", True),
    ("import keras\nkeras.layers.ConvLSTM2D(4, 3)\n", True),
    ("import keras\nmodel = keras.Sequential()\nmodel.reset_states()\n", True),
    ("import keras\nkeras.layers.SimpleRNN(4, stateful=True)\n", True),
    ("from keras.layers import LSTM as L\nL(4)(x, initial_state=h)\n", True),
    # A backend's ``rnn(step, inputs, initial_states)``: not the keyword rules read.
    ("import keras\ndef rnn(step_function, inputs, initial_states): ...\n", False),
    ("import keras\ninitial_state_h = 0\n", False),
    ("from keras import layers\n", False),
    ("out = layer(x, initial_state=h)\n", False),  # no Keras at all
    # A trigger, but nothing the rule needs: no recurrent class, no model is named.
    ("import keras\nout = layer(x, initial_state=h)\n", False),
    ("import keras\nstates = cell.get_initial_state(batch_size=4)\n", False),
    ("import keras\nmetric.reset_states()\n", False),
    ("import keras\nkeras.layers.Dense(4, stateful=True)\n", False),
])
def test_whole_word_triggers(text, expected):
    assert might_matter(text) is expected
    assert might_matter(text.encode()) is expected


def test_the_scan_tree_finds_exactly_the_triggers_a_plain_search_finds():
    """Guards and nesting only skip searches whose answer is already known to be no."""
    import itertools

    from gru_lint.core import _scan, _screens
    from gru_lint.rules import TRIGGERS

    scans, _ = _screens(bytes)
    pieces = list(TRIGGERS) + [b"state", b"LSTM", b"stat", b"_initial", b"GRU", b" "]
    for a, b in itertools.product(pieces, repeat=2):
        source = b"keras " + a + b
        found = set()
        _scan(scans, source, found)
        assert found == {t for t in TRIGGERS if t in source}, source
