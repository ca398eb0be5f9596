"""The preview server: Tornado serves the files (through the Responder) and the livereload WebSocket on one
port; a watcher thread feeds a builder thread; each build's outcome updates what is served and tells the
open browsers what to reload.

livereload (the package) supplies the browser side: its `livereload.js` speaks the LiveReload protocol and
swaps a stylesheet in place when the reloaded path is a .css file. Its Python server is not used: it polls
the whole tree every 800 ms, ignores changes within 3 s of a reload, serves any path Tornado's static
handler accepts and keeps its state in class attributes. Tornado itself comes with livereload.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

from generator.options import CACHE_DIR, BuildOptions
from generator.preview.rebuild import Outcome, Rebuilder
from generator.preview.responder import LIVERELOAD_SOCKET, Responder, Status
from generator.preview.watcher import InotifyWatcher, PollingWatcher, Watcher, make_watcher

PROTOCOL_7 = "http://livereload.com/protocols/official-7"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
EXIT_USAGE = 2
STOP_WAIT = 5.0  # seconds a build running when the server stops is given to end


def livereload_js() -> Path | None:
    """The browser client shipped inside the livereload package."""
    try:
        import livereload
    except ImportError:
        return None
    path = Path(livereload.__file__).parent / "vendors" / "livereload.js"
    return path if path.is_file() else None


@dataclass
class Hub:
    """The connected browsers. Touched only on the event loop's thread."""

    sockets: set[LiveReloadSocket] = field(default_factory=set)

    def broadcast(self, paths: tuple[str, ...]) -> None:
        for path in paths:
            message = json.dumps({"command": "reload", "path": path, "liveCSS": True, "liveImg": True})
            for client in list(self.sockets):
                try:
                    client.write_message(message)
                except tornado.websocket.WebSocketClosedError:
                    self.sockets.discard(client)

    def close_all(self) -> None:
        for client in list(self.sockets):
            client.close()
        self.sockets.clear()


@dataclass
class Preview:
    responder: Responder
    hub: Hub
    ready: asyncio.Event


class PageHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def compute_etag(self) -> str | None:
        return None  # every response is read fresh from the output folder

    async def get(self, *args: str) -> None:
        await self._respond(body=True)

    async def head(self, *args: str) -> None:
        await self._respond(body=False)

    async def _respond(self, *, body: bool) -> None:
        await self.preview.ready.wait()  # the first build has finished, well or not
        response = self.preview.responder.respond(self.request.method or "GET", self.request.uri or "/")
        self.clear_header("Server")
        self.set_status(response.status)
        for name, value in response.headers:
            self.set_header(name, value)
        if body:
            self.write(response.body)


class LiveReloadSocket(tornado.websocket.WebSocketHandler):
    """The server half of the LiveReload protocol (official-7): a handshake, then reload commands."""

    def initialize(self, hub: Hub) -> None:
        self.hub = hub

    def check_origin(self, origin: str) -> bool:
        return urlsplit(origin).netloc.lower() == (self.request.host or "").lower()

    def open(self, *args: str, **kwargs: str) -> None:
        self.hub.sockets.add(self)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if isinstance(data, dict) and data.get("command") == "hello":
            hello = {"command": "hello", "protocols": [PROTOCOL_7], "serverName": "groupdir"}
            self.write_message(json.dumps(hello))

    def on_close(self) -> None:
        self.hub.sockets.discard(self)


