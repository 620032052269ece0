"""## What it does
Checks that `initial_state` holds as many states as the layer takes: one for `GRU`,
`SimpleRNN` and `RNN(GRUCell)`; `[h, c]` for `LSTM` and `ConvLSTM`; for `Bidirectional`,
the wrapped layer's states twice (forward, then backward), flat.

## Why is this bad?
Keras 3 does not count states. An `LSTM` given a single tensor, or `[h]`, fails with
`IndexError: list index out of range` or a "Too few leaves" error; `SimpleRNN` given two
states fails in the cell; `Bidirectional` splits the list in half without checking, and
a bare tensor is split along its *batch* axis, giving a batch error that has nothing to
do with the real mistake.

## Example
```python
h0 = np.zeros((32, 64))
out = keras.layers.LSTM(64)(x, initial_state=h0)
```

## Use instead
```python
h0 = np.zeros((32, 64))
c0 = np.zeros((32, 64))
out = keras.layers.LSTM(64)(x, initial_state=[h0, c0])
```

## Fix safety
Unsafe, and only for an `LSTM` (or `RNN(LSTMCell)`) given one constructed tensor. A
constructor written in the call is written twice, `[np.zeros((B, 64)), np.zeros((B, 64))]`
(a random constructor then draws a different `c`); a name is passed twice, `[h0, h0]`, so
`c` starts equal to `h`. Either keeps the program's meaning only if that is what was
meant. Otherwise no fix.

## Known limits
Only lists whose length is known statically are counted. `GRU` given extra states is
reported by GRU006 instead (Keras ignores them silently).
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.keras_facts import BIDIRECTIONAL_FACTOR, RECURRENT_NAME_PARTS
from gru_lint.rules._base import CRASHES, Rule, diagnostic, state_size_note

RULE = Rule(
    code="GRU005",
    name="state-count-mismatch",
    summary="`initial_state` holds the wrong number of states for the layer (e.g. an LSTM given one).",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES,
    fix_safety="unsafe",
    doc=__doc__,
)


def expected_text(expected) -> str:
    labels = [label for label, _ in expected]
    noun = "initial state" if len(labels) == 1 else "initial states"
    return f"{len(labels)} {noun} [{', '.join(labels)}]"


def silently_ignored(plan) -> bool:
    """GRU reads only ``initial_state[0]``: extra states are dropped, not an error (GRU006)."""
    layer = plan.layer
    inner = layer.innermost
    if not inner.spec.ignores_extra_states or plan.bare:
        return False
    if layer.spec.kind == "bidirectional":
        # Keras splits the list in half, one per direction: each must hold its states.
        half = len(plan.expected) // BIDIRECTIONAL_FACTOR
        forward = len(plan.given) // BIDIRECTIONAL_FACTOR
        return len(plan.given) > len(plan.expected) and forward >= half and (
            len(plan.given) - forward >= half)
    return len(plan.given) > len(plan.expected)


def check(analysis):
    for plan in analysis.plans:
        if plan.layer.is_stacked or plan.expected is None or plan.given is None or plan.numbers:
            continue
        expected = plan.expected
        if plan.bare:
            if len(expected) == 1:
                continue
            found = "a single tensor"
            if plan.layer.spec.kind == "bidirectional":
                found += " (Bidirectional would split it along the batch axis)"
        elif len(plan.given) == len(expected) or silently_ignored(plan):
            continue
        else:
            found = f"{len(plan.given)}"
        message = (f"{plan.layer.display} expects {expected_text(expected)}; found {found}"
                   f"{state_size_note(analysis)}")
        yield diagnostic(analysis, RULE.code, message, plan.call.state_node, plan.layer,
                         fix=fixes.lstm_pair(analysis, plan))
