"""gru-lint's language server (``gru-lint server``), an optional part: ``pip install "gru-lint[lsp]"``.

Importing this package costs nothing; pygls and lsprotocol are loaded by ``main`` only.
"""

from __future__ import annotations

import sys
from typing import List, Optional

USAGE = "usage: gru-lint server [--stdio]"


def main(argv: Optional[List[str]] = None) -> int:
    """Serve the Language Server Protocol on stdin/stdout until the client says exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        sys.stdout.write(
            f"{USAGE}\n\nRun gru-lint's language server on standard input and output "
            "(editors start it; --stdio is accepted and is the only transport).\n"
        )
        return 0
    if any(a != "--stdio" for a in args):
        sys.stderr.write(f"{USAGE}\ngru-lint server: error: unrecognized arguments: {' '.join(args)}\n")
        return 2
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401  (pygls 2; 1.x had no such module)
    except ImportError:
        sys.stderr.write(
            'gru-lint: error: the language server needs pygls 2: pip install "gru-lint[lsp]"\n'
        )
        return 2
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="gru-lint server: %(message)s")
    from gru_lint.lsp.server import create_server

    server = create_server()
    _warm_up()
    server.collector.start()  # freezes what start-up made; see gru_lint.lsp.collector
    server.start_io()
    if getattr(sys.stdout, "closed", False):  # pygls closes stdout on exit; callers may flush it
        import os

        sys.stdout = open(os.devnull, "w")
    # The LSP exit code: 0 after a shutdown request, 1 when the client just went away.
    return 0 if getattr(server.protocol, "_shutdown", False) else 1


def _warm_up() -> None:
    """Import the analysis now rather than on the first edit."""
    from gru_lint import core

    core.might_matter("keras initial_state")  # imports the rules and their triggers
    from gru_lint.analysis import facts  # noqa: F401
