"""Output formats: one module per format, each behind the same small interface.

A format module defines ``render(report) -> str``: the text for standard output,
given a :class:`gru_lint.output.base.Report` (the run's outcomes, its settings
and the colour style). Positions come from each outcome's position mapper
(``outcome.start(diag)``, ``outcome.end(diag)``), never from the span directly,
so notebooks and other joined sources print where the user looks.
"""

from __future__ import annotations

DEFAULT = "concise"
# The format name -> its module under gru_lint.output.
FORMATS = {
    "concise": "concise",
    "full": "full",
    "json": "json",
    "json-lines": "json_lines",
    "github": "github",
    "gitlab": "gitlab",
    "sarif": "sarif",
    "junit": "junit",
    "pylint": "pylint",
}


def get(name: str):
    """The module for format ``name`` (KeyError when unknown)."""
    import importlib

    return importlib.import_module(f"gru_lint.output.{FORMATS[name]}")
