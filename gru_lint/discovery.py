"""Finding the Python files to check.

Directories are walked for ``*.py`` files and Jupyter notebooks (``*.ipynb``) in
sorted order, skipping version control and tool directories, virtual environments,
notebook checkpoints, installed packages, ``--exclude`` patterns and
whatever ``.gitignore`` files ignore. Paths named explicitly are always checked,
whatever their suffix and whatever ``--exclude`` says, unless ``--force-exclude``
is given (as in ruff). Problems (a missing path, an unreadable directory, a symlink loop) are
yielded as :class:`~gru_lint.sourcefile.SourceError` values, in order, so the
caller can report them and carry on.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from gru_lint.sourcefile import SourceError, _oserror_message, read_small_file
from gru_lint.wildmatch import PathPattern

# Skipped at any depth (ruff's default ``exclude``, less ``dist``/``build``, plus gru-lint's cache).
SKIP_DIRS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".gru_lint_cache",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "node_modules",
        "site-packages",
        "venv",
    }
)
# Build output: skipped only beside a ``pyproject.toml``/``setup.py``/``setup.cfg`` (where
# packaging tools write them), not every folder of that name (``src/build/`` is code).
BUILD_DIRS = frozenset({"build", "dist"})
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
PY_SUFFIX = ".py"
NOTEBOOK_SUFFIX = ".ipynb"
SUFFIXES = (PY_SUFFIX, NOTEBOOK_SUFFIX)


# --------------------------------------------------------------------------- gitignore


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str  # the line as written, for debugging
    regex: PathPattern  # ``.match(rel)``, like a compiled regex (see gru_lint.wildmatch)
    negate: bool
    dir_only: bool


def compile_gitignore_line(line: str) -> Optional[IgnoreRule]:
    """One line of a ``.gitignore`` file, or None for blanks and comments."""
    original = line
    line = line.rstrip("\r\n")
    if not line or line.startswith("#"):
        return None
    # Trailing spaces are ignored unless escaped with a backslash.
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    # A slash at the start or in the middle anchors the pattern to the file's directory.
    anchored = "/" in line
    line = line.lstrip("/")
    if not line:
        return None
    return IgnoreRule(original, PathPattern(line, anchored), negate, dir_only)


def parse_gitignore(text: str) -> List[IgnoreRule]:
    rules = []
    for line in text.splitlines():
        rule = compile_gitignore_line(line)
        if rule is not None:
            rules.append(rule)
    return rules


MAX_IGNORE_FILE_BYTES = 1024 * 1024


def _load_ignore_file(path: str) -> List[IgnoreRule]:
    # Never blocks on a FIFO, never reads a device or a huge file: such a file is
    # treated as absent.
    data = read_small_file(path, MAX_IGNORE_FILE_BYTES)
    if data is None:
        return []
    return parse_gitignore(data.decode("utf-8", "replace"))


IgnoreStack = Tuple[Tuple[str, Tuple[IgnoreRule, ...]], ...]


def is_ignored(stack: IgnoreStack, abs_path: str, is_dir: bool) -> bool:
    """Whether the rules in ``stack`` (outermost first) ignore ``abs_path``.

    The last matching rule wins, and rules from deeper ``.gitignore`` files come
    later, so they take precedence, as in git.
    """
    ignored = False
    for base, rules in stack:
        prefix = base.rstrip(os.sep) + os.sep
        if not abs_path.startswith(prefix):
            continue
        rel = abs_path[len(prefix) :]
        if os.sep != "/":  # pragma: no cover - Windows
            rel = rel.replace(os.sep, "/")
        for rule in rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                ignored = not rule.negate
    return ignored


def _find_repo_root(abs_dir: str) -> Optional[str]:
    current = abs_dir
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _initial_ignore_stack(abs_root: str) -> IgnoreStack:
    """Rules that apply to ``abs_root``'s contents from the directories above it.

    Inside a git repository that is ``.git/info/exclude`` and every ``.gitignore``
    from the repository root down to (not including) ``abs_root``. Outside a
    repository, nothing above the walked directory is consulted.
    """
    repo = _find_repo_root(abs_root)
    if repo is None:
        return ()
    stack = []
    exclude = _load_ignore_file(os.path.join(repo, ".git", "info", "exclude"))
    if exclude:
        stack.append((repo, tuple(exclude)))
    rel = os.path.relpath(abs_root, repo)
    dirs = [repo]
    if rel != os.curdir:
        current = repo
        for part in rel.split(os.sep):
            current = os.path.join(current, part)
            dirs.append(current)
    for directory in dirs[:-1]:
        rules = _load_ignore_file(os.path.join(directory, ".gitignore"))
        if rules:
            stack.append((directory, tuple(rules)))
    return tuple(stack)


# --------------------------------------------------------------------------- excludes


class ExcludeMatcher:
    """flake8-style ``--exclude``: patterns without a slash match any path component
    (a file or directory name); patterns with one match the path relative to the
    current directory, or the absolute path."""

    def __init__(self, patterns: Iterable[str] = ()):
        names, paths = [], []
        for raw in patterns:
            for pattern in str(raw).split(","):
                pattern = pattern.strip()
                if not pattern:
                    continue
                if "/" in pattern or os.sep in pattern:
                    pattern = pattern.rstrip("/" + os.sep)
                    paths.append(os.path.normpath(pattern))
                    paths.append(os.path.abspath(pattern))
                else:
                    names.append(pattern)
        self.names = tuple(names)
        self.paths = tuple(paths)

    def __bool__(self) -> bool:
        return bool(self.names or self.paths)

    def match_name(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, p) for p in self.names)

    def match_path(self, path: str) -> bool:
        if not self.paths:
            return False
        candidates = {os.path.normpath(path), os.path.abspath(path)}
        return any(fnmatch.fnmatch(c, p) for c in candidates for p in self.paths)

    def match_entry(self, name: str, path: str) -> bool:
        """For an entry met while walking: its own name, or its whole path."""
        return self.match_name(name) or self.match_path(path)

    def match_explicit(self, path: str, absolute: Optional[str] = None) -> bool:
        """For a path given on the command line: any of its components, or the path.

        ``absolute``: where ``path`` (then relative to another folder than the current
        one, as the language server's project root) really is."""
        parts = [p for p in os.path.normpath(path).split(os.sep) if p not in ("", ".", "..")]
        if any(self.match_name(p) for p in parts):
            return True
        here = absolute or os.path.abspath(path)
        while True:  # the path, or a directory it is in
            if self.match_path(here):
                return True
            parent = os.path.dirname(here)
            if parent == here:
                return False
            here = parent


# --------------------------------------------------------------------------- walking


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def is_project_dir(path: str) -> bool:
    """A directory holding a package's own metadata (its build output goes next to it)."""
    return any(os.path.isfile(os.path.join(path, f)) for f in _PROJECT_FILES)


def _join(parent: str, name: str) -> str:
    path = os.path.join(parent, name)
    if path.startswith("." + os.sep) and parent == ".":
        path = path[2:]
    return path


class _Walker:
    def __init__(self, exclude: ExcludeMatcher, respect_gitignore: bool, defaults: bool = True):
        self.exclude = exclude
        self.skip_dirs = SKIP_DIRS if defaults else frozenset()
        self.build_dirs = BUILD_DIRS if defaults else frozenset()
        self.respect_gitignore = respect_gitignore
        self.seen_files: Set[str] = set()
        self.seen_dirs: Set[str] = set()
        self.real_dirs: Dict[str, str] = {}

    def file(self, path: str, real: Optional[str] = None) -> Iterator[Union[str, SourceError]]:
        real = real or self._real_file(path)
        if real in self.seen_files:
            return
        self.seen_files.add(real)
        yield path

    def _real_file(self, path: str) -> str:
        """``os.path.realpath(path)`` for a file, its directory's resolved once for all its files."""
        if os.path.islink(path):
            return os.path.realpath(path)
        head, tail = os.path.split(path)
        head = head or os.curdir
        real_dir = self.real_dirs.get(head)
        if real_dir is None:
            real_dir = self.real_dirs[head] = os.path.realpath(head)
        return os.path.join(real_dir, tail)

    def walk(self, root: str) -> Iterator[Union[str, SourceError]]:
        abs_root = os.path.abspath(root)
        stack = _initial_ignore_stack(abs_root) if self.respect_gitignore else ()
        yield from self._walk_dir(root, abs_root, os.path.realpath(root), stack, ())

    def _walk_dir(
        self,
        path: str,
        abs_path: str,
        real: str,
        stack: IgnoreStack,
        ancestors: Tuple[str, ...],
    ) -> Iterator[Union[str, SourceError]]:
        if real in ancestors:
            yield SourceError(path, f"symbolic link loop (points back to {real}); not followed")
            return
        if real in self.seen_dirs:  # reached a second time through another link
            return
        self.seen_dirs.add(real)
        ancestors = ancestors + (real,)
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield SourceError(path, f"cannot list directory: {_oserror_message(exc)}")
            return
        if self.respect_gitignore:
            rules = _load_ignore_file(os.path.join(path, ".gitignore"))
            if rules:
                stack = stack + ((abs_path, tuple(rules)),)
        for entry in entries:
            name = entry.name
            child = _join(path, name)
            abs_child = os.path.join(abs_path, name)
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
                is_link = entry.is_symlink()
            except OSError:  # pragma: no cover - vanished or unreadable entry
                is_dir = is_file = is_link = False
            if not (is_dir or name.endswith(SUFFIXES)):
                continue
            if self.exclude and self.exclude.match_entry(name, child):
                continue
            if is_dir:
                if name in self.skip_dirs or is_virtualenv(child):
                    continue
                if name in self.build_dirs and is_project_dir(path):
                    continue
                if stack and is_ignored(stack, abs_child, True):
                    continue
                # Only a symbolic link needs resolving; below a resolved directory,
                # a plain entry's real path is its parent's plus its name.
                child_real = os.path.realpath(child) if is_link else os.path.join(real, name)
                yield from self._walk_dir(child, abs_child, child_real, stack, ancestors)
            else:
                if stack and is_ignored(stack, abs_child, False):
                    continue
                if not is_file:
                    if is_link and not os.path.exists(child):
                        yield SourceError(child, "broken symbolic link")
                    continue
                child_real = os.path.realpath(child) if is_link else os.path.join(real, name)
                yield from self.file(child, child_real)


def iter_python_files(
    paths: Sequence[str],
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    default_excludes: bool = True,
) -> Iterator[Union[str, SourceError]]:
    """Yield the files to check (``str``) and problems met (``SourceError``).

    Paths named in ``paths`` are always checked, whatever ``exclude`` says, unless
    ``force_exclude`` is true (as in ruff); what is found below them is filtered.
    ``default_excludes`` false drops the built-in ``SKIP_DIRS``/``BUILD_DIRS`` (a
    configured ``exclude`` replaces them, as in ruff; virtualenvs are still skipped).

    Each file is yielded once, even when reached through several arguments or
    symbolic links. Order is deterministic: arguments in the order given, and
    directory contents sorted by name.
    """
    matcher = exclude if isinstance(exclude, ExcludeMatcher) else ExcludeMatcher(exclude)
    walker = _Walker(matcher, respect_gitignore, default_excludes)
    for raw in paths:
        path = os.fspath(raw)
        if force_exclude and matcher and matcher.match_explicit(path):
            continue
        if os.path.isdir(path):
            yield from walker.walk(path)
        elif os.path.exists(path):
            yield from walker.file(path)
        elif os.path.islink(path):
            yield SourceError(path, "broken symbolic link")
        else:
            yield SourceError(path, "no such file or directory")
