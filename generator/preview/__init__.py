"""`groupdir serve`: build the site into a preview folder, serve it, rebuild and live-reload on every change.

- `responder`: one request in, one response out, no socket: path safety, the base path, content types,
  the 404 page, the build-error page and the live-reload script tag injected into HTML responses.
- `watcher`: inotify on Linux (through ctypes, no extra dependency), cheap stamp polling elsewhere.
- `rebuild`: debounces and coalesces changes into incremental builds and decides what the browser reloads.
- `app`: the Tornado server (HTTP and the livereload WebSocket on one port) and the `serve` command.
"""

from __future__ import annotations

from generator.preview.app import serve

__all__ = ["serve"]
