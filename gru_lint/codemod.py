"""gru-lint's fixes as a libcst codemod, for codebases that already run libcst codemods.

Run it with libcst's own command line; ``-x`` tells libcst that the command is a dotted
path to import, not a name under its configured ``modules``::

    python -m libcst.tool codemod -x gru_lint.codemod.FixInitialState --no-format src/
    python -m libcst.tool codemod -x gru_lint.codemod.FixInitialState --no-format --unsafe-fixes src/

(``--no-format`` skips libcst's default formatter, black, which is not needed for these
edits and may not be installed.) With ``modules: [gru_lint]`` in a
``.libcst.codemod.yaml``, the command can be shortened to ``codemod.FixInitialState``.

The codemod has no logic of its own: it hands the module's code to
:func:`gru_lint.fixer.fix_text` with the command line's own filter -- ``# noqa``
comments, and ``--select``/``--ignore`` given to the codemod -- and parses the result
back, so it changes exactly what ``gru-lint --fix`` changes::

    python -m libcst.tool codemod -x gru_lint.codemod.FixInitialState --no-format \
        --select GRU001 --ignore GRU006 src/
"""

from __future__ import annotations

import argparse
import re
from typing import Optional, Sequence, Tuple

import libcst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from gru_lint.config import Settings
from gru_lint.fixer import fix_text
from gru_lint.worker import visible


def _codes(groups: Optional[Sequence[str]]) -> Tuple[str, ...]:
    out = []
    for group in groups or ():
        out.extend(c.strip().upper() for c in re.split(r"[,\s]+", group) if c.strip())
    return tuple(out)


class FixInitialState(CodemodCommand):
    DESCRIPTION = ("Fix Keras recurrent-layer initial_state bugs found by gru-lint "
                   "(safe fixes; --unsafe-fixes for the rest).")

    def __init__(
        self,
        context: CodemodContext,
        unsafe_fixes: bool = False,
        select: Optional[Sequence[str]] = None,
        ignore: Optional[Sequence[str]] = None,
    ) -> None:
        super().__init__(context)
        self.unsafe_fixes = unsafe_fixes
        self.settings = Settings(
            mode="fix", unsafe=unsafe_fixes, select=_codes(select), ignore=_codes(ignore)
        )

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            default=False,
            help="also apply the fixes gru-lint marks unsafe",
        )
        arg_parser.add_argument(
            "--select",
            dest="select",
            action="append",
            default=None,
            metavar="CODES",
            help="only fix these codes or prefixes (comma separated), as gru-lint --select",
        )
        arg_parser.add_argument(
            "--ignore",
            dest="ignore",
            action="append",
            default=None,
            metavar="CODES",
            help="do not fix these codes or prefixes (comma separated), as gru-lint --ignore",
        )

    def transform_module_impl(self, tree: libcst.Module) -> libcst.Module:
        try:
            result = fix_text(
                tree.code,
                unsafe=self.unsafe_fixes,
                wanted=lambda diags, now: visible(diags, now, self.settings),
            )
        except SyntaxError as exc:
            raise SkipFile(f"gru-lint cannot parse this file: {exc.msg}") from None
        if result.error is not None:
            self.warn(result.error)
        if result.text == tree.code:
            raise SkipFile("nothing to fix")
        return libcst.parse_module(result.text, config=tree.config_for_parsing)
