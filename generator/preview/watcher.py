"""Watching the site's sources: inotify on Linux, cheap stamp polling elsewhere.

A `WatchPlan` says what matters: `site.yaml`, and everything under `content/`, the site's `themes/` and the
active theme's folders. A watcher calls back with the set of changed paths that matter; it does not debounce
(the rebuilder does).

inotify (through ctypes, so no extra dependency) costs nothing while nothing changes, whatever the size of
the site: one watch per folder, not per file. Where it is missing (macOS, Windows, or the inotify limits are
exhausted) the poller stats the folders every tick (an editor that saves by renaming changes its folder's
stamp), files that changed in the last minute every tick, and the rest in slices, so every file is seen
within SWEEP seconds while a tick stays a few hundred stats even for 10,000 files.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import select
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

Callback = Callable[[set[Path]], None]

JUNK_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", "___jb_tmp___", "___jb_old___")


def is_junk(name: str) -> bool:
    """Editor and VCS by-products (backups, swap and lock files, vim's write test) that never matter."""
    return name.startswith((".", "#")) or name.endswith(JUNK_SUFFIXES) or name == "4913"


@dataclass(frozen=True)
class WatchPlan:
    files: tuple[Path, ...]  # single files: site.yaml
    trees: tuple[Path, ...]  # folders that matter with everything under them
    excluded: tuple[Path, ...] = ()  # never reported, even inside a tree (the preview output)

    def relevant(self, path: Path) -> bool:
        if path in self.files:
            return True
        if any(path == e or e in path.parents for e in self.excluded):
            return False
        for tree in self.trees:
            if path == tree:
                return True
            if tree in path.parents:
                return not any(is_junk(part) for part in path.relative_to(tree).parts)
        return False

    def anchors(self) -> set[Path]:
        """Folders watched for their entries only: where site.yaml is, and where a missing tree would go."""
        out = {f.parent for f in self.files}
        out.update(t.parent for t in self.trees if not t.is_dir())
        return out

    def folders(self) -> Iterator[Path]:
        """Every existing folder of every tree (junk and excluded folders skipped)."""
        seen: set[Path] = set()
        for tree in self.trees:
            yield from _walk_dirs(tree, self, seen)


def _walk_dirs(top: Path, plan: WatchPlan, seen: set[Path]) -> Iterator[Path]:
    if top in seen or not top.is_dir() or any(top == e or e in top.parents for e in plan.excluded):
        return
    seen.add(top)
    yield top
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if not is_junk(entry.name) and entry.is_dir(follow_symlinks=True):
            yield from _walk_dirs(Path(entry.path), plan, seen)


class Watcher:
    """Common shape: `update(plan)` from any thread, `run()` in its own thread until `stop()`."""

    def __init__(self, callback: Callback) -> None:
        self.callback = callback
        self.plan = WatchPlan((), ())
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def update(self, plan: WatchPlan) -> None:
        raise NotImplementedError

    def run(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stopped.set()

    def _report(self, paths: Iterable[Path]) -> None:
        plan = self.plan
        changed = {p for p in paths if plan.relevant(p)}
        if changed:
            self.callback(changed)


# inotify(7) constants
IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR, IN_ISDIR = 0x4000, 0x8000, 0x01000000, 0x40000000
WATCH_MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
              | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
_EVENT = struct.Struct("iIII")


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


class InotifyError(OSError):
    pass


class InotifyWatcher(Watcher):
    def __init__(self, callback: Callback) -> None:
        super().__init__(callback)
        libc = _libc()
        if libc is None:
            raise InotifyError("inotify is not available")
        self._libc = libc
        self._fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        if self._fd < 0:
            raise InotifyError(ctypes.get_errno(), "inotify_init1 failed")
        self._wake_read, self._wake_write = os.pipe()
        self._by_wd: dict[int, Path] = {}
        self._by_path: dict[Path, int] = {}

    def update(self, plan: WatchPlan) -> None:
        with self._lock:
            self.plan = plan
            wanted = set(plan.anchors()) | set(plan.folders())
            for path in [p for p in self._by_path if p not in wanted]:
                self._remove(path)
            for path in sorted(wanted - set(self._by_path)):
                self._add(path)

    def _add(self, path: Path) -> None:
        wd = int(self._libc.inotify_add_watch(self._fd, os.fsencode(path), WATCH_MASK))
        if wd < 0:
            code = ctypes.get_errno()
            if code in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
                return  # gone already, or unreadable: nothing there to build from
            raise InotifyError(code, f"cannot watch {path}: {os.strerror(code)}")
        self._by_wd[wd] = path
        self._by_path[path] = wd

    def _remove(self, path: Path) -> None:
        wd = self._by_path.pop(path, None)
        if wd is not None:
            self._by_wd.pop(wd, None)
            self._libc.inotify_rm_watch(self._fd, wd)

    def run(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        try:
            while not self._stopped.is_set():
                ready = {fd for fd, _ in poller.poll()}
                if self._wake_read in ready or self._stopped.is_set():
                    break
                try:
                    data = os.read(self._fd, 256 * 1024)
                except BlockingIOError:
                    continue
                self._report(self._parse(data))
        finally:
            os.close(self._fd)
            os.close(self._wake_read)
            os.close(self._wake_write)

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def _parse(self, data: bytes) -> set[Path]:
        changed: set[Path] = set()
        offset = 0
        with self._lock:
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                raw = data[offset + _EVENT.size: offset + _EVENT.size + length].rstrip(b"\0")
                offset += _EVENT.size + length
                if mask & IN_Q_OVERFLOW:
                    changed.update(self.plan.files)  # events were lost: rebuild and re-watch everything
                    changed.update(self.plan.trees)
                    continue
                folder = self._by_wd.get(wd)
                if folder is None:
                    continue
                if mask & IN_IGNORED:
                    self._by_wd.pop(wd, None)
                    if self._by_path.get(folder) == wd:
                        del self._by_path[folder]
                    continue
                path = folder / os.fsdecode(raw) if raw else folder
                changed.add(path)
                if mask & IN_ISDIR and mask & (IN_MOVED_FROM | IN_DELETE):
                    for stale in [p for p in self._by_path if p == path or path in p.parents]:
                        self._remove(stale)
                if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO) and self.plan.relevant(path):
                    for sub in _walk_dirs(path, self.plan, set()):
                        if sub not in self._by_path:
                            self._add(sub)
            if changed & set(self.plan.trees):
                # A tree appeared (or went): watch what is there now.
                for tree in self.plan.trees:
                    for sub in _walk_dirs(tree, self.plan, set()):
                        if sub not in self._by_path:
                            self._add(sub)
        return changed


class PollingWatcher(Watcher):
    INTERVAL = 0.2  # seconds between ticks
    SWEEP = 2.0  # every file is stat'ed at least this often
    HOT = 60.0  # files changed this recently are stat'ed every tick

    def __init__(self, callback: Callback) -> None:
        super().__init__(callback)
        self._dirs: dict[Path, int] = {}
        self._files: dict[Path, tuple[int, int]] = {}
        self._hot: dict[Path, float] = {}
        self._order: list[Path] = []
        self._cursor = 0

    def update(self, plan: WatchPlan) -> None:
        with self._lock:
            self.plan = plan
            self._dirs, self._files, self._hot = {}, {}, {}
            for folder in sorted(plan.anchors() | set(plan.folders())):
                self._scan_dir(folder, report=None)
            self._order = sorted(self._files)

    def _scan_dir(self, folder: Path, report: set[Path] | None) -> None:
        """Record a folder's stamp and its files' stamps; with `report`, add what is new or gone to it."""
        try:
            self._dirs[folder] = folder.stat().st_mtime_ns
            entries = list(os.scandir(folder))
        except OSError:
            self._dirs.pop(folder, None)
            return
        present: set[Path] = set()
        for entry in entries:
            path = Path(entry.path)
            if not self.plan.relevant(path):
                continue
            try:
                if entry.is_dir():
                    if path not in self._dirs and report is not None:
                        report.add(path)
                        for sub in _walk_dirs(path, self.plan, set()):
                            self._scan_dir(sub, report)
                    continue
                stat = entry.stat()
            except OSError:
                continue
            present.add(path)
            stamp = (stat.st_size, stat.st_mtime_ns)
            if report is not None and self._files.get(path) != stamp:
                report.add(path)
                self._hot[path] = time.monotonic()
            self._files[path] = stamp
        for gone in [p for p in self._files if p.parent == folder and p not in present]:
            del self._files[gone]
            if report is not None:
                report.add(gone)

    def tick(self) -> set[Path]:
        changed: set[Path] = set()
        with self._lock:
            for folder, stamp in list(self._dirs.items()):
                try:
                    now = folder.stat().st_mtime_ns
                except OSError:
                    now = -1
                if now != stamp:
                    if now == -1:
                        changed.add(folder)
                        self._dirs.pop(folder, None)
                        for gone in [p for p in self._files if folder in p.parents]:
                            del self._files[gone]
                    else:
                        self._scan_dir(folder, changed)
            expired = time.monotonic() - self.HOT
            self._hot = {p: t for p, t in self._hot.items() if t > expired}
            if changed:
                self._order = sorted(self._files)
            per_tick = max(1, int(len(self._order) * self.INTERVAL / self.SWEEP) + 1)
            batch = self._order[self._cursor: self._cursor + per_tick]
            self._cursor = self._cursor + per_tick if self._cursor + per_tick < len(self._order) else 0
            for path in set(batch) | set(self._hot):
                try:
                    stat = path.stat()
                except OSError:
                    continue  # a removal shows in its folder's stamp
                file_stamp = (stat.st_size, stat.st_mtime_ns)
                if self._files.get(path) != file_stamp:
                    self._files[path] = file_stamp
                    self._hot[path] = time.monotonic()
                    changed.add(path)
        return changed

    def run(self) -> None:
        while not self._stopped.wait(self.INTERVAL):
            changed = self.tick()
            if changed:
                self._report(changed)


def make_watcher(callback: Callback, *, polling: bool = False) -> Watcher:
    """inotify where the system has it, else the poller."""
    if not polling:
        try:
            return InotifyWatcher(callback)
        except OSError:
            pass
    return PollingWatcher(callback)
