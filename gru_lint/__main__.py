"""``python -m gru_lint``: the same as the ``gru-lint`` command.

``python -m`` puts the current directory first on ``sys.path``; when that directory
is the tree being checked, a file there named like a module gru-lint imports later
(``argparse.py``, ``difflib.py``, ``libcst/`` ...) would be executed. gru-lint never
executes the code it checks, so the current directory is dropped from ``sys.path``
before anything else is imported (as ``python -P`` does on Python 3.11+).
"""

import os
import sys


def _drop_cwd_from_path() -> None:
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # the current directory was removed
        cwd = None
    here = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    kept = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else cwd
        if entry in ("", ".") or (real == cwd and real != here):
            continue
        kept.append(entry)
    sys.path[:] = kept


_drop_cwd_from_path()

from gru_lint.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
