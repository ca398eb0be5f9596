"""Turning file changes into incremental builds, and builds into what the browser should reload.

Changes are debounced (a build starts DEBOUNCE seconds after the last change, or MAX_WAIT after the first if
changes never stop) and coalesced: whatever changes while a build runs is built once more right after it.
Each build hands the previous build's state to `build()`, so only what a change affects is re-rendered.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from generator import cache, collector, writer
from generator.build import build
from generator.config import load_config
from generator.diagnostics import Report
from generator.model import SiteConfig
from generator.options import CACHE_DIR, BuildOptions, BuildResult
from generator.preview.responder import Status
from generator.preview.watcher import WatchPlan
from generator.themes import ThemeError, builtin_themes_dir, resolve_theme

BuildFunction = Callable[[BuildOptions, cache.BuildState | None], BuildResult]
LIVE_CSS = (".css",)
LIVE_IMAGES = (".png", ".jpg", ".jpeg", ".gif")  # what livereload.js swaps in place without a page reload


def report_text(report: Report, source: Path) -> str:
    """The report exactly as `groupdir check` prints it."""
    from generator.cli import print_report

    stream = io.StringIO()
    print_report(report, source, stream=stream)
    return stream.getvalue().rstrip("\n")


def is_development_tree(folder: Path) -> bool:
    """Whether groupdir's built-in themes are being developed: a checkout or a writable source tree."""
    try:
        resolved = folder.resolve()
    except OSError:
        return False
    if any(part in ("site-packages", "dist-packages") for part in resolved.parts):
        return False
    if any((parent / ".git").exists() for parent in (resolved, *resolved.parents)):
        return True
    return os.access(resolved, os.W_OK)


def theme_folders(source: Path, config: SiteConfig | None) -> tuple[Path, ...]:
    if config is None:
        return ()
    try:
        return resolve_theme(source, config.theme).folders
    except (ThemeError, OSError):
        return ()


def watch_plan(source: Path, output: Path, folders: tuple[Path, ...]) -> WatchPlan:
    """site.yaml, content/, the site's themes/, and the active theme's folders (built-in ones only when
    groupdir itself is being developed)."""
    try:
        builtin: Path | None = builtin_themes_dir().resolve()
    except FileNotFoundError:
        builtin = None
    developing = builtin is not None and is_development_tree(builtin)
    trees = [source / "content", source / "themes"]
    for folder in folders:
        inside_builtin = builtin is not None and builtin in folder.resolve().parents
        if (developing or not inside_builtin) and folder not in trees:
            trees.append(folder)
    excluded = (output, writer.staging_for(output), source / CACHE_DIR)
    return WatchPlan((source / "site.yaml",), tuple(trees), excluded)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: Status
    reload: tuple[str, ...]  # paths for livereload "reload" messages; empty: nothing to reload
    plan: WatchPlan
    changes: frozenset[Path]
    seconds: float
    result: BuildResult | None = None


