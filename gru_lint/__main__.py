"""``python -m gru_lint``: the same as the ``gru-lint`` command."""

import sys

from gru_lint.cli import main

if __name__ == "__main__":
    sys.exit(main())