def application(preview: Preview) -> tornado.web.Application:
    return tornado.web.Application(
        [(LIVERELOAD_SOCKET, LiveReloadSocket, {"hub": preview.hub}),
         (r".*", PageHandler, {"preview": preview})],
        log_function=lambda handler: None,  # one line per request would drown the build messages
        websocket_ping_interval=20,
    )


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _say(text: str, *, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def serve(args: argparse.Namespace) -> int:
    source = Path(args.source).resolve()
    if not (source / "site.yaml").is_file():
        _say(f"groupdir serve: no site.yaml in {source}; is this a groupdir site? "
             "(`groupdir init DIR` makes one)", err=True)
        return EXIT_USAGE
    output = Path(args.output).resolve() if args.output else source / CACHE_DIR / "preview"
    options = BuildOptions(source, output, drafts=bool(args.drafts), jobs=int(args.jobs or 0), asset_versions=False)
    host = str(args.host)
    free, lock = _lock_output(output)
    if not free:
        _say(f"groupdir serve: another `groupdir serve` is already previewing into {output}; stop it first, "
             "or give this one its own --output", err=True)
        return EXIT_USAGE
    try:
        try:
            sockets = tornado.netutil.bind_sockets(int(args.port), address=host)
        except OSError as exc:
            _say(f"groupdir serve: cannot listen on {host}:{args.port}: {exc.strerror or exc}", err=True)
            return EXIT_USAGE
        if host not in LOOPBACK and not host.startswith("127."):
            _say(f"warning: listening on {host}: anyone who can reach this machine can see the preview "
                 "(drafts included with --drafts). Use the default --host 127.0.0.1 to keep it private.",
                 err=True)
        try:
            return asyncio.run(PreviewServer(options, host, sockets).run(open_browser=bool(args.open)))
        finally:
            for sock in sockets:
                sock.close()
    finally:
        if lock is not None:
            lock.close()


def _lock_output(output: Path) -> tuple[bool, IO[bytes] | None]:
    """An exclusive lock beside the preview folder, held while serving, since two previews would build into
    each other's staging folder: (False, None) when another process holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: go without
        return True, None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle = open(output.parent / f".{output.name}.lock", "wb")  # noqa: SIM115 - held while serving
    except OSError:
        return True, None  # the build will report the unwritable folder
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False, None
    return True, handle


class PreviewServer:
    """Wires the pieces together. Threads: the event loop (HTTP, WebSocket), the watcher, the builder."""

    def __init__(self, options: BuildOptions, host: str, sockets: list[socket.socket]) -> None:
        self.options = options
        self.host = host
        self.sockets = sockets
        self.responder = Responder(options.output, livereload_js=livereload_js())
        self.rebuilder = Rebuilder(options, self._built, out=sys.stdout, err=sys.stderr)
        self.responder.status = Status(self.rebuilder.status.base_path)
        self.plan = self.rebuilder.initial_plan()
        self.watcher = self._watcher()
        self.port = int(sockets[0].getsockname()[1])
        self.url = self._url(self.responder.status.base_path)
        self.open_browser = False

    def _url(self, base_path: str) -> str:
        return f"http://{_url_host(self.host)}:{self.port}{base_path}"

    def _watcher(self) -> Watcher:
        watcher = make_watcher(self.rebuilder.changed)
        try:
            watcher.update(self.plan)
        except OSError as exc:
            if not isinstance(watcher, InotifyWatcher):
                raise
            _say(f"warning: {exc}; polling for changes instead", err=True)
            watcher.stop()
            watcher.run()  # returns at once, closing its descriptors
            watcher = PollingWatcher(self.rebuilder.changed)
            watcher.update(self.plan)
        return watcher

    async def run(self, *, open_browser: bool = False) -> int:
        self.loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        _reset_signals_in_forks()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(signum, stop.set)
            except NotImplementedError:  # Windows: a plain handler that wakes the loop
                signal.signal(signum, lambda *_: self.loop.call_soon_threadsafe(stop.set))
        self.preview = Preview(self.responder, Hub(), asyncio.Event())
        self.open_browser = open_browser
        if self.responder.livereload_js is None:
            _say("warning: the livereload package is missing; pages will not reload by themselves", err=True)
        server = tornado.httpserver.HTTPServer(application(self.preview))
        server.add_sockets(self.sockets)
        _say(f"Serving {self.url} (Ctrl-C to stop)")
        _say(f"building {self.options.source} into {self.options.output} ...")
        watching = _run_thread(self.watcher.run, "groupdir-watch")
        building = _run_thread(self.rebuilder.run, "groupdir-build")

        await stop.wait()
        _say("stopping")
        server.stop()
        self.preview.hub.close_all()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.close_all_connections(), 2)
        self.watcher.stop()
        self.rebuilder.stop()
        watching.join(1)
        # A build told to stop gives up its site-wide files and search index (see Rebuilder._waiting) and ends,
        # so that its state is saved and the next `serve` or `build` starts warm (a cold start at 100,000 groups
        # takes two minutes). One still running after that is left to die with the process; its output stays
        # valid.
        building.join(STOP_WAIT)
        self.rebuilder.save_state()
        return 0

    def _built(self, outcome: Outcome) -> None:
        """On the builder's thread, after each build."""
        previous = self.responder.status
        self.responder.status = outcome.status
        if outcome.status.base_path != previous.base_path:
            self.url = self._url(outcome.status.base_path)
            _say(f"base_url changed: now serving {self.url}")
        if outcome.plan != self.plan:
            self.plan = outcome.plan
            try:
                self.watcher.update(outcome.plan)
            except OSError as exc:
                _say(f"warning: cannot watch everything: {exc}", err=True)
        self.loop.call_soon_threadsafe(self._arrived, outcome)

    def _arrived(self, outcome: Outcome) -> None:
        """On the event loop: release waiting requests, tell the browsers."""
        first = not self.preview.ready.is_set()
        self.preview.ready.set()
        self.preview.hub.broadcast(outcome.reload)
        if first and self.open_browser:
            threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()


def _plain_signals() -> None:
    """In a build worker forked from the builder's thread: undo the server's signal handling.

    The worker would otherwise inherit asyncio's handlers and wakeup descriptor: the pool's SIGTERM would
    be written into the server's own event loop (stopping the server) instead of ending the worker (so the
    pool waits for it forever). Ctrl-C reaches the whole process group; the server decides, workers ignore it.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_FORK_HOOK: list[bool] = []


def _reset_signals_in_forks() -> None:
    if not _FORK_HOOK and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_plain_signals)
        _FORK_HOOK.append(True)


def _run_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
