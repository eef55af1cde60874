"""Shared reportlab pieces: text that is always escaped, styles by size, page footers."""
from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

PAGE_SIZES = {"letter": LETTER, "a4": A4}
MARGIN = 16 * mm


# The PDFs use the standard fonts, which have only the Windows-1252 characters: another prints as a black box.
# A narrow no-break space (Babel's, before "p.m.") becomes a no-break space: a time is never split.
_SPELLED = {"≥": ">=", "≤": "<=", "−": "-", "→": "->", "\u202f": "\u00a0"}


def _printable(character: str) -> str:
    if character in _SPELLED:
        return _SPELLED[character]
    try:
        character.encode("cp1252")
        return character
    except UnicodeEncodeError:
        plain = unicodedata.normalize("NFKC", character)  # SpO₂ -> SpO2
        try:
            plain.encode("cp1252")
            return plain
        except UnicodeEncodeError:
            return _SPELLED.get(character, character)


def printable(text: str) -> str:
    """Spell the characters the standard fonts lack with ones they have (₂ as 2, ≥ as >=)."""
    return "".join(map(_printable, text))


def safe(text) -> str:
    """Escape user text so names and notes print literally, never as reportlab markup, in characters the
    fonts have."""
    return escape(printable("" if text is None else str(text)))


def bullet_font() -> str:
    """The font the bullets are drawn in: Bitstream Vera (shipped with reportlab), embedded with its Unicode
    map, so the bullet reads back as "•" (U+2022). The standard fonts write it as code 0x7F, which text
    extraction and screen readers do not know."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if BULLET_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(BULLET_FONT, "Vera.ttf"))
    return BULLET_FONT


BULLET_FONT = "Vera"
PATIENT_MIN_PT = 11  # what patients read is never smaller (SPEC §6)


def small_size(size: float) -> float:
    """Secondary text: a little smaller, except in patients' print, where nothing goes below the base."""
    return size if size >= PATIENT_MIN_PT else max(size - 2, 8)


class Styles:
    """Paragraph styles for a base font size (11 pt normal print, 16 pt large print)."""

    def __init__(self, size: float):
        self.size = size
        small = small_size(size)
        self.body = ParagraphStyle("body", fontName="Helvetica", fontSize=size, leading=size * 1.3,
                                   spaceAfter=size * 0.3)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=small, leading=small * 1.3,
                                    textColor=colors.HexColor("#333333"))
        self.h1 = ParagraphStyle("h1", parent=self.body, fontName="Helvetica-Bold", fontSize=size * 1.6,
                                 leading=size * 1.9, spaceAfter=size * 0.4)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontName="Helvetica-Bold", fontSize=size * 1.2,
                                 leading=size * 1.5, spaceBefore=size * 0.6, spaceAfter=size * 0.2,
                                 keepWithNext=1)
        self.h2_alone = ParagraphStyle("h2_alone", parent=self.h2, keepWithNext=0)
        self.strong = ParagraphStyle("strong", parent=self.body, fontName="Helvetica-Bold")
        self.label = ParagraphStyle("label", parent=self.strong, keepWithNext=1, spaceBefore=size * 0.3)
        self.bullet = ParagraphStyle("bullet", parent=self.body, leftIndent=size * 1.2, bulletIndent=size * 0.2,
                                     bulletFontName=bullet_font(), bulletFontSize=size, bulletText="•",
                                     spaceAfter=size * 0.15)
        self.cell = ParagraphStyle("cell", parent=self.body, spaceAfter=0)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName="Helvetica-Bold")

    def p(self, text: str, style=None) -> Paragraph:
        """A paragraph of plain text (escaped)."""
        return Paragraph(safe(text), style or self.body)

    def rich(self, markup: str, style=None) -> Paragraph:
        """A paragraph whose markup is ours and whose user parts were passed through `safe`."""
        return Paragraph(markup, style or self.body)


def numbered_canvas(draw_footer):
    """A canvas class that draws each page's footer once the page count is known: `draw_footer(canvas,
    number, total)` (for "page 2 of 3")."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                draw_footer(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def footer(label: str, size: float, page_label: str = "page %(number)d"):
    """Draw '<label> — page N' at the bottom of every page (`page_label` in the document's language)."""

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", small_size(size))
        canvas.drawString(MARGIN, 9 * mm, printable(f"{label} — {page_label % {'number': doc.page}}"))
        canvas.restoreState()

    return draw
