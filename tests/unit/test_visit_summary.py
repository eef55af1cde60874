"""The visit summary for every drug, from records in memory: its order, its plain words, its reading level,
its languages and its layout (SPEC §6, DOMAIN.md §1.5)."""
from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache

import pdfplumber
import pytest
import textstat

from clinic import i18n
from clinic.domain import catalog
from clinic.pdf.visit_summary import render_visit_summary, summary_blocks
from tests import summaries

DRUGS = [d.code for d in catalog.DRUGS]
PROSE = ("h2", "label", "p", "strong", "bullet")


def prose(ctx) -> str:
    """The summary's sentences; a heading or a label ends as a sentence so it is not run into the next."""
    texts = [b.text for b in summary_blocks(ctx) if b.kind in PROSE]
    text = " ".join(t if t.endswith((".", "!", "?")) else t.rstrip(":") + "." for t in texts)
    return text.replace("\u202f", " ")  # Babel's narrow no-break space before a.m./p.m. (the PDF prints a space)


@dataclass(frozen=True)
class Printed:
    """A rendered summary read back once: each page's size, words (with their boxes) and lines."""

    pages: tuple  # (width, height, words, curves)

    @property
    def texts(self) -> list[str]:
        return [" ".join(w["text"] for w in words) for _w, _h, words, _c in self.pages]


def read_back(pdf: bytes) -> Printed:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return Printed(tuple((page.width, page.height, page.extract_words(), page.curves + page.lines)
                             for page in doc.pages))


def pdf_text(pdf: bytes) -> list[str]:
    return read_back(pdf).texts


@cache
def printed(drug: str, language: str, large: bool) -> Printed:
    """An ordinary visit of `drug`, rendered and read back once for every test that looks at it."""
    return read_back(render_visit_summary(
        summaries.in_language(summaries.ordinary_visit(drug), language, large=large)))


# --- Order and content ---------------------------------------------------------------------------------------

def test_what_to_do_first_is_on_page_one_in_both_sizes_and_both_languages():
    for drug in DRUGS:
        for language, words in (("en", ("Call 911 right away", "Call us at 555-0100",
                                         "go to the nearest emergency department")),
                                ("es", ("Llame al 911 de inmediato", "Llámenos al 555-0100",
                                        "vaya a la sala de emergencias más cercana"))):
            for large in (False, True):
                first_page = printed(drug, language, large).texts[0]
                for part in words:
                    assert part in first_page, (drug, language, large, part)


def test_the_parts_come_in_the_order_of_the_spec():
    headings = [b.text for b in summary_blocks(summaries.ordinary_visit("ocrelizumab")) if b.kind == "h2"]
    assert headings == ["What to do first", "What to watch for at home", "What you were given",
                        "Reactions during your visit", "After the infusion", "Your vital signs", "Your next infusion"]


@pytest.mark.parametrize("drug", DRUGS)
def test_every_warning_sign_of_the_drug_is_printed_under_what_to_do(drug):
    ctx = summaries.ordinary_visit(drug)
    blocks = summary_blocks(ctx)
    bullets = [b.text for b in blocks if b.kind == "bullet"]
    hers = [w for w in catalog.drug_by_code(drug).warnings if w.applies_to_sex(ctx.record.patient.sex)]
    for warning in hers:
        assert warning.text in bullets
    heads = [b.text for b in blocks if b.kind == "label"]
    actions = {w.action for w in hers}
    assert ("Call 911 for:" in heads) == ("call_911" in actions)
    assert ("Call us right away at 555-0100 for:" in heads) == ("call_now" in actions)


