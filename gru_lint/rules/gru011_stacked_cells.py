"""## What it does
Checks the states given to a stacked `RNN([cell1, cell2, ...])`: one state group per
cell, in cell order, each group nested for LSTM cells (`[[h1, c1], [h2, c2]]`).

## Why is this bad?
Keras 3 `zip`s the cells with the state groups. A **shorter list silently drops the
cells that get no state**: the layer runs only the first cells, so its output comes from
the wrong cell (and is narrower than expected when the widths differ). A longer list fails
with "Too few leaves for PyTreeSpec". A flat list `[h1, c1, h2, c2]` hands `h1`
alone to the first LSTM cell and fails with an error about leaves or indices.

## Example
```python
cells = [keras.layers.LSTMCell(64), keras.layers.LSTMCell(64)]
out = keras.layers.RNN(cells)(x, initial_state=[h1, c1, h2, c2])
```

## Use instead
```python
out = keras.layers.RNN(cells)(x, initial_state=[[h1, c1], [h2, c2]])
```

## Fix safety
Unsafe, for a short list written in the call: the cells that get no state are given zero
states of their own width (`np.zeros((batch, units))`, with the input's batch as written,
or `x.shape[0]`), so that every cell runs -- which changes the layer's output to what the
full stack computes. Only when NumPy is imported at module level. No fix for lists that
are not nested per cell.

## Known limits
Only cell lists written in the file (`RNN([GRUCell(8), LSTMCell(8)])`) are checked.
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.analysis.states import misnested_groups
from gru_lint.rules._base import CRASHES, Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU011",
    name="stacked-cell-states",
    summary="A stacked `RNN([cells])` gets a state list that is short (cells are silently dropped) or not nested per cell.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES | {"output_changed", "state_ignored"},
    fix_safety="unsafe",
    doc=__doc__,
)


def check(analysis):
    for plan in analysis.plans:
        layer = plan.layer
        if not layer.is_stacked or (plan.groups is None and not plan.bare):
            continue
        cells = layer.cells
        groups = plan.groups or ()
        layout = "[" + ", ".join(_layout(c, i) for i, c in enumerate(cells)) + "]"
        misnested = misnested_groups(plan)
        if plan.bare:
            found = "a single tensor"
        elif misnested:
            found = f"{len(groups)} items, not nested per cell"
        elif len(groups) < len(cells):
            found = f"{len(groups)} — " + analysis.keras.short_stacked_states.format(
                missing=len(cells) - len(groups), given=len(groups))
        elif len(groups) > len(cells):
            found = f"{len(groups)}, more groups than cells"
        else:
            continue
        message = f"{layer.display} expects one state group per cell, {layout}; found {found}"
        fix = fixes.complete_cells(analysis, plan) if len(groups) < len(cells) else None
        yield diagnostic(analysis, RULE.code, message, plan.call.state_node, layer, fix=fix)


def _layout(cell, i) -> str:
    names = [f"{n}{i + 1}" for n in cell.spec.state_names]
    return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
