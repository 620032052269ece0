"""## What it does
Reports `model(x, initial_state=s)` where `model` is an instance of a `keras.Model` subclass
defined in the file whose `call()` has no `initial_state` parameter (and no `**kwargs`).

## Why is this bad?
Keras hands the keyword to `call()`, which raises `TypeError: ... got an unexpected keyword
argument 'initial_state'`. Sequential and functional models drop the keyword silently
(GRU007); a subclass has to declare it and forward it to its recurrent layer.

## Example
```python
class Decoder(keras.Model):
    def call(self, inputs):
        return self.gru(self.embedding(inputs))

y = decoder(tokens, initial_state=h)
```

## Use instead
```python
class Decoder(keras.Model):
    def call(self, inputs, initial_state=None):
        return self.gru(self.embedding(inputs), initial_state=initial_state)

y = decoder(tokens, initial_state=h)
```

## Fix safety
No fix: where the state should go inside `call()` is for the author to decide.

## Known limits
Only instances bound once to a class defined in the same file, which subclasses
`keras.Model` directly and defines `call` itself, are checked.
"""

from __future__ import annotations

from gru_lint.analysis.runtime import parameter, subclass_state_calls
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.rules._base import Rule
from gru_lint.keras_facts import SUBCLASS_NAME_PARTS

RULE = Rule(
    code="GRU019",
    name="call-without-initial-state",
    summary="`model(x, initial_state=s)` on a `keras.Model` subclass whose `call()` takes no `initial_state`.",
    triggers=(b"initial_state",),
    requires=SUBCLASS_NAME_PARTS,
    effects=frozenset({"raised", "call_raised"}),
    fix_safety="none",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)


def check(analysis):
    for site in subclass_state_calls(analysis):
        if parameter(site.method, "initial_state") is not None:
            continue
        message = (
            f"{site.cls.name}.call() has no initial_state parameter: this call raises TypeError — "
            f"add `initial_state=None` to call() and pass it to the recurrent layer"
        )
        related = (Related(f"`{site.cls.name}.call` defined here", analysis.span(site.method)),)
        yield Diagnostic(RULE.code, message, analysis.span(site.keyword.value), None, related)