class Rebuilder:
    DEBOUNCE = 0.05  # saves of one editor action (and a git checkout) arrive within a few milliseconds
    MAX_WAIT = 2.0

    def __init__(self, options: BuildOptions, on_outcome: Callable[[Outcome], None], *, out: TextIO,
                 err: TextIO | None = None, build_function: BuildFunction = build) -> None:
        self.options = options
        self.on_outcome = on_outcome
        self.out = out
        self.err = err or out
        self.build_function = build_function
        self.state: cache.BuildState | None = None
        self.status = Status(self._config_base_path() or "/")
        self._folders: tuple[Path, ...] = ()
        self._printed_failure: str | None = None
        self._printed_warnings = ""
        self._pages_live = 0.0  # seconds from the start of the last build to its early reload
        self._pending: set[Path] = set()
        self._unbuilt: frozenset[Path] = frozenset()
        self._first = 0.0
        self._last = 0.0
        self._stopping = False
        self._building = False
        self._cond = threading.Condition()

    def _config_base_path(self) -> str | None:
        config, _ = load_config(self.options.source, base_url=self.options.base_url)
        return config.base_path if config else None

    def initial_plan(self) -> WatchPlan:
        config, _ = load_config(self.options.source, base_url=self.options.base_url)
        self._folders = theme_folders(self.options.source, config)
        return watch_plan(self.options.source, self.options.output, self._folders)

    # -- called from the watcher's thread --------------------------------------------------------------

    def changed(self, paths: set[Path]) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.update(paths)
            self._last = now
            self._cond.notify_all()

    def _waiting(self) -> bool:
        """Whether a change came in since the build running now began, or the server is stopping."""
        with self._cond:
            return bool(self._pending) or self._stopping

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # -- the builder's thread ----------------------------------------------------------------------------

    def run(self) -> None:
        with self._cond:
            self._building = True
        batch: frozenset[Path] | None = frozenset()
        while batch is not None:
            try:
                self.on_outcome(self.build_once(batch))
            except Exception:  # a bug here must not leave the preview deaf to later changes
                print("internal error in the preview (please report it):\n" + traceback.format_exc().rstrip(),
                      file=self.err, flush=True)
            batch = self.next_batch()

    def next_batch(self) -> frozenset[Path] | None:
        """Block until changes have been quiet for DEBOUNCE seconds; None once stopped."""
        with self._cond:
            while True:
                if self._stopping:
                    return None
                if not self._pending:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                due = min(self._last + self.DEBOUNCE, self._first + self.MAX_WAIT)
                if now >= due:
                    batch = frozenset(self._pending)
                    self._pending.clear()
                    self._building = True
                    return batch
                self._cond.wait(due - now)

    def build_once(self, changes: frozenset[Path]) -> Outcome:
        source = self.options.source
        started = time.perf_counter()
        # The state file is read only while nothing is in memory; after that the state is handed from build to
        # build and written once, when the server stops (writing it after each build costs time on big sites).
        early: list[tuple[str, ...]] = []
        self._pages_live = 0.0

        def pages_published(written: list[str]) -> None:
            # Pages are live: reload now, before the site-wide exports and search index are made.
            if changes and written and self.status.failure is None:
                partial = BuildResult(Report(), written=written)
                reload = self._reload(changes, self.status, self.status, partial, self._folders)
                if reload:
                    early.append(reload)
                    self._pages_live = time.perf_counter() - started
                    self.on_outcome(Outcome(True, self.status, reload, watch_plan(source, self.options.output,
                                                                                  self._folders),
                                            changes, time.perf_counter() - started))

        # Every path changed since the state in hand was made: the changes of builds that failed since too.
        unbuilt = self._unbuilt | changes
        options = replace(self.options, use_cache=self.state is None, pages_published=pages_published,
                          changed=unbuilt if self.state is not None else None, superseded=self._waiting)
        result: BuildResult | None
        try:
            with collector.paused(self.state is not None):
                result = self.build_function(options, self.state)
            failure = report_text(result.report, source) if not result.ok else None
        except Exception:
            result = None
            failure = "internal error while building (please report it):\n" + traceback.format_exc().rstrip()
        seconds = time.perf_counter() - started
        config = result.site.config if result is not None and result.site is not None else None
        if config is None:
            config, _ = load_config(source, base_url=self.options.base_url)
        folders = theme_folders(source, config) or self._folders
        previous = self.status
        status = Status(config.base_path if config else previous.base_path, failure)
        reload = self._reload(changes, previous, status, result, folders)
        if early and status.failure is None:
            reload = ()  # the browsers reloaded when the pages were published
        if result is not None and result.ok and result.state is not None:
            self.state = result.state
            self._unbuilt = frozenset()
        else:
            self._unbuilt = unbuilt
        self.status, self._folders = status, folders
        self._tell(changes, status, result, seconds)
        with self._cond:
            self._building = False
        plan = watch_plan(source, self.options.output, folders)
        return Outcome(failure is None, status, reload, plan, changes, seconds, result)

    def _reload(self, changes: frozenset[Path], previous: Status, status: Status, result: BuildResult | None,
                folders: tuple[Path, ...]) -> tuple[str, ...]:
        page = (status.base_path,)  # any path livereload.js cannot swap in place reloads the page
        if not changes:
            # The first build: only tabs left open from an earlier `serve` can be listening; they reconnect
            # by themselves and may show an older site.
            return page
        if status.failure is not None:
            return page if status.failure != previous.failure else ()
        if previous.failure is not None:
            return page
        if result is None or not (result.written or result.removed):
            return ()
        urls = [self._static_url(path, folders, status.base_path) for path in sorted(changes)]
        if all(u is not None and u.lower().endswith(LIVE_CSS + LIVE_IMAGES) for u in urls):
            return tuple(u for u in urls if u is not None)
        return page

    @staticmethod
    def _static_url(path: Path, folders: tuple[Path, ...], base_path: str) -> str | None:
        for folder in folders:
            static = folder / "static"
            if static in path.parents:
                return base_path + "static/" + path.relative_to(static).as_posix()
        return None

    def _tell(self, changes: frozenset[Path], status: Status, result: BuildResult | None,
              seconds: float) -> None:
        source = self.options.source
        stamp = time.strftime("%H:%M:%S")
        what = _describe(changes, source)
        if status.failure is not None:
            if status.failure != self._printed_failure:
                print(f"[{stamp}] build failed{what}; the browser shows these errors until the next good "
                      f"save:\n{status.failure}", file=self.err, flush=True)
                self._printed_failure = status.failure
            else:
                print(f"[{stamp}] still failing{what} (same errors as above)", file=self.err, flush=True)
            return
        assert result is not None
        if self._printed_failure is not None:
            print(f"[{stamp}] fixed: the site builds again", file=self.out, flush=True)
            self._printed_failure = None
        warnings = report_text(Report(result.report.warnings), source) if result.report.warnings else ""
        if warnings != self._printed_warnings:
            if warnings:
                print(warnings, file=self.err, flush=True)
            self._printed_warnings = warnings
        if not changes:
            from generator.cli import summary

            print(f"[{stamp}] {summary(result, self.options.output)}", file=self.out, flush=True)
        else:
            live = f" (pages live after {self._pages_live * 1000:.0f} ms)" if self._pages_live else ""
            later = f"; {_first_two(result.deferred)} left for the next build, as a newer change is waiting" \
                if result.deferred else ""
            print(f"[{stamp}] rebuilt in {seconds * 1000:.0f} ms{live}{what}: {len(result.rendered)} rendered, "
                  f"{len(result.written)} written, {len(result.removed)} removed{later}", file=self.out, flush=True)

    def save_state(self) -> None:
        """Write the in-memory state to the cache file, so the next `serve` or `build` starts warm."""
        with self._cond:
            if self.state is None or self._building:
                return  # a build was cut short: its output and any state disagree, so the next start is cold
        with contextlib.suppress(OSError):
            path = cache.state_path(self.options.source / CACHE_DIR, self.options.output)
            cache.save_state(path, self.state)


def _describe(changes: frozenset[Path], source: Path) -> str:
    if not changes:
        return ""
    names = []
    for path in sorted(changes)[:2]:
        try:
            names.append(path.relative_to(source).as_posix())
        except ValueError:
            names.append(str(path))
    return f" ({_first_two(names, len(changes))})"


def _first_two(names: list[str], count: int | None = None) -> str:
    """'a, b' or 'a, b and 3 more', of `count` names (all of `names` unless told) of which `names` are the
    first."""
    count = len(names) if count is None else count
    more = f" and {count - 2} more" if count > 2 else ""
    return ", ".join(names[:2]) + more
