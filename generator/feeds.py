"""Atom feeds, sitemaps and robots.txt: XML written with the standard library, so every value is escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from generator.routes import Urls

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(*, title: str, feed_url: str, site_url: str, feed_id: str, updated: dt.date,
              entries: Sequence[dict[str, str]]) -> bytes:
    """An Atom 1.0 feed; each entry has title, url, id, updated (YYYY-MM-DD), summary and author."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = title
    ET.SubElement(root, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _stamp(updated)
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=feed_url, type="application/atom+xml")
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=site_url, type="text/html")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = title
    ET.SubElement(root, f"{{{ATOM}}}generator").text = "groupdir"
    for entry in entries:
        node = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(node, f"{{{ATOM}}}title").text = entry["title"]
        ET.SubElement(node, f"{{{ATOM}}}id").text = entry["id"]
        ET.SubElement(node, f"{{{ATOM}}}updated").text = _stamp(dt.date.fromisoformat(entry["updated"]))
        ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", href=entry["url"], type="text/html")
        if entry.get("summary"):
            ET.SubElement(node, f"{{{ATOM}}}summary", type="text").text = entry["summary"]
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def sitemap(urls: Sequence[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP}">']
    lines.extend(f"  <url><loc>{_xml(url)}</loc></url>" for url in urls)
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_index(part_urls: Sequence[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP}">']
    lines.extend(f"  <sitemap><loc>{_xml(url)}</loc></sitemap>" for url in part_urls)
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(urls: Urls) -> bytes:
    return (f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute('sitemap.xml')}\n").encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
