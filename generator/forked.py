"""Work run in a forked process beside the build: what it says (Talking), or its result (Forked), read back
through a pipe.

A pool of one worker did this before. Starting it cost the build 7 ms (its worker, three threads that hand tasks
and results over, and the task itself sent through them) and stopping it 3.5 ms more, with a 100 MB heap; the
threads also wanted the interpreter lock while the build was busy. A plain fork costs 2 ms: the child starts on
the work at once, and writes its result (or the exception it raised) to a pipe the build reads when it asks.
The scan at the start of a build (generator.early) says two things in turn, and had a multiprocessing Process
and Pipe: importing multiprocessing took 8-15 ms of every build.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from generator import collector

T = TypeVar("T")


class ProcessLost(Exception):
    """The forked process ended without a result (killed, say)."""


_LENGTH = 8  # bytes of a message's length, in front of its pickle


class Talking:
    """`work(say)` running in a forked process, which may say things (`say(value)`) as it goes; `hear` waits for
    the next (in order), `stop` ends the process once nothing more is wanted. The process shares the build's
    objects as they were at the fork (copied only where either side writes)."""

    def __init__(self, work: Callable[[Callable[[object], None]], object]) -> None:
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
        """Whether the next word can be read now, waiting at most `timeout` seconds for it."""
        poller = select.poll()
        poller.register(self._read, select.POLLIN)
        return bool(poller.poll(timeout * 1000))

    def hear(self) -> object:
        """The next thing the process says; ProcessLost if it ended first."""
        length = int.from_bytes(self._exactly(_LENGTH), "big")
        return pickle.loads(self._exactly(length))

    def _exactly(self, count: int) -> bytes:
        chunks = []
        while count:
            chunk = os.read(self._read, min(count, 1 << 20))
            if not chunk:
                raise ProcessLost("the process working beside the build ended without a whole result")
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        """End the process (if it has not ended) and reap it."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            self._reap()

    def _reap(self) -> None:
        if self.pid is not None:
            os.close(self._read)
            os.waitpid(self.pid, 0)
            self.pid = None


class Forked(Generic[T]):
    """`work()` running in a forked process; `result` waits for what it returned (or raises what it raised);
    `stop` ends the process if its result is no longer wanted."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._process = Talking(functools.partial(_outcome, work))
        self.pid = self._process.pid

    def ready(self, timeout: float) -> bool:
        """Whether the result can be read now, waiting at most `timeout` seconds for it."""
        return self._process.ready(timeout)

    def result(self) -> T:
        try:
            done, value = cast(tuple[bool, Any], self._process.hear())
        finally:
            self.stop()
        if not done:
            raise value
        return cast(T, value)

    def stop(self) -> None:
        self._process.stop()
        self.pid = None


def _outcome(work: Callable[[], object], say: Callable[[object], None]) -> None:
    """In the child: say what the work returned, or what it raised."""
    try:
        value = work()
    except BaseException as exc:  # handed to the build, which raises it
        try:
            pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its message does
            exc = RuntimeError(repr(exc))
        say((False, exc))
        return
    say((True, value))


def _run(work: Callable[[Callable[[object], None]], object], write: int) -> None:
    """In the child: do the work, which writes what it says to the pipe, and end without unwinding the build's
    stack (its `with` blocks and exit handlers are the parent's to run)."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the build stops this one
        collector.in_worker()
        work(functools.partial(_say, write))
    except BaseException:  # the build hears no more: ProcessLost
        code = 1
    finally:
        os._exit(code)


def _say(write: int, value: object) -> None:
    body = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    for data in (len(body).to_bytes(_LENGTH, "big"), body):
        with memoryview(data) as view:
            while view:
                view = view[os.write(write, view):]
