"""Wall-clock comparison of gru-lint with ruff and flake8 on the same files.

For every corpus, all tools lint exactly the same list of ``.py`` files (passed
explicitly on the command line, so no tool's own discovery or exclude rules change
what is checked), in the same run, each as a separate process of the running
interpreter's environment.  The time of a tool is the best of ``--repeat`` runs.

Tools:

* gru-lint cold      ``python -m gru_lint --no-cache FILES``
* gru-lint cached    ``python -m gru_lint --cache-dir TMP FILES`` after one untimed
                     run has filled TMP
* ruff               ``ruff check --no-cache --isolated FILES`` (default rules; the
                     ruff binary of this environment, installed with pip if missing)
* flake8             ``flake8 --isolated FILES`` with the GRU plugin filtered out of
                     flake8's plugin finder (plain flake8: pyflakes, pycodestyle,
                     mccabe and whatever other plugins are installed)
* flake8+GRU         the same command with the GRU plugin left in

Both flake8 runs go through the same small wrapper (this file, ``--flake8``), which
replaces ``flake8.plugins.finder.find_plugins`` by a filtering version when
``GRU_BENCH_FLAKE8_WITHOUT_GRU=1`` is set.  The filter is installed when this module
is imported, so flake8's worker processes get it too, whether they are forked or
spawned (a spawned worker re-imports this file as ``__mp_main__``).

Corpora: ``stdlib`` (the interpreter's standard library), ``keras`` (keras 3,
tf-keras, Keras 2.3.1, tf-agents and tensorflow-addons, see corpus.py) and
``single`` (benchmarks/model_500.py, one realistic Keras training script).

    python benchmarks/bench.py                 # everything, best of 3
    python benchmarks/bench.py --repeat 5 --corpus single stdlib

Exit status is 0 unless the benchmark itself could not run; slow tools, failing
tools and missed targets are reported, never asserted.
"""

from __future__ import annotations

import os
import sys

_WITHOUT_GRU_ENV = "GRU_BENCH_FLAKE8_WITHOUT_GRU"


def _is_gru_plugin(plugin) -> bool:
    package = plugin.package.lower().replace("_", "-").replace(".", "-")
    return package == "gru-lint" or plugin.entry_point.name.upper().startswith("GRU")


def _install_flake8_filter() -> None:
    """Make flake8's plugin finder drop the gru-lint plugin."""
    from flake8.plugins import finder

    original = finder.find_plugins
    if getattr(original, "_drops_gru", False):
        return

    def find_plugins(cfg, opts):
        return [plugin for plugin in original(cfg, opts) if not _is_gru_plugin(plugin)]

    find_plugins._drops_gru = True
    finder.find_plugins = find_plugins


if os.environ.get(_WITHOUT_GRU_ENV) == "1" and __name__ in ("__main__", "__mp_main__"):
    _install_flake8_filter()


# Everything below is only needed by the benchmark driver, not by the wrapper.

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sysconfig  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Optional, Sequence  # noqa: E402

try:
    import resource
except ImportError:  # not POSIX: no CPU times
    resource = None

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
SINGLE_FILE = HERE / "model_500.py"
CORPORA = ("stdlib", "keras", "single")
TOOLS = ("gru-cold", "gru-cached", "ruff", "flake8", "flake8+gru")
OK_CODES = (0, 1)
_CRASH_MARKERS = ("Traceback (most recent call last)", "No module named")
# gru-lint's one-line error for a file it cannot read, decode or parse, and its summary lines
_FILE_ERROR = re.compile(r"^\S.*\.(?:py|pyi|ipynb): error: .+$")
_SUMMARY = re.compile(r"^(No findings|Found \d+|\d+ errors?\.|\d+ files?)")


def _unreadable_files(stderr: str) -> int:
    """How many files a gru-lint run that exited 2 could not read; 0 when it failed otherwise.

    Exit 2 with nothing but one-line per-file errors is gru-lint's answer to bad input in the
    corpus (the standard library's tests hold files in broken encodings on purpose), not a
    failure of the run.
    """
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if _FILE_ERROR.match(line)]
    if not errors or any(not (_FILE_ERROR.match(l) or _SUMMARY.match(l)) for l in lines):
        return 0
    return len(errors)


