"""YAML loading that keeps the position of every key and value and refuses what a content file never needs.

The loader is built on the event stream of PyYAML's (C, where available) parser, so that it can reject
aliases (no "billion laughs"), Python object tags, duplicate keys and absurd nesting before any of
them cost memory or time, and so that every value carries the line and column it came from.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

MAX_DEPTH = 32

_Parser: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
_SHORT_TAGS = {"!!" + t.rsplit(":", 1)[1]: t for t in _ALLOWED_TAGS}
_STR = "tag:yaml.org,2002:str"


class YamlProblem(Exception):
    """A YAML file that cannot be used, with the 1-based line and column of the problem."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Loaded:
    """A YAML document as plain values plus the position of each value and each mapping key."""

    value: Any
    positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> Position:
        """The best position for a path: the exact one, else its nearest parent's."""
        table = self.key_positions if key else self.positions
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))


_resolver = Resolver()
_constructor = SafeConstructor()


class _Where:
    """1-based line and column of a parser mark, counting only newlines as line breaks.

    PyYAML also breaks lines at U+0085, U+2028 and U+2029; editors and our diagnostics do not, so in a
    text holding one of those the position is worked out from the character offset instead.
    """

    def __init__(self, text: str, line_offset: int) -> None:
        self.line_offset = line_offset
        self.starts: list[int] | None = None
        if any(char in text for char in ("\x85", "\u2028", "\u2029")):
            self.starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def __call__(self, mark: Any) -> Position:
        if self.starts is None:
            return (mark.line + 1 + self.line_offset, mark.column + 1)
        line = bisect.bisect_right(self.starts, mark.index)
        return (line + self.line_offset, mark.index - self.starts[line - 1] + 1)


def _scalar(event: Any, where: _Where) -> Any:
    tag = event.tag
    if tag is None and event.style:  # quoted or block, untagged: a string, whatever it looks like
        return event.value
    if tag is None or tag == "!":
        tag = _resolver.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    tag = _SHORT_TAGS.get(tag, tag)
    if tag == _STR:  # most values: what the constructor would return, without making a node for it
        return event.value
    if tag not in _ALLOWED_TAGS or tag in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
        line, col = where(event.start_mark)
        raise YamlProblem(f"the YAML tag '{event.tag}' is not allowed in content files", line, col)
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        # Called straight, not through construct_object(), which would keep every node it ever saw.
        return _constructor.yaml_constructors[tag](_constructor, node)
    except (ConstructorError, ValueError) as exc:
        if tag == "tag:yaml.org,2002:timestamp":
            return event.value  # looks like a date but is none (2011-02-30): the schema says what is wrong
        line, col = where(event.start_mark)
        raise YamlProblem(f"cannot read value {event.value!r}: {exc}", line, col) from None


def _check_collection_tag(event: Any, expected: str, where: _Where) -> None:
    tag = event.tag
    if tag is None or tag == "!" or _SHORT_TAGS.get(tag, tag) == expected:
        return
    line, col = where(event.start_mark)
    raise YamlProblem(f"the YAML tag '{tag}' is not allowed in content files", line, col)


def load(text: str, *, line_offset: int = 0) -> Loaded:
    """Parse one YAML document; raise YamlProblem (with position) for anything a content file must not hold."""
    where = _Where(text, line_offset)

    loaded = Loaded(None)
    # Each frame: [container, path, pending_key (for mappings), is_mapping]
    stack: list[list[Any]] = []
    root_set = False
    documents = 0
    parser = _Parser(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                break
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    line, col = where(event.start_mark)
                    raise YamlProblem("a content file holds one YAML document, found a second", line, col)
                continue
            if kind in (yaml.StreamStartEvent, yaml.DocumentEndEvent):
                continue
            if kind is yaml.AliasEvent:
                line, col = where(event.start_mark)
                raise YamlProblem("YAML aliases (*name) are not allowed in content files", line, col)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                continue
            if getattr(event, "anchor", None) is not None:
                line, col = where(event.start_mark)
                raise YamlProblem("YAML anchors (&name) are not allowed in content files", line, col)

            # A key of the mapping on top of the stack?
            if stack and stack[-1][3] and stack[-1][2] is _NO_KEY:
                if kind is not yaml.ScalarEvent:
                    line, col = where(event.start_mark)
                    raise YamlProblem("mapping keys must be plain strings", line, col)
                key = _scalar(event, where)
                if not isinstance(key, str):
                    key = str(key)
                frame = stack[-1]
                path = (*frame[1], key)
                if key in frame[0]:
                    line, col = where(event.start_mark)
                    first = loaded.key_positions.get(path, (0, 0))[0]
                    raise YamlProblem(f"duplicate key '{key}' (first defined on line {first})", line, col)
                loaded.key_positions[path] = where(event.start_mark)
                frame[2] = key
                continue

            # A value: work out its path, then build it.
            if stack:
                frame = stack[-1]
                path = (*frame[1], frame[2]) if frame[3] else (*frame[1], len(frame[0]))
            else:
                path = ()
            loaded.positions[path] = where(event.start_mark)

            if kind is yaml.ScalarEvent:
                value: Any = _scalar(event, where)
            elif kind is yaml.MappingStartEvent:
                _check_collection_tag(event, "tag:yaml.org,2002:map", where)
                value = {}
            elif kind is yaml.SequenceStartEvent:
                _check_collection_tag(event, "tag:yaml.org,2002:seq", where)
                value = []
            else:  # pragma: no cover - PyYAML has no other event kinds
                continue

            if stack:
                frame = stack[-1]
                if frame[3]:
                    frame[0][frame[2]] = value
                    frame[2] = _NO_KEY
                else:
                    frame[0].append(value)
            elif not root_set:
                loaded.value = value
                root_set = True

            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    line, col = where(event.start_mark)
                    raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels", line, col)
                stack.append([value, path, _NO_KEY, kind is yaml.MappingStartEvent])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = where(mark) if mark is not None else (0, 0)
        problem = exc.problem or exc.context or "malformed YAML"
        raise YamlProblem(f"malformed YAML: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"malformed YAML: {exc}") from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    return loaded


class _NoKey:
    __slots__ = ()


_NO_KEY: Any = _NoKey()


@dataclass
class FrontMatter:
    """A Markdown file split into its YAML front matter and its body."""

    meta: Loaded
    body: str
    body_line: int


def split_front_matter(text: str) -> FrontMatter:
    """Split ``---`` YAML front matter from a Markdown body; a file without front matter is an error."""
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        raise YamlProblem("a Markdown content file must start with '---' and YAML front matter", 1, 1)
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            yaml_text = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            meta = load(yaml_text, line_offset=1) if yaml_text.strip() else Loaded({})
            if meta.value is None:
                meta.value = {}
            return FrontMatter(meta, body, index + 2)
    raise YamlProblem("the front matter has no closing '---' line", 1, 1)
