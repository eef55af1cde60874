"""Pictures of the visit summaries in docs/summaries/ (`make summaries`, or CHAIRSIDE_SCREENS=1): for every drug,
an ordinary visit in normal and large print, in English and in Spanish (page 1); the Tysabri anaphylaxis
that ends in a transfer to the emergency department and an uneventful Ocrevus visit (every page)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from clinic.domain import catalog
from clinic.pdf.visit_summary import render_visit_summary
from tests import summaries

DOCS = Path(__file__).resolve().parents[2] / "docs"
OUT = DOCS / "summaries"

pytestmark = pytest.mark.skipif(os.environ.get("CHAIRSIDE_SCREENS") != "1",
                                reason="CHAIRSIDE_SCREENS=1 renders docs/summaries/ (make summaries)")


def picture(ctx, name: str, tmp_path: Path, *, every_page: bool = False, dpi: int = 60, gray: bool = False
            ) -> list[Path]:
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) renders the PDF"
    pdf = render_visit_summary(ctx)
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    for number in range(1, (summaries.page_count(pdf) if every_page else 1) + 1):
        target = OUT / (name if number == 1 else f"{name}-page{number}")
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile",
                        str(source), str(target)], check=True)
        made.append(shrink(target.with_suffix(".png"), gray))
    return made


def shrink(png: Path, gray: bool) -> Path:
    """A few colours are all a page of text and three chart lines use: a palette keeps the files small."""
    from PIL import Image

    with Image.open(png) as image:
        small = (image.convert("L") if gray else image.convert("RGB")).quantize(colors=16 if gray else 48)
    small.save(png, optimize=True)
    return png


@pytest.mark.parametrize("drug", [d.code for d in catalog.DRUGS])
def test_every_drug_in_both_languages_and_sizes(drug, tmp_path):
    for language in ("en", "es"):
        for large in (False, True):
            ctx = summaries.in_language(summaries.ordinary_visit(drug), language, large=large)
            # Page 1 holds no chart: grey keeps the 40 pictures small.
            made = picture(ctx, f"{drug}-{language}-{'large' if large else 'normal'}", tmp_path, gray=True)
            assert all(p.stat().st_size > 10_000 for p in made)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_anaphylaxis_transfer_and_the_uneventful_ocrevus_visit(language, tmp_path):
    for large in (False, True):
        size = "large" if large else "normal"
        anaphylaxis = summaries.in_language(summaries.tysabri_anaphylaxis(), language, large=large)
        uneventful = summaries.in_language(summaries.ordinary_visit("ocrelizumab", reaction=False), language,
                                           large=large)
        made = (picture(anaphylaxis, f"tysabri-anaphylaxis-ed-{language}-{size}", tmp_path, every_page=True, dpi=80)
                + picture(uneventful, f"ocrevus-uneventful-{language}-{size}", tmp_path, every_page=True, dpi=80))
        assert len(made) <= (6 if large else 4)
