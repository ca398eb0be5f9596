"""Group mappings -> readable, stable YAML: fields in a fixed order, dates as YYYY-MM-DD, descriptions as
block literals, short lists in flow style, non-ASCII kept as it is."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

FIELD_ORDER: tuple[str, ...] = (
    "name", "slug", "summary", "category", "tags", "industry", "location", "languages", "members",
    "members_as_of", "founded", "added", "website", "join_url", "visibility", "status", "activity",
    "audience", "managers", "rules", "related", "featured", "draft", "extra", "description",
)
NESTED_ORDER: dict[str, tuple[str, ...]] = {
    "location": ("city", "region", "country", "online"),
    "activity": ("last_post", "posts_per_month"),
    "audience": ("industries", "regions"),
}
_FLOW_WIDTH = 72
_FLOW_ITEM = 32
_RANK = {name: index for index, name in enumerate(FIELD_ORDER)}


class _Block(str):
    """A string to be written as a block literal."""


_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[misc]
    """LibYAML's emitter when PyYAML has it (six times faster), with the representers below."""


def _represent_block(dumper: yaml.SafeDumper, data: _Block) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    simple = all(isinstance(item, (str, int, float, dt.date)) and "\n" not in str(item) for item in data)
    short = all(len(str(item)) <= _FLOW_ITEM for item in data)
    flow = simple and short and sum(len(str(item)) + 2 for item in data) <= _FLOW_WIDTH
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    scalars = (str, int, float, bool, dt.date)
    simple = all(isinstance(v, scalars) and "\n" not in str(v) for v in data.values())
    flow = simple and data.keys() <= {"city", "region", "country", "online"} and \
        sum(len(str(k)) + len(str(v)) + 4 for k, v in data.items()) <= _FLOW_WIDTH
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_Dumper.add_representer(_Block, _represent_block)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def ordered(raw: dict[str, Any]) -> dict[str, Any]:
    """A new group mapping with its fields (and nested fields) in the canonical order."""
    out = {key: raw[key] for key in sorted(raw, key=lambda k: (_RANK.get(k, len(_RANK)), k))}
    for key, order in NESTED_ORDER.items():
        value = out.get(key)
        if isinstance(value, dict):
            rank = {name: index for index, name in enumerate(order)}
            out[key] = {k: value[k] for k in sorted(value, key=lambda k: (rank.get(k, len(rank)), k))}
    return out


def insert_ordered(existing: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """`existing` with `key` added where the canonical order puts it among the keys already there."""
    if key in existing:
        updated = dict(existing)
        updated[key] = value
        return updated
    rank = _RANK.get(key, len(_RANK))
    out: dict[str, Any] = {}
    placed = False
    for current, item in existing.items():
        if not placed and _RANK.get(current, -1) > rank:
            out[key] = value
            placed = True
        out[current] = item
    if not placed:
        out[key] = value
    return out


def dump(raw: dict[str, Any]) -> str:
    """The YAML text of a group mapping, keys in the order given."""
    data = dict(raw)
    description = data.get("description")
    if isinstance(description, str) and description:
        data["description"] = _Block(description)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=4096, indent=2)
    return str(text)


def front_matter(raw: dict[str, Any], body: str) -> str:
    """A Markdown group file: the mapping (without description) as front matter, then the body."""
    meta = {key: value for key, value in raw.items() if key != "description"}
    return "---\n" + dump(meta) + "---\n" + body
