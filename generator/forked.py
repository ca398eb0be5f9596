"""One piece of work run in a forked process beside the build, its result read back through a pipe.

A pool of one worker did this before. Starting it cost the build 7 ms (its worker, three threads that hand tasks
and results over, and the task itself sent through them) and stopping it 3.5 ms more, with a 100 MB heap; the
threads also wanted the interpreter lock while the build was busy. A plain fork costs 2 ms: the child starts on
the work at once, and writes its result (or the exception it raised) to a pipe the build reads when it asks.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

from generator import collector

T = TypeVar("T")


class ProcessLost(Exception):
    """The forked process ended without a result (killed, say)."""


class Forked(Generic[T]):
    """`work()` running in a forked process; `result` waits for what it returned (or raises what it raised);
    `stop` ends the process if its result is no longer wanted. The process shares the build's objects as they were
    at the fork (copied only where either side writes)."""

    def __init__(self, work: Callable[[], T]) -> None:
        with collector.keeping():
            collector.keep()  # what is alive is frozen: the child's collections do not walk (and copy) it
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: it never returns into the build's code
                os.close(read)
                _run(work, write)
        os.close(write)
        self.pid: int | None = pid
        self._read = read

    def ready(self, timeout: float) -> bool:
        """Whether the result can be read now, waiting at most `timeout` seconds for it."""
        poller = select.poll()
        poller.register(self._read, select.POLLIN)
        return bool(poller.poll(timeout * 1000))

    def result(self) -> T:
        chunks = []
        try:
            while chunk := os.read(self._read, 1 << 20):
                chunks.append(chunk)
        finally:
            self._reap()
        try:
            done, value = pickle.loads(b"".join(chunks))
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:  # nothing, or a result cut short
            raise ProcessLost("the process working beside the build ended without a whole result") from exc
        if not done:
            raise value
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            self._reap()

    def _reap(self) -> None:
        if self.pid is not None:
            os.close(self._read)
            os.waitpid(self.pid, 0)
            self.pid = None


def _run(work: Callable[[], object], write: int) -> None:
    """In the child: do the work, write the pickled outcome, and end without unwinding the build's stack (its
    `with` blocks and exit handlers are the parent's to run)."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the build stops this one
        collector.in_worker()
        try:
            outcome = pickle.dumps((True, work()), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # handed to the build, which raises it
            try:
                outcome = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its message does
                outcome = pickle.dumps((False, RuntimeError(repr(exc))), pickle.HIGHEST_PROTOCOL)
        with memoryview(outcome) as view:
            while view:
                view = view[os.write(write, view):]
    except BaseException:  # the build reads no result: ProcessLost
        code = 1
    finally:
        os._exit(code)