def test_the_label_warnings_domain_lists_are_in_the_catalog():
    """DOMAIN.md §1.5, the signs the issue found missing."""
    def texts(code):
        return " ".join(w.text for w in catalog.drug_by_code(code).warnings)

    for code in ("ocrelizumab", "ocrelizumab_sc", "ublituximab", "rituximab"):
        assert all(part in texts(code) for part in ("hepatitis B", "PML", "live vaccines", "shingles"))
    assert "sores or blisters in your mouth" in texts("rituximab")
    for code in ("natalizumab", "natalizumab_sztn"):
        assert all(part in texts(code) for part in ("6 months after your last dose", "brain infection",
                                                    "Bruising easily"))
    lemtrada = texts("alemtuzumab")
    assert all(part in lemtrada for part in ("thyroid", "Yellow skin", "herpes medicine", "deli meats", "4 years"))
    assert "100.4 °F (38.0 °C)" in texts("cyclophosphamide")
    assert catalog.drug_by_code("alemtuzumab").delayed_reaction_hours == 48
    every_source = {w.source for d in catalog.DRUGS for w in d.warnings}
    assert every_source <= {"L1", "L1b", "L2", "L3", "L3b", "L4", "L5", "L6", "L7", "L8"}


def of_sex(ctx, sex):
    patient = dataclasses.replace(ctx.record.patient, sex=sex)
    return dataclasses.replace(ctx, record=dataclasses.replace(ctx.record, patient=patient))


@pytest.mark.parametrize("sex,pregnancy", [("female", True), ("other", True), ("unknown", True), (None, True),
                                           ("male", False)])
def test_the_pregnancy_sentences_follow_the_patients_sex(sex, pregnancy):
    ctx = of_sex(summaries.ordinary_visit("cyclophosphamide"), sex)
    english, spanish = prose(ctx), prose(summaries.in_language(ctx, "es"))
    assert ("Do not get pregnant." in english) == pregnancy
    assert ("No se embarace" in spanish) == pregnancy
    # DOMAIN.md §1.5 gives cyclophosphamide no sentence for men: nothing is said in its place
    assert "condom" not in english.lower() and "condon" not in spanish.lower()


def test_who_a_warning_is_for_is_catalog_data():
    cyclophosphamide = catalog.drug_by_code("cyclophosphamide")
    audiences = {w.text: w.applies_to for w in cyclophosphamide.warnings}
    assert audiences["Do not get pregnant."] == "female"
    assert all(w.applies_to == "everyone" for d in catalog.DRUGS if d.code != "cyclophosphamide"
               for w in d.warnings)
    again = type(cyclophosphamide).from_dict(cyclophosphamide.to_dict())
    assert again.warnings == cyclophosphamide.warnings
    old = cyclophosphamide.to_dict()
    for w in old["warnings"]:
        del w["applies_to"]  # a version saved before the field: for everyone
    assert all(w.applies_to == "everyone" for w in type(cyclophosphamide).from_dict(old).warnings)


def test_the_delayed_reaction_window_is_the_drugs():
    assert "up to 2 days after it ends" in prose(summaries.ordinary_visit("alemtuzumab"))
    assert "up to 24 hours after it ends" in prose(summaries.ordinary_visit("natalizumab"))
    edited = dataclasses.replace(summaries.ordinary_visit("natalizumab"), delayed_reaction_hours=36)
    assert "up to 36 hours after it ends" in prose(edited)
    assert "hasta 2 días después" in prose(summaries.in_language(summaries.ordinary_visit("alemtuzumab"), "es"))


def test_the_anaphylaxis_transfer_says_what_happened_in_plain_words():
    ctx = summaries.tysabri_anaphylaxis()
    text = prose(ctx)
    assert "you had swelling in the mouth or throat. It was life-threatening." in text
    assert "We gave you a shot of epinephrine (adrenaline), oxygen, and fluids through your IV." in text
    assert "You were taken to the emergency department." in text
    assert "Do not get Tysabri (natalizumab) again unless your doctor decides so." in text
    assert "Tell every doctor who treats you about this reaction." in text
    for absent in ("Epinephrine 0.3", "IM", "NC", "NS bolus", "we watched you", "due about", "After the infusion."):
        assert absent not in text, absent
    assert any(b.kind == "chart" for b in summary_blocks(ctx)), "a falling blood pressure is charted"


def test_a_transfer_without_an_alert_gives_no_next_date_nor_observation():
    ctx = summaries.ordinary_visit("ocrelizumab")
    sent = dataclasses.replace(ctx, record=dataclasses.replace(ctx.record, disposition="admitted"))
    text = prose(sent)
    assert "You were admitted to the hospital." in text
    assert "due about" not in text and "we watched you" not in text
    assert "Your care team will tell you when your next infusion is." in text


