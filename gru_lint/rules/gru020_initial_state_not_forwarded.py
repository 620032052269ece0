"""## What it does
Reports `model(x, initial_state=s)` on a `keras.Model` subclass defined in the file whose
`call(self, inputs, initial_state=None)` never uses `initial_state`.

## Why is this bad?
The state is accepted and dropped: the recurrent layer inside starts from zeros, and the
model runs without a word. A decoder meant to start from an encoder's state learns
without it; the only sign is worse results (and, in `fit`, "Gradients do not exist"
warnings for the encoder).

## Example
```python
class Decoder(keras.Model):
    def call(self, inputs, initial_state=None):
        return self.gru(inputs)
```

## Use instead
```python
class Decoder(keras.Model):
    def call(self, inputs, initial_state=None):
        return self.gru(inputs, initial_state=initial_state)
```

## Fix safety
No fix: which layer inside `call()` should receive the state is for the author to say.

## Known limits
Reported only at calls that pass `initial_state=` to an instance bound once to a class
defined in the same file that subclasses `keras.Model` directly and defines `call` itself,
when `call()`'s body never reads the parameter (a body that uses `locals()` or a nested
function reading it counts as using it).
"""

from __future__ import annotations

from gru_lint.analysis.runtime import parameter, reads, subclass_state_calls
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.rules._base import Rule
from gru_lint.keras_facts import SUBCLASS_NAME_PARTS

RULE = Rule(
    code="GRU020",
    name="initial-state-not-forwarded",
    summary="A subclassed model's `call()` takes `initial_state` and never uses it: the state is dropped.",
    triggers=(b"initial_state",),
    requires=SUBCLASS_NAME_PARTS,
    effects=frozenset({"model_state_ignored"}),
    fix_safety="none",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)


def check(analysis):
    for site in subclass_state_calls(analysis):
        param = parameter(site.method, "initial_state")
        if param is None or param == "kwargs" or reads(site.method, "initial_state"):
            continue
        message = (
            f"{site.cls.name}.call() takes initial_state but never uses it: this state is silently "
            f"dropped — pass initial_state=initial_state to the recurrent layer inside call()"
        )
        related = (Related(f"`{site.cls.name}.call` ignores `initial_state` here", analysis.span(param)),)
        yield Diagnostic(RULE.code, message, analysis.span(site.keyword.value), None, related)
