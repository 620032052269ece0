"""Classes of the file through single inheritance: inherited ``__init__`` and methods.

A method a class does not define comes from its one base of the file; its attributes
come from the base's ``__init__`` bound to the subclass's constructor arguments. Several
bases, a base from elsewhere, an attribute set in two classes, or anything ambiguous
is silent.
"""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import keras
from keras import layers
x = np.zeros((8, 5, 3), "float32")
h = np.zeros((8, 16))


class Decoder(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.gru = layers.GRU(units, return_sequences=True)

    def call(self, inputs, hidden):
        return self.gru(inputs, initial_state=hidden)

"""


def found(body: str):
    source = PRELUDE + textwrap.dedent(body)
    return sorted((d.code, d.span.line - PRELUDE.count("\n")) for d in check_source(source))


@pytest.mark.parametrize("classes, make", [
    ("class Sub(Decoder):\n    pass\n", "Sub(32)"),
    ("class Sub(Decoder):\n    '''Same decoder, another name.'''\n", "Sub(units=32)"),
    ("class Sub(Decoder):\n    def get_config(self):\n        return {}\n", "Sub(32)"),
    ("class Sub(Decoder):\n    def call(self, inputs, hidden):\n"
     "        return self.gru(inputs * 2.0, initial_state=hidden)\n", "Sub(32)"),
    ("class Mid(Decoder):\n    pass\nclass Sub(Mid):\n    pass\n", "Sub(32)"),
    ("class Sub(Decoder):\n    def __init__(self, units):\n        super().__init__(2 * units)\n", "Sub(16)"),
    ("class Mid(Decoder):\n    pass\nclass Sub(Mid):\n    def __init__(self, units):\n"
     "        super().__init__(units * 2)\n", "Sub(16)"),
    ("class Sub(Decoder):\n    def __init__(self, *args, **kwargs):\n"
     "        super().__init__(*args, **kwargs)\n", "Sub(32)"),
])
def test_inherited_methods_and_attributes_are_followed(classes, make):
    body = classes + f"dec = {make}\nout = dec(x, h)\n"
    line = body.count("\n")
    assert found(body) == [("GRU002", line)]


@pytest.mark.parametrize("classes", [
    # several bases, a base from elsewhere, a metaclass
    "class Mixin:\n    pass\nclass Sub(Decoder, Mixin):\n    pass\n",
    "import seq2seq\nclass Sub(seq2seq.Decoder):\n    pass\n",
    "import abc\nclass Sub(Decoder, metaclass=abc.ABCMeta):\n    pass\n",
    # the attribute set in both classes
    "class Sub(Decoder):\n    def __init__(self, units):\n        super().__init__(units)\n"
    "        self.gru = layers.GRU(16, return_sequences=True)\n",
    # the base's __init__ never runs, or runs in a branch
    "class Sub(Decoder):\n    def __init__(self, units):\n        keras.Model.__init__(self)\n",
    "class Sub(Decoder):\n    def __init__(self, units, wide=False):\n        if wide:\n"
    "            super().__init__(units)\n        else:\n            super().__init__(16)\n",
    # the method bound another way in the class body
    "class Sub(Decoder):\n    call = Decoder.call\n",
    "class Sub(Decoder):\n    if True:\n        def call(self, inputs, hidden):\n"
    "            return inputs\n",
    # a subclass's own __call__ runs instead of call()
    "class Sub(Decoder):\n    def __call__(self, inputs, hidden):\n        return inputs\n",
])
def test_inheritance_that_cannot_be_followed_is_silent(classes):
    assert found(classes + "dec = Sub(32)\nout = dec(x, h)\n") == []


def test_an_attribute_set_in_a_base_build_a_subclass_overrides_is_unknown():
    body = '''
    class Base(keras.layers.Layer):
        def build(self, input_shape):
            self.gru = layers.GRU(32)

        def call(self, inputs, hidden):
            return self.gru(inputs, initial_state=hidden)

    class Sub(Base):
        def build(self, input_shape):
            self.proj = layers.Dense(4)

    layer = Sub()
    out = layer(x, h)
    '''
    assert found(body) == []
    assert found(body.replace("layer = Sub()", "layer = Base()")) == [("GRU002", 14)]


def test_a_method_of_a_subclass_instance_runs_the_base_method():
    body = '''
    class Encoder(keras.Model):
        def __init__(self, units, batch):
            super().__init__()
            self.units = units
            self.batch = batch
            self.gru = layers.GRU(units)

        def initial_state(self):
            return np.zeros((self.batch, 2 * self.units))

        def call(self, inputs, hidden):
            return self.gru(inputs, initial_state=hidden)

    class Tuned(Encoder):
        pass

    enc = Tuned(16, 8)
    out = enc(x, enc.initial_state())
    '''
    assert found(body) == [("GRU002", 19)]
