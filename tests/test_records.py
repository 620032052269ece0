"""Configuration objects: dicts, dataclasses, namespaces and class attributes.

Each is followed while nothing can change it; every way the file (or a function it
cannot see) might change one makes it unknown, and unknown is silent.
"""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import types
from dataclasses import dataclass, field
import numpy as np
import keras
x = np.zeros((8, 5, 3), "float32")
"""

BUG = 'keras.layers.GRU({units})(x, initial_state=np.zeros((8, 16)))'


def codes(body: str):
    return sorted(d.code for d in check_source(PRELUDE + textwrap.dedent(body)))


@pytest.mark.parametrize("setup, units", [
    ('cfg = {"units": 32}', 'cfg["units"]'),
    ('cfg = dict(units=32)', 'cfg["units"]'),
    ('cfg = {"batch": 8}', 'cfg.get("units", 32)'),
    ('cfg = types.SimpleNamespace(units=32)', 'cfg.units'),
    ('@dataclass\nclass C:\n    units: int = 32\ncfg = C()', 'cfg.units'),
    ('@dataclass(frozen=True)\nclass C:\n    units: int\ncfg = C(32)', 'cfg.units'),
    ('@dataclass\nclass C:\n    units: int = 8\ncfg = C(units=32)', 'cfg.units'),
    ('class C:\n    BASE = 16\n    UNITS = BASE * 2', 'C.UNITS'),
    ('cfg = {"units": 32}\ndef width(c):\n    return c["units"]\nw = width(cfg)', 'w'),
])
def test_known_configs_give_the_units(setup, units):
    assert codes(setup + "\n" + BUG.format(units=units)) == ["GRU002"]


@pytest.mark.parametrize("setup, units", [
    # changed in place, before the use or by a helper
    ('cfg = {"units": 32}\ncfg["units"] = 16', 'cfg["units"]'),
    ('cfg = {"units": 32}\ncfg.update(units=16)', 'cfg["units"]'),
    ('cfg = {"units": 32}\ndef tweak(c):\n    c["units"] = 16\ntweak(cfg)', 'cfg["units"]'),
    ('cfg = {"units": 32}\ndef same(c):\n    return c\nsame(cfg)["units"] = 16', 'cfg["units"]'),
    ('cfg = {"units": 32}\nimport json\njson.loads("{}", object_hook=cfg.update)', 'cfg["units"]'),
    ('cfg = {"units": 32}\nother = cfg\nother["units"] = 16', 'cfg["units"]'),
    ('cfg = {"units": 32}\nfor k in list(cfg):\n    cfg[k] = 16', 'cfg["units"]'),
    ('cfg = {"units": 32, **{"units": 16}}', 'cfg["units"]'),
    ('cfg = types.SimpleNamespace(units=32)\ncfg.units = 16', 'cfg.units'),
    ('cfg = types.SimpleNamespace(units=32)\nsetattr(cfg, "units", 16)', 'cfg.units'),
    ('cfg = types.SimpleNamespace(units=32)\nimport overrides\noverrides.apply(cfg)', 'cfg.units'),
    ('cfg = types.SimpleNamespace(units=32)\nholder = [cfg]\nholder[0].units = 16', 'cfg.units'),
    ('@dataclass\nclass C:\n    units: int = 32\n    def halve(self):\n        self.units //= 2\n'
     'cfg = C()\ncfg.halve()', 'cfg.units'),
    ('@dataclass\nclass C:\n    units: int = 32\n    def __post_init__(self):\n        self.units = 16\n'
     'cfg = C()', 'cfg.units'),
    ('@dataclass\nclass C:\n    units: int = field(default=16)\ncfg = C()', 'cfg.units'),
    ('class C:\n    UNITS = 32\nC.UNITS = 16', 'C.UNITS'),
    ('class C:\n    UNITS = 32\ndef grow():\n    C.UNITS = 16\ngrow()', 'C.UNITS'),
    ('class Base:\n    UNITS = 16\nclass C(Base):\n    UNITS = 32', 'C.UNITS'),
    ('import attr\n@attr.s\nclass C:\n    units = 32', 'C.units'),
])
def test_configs_that_may_change_are_unknown(setup, units):
    assert codes(setup + "\n" + BUG.format(units=units)) == []


def test_a_keras_layers_own_units_attribute_does_not_hide_a_config():
    body = '''
    class Wide(keras.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

    cfg = types.SimpleNamespace(units=32)
    ''' + BUG.format(units="cfg.units")
    assert codes(body) == ["GRU002"]


def test_a_list_returned_in_a_tuple_stays_known_but_a_returned_parameter_does_not():
    body = '''
    def make(u):
        states = [np.zeros((8, u))]
        return u, states

    def same(s):
        return 0, s

    _, states = make(16)
    keras.layers.GRU(32)(x, initial_state=states)

    mine = [np.zeros((8, 16))]
    _, alias = same(mine)
    alias.append(np.zeros((8, 32)))
    keras.layers.GRU(32)(x, initial_state=mine[:1])
    '''
    found = check_source(PRELUDE + textwrap.dedent(body))
    assert [(d.line - PRELUDE.count("\n"), d.code) for d in found] == [(10, "GRU002")]


@pytest.mark.parametrize("setup, units", [
    ('class C:\n    SIZES = [32]\nC.SIZES.append(16)', 'C.SIZES[-1]'),
    ('class C:\n    P = {"units": 32}\nC.P["units"] = 16', 'C.P["units"]'),
    ('cfg = types.SimpleNamespace(sizes=[32])\ncfg.sizes.append(16)', 'cfg.sizes[-1]'),
])
def test_containers_held_in_configs_are_not_trusted(setup, units):
    assert codes(setup + "\n" + BUG.format(units=units)) == []
