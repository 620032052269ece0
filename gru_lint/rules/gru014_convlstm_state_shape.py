"""## What it does
Checks the shape of each state given to `ConvLSTM1D`, `ConvLSTM2D` and `ConvLSTM3D`. A
ConvLSTM's `h` and `c` are shaped like its *output* frames: rank N+2, `(batch, *space, filters)`
(or `(batch, filters, *space)` with `data_format="channels_first"`), where each spatial size is
what the layer's convolution makes of the input's: `padding="valid"` (the default) shrinks it by
`dilation_rate * (kernel_size - 1)`, `strides` divide it.

## Why is this bad?
Keras never checks the states up front. A state with the input's spatial size on a
`valid`-padded or strided layer, the input's channel count instead of `filters`, or the wrong
rank fails inside `ConvLSTMCell.call()` with an `InvalidArgumentError` about incompatible
shapes or a convolution error that never mentions the state. A state with batch 1 is broadcast
eagerly and fails under `tf.function`, `fit` and `predict`.

## Example
```python
frames = np.random.rand(8, 10, 64, 64, 1).astype("float32")
conv = keras.layers.ConvLSTM2D(16, 3)
h0 = np.zeros((8, 64, 64, 16), dtype="float32")
out = conv(frames, initial_state=[h0, h0])
```

## Use instead
```python
frames = np.random.rand(8, 10, 64, 64, 1).astype("float32")
conv = keras.layers.ConvLSTM2D(16, 3)
h0 = np.zeros((8, 62, 62, 16), dtype="float32")
out = conv(frames, initial_state=[h0, h0])
```
or `padding="same"`, which keeps the frame size.

## Fix safety
Unsafe: a state built by an array constructor whose dimensions are all written out gets the
expected shape, as integers (`np.zeros((8, 64, 64, 16))` -> `np.zeros((8, 62, 62, 16))`). The
layer may be the wrong one (`padding="same"` may have been meant), hence unsafe. States of
the wrong rank get no fix.

## Known limits
Only `data_format` written as a string literal (or left to Keras's default, in a file that
does not change `image_data_format`) is understood; spatial sizes are compared only when the
input's shape and the layer's `kernel_size`, `strides`, `dilation_rate` and `padding` are all
known. `Bidirectional(ConvLSTM...)` is not checked.
"""

from __future__ import annotations

from gru_lint import fixes_runtime
from gru_lint.analysis.convlstm import channel_axis, expected_state, geometry, is_conv_plan
from gru_lint.analysis.values import dim_text, dims_differ, shape_text
from gru_lint.rules._base import CRASHES, Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU014",
    name="convlstm-state-shape",
    summary="A ConvLSTM state is not shaped like the layer's output: rank, `filters` channel, or spatial size.",
    triggers=(b"ConvLSTM",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES,
    fix_safety="unsafe",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)


def check(analysis):
    for plan in analysis.plans:
        if not is_conv_plan(plan) or not plan.slots:
            continue
        geom = geometry(analysis.evaluator, plan.layer)
        if geom is None:
            continue
        expected = expected_state(geom, plan.call.inputs)
        fixed_ctors = set()
        for slot in plan.slots:
            shape = getattr(slot.given.value, "shape", None)
            if shape is None:
                continue
            label = "initial_state" if len(plan.slots) == 1 else f"state `{slot.label}`"
            head = f"{plan.layer.display} expects {label} of shape {_wanted(geom, expected)}"
            if len(shape) != geom.state_rank:
                message = (f"{head}; found {shape_text(shape)} — a {len(shape)}-D state, but "
                           f"{plan.layer.spec.name} states are {geom.state_rank}-D")
                yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer)
                continue
            if expected is None:
                continue
            reasons = _reasons(geom, expected, shape)
            if not reasons:
                continue
            message = f"{head}; found {shape_text(shape)} — " + "; ".join(reasons)
            fix = None
            ctor = getattr(slot.given.value, "ctor", None)
            if ctor is not None and id(ctor) not in fixed_ctors:
                fixed_ctors.add(id(ctor))
                fix = fixes_runtime.conv_state_shape(analysis, plan, slot, expected)
            yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer, fix=fix)


def _wanted(geom, expected) -> str:
    if expected is None:
        names = ["batch"] + [f"d{i + 1}" for i in range(geom.rank)] + ["filters"]
        return "(" + ", ".join(names) + ")"
    names = []
    for i, dim in enumerate(expected):
        if dim is not None:
            names.append(dim_text(dim))
        elif i == 0:
            names.append("batch")
        else:
            names.append("?")
    return "(" + ", ".join(names) + ")"


def _reasons(geom, expected, shape):
    reasons = []
    if dims_differ(shape[0], expected[0]):
        reasons.append(f"batch {dim_text(shape[0])} but the input's batch is {dim_text(expected[0])}"
                       + (" (broadcast eagerly, fails under tf.function, fit and predict)"
                          if shape[0] == 1 else ""))
    axis = channel_axis(geom)
    # The same state read in the other data_format.
    layout = (shape[:1] + shape[-1:] + shape[1:-1]) if geom.channels_first else (
        shape[:1] + shape[2:] + shape[1:2])
    if geom.channels_first is not None and all(
            isinstance(a, int) and a == b for a, b in zip(layout[1:], expected[1:])) and \
            tuple(shape[1:]) != tuple(expected[1:]):
        other = "channels_last" if geom.channels_first else "channels_first"
        mine = "channels_first" if geom.channels_first else "channels_last"
        reasons.append(f"the state is laid out {other}, but the layer has data_format=\"{mine}\"")
        return reasons
    if dims_differ(shape[axis], expected[axis]):
        reasons.append(f"{dim_text(shape[axis])} channels but the layer has filters={dim_text(expected[axis])}"
                       + (" (data_format=\"channels_first\" puts them on axis 1)" if geom.channels_first else ""))
    space = [i for i in range(1, geom.state_rank) if i != axis]
    wrong = [i for i in space if dims_differ(shape[i], expected[i])]
    if wrong:
        found = "x".join(dim_text(shape[i]) for i in space)
        want = "x".join(dim_text(expected[i]) for i in space)
        why = []
        if geom.padding == "valid" and any(k > 1 for k in geom.kernel):
            why.append(f"padding=\"valid\" with kernel_size {_one(geom.kernel)}")
        if any(s > 1 for s in geom.strides):
            why.append(f"strides {_one(geom.strides)}")
        if any(d > 1 for d in geom.dilation) and geom.padding == "valid":
            why.append(f"dilation_rate {_one(geom.dilation)}")
        cause = (" (" + ", ".join(why) + ")") if why else ""
        reasons.append(f"frames are {want} after the convolution{cause}, not {found}")
    return reasons


def _one(values) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))
