"""Named tuples that the build cache unpickles without running any Python.

A named tuple pickles as a call of its __new__, a Python function, and a slotted dataclass (see
generator.model.tuple_pickled) as a __setstate__ that sets each field in turn. The cache holds a file's result and
a group's card for every content file, so those calls were a third of unpickling them (the results of 10,000
groups: 69 ms with them, 44 ms without, collector paused). Pickled as `tuple.__new__(cls, values)`, which is C,
they come back with no Python frame at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=tuple[Any, ...])


def unpickled_in_c(cls: type[T]) -> type[T]:
    """Give a named tuple class a __reduce__ that rebuilds it with tuple.__new__ (its fields, in order)."""

    def __reduce__(self: T) -> tuple[Callable[..., Any], tuple[type[T], tuple[Any, ...]]]:
        return tuple.__new__, (cls, tuple(self))

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 (mypy refuses assigning methods)
    return cls