# ---------------------------------------------------------------------------- runs


@dataclass
class Timing:
    best: Optional[float] = None
    runs: List[float] = field(default_factory=list)
    cpu_best: Optional[float] = None  # user+sys seconds of the process tree, in the least costly run
    error: Optional[str] = None  # set when a run exited with a code other than 0/1 or crashed
    unreadable: int = 0  # files gru-lint reported as unreadable (exit 2, as for any bad input)
    stdout_lines: int = 0
    skipped: Optional[str] = None

    def ok(self) -> bool:
        return self.best is not None and self.error is None


def _env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    # lint the package in this checkout, installed or not
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop(_WITHOUT_GRU_ENV, None)
    if extra:
        env.update(extra)
    return env


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])[:600]


def _children_cpu() -> Optional[float]:
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: Sequence[str], env: Dict[str, str], cwd: str, timeout: Optional[float]):
    """One timed run: (seconds, exit code, stdout line count, stderr text, CPU seconds or None)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cpu_before = _children_cpu()
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=err, env=env, cwd=cwd, timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = None
        elapsed = time.perf_counter() - start
        cpu_after = _children_cpu()
        cpu = None if cpu_before is None or code is None else cpu_after - cpu_before
        out.seek(0)
        lines = sum(1 for _ in out)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return elapsed, code, lines, stderr, cpu


def measure(cmd, env, cwd, repeat: int, warmup: int, timeout: Optional[float]) -> Timing:
    timing = Timing()
    for i in range(warmup + repeat):
        elapsed, code, lines, stderr, cpu = run_once(cmd, env, cwd, timeout)
        problem = None
        if code is None:
            problem = f"timed out after {timeout}s"
        elif code == 2 and _unreadable_files(stderr):
            timing.unreadable = _unreadable_files(stderr)
        elif code not in OK_CODES:
            problem = f"exit {code}: {_tail(stderr)}"
        elif any(marker in stderr for marker in _CRASH_MARKERS):
            problem = f"exit {code} with a traceback: {_tail(stderr)}"
        if problem and timing.error is None:
            timing.error = problem
        if code is None:
            break
        timing.stdout_lines = lines
        if i >= warmup:
            timing.runs.append(elapsed)
            if cpu is not None:
                timing.cpu_best = cpu if timing.cpu_best is None else min(timing.cpu_best, cpu)
    if timing.runs:
        timing.best = min(timing.runs)
    return timing


# --------------------------------------------------------------------------- tools


def _capture(cmd: Sequence[str], env=None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or _env())


def ensure_ruff(install: bool) -> Optional[List[str]]:
    """The command prefix that runs this environment's ruff, installing it if needed."""
    if importlib.util.find_spec("ruff") is None:
        if not install:
            return None
        print("ruff is not installed; installing it with pip ...", file=sys.stderr, flush=True)
        proc = _capture([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "ruff"])
        if proc.returncode != 0:
            print(f"could not install ruff: {_tail(proc.stderr)}", file=sys.stderr)
            return None
        importlib.invalidate_caches()
    # call the binary itself, as a user would, rather than through `python -m ruff`
    probe = _capture([sys.executable, "-c", "from ruff.__main__ import find_ruff_bin; print(find_ruff_bin())"])
    binary = probe.stdout.strip()
    if probe.returncode == 0 and binary and os.path.isfile(binary):
        return [binary]
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("ruff", "ruff.exe"):
        if (scripts / name).is_file():
            return [str(scripts / name)]
    return [sys.executable, "-m", "ruff"]