def test_an_uneventful_ocrelizumab_visit():
    ctx = summaries.ordinary_visit("ocrelizumab", reaction=False)
    text = prose(ctx)
    assert "No reactions were noted during this visit." in text
    assert "After the infusion, we watched you for 1 hour." in text
    assert "Your next infusion is due about May 18, 2027. Confirm the date with your care team." in text
    assert "A steroid medicine (methylprednisolone) to help prevent a reaction, at 9:25" in text
    assert not any(b.kind == "chart" for b in summary_blocks(ctx)), "steady readings need no chart"


def test_temperatures_are_in_fahrenheit_with_celsius():
    pages = " ".join(printed("natalizumab", "en", False).texts)
    assert "100.4 °F (38.0 °C)" in pages and "98.1 °F (36.7 °C)" in pages
    assert not re.search(r"\d °C(?! ?\))", pages.replace("\xa0", " ")), "every °C beside its °F"
    spanish = " ".join(printed("ivig", "es", False).texts)
    assert "100.4 °F (38.0 °C)" in spanish, "US patients: US numbers in Spanish too"


def test_us_letter_by_default():
    width, height, _words, _curves = printed("ivig", "en", False).pages[0]
    assert (round(width), round(height)) == (612, 792)


# --- Languages ---------------------------------------------------------------------------------------------

def test_spanish_dates_and_times_are_written_the_spanish_way():
    text = prose(summaries.in_language(summaries.ordinary_visit("ocrelizumab"), "es"))
    assert "1 de diciembre de 2026" in text and "12 de marzo de 1984" in text
    assert "Empezó a las 10:00 a.m. y terminó a las 12:00 p.m." in text and "18 de mayo de 2027" in text


def test_spanish_numbers_and_times_are_written_as_in_the_us():
    ctx = summaries.ordinary_visit("cyclophosphamide")
    record = dataclasses.replace(ctx.record, dose=Decimal("1267"))
    text = prose(summaries.in_language(dataclasses.replace(ctx, record=record), "es"))
    assert "1,267 mg" in text and "1.267" not in text and "p.m.." not in text
    assert re.search(r"\d:\d\d [ap]\.\s?m\.", text), "12-hour times"
    assert not re.search(r"\d,\d °", text), "no decimal comma in a temperature, the catalog's included"


@pytest.mark.parametrize("start_hour,end_hour,expected", [
    (13, 14, "Empezó a la 1:00 p.m. y terminó a las 2:00 p.m."),
    (12, 13, "Empezó a las 12:00 p.m. y terminó a la 1:00 p.m."),
    (13, 13, "Empezó a la 1:00 p.m. y terminó a la 1:30 p.m."),
    (10, 11, "Empezó a las 10:00 a.m. y terminó a las 11:00 a.m."),
])
def test_one_oclock_is_singular_in_spanish(start_hour, end_hour, expected):
    ctx = summaries.ordinary_visit("ocrelizumab")
    tz = ctx.tz
    day = ctx.record.started_at.astimezone(tz)
    start = day.replace(hour=start_hour, minute=0)
    end = day.replace(hour=end_hour, minute=30 if start_hour == end_hour else 0)
    onset = day.replace(hour=13, minute=18)
    reaction = dataclasses.replace(ctx.record.reactions[0], onset_at=onset, resolved_at=onset + timedelta(minutes=5))
    record = dataclasses.replace(ctx.record, started_at=start, ended_at=end, reactions=(reaction,))
    spanish = prose(summaries.in_language(dataclasses.replace(ctx, record=record), "es"))
    assert expected in spanish
    assert "A la 1:18 p.m., tuvo" in spanish and "A las 1:" not in spanish
    english = prose(dataclasses.replace(ctx, record=record))
    assert "At 1:18 PM, you had" in english


