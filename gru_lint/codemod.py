"""gru-lint's fixes as a libcst codemod, for codebases that already run libcst codemods.

Run it with libcst's own command line; ``-x`` tells libcst that the command is a dotted
path to import, not a name under its configured ``modules``::

    python -m libcst.tool codemod -x gru_lint.codemod.FixInitialState --no-format src/
    python -m libcst.tool codemod -x gru_lint.codemod.FixInitialState --no-format --unsafe-fixes src/

(``--no-format`` skips libcst's default formatter, black, which is not needed for these
edits and may not be installed.) With ``modules: [gru_lint]`` in a
``.libcst.codemod.yaml``, the command can be shortened to ``codemod.FixInitialState``.

The codemod has no logic of its own: it hands the module's code to
:func:`gru_lint.fixer.fix_text` and parses the result back, so it changes exactly what
``gru-lint --fix`` changes.
"""

from __future__ import annotations

import argparse

import libcst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from gru_lint.fixer import fix_text


class FixInitialState(CodemodCommand):
    DESCRIPTION = ("Fix Keras recurrent-layer initial_state bugs found by gru-lint "
                   "(safe fixes; --unsafe-fixes for the rest).")

    def __init__(self, context: CodemodContext, unsafe_fixes: bool = False) -> None:
        super().__init__(context)
        self.unsafe_fixes = unsafe_fixes

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            default=False,
            help="also apply the fixes gru-lint marks unsafe",
        )

    def transform_module_impl(self, tree: libcst.Module) -> libcst.Module:
        try:
            result = fix_text(tree.code, unsafe=self.unsafe_fixes)
        except SyntaxError as exc:
            raise SkipFile(f"gru-lint cannot parse this file: {exc.msg}") from None
        if result.error is not None:
            self.warn(result.error)
        if result.text == tree.code:
            raise SkipFile("nothing to fix")
        return libcst.parse_module(result.text, config=tree.config_for_parsing)
