"""## What it does
Reports a step call inside a decoding loop that gets new states back every step but is fed
the same states every step: `out, h, c = decoder_model.predict([target_seq] + states)` in a
loop that never rebinds `states`, or `output, state = decoder(token, state0)` that keeps
feeding `state0`.

## Why is this bad?
The returned states are dropped, so every step starts again from the encoder's (or the
initial) state: the decoder forgets what it has generated so far, and Keras says nothing.
The loop runs, the shapes are right, and the translations or generated text are simply
worse (often one token repeated).

## Example
```python
encoder_states = encoder_model.predict(x)
for i in range(max_len):
    out, h, c = decoder_model.predict([target_seq] + encoder_states)
    target_seq = next_input(out)
```

## Use instead
```python
states = encoder_model.predict(x)
for i in range(max_len):
    out, h, c = decoder_model.predict([target_seq] + states)
    target_seq = next_input(out)
    states = [h, c]
```

## Fix safety
No fix: where the new states should be fed back (and whether all of them) is for the author
to decide.

## Known limits
Steps are recurrent layers built with `return_state=True`, functional models of the file
whose inputs and outputs hold a recurrent layer's states (state inputs written out, through
names, `+` or a comprehension of Inputs), and `keras.Model` subclasses whose `call()` passes
one parameter as `initial_state` and returns the new states at a fixed place of a tuple, or
methods of a class of the file that do the same with such a step (the TensorFlow tutorial's
`OneStep.generate_one_step`). With several returns, the one the call's own arguments select
(`return_state=True` for `if return_state:`) is read; a parameter re-bound before the step
counts only under `if states is None:`, to a fresh initial state (`get_initial_state`, zeros). The
call must stand straight in the loop's body (not in a branch), its results unpacked into
names; the states fed must be names (lists of names, `+`, constant indexes) the loop never
binds, changes or reads elsewhere, and the new states' names must never be read in the loop.
The loop must be a decode loop: another input of the step is computed in the loop from what
the step returns, or picks one time step of a batch (`x[:, t]`) at the loop's index.
Anything less clear is silent.
"""

from __future__ import annotations

from gru_lint.analysis.decode import decode_steps
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.keras_facts import RECURRENT_NAME_PARTS
from gru_lint.rules._base import Rule

RULE = Rule(
    code="GRU025",
    name="state-not-carried",
    summary="A decoding loop gets new states back every step and feeds the same states again.",
    triggers=(b"return_state",),
    requires=RECURRENT_NAME_PARTS,  # every step returns a recurrent layer's states
    effects=frozenset({"state_not_carried"}),
    fix_safety="none",
    doc=__doc__,
)


def check(analysis):
    for found in decode_steps(analysis):
        step = found.step
        fed = ", ".join(f"`{analysis.text(node)}`" for node in step.states)
        new = ", ".join(f"`{name}`" for name in found.returned_names)
        got = f"the new states ({new})" if new else "new states"
        message = (
            f"{step.what} returns {got} every step but is fed {fed} again: expected the states "
            f"the previous step returned, found the same states at every step — the state is "
            f"not carried; {_advice(step, found)}"
        )
        loop = found.loop
        header = loop.iter if hasattr(loop, "iter") else loop.test
        related = [Related("in this loop, which never feeds the new states back", analysis.span(header))]
        related += [Related(f"`{analysis.text(t)}` bound here and never fed back", analysis.span(t))
                    for t in step.returned if getattr(t, "id", "_") != "_"]
        yield Diagnostic(RULE.code, message, analysis.span(step.call), None, tuple(related))


def _advice(step, found) -> str:
    names = found.returned_names
    if len(step.states) == 1 and type(step.states[0]).__name__ == "Name" and names \
            and len(names) == len(step.returned):
        new = names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
        return f"feed them back (`{step.states[0].id} = {new}` at the end of the loop)"
    return "feed them back to the next step"