def _load() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def flake8_cmd() -> List[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--flake8"]


def gru_plugin_registered() -> bool:
    import importlib.metadata as md

    eps = md.entry_points()
    group = eps.select(group="flake8.extension") if hasattr(eps, "select") else eps.get("flake8.extension", [])
    return any(ep.name.upper().startswith("GRU") for ep in group)


def gru_lint_problem() -> Optional[str]:
    """None if ``python -m gru_lint`` can run here, else why not."""
    probe = _capture([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('gru_lint.__main__'))"])
    if probe.returncode != 0:
        return f"gru_lint is not importable: {_tail(probe.stderr)}"
    if probe.stdout.strip() == "None":
        return "gru_lint has no __main__ module (python -m gru_lint unavailable)"
    proc = _capture([sys.executable, "-m", "gru_lint", "--no-cache", str(SINGLE_FILE)])
    if proc.returncode not in OK_CODES or any(m in proc.stderr for m in _CRASH_MARKERS):
        return f"python -m gru_lint exited {proc.returncode}: {_tail(proc.stderr)}"
    return None


def versions(ruff: Optional[List[str]]) -> Dict[str, str]:
    found = {"python": f"{sys.implementation.name} {sys.version.split()[0]} ({sys.executable})"}
    probe = _capture([sys.executable, "-c", "import gru_lint; print(gru_lint.__version__)"])
    found["gru-lint"] = probe.stdout.strip() if probe.returncode == 0 else "not importable"
    if ruff:
        found["ruff"] = _capture([*ruff, "--version"]).stdout.strip() or "?"
    else:
        found["ruff"] = "not available"
    proc = _capture([*flake8_cmd(), "--version"])
    found["flake8"] = proc.stdout.strip().replace("\n", " ") if proc.returncode == 0 else "not available"
    proc = _capture([*flake8_cmd(), "--version"], env=_env({_WITHOUT_GRU_ENV: "1"}))
    found["flake8 (GRU filtered)"] = proc.stdout.strip().replace("\n", " ") if proc.returncode == 0 else "?"
    return found


# -------------------------------------------------------------------------- corpora


def corpus_file_list(name: str) -> List[Path]:
    if name == "single":
        return [SINGLE_FILE]
    sys.path.insert(0, str(HERE))
    try:
        import corpus
    finally:
        sys.path.remove(str(HERE))
    return corpus.corpus_files(name)


def _prime_page_cache(files: Sequence[Path]) -> None:
    for path in files:
        try:
            path.read_bytes()
        except OSError:
            pass


# --------------------------------------------------------------------------- report

TARGETS = {
    # (corpus, ratio column): (limit, label)
    ("stdlib", "cold/ruff"): (0.3, "<=0.3x"),
    ("keras", "cold/ruff"): (1.0, "<=1x"),
    ("stdlib", "cached/ruff"): (0.5, "well under 1x, i.e. <=0.5x"),
    ("keras", "cached/ruff"): (0.5, "well under 1x, i.e. <=0.5x"),
    ("single", "gru/flake8"): (1.0, "<=1x"),
    ("stdlib", "overhead"): (10.0, "<10%"),
}


def _fmt_time(t: Timing, attr: str = "best") -> str:
    if t.skipped:
        return "n/a"
    value = getattr(t, attr)
    if value is None:
        return "failed" if t.best is None else "n/a"
    text = f"{value:.3f}s" if value < 10 else f"{value:.2f}s"
    return text + (" (!)" if t.error else "")


def _ratio(a: Timing, b: Timing, attr: str = "best") -> Optional[float]:
    x, y = getattr(a, attr), getattr(b, attr)
    if x is None or y is None or a.skipped or b.skipped or y <= 0:
        return None
    return x / y


def _target_cell(corpus: str, column: str, value: Optional[float], is_percent: bool = False, targets=True) -> str:
    if value is None:
        shown = "n/a"
    elif is_percent:
        shown = f"{value:+.1f}%"
    else:
        shown = f"{value:.2f}x"
    target = TARGETS.get((corpus, column)) if targets else None
    if target is None:
        return shown
    limit, label = target
    if value is None:
        return f"{shown} (target {label})"
    verdict = "met" if (value < limit if is_percent else value <= limit) else "MISSED"
    return f"{shown} (target {label}: {verdict})"


def report(results: Dict[str, Dict[str, Timing]], counts: Dict[str, int], attr: str = "best") -> List[str]:
    """The Markdown table of ``attr`` (wall-clock ``best`` or ``cpu_best``), then the targets."""
    wall = attr == "best"  # the targets are about wall-clock time
    header = [
        "corpus", "files", "gru-lint cold", "gru-lint cached", "ruff", "flake8", "flake8+GRU",
        "cold/ruff", "cached/ruff", "gru-lint/flake8", "plugin overhead",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    summary = []
    for corpus, row in results.items():
        cold, cached, ruff = row["gru-cold"], row["gru-cached"], row["ruff"]
        f8, f8gru = row["flake8"], row["flake8+gru"]
        overhead = _ratio(f8gru, f8, attr)
        overhead = None if overhead is None else (overhead - 1.0) * 100.0
        cells = [
            corpus,
            str(counts[corpus]),
            *(_fmt_time(t, attr) for t in (cold, cached, ruff, f8, f8gru)),
            _target_cell(corpus, "cold/ruff", _ratio(cold, ruff, attr), targets=wall),
            _target_cell(corpus, "cached/ruff", _ratio(cached, ruff, attr), targets=wall),
            _target_cell(corpus, "gru/flake8", _ratio(cold, f8, attr), targets=wall),
            _target_cell(corpus, "overhead", overhead, is_percent=True, targets=wall),
        ]
        lines.append("| " + " | ".join(cells) + " |")
        for tcorpus, column in TARGETS:
            if tcorpus == corpus:
                summary.append(f"- {corpus} {column}: {cells[7 + _COLUMNS.index(column)]}")
    return lines + ["", "Targets:"] + summary


_COLUMNS = ["cold/ruff", "cached/ruff", "gru/flake8", "overhead"]


# ----------------------------------------------------------------------------- main


def bench_corpus(name, files, tools, args, ruff, gru_problem, plugin_on) -> Dict[str, Timing]:
    paths = [str(p) for p in files]
    env = _env()
    row: Dict[str, Timing] = {}
    with tempfile.TemporaryDirectory(prefix="gru-lint-bench-") as workdir:
        cache = Path(workdir) / "cache"

        def skip(reason: str) -> Timing:
            return Timing(skipped=reason)

        def timed(label: str, cmd: Sequence[str], extra_env=None) -> Timing:
            print(f"  {name}: {label} ...", file=sys.stderr, flush=True)
            run_env = _env(extra_env) if extra_env else env
            return measure(cmd, run_env, workdir, args.repeat, args.warmup, args.timeout)

        gru = [sys.executable, "-m", "gru_lint"]
        if "gru-cold" not in tools or gru_problem:
            row["gru-cold"] = skip(gru_problem or "not selected")
        else:
            row["gru-cold"] = timed("gru-lint --no-cache", [*gru, "--no-cache", *paths])
        if "gru-cached" not in tools or gru_problem:
            row["gru-cached"] = skip(gru_problem or "not selected")
        else:
            cached_cmd = [*gru, "--cache-dir", str(cache), *paths]
            print(f"  {name}: gru-lint (filling the cache) ...", file=sys.stderr, flush=True)
            run_once(cached_cmd, env, workdir, args.timeout)
            row["gru-cached"] = timed("gru-lint cached", cached_cmd)
        if "ruff" not in tools or ruff is None:
            row["ruff"] = skip("ruff not available" if ruff is None else "not selected")
        else:
            row["ruff"] = timed("ruff", [*ruff, "check", "--no-cache", "--isolated", *paths])
        flake8 = [*flake8_cmd(), "--isolated", *paths]
        if "flake8" not in tools:
            row["flake8"] = skip("not selected")
        else:
            row["flake8"] = timed("flake8", flake8, {_WITHOUT_GRU_ENV: "1"})
        if "flake8+gru" not in tools or not plugin_on:
            row["flake8+gru"] = skip("not selected" if plugin_on else "GRU flake8 plugin not registered")
        else:
            row["flake8+gru"] = timed("flake8 with the GRU plugin", flake8)
    return row


def compile_gru_lint() -> None:
    """Byte-compile gru-lint as ``pip install`` does, so that a checkout (or an environment
    with PYTHONDONTWRITEBYTECODE set) is not timed recompiling its sources on every run."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("gru_lint")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Time gru-lint against ruff and flake8 on the same files.")
    parser.add_argument("--repeat", "-n", type=int, default=3, help="timed runs per tool; the best counts (3)")
    parser.add_argument("--warmup", type=int, default=0, help="untimed runs per tool before timing (0)")
    parser.add_argument("--corpus", nargs="+", choices=CORPORA, default=list(CORPORA), help="corpora to run")
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS), help="tools to time")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before a run is abandoned")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install ruff when it is missing")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    ruff = ensure_ruff(install=not args.no_install) if "ruff" in args.tools else None
    compile_gru_lint()
    gru_problem = None
    if {"gru-cold", "gru-cached"} & set(args.tools):
        gru_problem = gru_lint_problem()
    plugin_on = gru_plugin_registered()

    print("## gru-lint benchmark\n")
    for tool, version in versions(ruff).items():
        print(f"- {tool}: {version}")
    print(f"- cores: {os.cpu_count()}; best of {args.repeat} run(s), {args.warmup} warm-up run(s)")
    if gru_problem:
        print(f"- gru-lint not timed: {gru_problem}")
    if not plugin_on:
        print("- the GRU flake8 plugin is not registered: no flake8+GRU runs")
    print(flush=True)

    results: Dict[str, Dict[str, Timing]] = {}
    counts: Dict[str, int] = {}
    load_before = _load()
    for name in args.corpus:
        try:
            files = corpus_file_list(name)
        except Exception as exc:  # a corpus that cannot be fetched is reported, not fatal
            print(f"- corpus {name} unavailable: {exc}\n")
            continue
        counts[name] = len(files)
        print(f"{name}: {len(files)} files", file=sys.stderr, flush=True)
        _prime_page_cache(files)
        results[name] = bench_corpus(name, files, set(args.tools), args, ruff, gru_problem, plugin_on)

    if not results:
        print("nothing was measured")
        return 2
    print("### Wall-clock time (best of the runs)\n")
    for line in report(results, counts):
        print(line)
    if resource is not None:
        print("\n### CPU time, user+sys of each tool's process tree (least of the runs)\n")
        print("Less sensitive to other load on the machine than wall-clock time, but it ignores")
        print("parallelism: a tool that keeps every core busy pays for each of them here.\n")
        for line in report(results, counts, attr="cpu_best"):
            if line == "":
                break
            print(line)
    load = _load()
    if load is not None:
        print(f"\nLoad average before / after: {load_before} / {load}", end="")
        cores = os.cpu_count() or 1
        if max(load_before or 0.0, load) > cores:
            print(f" -- above the {cores} core(s): other processes competed, wall-clock times are inflated")
        else:
            print()

    problems, findings = [], []
    for name, row in results.items():
        for tool, timing in row.items():
            if timing.error:
                problems.append(f"- {name} / {tool}: {timing.error}")
        if row["gru-cold"].best is not None:
            line = f"- {name}: gru-lint printed {row['gru-cold'].stdout_lines} line(s)"
            if row["gru-cold"].unreadable:
                line += f"; {row['gru-cold'].unreadable} file(s) it cannot read were reported (exit 2)"
            findings.append(line)
    if problems:
        print("\nProblems ((!) in the table: a run exited with a code other than 0/1, or crashed):")
        print("\n".join(problems))
    if findings:
        print("\ngru-lint output:")
        print("\n".join(findings))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--flake8":
        from flake8.main.cli import main as flake8_main

        sys.exit(flake8_main(sys.argv[2:]))
    sys.exit(main())
