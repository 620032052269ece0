"""Real-world source corpora for gru-lint's benchmarks and crash tests.

Pinned releases of the main Keras code bases are fetched with ``pip download
--no-deps`` into a cache directory and extracted there once; later calls reuse the
extracted tree.  The running interpreter's standard library is available as a
corpus too.

Corpora:

    keras3     keras (Keras 3) wheel
    tf-keras   tf-keras wheel (Keras 2 as shipped for TensorFlow 2.16+)
    keras2     Keras 2.3.1 sdist (multi-backend Keras, including its tests)
    tf-agents  tf-agents wheel
    tfa        tensorflow-addons wheel
    stdlib     the standard library of the running interpreter (no site-packages)

and the group ``keras`` = keras3 + tf-keras + keras2 + tf-agents + tfa.

The cache directory is ``benchmarks/.corpus/`` unless the environment variable
``GRU_LINT_CORPUS_DIR`` names another one.  Each package is extracted into
``<cache>/<corpus name>/`` (an sdist without its top-level ``Name-version/``
folder), so a path relative to the cache directory reads
``keras3/keras/src/layers/rnn/gru.py``.

Usage as a script::

    python benchmarks/corpus.py               # fetch everything, print file counts
    python benchmarks/corpus.py keras2 tfa    # only these corpora
    python benchmarks/corpus.py --paths keras # print one file path per line
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = [
    "ALL_CORPORA",
    "CorpusError",
    "DownloadError",
    "GROUPS",
    "PINS",
    "cache_dir",
    "corpus_files",
    "corpus_root",
    "ensure",
]

ENV_VAR = "GRU_LINT_CORPUS_DIR"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".corpus"
MARKER = ".gru-lint-corpus.json"


@dataclass(frozen=True)
class Pin:
    """One exact release file on PyPI."""

    project: str
    version: str
    filename: str
    sha256: str
    pip_args: Tuple[str, ...] = field(default=())

    @property
    def requirement(self) -> str:
        return f"{self.project}=={self.version}"

    @property
    def is_sdist(self) -> bool:
        return not self.filename.endswith(".whl")


# Exact files, so that every machine lints the very same bytes.  The target-platform
# options pick the same compiled wheel whatever interpreter runs the download.
PINS: Dict[str, Pin] = {
    "keras3": Pin(
        "keras",
        "3.15.1",
        "keras-3.15.1-py3-none-any.whl",
        "836460e480930acbd19bb7a17e62f9ecad40e8a9af9a651fc8d0586a96d27e20",
        ("--only-binary=:all:",),
    ),
    "tf-keras": Pin(
        "tf-keras",
        "2.21.0",
        "tf_keras-2.21.0-py3-none-any.whl",
        "f858bf3d97f892304e7fbcf5eb0942ed91674e27204f940a85de8c93cf07fe62",
        ("--only-binary=:all:",),
    ),
    "keras2": Pin(
        "Keras",
        "2.3.1",
        "Keras-2.3.1.tar.gz",
        "321d43772006a25a1d58eea17401ef2a34d388b588c9f7646c34796151ebc8cc",
        ("--no-binary=:all:",),
    ),
    "tf-agents": Pin(
        "tf-agents",
        "0.19.0",
        "tf_agents-0.19.0-py3-none-any.whl",
        "ff27f3020c486746faff2046abea1fbd8b16fb93984ff685d8ee34a17f9f84f8",
        ("--only-binary=:all:",),
    ),
    "tfa": Pin(
        "tensorflow-addons",
        "0.23.0",
        "tensorflow_addons-0.23.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "591b1c38cfe170727746a60983157ecbdef6a7062dfea8988558e1ab885b513a",
        (
            "--only-binary=:all:",
            "--python-version=3.11",
            "--implementation=cp",
            "--abi=cp311",
            "--platform=manylinux2014_x86_64",
        ),
    ),
}

GROUPS: Dict[str, Tuple[str, ...]] = {
    "keras": ("keras3", "tf-keras", "keras2", "tf-agents", "tfa"),
}

ALL_CORPORA: Tuple[str, ...] = (*PINS, "stdlib")

_SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__"}


class CorpusError(RuntimeError):
    """A corpus could not be prepared."""


class DownloadError(CorpusError):
    """``pip download`` failed (typically: no network, or PyPI unreachable)."""


# --------------------------------------------------------------------------- paths


def cache_dir() -> Path:
    """The directory holding downloads and extracted corpora."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser().resolve() if env else DEFAULT_CACHE


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]).resolve()


def _expand(names: Sequence[str]) -> List[str]:
    out: List[str] = []
    for name in names:
        members = GROUPS.get(name, (name,))
        for member in members:
            if member not in PINS and member != "stdlib":
                known = ", ".join((*ALL_CORPORA, *GROUPS))
                raise KeyError(f"unknown corpus {name!r} (known: {known})")
            if member not in out:
                out.append(member)
    return out


