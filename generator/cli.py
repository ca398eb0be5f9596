"""Command line: groupdir build | check | serve | init | new | import."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__, collector, early
from generator.diagnostics import Report
from generator.options import BuildOptions, BuildResult, default_output

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
# A build holds millions of long-lived objects (cards, records, the cache it loaded). With Python's default
# thresholds (700, 10, 10) the cycle collector walks them again and again while they are being made; it
# cost 11% of a one-group rebuild of 10,000 groups. Collections still run, a fourteenth as often.
GC_THRESHOLDS = (10_000, 10, 10)


def print_report(report: Report, source: Path, *, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    for item in report.sorted():
        print(item.format(source), file=out)
    errors, warnings = len(report.errors), len(report.warnings)
    if errors or warnings:
        print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}", file=out)


def _source(args: argparse.Namespace) -> Path:
    return Path(args.source).resolve()


class Progress:
    """A one-line progress bar on a terminal, shown once a stage has run for a second; silent elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.stage = ""
        self.started = 0.0
        self.last = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self.stage:
            self.stage, self.started, self.last = stage, now, 0.0
        if now - self.started < 1.0 or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{stage:>7} [{bar}] {done:,}/{total:,} {rate:,.0f}/s ")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def cmd_build(args: argparse.Namespace) -> int:
    source = _source(args)
    output = Path(args.output).resolve() if args.output else default_output(source)
    progress = Progress(sys.stderr) if sys.stderr.isatty() else None
    options = BuildOptions(source, output, base_url=args.base_url, drafts=args.drafts, jobs=args.jobs,
                           strict=args.strict, use_cache=not args.no_cache, progress=progress)
    started = time.perf_counter()
    with collector.keeping():
        begun = early.start(options, started)
        if isinstance(begun.checked, BuildResult):
            result = begun.checked
        else:
            from generator.build import build

            result = build(options, scanned=(begun.checked, started), loaded=begun.state)
    if progress is not None:
        progress.finish()
    print_report(result.report, source)
    if not result.ok or (args.strict and result.report.warnings):
        print(f"build failed; {output} was left as it was", file=sys.stderr)
        return EXIT_CONTENT
    print(summary(result, output))
    args.result = result  # freed by the process's exit (see run), not object by object when this returns
    return EXIT_OK


def summary(result: BuildResult, output: Path) -> str:
    t = result.timings
    stages = ", ".join(f"{k} {t[k]:.2f}s" for k in ("load", "assemble", "plan", "render", "write") if k in t)
    return (f"built {result.records} records into {output}: {len(result.rendered)} rendered, "
            f"{len(result.written)} written, {result.unchanged} unchanged, {len(result.removed)} removed "
            f"in {t.get('total', 0):.2f}s ({stages})")


def cmd_check(args: argparse.Namespace) -> int:
    from generator.build import load_site

    source = _source(args)
    options = BuildOptions(source, default_output(source), drafts=True, jobs=args.jobs, strict=args.strict)
    loaded = load_site(options)
    print_report(loaded.report, source, stream=sys.stdout)
    if loaded.report.failed(args.strict):
        return EXIT_CONTENT
    count = len(loaded.site.cards) if loaded.site else 0
    print(f"ok: {count} groups, {len(loaded.sources)} files checked")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.server import serve

    return serve(args)


def cmd_init(args: argparse.Namespace) -> int:
    from generator.scaffold import init_site

    return init_site(Path(args.directory))


def cmd_new(args: argparse.Namespace) -> int:
    from generator.scaffold import new_file

    return new_file(_source(args), args.kind, args.title)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="groupdir", description="Build static sites for directories of groups.")
    top.add_argument("--version", action="version", version=f"groupdir {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--source", default=".", help="the site folder, holding site.yaml (default: here)")
        p.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: one per CPU)")

    p = sub.add_parser("build", help="validate the content and write the site", description="Validate every "
                       "content file, then render the site into the output folder. On any error the previous "
                       "output is left untouched.")
    common(p)
    p.add_argument("--output", help="output folder (default: SOURCE/output)")
    p.add_argument("--base-url", help="override site.yaml's base_url, e.g. for a staging host")
    p.add_argument("--drafts", action="store_true", help="include records marked draft: true")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write .groupdir-cache/")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("check", help="validate the content and report every problem", description="Validate "
                       "every content file and report every problem as path:line:col. Exit 0 when clean, 1 on "
                       "content errors, 2 on usage errors.")
    common(p)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", help="preview with live reload", description="Build the site into a preview "
                       "folder, serve it, and rebuild and reload the browser on every change.")
    common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--output", help="preview folder (default: SOURCE/.groupdir-cache/preview)")
    p.add_argument("--open", action="store_true", help="open the site in a browser")
    p.add_argument("--drafts", action="store_true", help="include drafts")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", help="create a new site", description="Create a new site with a few example "
                       "files that builds at once.")
    p.add_argument("directory")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("new", help="create a group, guide or milestone file", description="Create a content "
                       "file with every field stubbed and commented.")
    p.add_argument("kind", choices=["group", "guide", "milestone"])
    p.add_argument("title")
    p.add_argument("--source", default=".", help="the site folder (default: here)")
    p.set_defaults(func=cmd_new)

    try:
        from generator.importer.cli import add_parser as add_import_parser
    except ImportError:
        pass
    else:
        add_import_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    return _dispatch(parser().parse_args(argv))


def _dispatch(args: argparse.Namespace) -> int:
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


FAST_EXIT = frozenset({"build"})


def run() -> int:
    """The `groupdir` command. After a build, once what it printed is flushed, the process ends without freeing
    its objects one by one: a large site's state is millions of them, and freeing them took 0.9 s of a 12.8 s
    one-group rebuild at 100,000 groups. Everything the build wrote is closed by then (files in `with` blocks,
    the state saved, worker processes joined). Under a profiler or a tracer (cProfile, coverage), which write
    their findings on the way out, the process ends as usual."""
    args = parser().parse_args()
    code = _dispatch(args)  # `args` holds what the command kept (see cmd_build) until the exit
    if args.command in FAST_EXIT and sys.getprofile() is None and sys.gettrace() is None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    return code
