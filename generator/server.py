"""`groupdir serve`: the live preview server. The implementation lives in `generator.preview`."""

from __future__ import annotations

from generator.preview import serve

__all__ = ["serve"]