# ------------------------------------------------------------------- download/unpack


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Serialise preparation between processes (e.g. pytest-xdist workers)."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking, last writer wins atomically
        yield
        return
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _download(pin: Pin, downloads: Path, quiet: bool) -> Path:
    target = downloads / pin.filename
    if target.is_file() and _sha256(target) == pin.sha256:
        return target
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=downloads, prefix=".pip-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download",
            "--no-deps", "--disable-pip-version-check", "--no-input",
            "--retries", "2", "--timeout", "30",
            "--dest", tmp,
            *pin.pip_args,
            pin.requirement,
        ]  # fmt: skip
        if not quiet:
            print(f"downloading {pin.requirement} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
            raise DownloadError(f"pip download {pin.requirement} failed (exit {proc.returncode}):\n{tail}")
        got = Path(tmp) / pin.filename
        if not got.is_file():
            found = ", ".join(sorted(p.name for p in Path(tmp).iterdir())) or "nothing"
            raise CorpusError(f"pip download {pin.requirement} produced {found}, expected {pin.filename}")
        digest = _sha256(got)
        if digest != pin.sha256:
            raise CorpusError(f"{pin.filename}: sha256 {digest} does not match the pinned {pin.sha256}")
        os.replace(got, target)
    return target


def _inside(base: Path, name: str) -> bool:
    dest = (base / name).resolve()
    return dest == base or base in dest.parents


def _extract(archive: Path, dest: Path) -> None:
    dest = dest.resolve()
    if archive.name.endswith(".whl") or archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if not _inside(dest, name):
                    raise CorpusError(f"{archive.name}: member {name!r} escapes the extraction directory")
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            members = []
            for member in tf.getmembers():
                if not (member.isfile() or member.isdir()) or not _inside(dest, member.name):
                    continue  # no links or devices: only plain files matter here
                members.append(member)
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tf.extractall(dest, members=members)
    # An sdist has a single top-level ``Name-version/`` folder: hoist its contents.
    entries = list(dest.iterdir())
    if not archive.name.endswith(".whl") and len(entries) == 1 and entries[0].is_dir():
        top = entries[0]
        for child in list(top.iterdir()):
            shutil.move(str(child), str(dest / child.name))
        top.rmdir()


def _is_current(root: Path, pin: Pin) -> bool:
    try:
        meta = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("filename") == pin.filename and meta.get("sha256") == pin.sha256


def ensure(name: str, quiet: bool = True) -> Path:
    """Download and extract corpus ``name`` if needed; return its root directory."""
    if name == "stdlib":
        return stdlib_dir()
    if name not in PINS:
        raise KeyError(f"unknown corpus {name!r} (known: {', '.join(ALL_CORPORA)})")
    pin = PINS[name]
    base = cache_dir()
    root = base / name
    if _is_current(root, pin):
        return root
    with _locked(base):
        if _is_current(root, pin):  # another process finished it meanwhile
            return root
        archive = _download(pin, base / "downloads", quiet)
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".extract-{name}-"))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the corpus is ordinary data
        try:
            _extract(archive, tmp)
            meta = {"project": pin.project, "version": pin.version, "filename": pin.filename, "sha256": pin.sha256}
            (tmp / MARKER).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            if root.exists():
                shutil.rmtree(root)
            os.replace(tmp, root)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return root


def corpus_root(name: str) -> Path:
    """The directory of a single corpus (fetched on first use)."""
    if name in GROUPS:
        raise KeyError(f"{name!r} is a group; use corpus_files() or its members {GROUPS[name]}")
    return ensure(name)


# ------------------------------------------------------------------------ listing


def _walk_py(root: Path, skip_dirs=frozenset()) -> List[Path]:
    found: List[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and d != "__pycache__")
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return found


def corpus_files(name: str) -> List[Path]:
    """Every ``.py`` file of a corpus or group, sorted, fetching it first if needed."""
    files: List[Path] = []
    for member in _expand([name]):
        if member == "stdlib":
            files.extend(_walk_py(stdlib_dir(), _SKIP_DIRS))
        else:
            files.extend(_walk_py(ensure(member)))
    return files


# ---------------------------------------------------------------------------- CLI


def _label(name: str) -> str:
    if name == "stdlib":
        impl = sys.implementation.name
        return f"{impl} {sys.version.split()[0]} stdlib"
    pin = PINS[name]
    return f"{pin.project}=={pin.version} ({'sdist' if pin.is_sdist else 'wheel'})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch the benchmark corpora and count their .py files.")
    parser.add_argument(
        "names", nargs="*", metavar="CORPUS",
        help=f"corpora or groups (default: all). Known: {', '.join((*ALL_CORPORA, *GROUPS))}",
    )  # fmt: skip
    parser.add_argument("--paths", action="store_true", help="print the files, one per line, instead of counts")
    args = parser.parse_args(argv)
    names = args.names or list(ALL_CORPORA)
    try:
        members = _expand(names)
    except KeyError as exc:
        parser.error(str(exc.args[0]))

    try:
        if args.paths:
            try:
                for name in names:
                    for path in corpus_files(name):
                        print(path)
            except BrokenPipeError:  # e.g. piped into `head`
                sys.stderr.close()
            return 0
        rows = []
        for member in members:
            files = corpus_files(member)
            rows.append((member, _label(member), len(files), corpus_root(member)))
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    width = max(len(r[0]) for r in rows)
    for member, label, count, root in rows:
        print(f"{member:<{width}}  {count:>6} files  {label}  [{root}]")
    counts = dict((r[0], r[2]) for r in rows)
    for group, group_members in GROUPS.items():
        if all(m in counts for m in group_members):
            total = sum(counts[m] for m in group_members)
            print(f"{group:<{width}}  {total:>6} files  group: {' + '.join(group_members)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