def test_a_drug_whose_brand_is_its_generic_name_is_named_once_as_a_name():
    text = prose(summaries.ordinary_visit("cyclophosphamide"))
    assert re.search(r"(^|\. )Cyclophosphamide, [\d,]+ mg\.", text)
    assert "cyclophosphamide (cyclophosphamide)" not in text.lower()
    assert ". cyclophosphamide" not in text


def test_the_patients_sheet_has_no_record_fingerprint():
    ctx = summaries.ordinary_visit("ocrelizumab")
    for language in ("en", "es"):
        pages = " ".join(read_back(render_visit_summary(summaries.in_language(ctx, language))).texts)
        assert "fingerprint" not in pages.lower() and "huella" not in pages.lower()
        assert "3f9c" not in pages


@pytest.mark.parametrize("minutes,english,spanish", [
    (30, "for 30 minutes.", "en observación 30 minutos."),
    (60, "for 1 hour.", "en observación 1 hora."),
    (89, "for 89 minutes.", "en observación 89 minutos."),
    (90, "for about 1 and a half hours.", "cerca de 1 hora y media."),
    (122, "for about 2 hours.", "unas 2 horas."),
    (155, "for about 2 and a half hours.", "unas 2 horas y media."),
])
def test_a_long_observation_is_said_in_hours(minutes, english, spanish):
    ctx = summaries.ordinary_visit("ocrelizumab", reaction=False)
    record = dataclasses.replace(ctx.record, discharged_at=ctx.record.ended_at + timedelta(minutes=minutes))
    ctx = dataclasses.replace(ctx, record=record)
    assert f"After the infusion, we watched you {english}" in prose(ctx)
    assert spanish in prose(summaries.in_language(ctx, "es"))


ENGLISH_WORDS = re.compile(r"\b(the|you|your|and|with|was|were|call|when|after|before|not|get|this|it|at|"
                           r"of|to|for|or|if|we|us)\b", re.IGNORECASE)


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("drug", DRUGS)
def test_no_english_sentence_is_left_in_a_spanish_summary(drug, large):
    """Every sentence of the summary comes from the catalog: none of the English ones, nor any common English
    word, is left in the Spanish PDF (names, the drug and the nurse's name aside)."""
    ctx = summaries.ordinary_visit(drug)
    spanish = " ".join(printed(drug, "es", large).texts)
    english = {b.text for b in summary_blocks(ctx) if b.kind in PROSE}
    assert not [s for s in english if len(s.split()) > 2 and s in spanish]
    names = "|".join(map(re.escape, ("Chairside Infusion Center", "Maria Lopez", "Nora Reyes", "MRN-20417",
                                     ctx.record.drug_brand, ctx.record.drug_generic)))
    assert not ENGLISH_WORDS.findall(re.sub(names, " ", spanish))


