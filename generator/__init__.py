"""groupdir: a static site generator for directories of groups."""

__version__ = "0.1.0"
