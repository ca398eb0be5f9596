"""Byte-order marks, UTF-16, Windows-1252 and every delimiter give the same group files as plain UTF-8."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from generator.importer.decoding import DecodeProblem, decode_bytes
from generator.importer.inputs import sniff_delimiter
from tests.importer.conftest import FIXTURES, Run, check, snapshot

MESSY_TEXT = (FIXTURES / "messy.csv").read_text(encoding="utf-8")


def with_delimiter(text: str, delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(row)
    return out.getvalue()


@pytest.fixture
def baseline(run_import: Run, site: Path, groups: Path) -> dict[str, bytes]:
    plain = site.parent / "plain.csv"
    plain.write_bytes(MESSY_TEXT.encode("utf-8"))
    assert run_import(plain).code == 0
    files = snapshot(groups)
    for path in groups.iterdir():
        path.unlink()
    return files


@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8-sig", "UTF-8 with BOM"),
    ("utf-16", "UTF-16 LE"),  # Python writes a little-endian byte-order mark
    ("utf-16-be-bom", "UTF-16 BE"),
    ("utf-16-le", "UTF-16 LE"),  # no byte-order mark: found from the zero bytes
])
def test_unicode_encodings(run_import: Run, site: Path, groups: Path, baseline: dict[str, bytes],
                           encoding: str, label: str) -> None:
    source = site.parent / "export.csv"
    data = (b"\xfe\xff" + MESSY_TEXT.encode("utf-16-be")) if encoding == "utf-16-be-bom" else \
        MESSY_TEXT.encode(encoding)
    source.write_bytes(data)
    result = run_import(source)
    assert f"export.csv: {label}, CSV separated by comma" in result.out
    assert snapshot(groups) == baseline


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_delimiters(run_import: Run, site: Path, groups: Path, baseline: dict[str, bytes],
                    delimiter: str, word: str) -> None:
    source = site.parent / "export.csv"
    source.write_text(with_delimiter(MESSY_TEXT, delimiter), encoding="utf-8", newline="")
    result = run_import(source)
    assert f"separated by {word}" in result.out
    assert snapshot(groups) == baseline


CP1252 = ("Group Name;Members;Category;Description\r\n"
          "Zürich Café Society;1.234;topic;Coffee \u2013 and \u201cgood\u201d talk for 5 \u20ac.\r\n"
          "Société Générale Alumni;12K;alumni;Ancien élèves\r\n")


def test_windows_1252_is_detected(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "excel.csv"
    source.write_bytes(CP1252.encode("cp1252"))
    result = run_import(source)
    assert "excel.csv: Windows-1252, CSV separated by semicolon" in result.out
    text = (groups / "zurich-cafe-society.yaml").read_text(encoding="utf-8")
    assert "name: Zürich Café Society\n" in text
    assert "members: 1234\n" in text
    assert "Coffee \u2013 and \u201cgood\u201d talk for 5 \u20ac." in text
    assert "members: 12000\n" in (groups / "societe-generale-alumni.yaml").read_text(encoding="utf-8")
    assert check(site)[0] == 0


def test_encoding_option_wins(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "latin.csv"
    source.write_bytes("name,category\nÅrhus Ærø Group,topic\n".encode("latin-1"))
    assert "latin.csv: iso8859-1," in run_import(source, "--encoding", "latin-1").out
    assert (groups / "arhus-aero-group.yaml").exists()
    assert run_import(source, "--encoding", "no-such-codec").code == 2


def test_decoding_edge_cases() -> None:
    assert decode_bytes(b"\xef\xbb\xbfa,b").text == "a,b"
    assert decode_bytes("é".encode("utf-32")).text == "é"
    assert decode_bytes(b"caf\xe9").encoding == "Windows-1252"
    assert decode_bytes(b"\x81\x8d").encoding == "Latin-1"  # bytes Windows-1252 leaves undefined
    with pytest.raises(DecodeProblem):
        decode_bytes(b"PK\x03\x04\x00\x00\x00\x08\x00\x00binary spreadsheet")
    with pytest.raises(DecodeProblem):
        decode_bytes(b"abc", "no-such-codec")


def test_sniffing_ignores_delimiters_in_quotes_and_blank_lines() -> None:
    assert sniff_delimiter('\n\n"a;b;c;d",x,y\n1;2;3;4;5;6\n') == ","
    assert sniff_delimiter("name\tmembers\tcategory\n") == "\t"
    assert sniff_delimiter("name;members;tags\n") == ";"
    assert sniff_delimiter("name\n") == ","