def test_every_sentence_has_its_spanish_translation_and_the_compiled_catalog_is_current():
    """The catalogs under clinic/translations/ cover every message the code marks (`make translations`)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    root = i18n.TRANSLATIONS_DIR.parent.parent
    method_map = [("clinic/pdf/visit_summary.py", "python"), ("clinic/domain/plain_language.py", "python"),
                  ("clinic/domain/drug_data.py", "python"), ("**", "ignore")]
    keywords = {"_": None, "N_": None, "plural": (1, 2), "warn": (2,), "NP_": ((1, "c"), 2), "timed": None,
                "to_patient": None}
    marked = {m[2] if isinstance(m[2], str) else tuple(m[2])[0]
              for m in extract_from_dir(str(root), method_map, keywords=keywords)}
    for code in i18n.languages()[1:]:
        folder = i18n.TRANSLATIONS_DIR / code / "LC_MESSAGES"
        with open(folder / "messages.po", "rb") as f:
            po = read_po(f)
        with open(folder / "messages.mo", "rb") as f:
            mo = read_mo(f)
        translated = {m.id for m in po if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple)
                                                                       else (m.string,))}
        translated = {m if isinstance(m, str) else m[0] for m in translated}
        assert not marked - translated, code
        def pairs(catalog):
            return {(m.context, _key(m.id)): _key(m.string) for m in catalog if m.id}

        assert pairs(po) == pairs(mo), (
            f"{code}: messages.mo is older than messages.po: run `make translations`")
        assert "Glossary" in po.header_comment and "sala de emergencias" in po.header_comment


def _key(value):
    return value if isinstance(value, str) else tuple(value)


def test_spanish_says_it_plainly_and_neutrally():
    transfer = prose(summaries.in_language(summaries.tysabri_anaphylaxis(), "es"))
    assert "La llevaron a la sala de emergencias." in transfer and "Del centro" not in transfer, "Maria"
    his = prose(summaries.in_language(of_sex(summaries.tysabri_anaphylaxis(), "male"), "es"))
    assert "Lo llevaron a la sala de emergencias." in his
    assert "You were taken to the emergency department." in prose(summaries.tysabri_anaphylaxis())
    assert "Le salen moretones con facilidad" in transfer and "Moretones fáciles" not in transfer
    ordinary = prose(summaries.in_language(summaries.ordinary_visit("ocrelizumab"), "es"))
    assert "Su próxima infusión debe ser alrededor del 18 de mayo de 2027." in ordinary
    assert "toca" not in ordinary and "más o menos" not in ordinary


def test_languages_come_from_the_catalogs():
    assert i18n.languages() == ("en", "es")
    assert i18n.language_choices() == [("en", "English"), ("es", "Spanish (español)")]
    assert i18n.choose_language(None, "es") == "es"
    assert i18n.choose_language("en", "es") == "en"
    assert i18n.choose_language("fr", "es-MX") == "es"
    assert i18n.choose_language(None, "fr") == "en"


# --- Reading level ------------------------------------------------------------------------------------------

def sentences(ctx) -> str:
    """The summary's sentences without its headings (short lines that would flatter the score)."""
    return " ".join(b.text for b in summary_blocks(ctx) if b.kind in ("p", "strong", "bullet"))


def reading_level(drug: str, language: str) -> float:
    textstat.set_lang(language)
    text = sentences(summaries.in_language(summaries.ordinary_visit(drug), language))
    return textstat.flesch_kincaid_grade(text) if language == "en" else textstat.fernandez_huerta(text)


@pytest.mark.parametrize("drug", DRUGS)
def test_english_reads_at_grade_8_or_below(drug):
    assert reading_level(drug, "en") <= 8


@pytest.mark.parametrize("drug", DRUGS)
def test_spanish_reads_at_fernandez_huerta_70_or_above(drug):
    assert reading_level(drug, "es") >= 70


def test_the_anaphylaxis_summary_reads_plainly_too():
    textstat.set_lang("en")
    assert textstat.flesch_kincaid_grade(sentences(summaries.tysabri_anaphylaxis())) <= 8
    textstat.set_lang("es")
    assert textstat.fernandez_huerta(sentences(summaries.in_language(summaries.tysabri_anaphylaxis(), "es"))) >= 70


# --- Layout ------------------------------------------------------------------------------------------------

def overlaps(words) -> list:
    """Pairs of words whose boxes cross (a hair of tolerance for touching edges)."""
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5):
                found.append((a["text"], b["text"]))
    return found


def layout_problems(result: Printed) -> list:
    problems = []
    for number, (width, height, words, curves) in enumerate(result.pages, start=1):
        for w in words:
            if w["x0"] < 0 or w["top"] < 0 or w["x1"] > width or w["bottom"] > height:
                problems.append((number, "outside the page", w["text"]))
        problems += [(number, "overlap", pair) for pair in overlaps(words)]
        for curve in curves:  # the chart's lines stay inside the page too
            if curve["x0"] < 0 or curve["x1"] > width or curve["top"] < 0 or curve["bottom"] > height:
                problems.append((number, "line outside the page", curve["x0"]))
    return problems


CASES = [(drug, language, large) for drug in DRUGS for language in ("en", "es") for large in (False, True)]


VITALS_ROWS = {"en": ("Your vital signs", "Blood", "Heart rate"),  # a name may wrap: its first word
               "es": ("Sus signos vitales", "Presión", "Pulso")}


