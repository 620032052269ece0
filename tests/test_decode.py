"""GRU025 (state not carried through a decode loop): what it proves, and where it is silent."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

HEADER = """\
import numpy as np
import keras

gru = keras.layers.GRU(8, return_state=True)
embed = keras.layers.Embedding(10, 4)
head = keras.layers.Dense(10)
h0 = np.zeros((1, 8), "float32")
token = np.array([[1]])
"""


def findings(body: str):
    source = HEADER + textwrap.dedent(body)
    return [(d.line - HEADER.count("\n"), d.message) for d in check_source(source, "t.py")
            if d.code == "GRU025"]


def test_layer_step_fed_the_same_state():
    found = findings(
        """
        for _ in range(5):
            out, h = gru(embed(token), initial_state=h0)
            token = np.argmax(head(out), axis=-1)[:, None]
        """
    )
    assert [line for line, _ in found] == [3]
    message = found[0][1]
    assert "`h0`" in message and "`h`" in message and "`h0 = h` at the end of the loop" in message


def test_positional_state_and_time_steps_of_a_batch():
    found = findings(
        """
        x = np.zeros((2, 6, 4), "float32")
        for t in range(6):
            out, h = gru(x[:, t : t + 1], h0)
        """
    )
    assert [line for line, _ in found] == [4]


def test_functional_step_model_through_predict():
    found = findings(
        """
        tok_in = keras.Input(shape=(None, 10))
        h_in = keras.Input(shape=(8,))
        seq, h_out = gru(tok_in, initial_state=h_in)
        step = keras.Model([tok_in, h_in], [head(seq), h_out])
        states = [h0]
        target = np.zeros((1, 1, 10))
        while True:
            probs, h = step.predict([target] + states, verbose=0)
            target = probs[:, None, :]
        """
    )
    assert [line for line, _ in found] == [9]
    assert "`states = h`" in found[0][1]


@pytest.mark.parametrize(
    "body",
    [
        # carried, by every usual spelling
        "out, h0 = gru(embed(token), initial_state=h0)\n    token = head(out)",
        "out, h = gru(embed(token), initial_state=h0)\n    token = head(out)\n    h0 = h",
        "out, h = gru(embed(token), initial_state=h0)\n    token = head(out)\n    h0, _ = h, 1",
        "out, h = gru(embed(token), initial_state=[h0])\n    token = head(out)\n"
        "    h0 = [s for s in [h]][0]",
        # the new state is used some other way: maybe carried, maybe not
        "out, h = gru(embed(token), initial_state=h0)\n    token = head(out)\n    keep(h)",
        # the state is changed in place, or handed to a helper that may change it
        "out, h = gru(embed(token), initial_state=box)\n    token = head(out)\n    box[0] = 1",
        "out, h = gru(embed(token), initial_state=box)\n    token = head(out)\n    refresh(box)",
        "out, h = gru(embed(token), initial_state=box)\n    token = head(out)\n    box.append(1)",
        # a state built by a call, or read from an attribute: not followed
        "out, h = gru(embed(token), initial_state=np.zeros((1, 8)))\n    token = head(out)",
        "out, h = gru(embed(token), initial_state=cfg.h0)\n    token = head(out)",
        # the step's other input does not come from its output: independent calls
        "out, h = gru(embed(np.array([[i]])), initial_state=h0)\n    scores.append(head(out))",
        # the loop runs once
        "out, h = gru(embed(token), initial_state=h0)\n    token = head(out)\n    break",
    ],
)
def test_silent(body):
    assert findings(_loop(body)) == []


def _loop(body: str) -> str:
    return ("box = [h0]\ncfg = None\nscores = []\n"
            "def keep(v):\n    pass\n"
            "def refresh(v):\n    pass\n"
            "for i in range(5):\n    " + body + "\n")


def test_the_silent_cases_differ_from_a_finding_only_by_their_change():
    assert len(findings(_loop("out, h = gru(embed(token), initial_state=h0)\n    token = head(out)"))) == 1
    assert len(findings(_loop("out, h = gru(embed(token), initial_state=box)\n    token = head(out)"))) == 1


def test_silent_in_a_branch_and_for_a_single_iteration():
    assert findings(
        """
        for i in range(5):
            if i % 2:
                out, h = gru(embed(token), initial_state=h0)
                token = head(out)
        """
    ) == []
    assert findings(
        """
        for i in range(1):
            out, h = gru(embed(token), initial_state=h0)
            token = head(out)
        """
    ) == []


def test_silent_when_a_function_reads_the_new_state():
    assert findings(
        """
        def last_state():
            return h

        for i in range(5):
            out, h = gru(embed(token), initial_state=h0)
            token = head(out)
        """
    ) == []


SUBCLASS = """
class Decoder(keras.Model):
    def __init__(self):
        super().__init__()
        self.gru = keras.layers.GRU(8, return_sequences=True, return_state=True)
        self.fc = keras.layers.Dense(10)

    def call(self, x, hidden):
{body}

decoder = Decoder()
dec_hidden = h0
for t in range(4):
    predictions, new_hidden = decoder(embed(token), dec_hidden)
    token = np.argmax(predictions, axis=-1)
"""


def test_subclass_step_returning_its_state():
    body = "        output, state = self.gru(x, initial_state=hidden)\n        return self.fc(output), state"
    assert [line for line, _ in findings(SUBCLASS.format(body=body))] == [15]


def test_subclass_parameter_defaulted_under_is_none():
    # ``dec_hidden`` is an array: ``if hidden is None`` never runs, the layer gets the argument
    body = ("        if hidden is None:\n            hidden = h0\n"
            "        output, state = self.gru(x, initial_state=hidden)\n        return self.fc(output), state")
    assert [line for line, _ in findings(SUBCLASS.format(body=body))] == [17]
    # passed as None: the state comes from the branch, not followed
    source = SUBCLASS.format(body=body).replace("dec_hidden = h0", "dec_hidden = None")
    assert findings(source) == []


@pytest.mark.parametrize(
    "body",
    [
        # the parameter is re-bound, and the argument does not decide the test away
        "        if hidden.shape[0] == 1:\n            hidden = h0\n"
        "        output, state = self.gru(x, initial_state=hidden)\n        return self.fc(output), state",
        # the returned tuple does not hold the layer's state
        "        output, state = self.gru(x, initial_state=hidden)\n        return self.fc(output), output",
        # two returns
        "        output, state = self.gru(x, initial_state=hidden)\n        if state is None:\n"
        "            return output, output\n        return self.fc(output), state",
    ],
)
def test_subclass_silent(body):
    assert findings(SUBCLASS.format(body=body)) == []
