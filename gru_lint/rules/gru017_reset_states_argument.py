"""## What it does
Reports `layer.reset_states(states)` / `layer.reset_states(states=...)` on a Keras recurrent
layer: the Keras 2 way to set a stateful layer's states.

## Why is this bad?
Keras 3's `reset_states()` (an alias of `reset_state()`) takes no argument: it only zeroes the
states. Keras 2 code that seeds a stateful layer fails with `TypeError: RNN.reset_states()
got an unexpected keyword argument 'states'`.

## Example
```python
gru = keras.layers.GRU(64, stateful=True)
gru.reset_states(states=h0)
```

## Use instead
```python
gru = keras.layers.GRU(64, stateful=True)
gru.reset_state()
gru.states[0].assign(h0)
```
(for an LSTM, assign `states[0]` and `states[1]`), or pass `initial_state=` to the call.

## Fix safety
No fix: how the given states map onto the layer's state variables (one array or a list)
is a decision to make by hand.

## Known limits
Only layers known to be Keras recurrent layers are checked; Keras 2 code (by its imports, or Keras-2-only names such as `CuDNNLSTM`) is not.
"""

from __future__ import annotations

from gru_lint.analysis.runtime import keras2_names, method_calls, plain_args
from gru_lint.analysis.values import LayerVal
from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU017",
    name="reset-states-with-states",
    summary="`layer.reset_states(states=...)`: Keras 3 resets to zeros and takes no states.",
    triggers=(b"reset_states",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="none",
    doc=__doc__,
    versions=frozenset({3}),  # a Keras 3 migration rule: correct Keras 2 code
)


def check(analysis):
    if keras2_names(analysis):
        return
    for site in method_calls(analysis, "reset_states"):
        layer = site.receiver
        if not isinstance(layer, LayerVal) or layer.spec.kind not in ("rnn", "generic_rnn", "bidirectional"):
            continue
        ok, count = plain_args(site.call)
        if not ok or (count == 0 and not site.call.keywords):
            continue
        names = " and ".join(f"state `{n}`" for n, _ in (layer.states() or ())) or "each state"
        message = (
            f"{layer.display}.reset_states() takes no states in Keras 3 (it only zeroes them) — "
            f"call reset_state(), then assign {names} through layer.states[i].assign(...)"
        )
        yield diagnostic(analysis, RULE.code, message, site.call, layer)