def vitals_start_together(result: Printed, language: str) -> bool:
    """The vitals' heading is on the page of the table's header and its first two rows (never the heading,
    the header and one row at a page's foot)."""
    heading, *rows = VITALS_ROWS[language]
    page = next(t for t in result.texts if heading in t)
    return all(row in page.split(heading, 1)[1] for row in rows)


@pytest.mark.parametrize("drug,language,large", CASES)
def test_every_summary_fits_its_pages_without_overlaps(drug, language, large):
    result = printed(drug, language, large)
    assert layout_problems(result) == []
    assert len(result.pages) <= (3 if large else 2)
    assert vitals_start_together(result, language)


@pytest.mark.parametrize("language,large", [("en", False), ("en", True), ("es", False), ("es", True)])
def test_the_anaphylaxis_summary_and_its_chart(language, large):
    result = read_back(render_visit_summary(
        summaries.in_language(summaries.tysabri_anaphylaxis(), language, large=large)))
    assert layout_problems(result) == []
    assert len(result.pages) <= (3 if large else 2)
    assert vitals_start_together(result, language)
    assert any(len(curves) >= 3 for _w, _h, _words, curves in result.pages), "the chart is drawn"


def test_every_chart_line_stays_inside_its_axes():
    """The lowest reading (a diastolic 48) is drawn above the chart's floor, the highest below its top."""
    from clinic.pdf.visit_summary import Words, _chart

    ctx = summaries.tysabri_anaphylaxis()
    for large in (False, True):
        drawing = _chart(dataclasses.replace(ctx, large_print=large), Words(ctx), ctx.record.vitals)
        plot = next(item for item in drawing.contents if item.__class__.__name__ == "LinePlot")
        values = [y for line in plot.data for _x, y in line]
        assert plot.yValueAxis.valueMin < min(values) and max(values) < plot.yValueAxis.valueMax
        times = [x for line in plot.data for x, _y in line]
        assert plot.xValueAxis.valueMin <= min(times) and max(times) <= plot.xValueAxis.valueMax


def test_the_chart_tells_its_lines_apart_in_black_and_white_and_names_its_units():
    from clinic.pdf.visit_summary import Words, _chart

    ctx = summaries.tysabri_anaphylaxis()
    drawing = _chart(ctx, Words(ctx), ctx.record.vitals)
    plot = next(item for item in drawing.contents if item.__class__.__name__ == "LinePlot")
    dashes = [plot.lines[i].strokeDashArray for i in range(len(plot.data))]
    assert dashes[0] is None and dashes[1] and dashes[2] and dashes[1] != dashes[2], "top solid, others dashed"
    strings = [item.text for item in drawing.contents if item.__class__.__name__ == "String"]
    assert "mmHg (blood pressure) or beats a minute" in strings
    pages = " ".join(read_back(render_visit_summary(ctx)).texts)
    assert "mmHg (blood pressure) or beats a minute" in pages


@pytest.mark.parametrize("language,words", [("en", ("page 1 of 2", "Maria Lopez — Chairside Infusion Center — page 2 of 2")),
                                            ("es", ("página 1 de 2", "Maria Lopez — Chairside Infusion Center — página 2 de 2"))])
def test_every_page_says_page_n_of_m_and_the_later_ones_the_patients_name(language, words):
    first, later = words
    texts = printed("natalizumab", language, False).texts
    assert len(texts) == 2
    assert first in texts[0] and "Maria Lopez —" not in texts[0]
    assert later in texts[1]


def test_bullets_read_back_as_bullets():
    text = printed("ocrelizumab", "en", False).texts[0]
    assert text.count("•") >= 5 and "(cid:" not in text


def test_the_lowest_or_highest_column_only_when_a_reading_stood_apart():
    steady = " ".join(printed("ocrelizumab", "en", False).texts)
    assert "Lowest or highest" not in steady and "At the start" in steady and "At the end" in steady
    moved = " ".join(read_back(render_visit_summary(summaries.tysabri_anaphylaxis())).texts)
    assert "Lowest or highest" in moved and "Lowest: 78/48" in moved and "Highest: 124 a minute" in moved
