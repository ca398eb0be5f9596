"""Work run beside the build in a forked process (generator.forked, generator.build._beside)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.build
from generator.forked import Forked, ProcessLost, Talking


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_result_comes_back_from_the_child_which_is_gone_once_read() -> None:
    parent = os.getpid()
    process = Forked(lambda: (os.getpid(), [parent] * 3, b"x" * (1 << 21)))  # more than a pipe holds
    pid = process.pid
    assert pid is not None and pid != parent
    child, parents, blob = process.result()
    assert child == pid and parents == [parent] * 3 and len(blob) == 1 << 21
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped


def test_what_the_work_raises_is_raised_where_the_result_is_asked_for() -> None:
    def failing() -> None:
        raise ValueError(f"from {os.getpid()}")

    process = Forked(failing)
    with pytest.raises(ValueError, match=f"from {process.pid}"):
        process.result()


def test_a_child_killed_before_its_result_is_told_apart_and_beside_does_the_work_here(tmp_path: Path) -> None:
    parent = os.getpid()
    marks = tmp_path / "ran"

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        marks.write_text("here")
        return 42

    with pytest.raises(ProcessLost):
        Forked(work).result()
    assert not marks.exists()
    with generator.build._beside(work, True) as collect:
        assert collect(None) == 42
    assert marks.read_text() == "here"


def test_giving_up_returns_none_and_leaving_the_block_stops_the_child(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def slow() -> int:
        started.write_text(str(os.getpid()))
        time.sleep(60)
        return 1

    asked: list[float] = []
    with generator.build._beside(slow, True) as collect:
        while not started.exists():
            time.sleep(0.01)
        pid = int(started.read_text())
        assert collect(lambda: bool(asked.append(time.monotonic())) or len(asked) == 3) is None
        assert _alive(pid)
    assert not _alive(pid) and len(asked) == 3


def test_a_talking_process_is_heard_in_order_and_one_killed_midway_is_told_apart() -> None:
    """What the process says arrives whole and in order (one word larger than a pipe holds); once it is gone
    without a word, hearing raises ProcessLost rather than waiting."""
    def talk(say: Callable[[object], None]) -> None:
        say(("first", os.getpid()))
        say(b"y" * (1 << 21))
        say("last")

    process = Talking(talk)
    assert process.hear() == ("first", process.pid)
    assert process.hear() == b"y" * (1 << 21)
    assert process.hear() == "last"
    with pytest.raises(ProcessLost):
        process.hear()
    process.stop()

    def killed(say: Callable[[object], None]) -> None:
        say("one")
        os.kill(os.getpid(), signal.SIGKILL)

    process = Talking(killed)
    assert process.hear() == "one"
    with pytest.raises(ProcessLost):
        process.hear()
    process.stop()
    assert process.pid is None
