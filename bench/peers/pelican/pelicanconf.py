# Pelican peer of groupdir's build benchmark (bench/run.py copies this file, then writes content/*.md).
# As PEERS.md: Pelican's default theme (notmyidea) and its default outputs (article pages, index,
# category, tag and archive pages, Atom feeds for all and per category), with pagination by 50.
AUTHOR = "Benchmark"
SITENAME = "Benchmark directory"
SITEURL = "https://bench.example.org/dir"
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 50
RELATIVE_URLS = False
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
