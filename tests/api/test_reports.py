"""The reaction report against a hand-computed fixture; CSV; PDFs (SPEC §7–§8)."""
import csv
import html
import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests import helpers
from tests.helpers import post


def now():
    return datetime.now(timezone.utc)


def ago(minutes):
    return (now() - timedelta(minutes=minutes)).isoformat()


def started_session(nurse, patient_id, drug, lot=None, **fields):
    return helpers.started_session(nurse, patient_id, drug, lot_number=lot, **fields)


def discharged(nurse, sid):
    post(nurse, sid, "end", {"full_dose": True, "at": ago(5)})
    post(nurse, sid, "discharge", {"early_reason": "the patient's next session is part of the fixture"})


def reaction(nurse, sid, code, grade):
    return post(nurse, sid, "reactions", {"code": code, "grade": grade, "action": "none", "onset_at": ago(30)}, 201)


@pytest.fixture
def fixture_data(api, make_patient):
    nurse = api("nurse")
    p1, p2, p3 = make_patient(), make_patient(), make_patient()
    s1 = started_session(nurse, p1.id, "natalizumab", "A")
    reaction(nurse, s1, "hives", 2)
    discharged(nurse, s1)
    started_session(nurse, p1.id, "natalizumab", "A", override=helpers.OVERRIDE)  # infusion 2, no reactions
    s3 = started_session(nurse, p2.id, "ocrelizumab", "B")
    reaction(nurse, s3, "trouble_breathing", 3)
    reaction(nurse, s3, "itching", 1)
    discharged(nurse, s3)
    nurse.post("/api/v1/sessions", json={"patient_id": p2.id, "drug": "ocrelizumab"})  # never started
    s5 = started_session(nurse, p3.id, "natalizumab")
    entry = reaction(nurse, s5, "headache", 2)
    post(nurse, s5, f"reactions/{entry['id']}/void", {"reason": "wrong session"})
    return api("supervisor")


def test_report_figures_match_the_hand_computed_fixture(fixture_data):
    report = fixture_data.get("/api/v1/reports/reactions").get_json()
    assert (report["infusions"], report["infusions_with_reaction"], report["reactions"], report["serious"]) == (4, 2, 3, 1)
    assert report["reaction_rate"] == 50.0 and report["reactions_per_100"] == 75.0
    by_drug = {row["drug"]: row for row in report["by_drug"]}
    assert (by_drug["natalizumab"]["infusions"], by_drug["natalizumab"]["infusions_with_reaction"],
            by_drug["natalizumab"]["reactions"], by_drug["natalizumab"]["reaction_rate"]) == (3, 1, 1, 33.3)
    assert (by_drug["ocrelizumab"]["infusions"], by_drug["ocrelizumab"]["reactions"],
            by_drug["ocrelizumab"]["serious"]) == (1, 2, 1)
    assert sorted((r["code"], r["count"]) for r in report["by_reaction"]) == [
        ("hives", 1), ("itching", 1), ("trouble_breathing", 1)]
    by_number = {row["key"]: row for row in report["by_infusion_number"]}
    assert (by_number["first"]["infusions"], by_number["first"]["infusions_with_reaction"],
            by_number["first"]["reactions"]) == (3, 2, 3)
    assert (by_number["second"]["infusions"], by_number["second"]["reactions"]) == (1, 0)
    by_lot = {row["lot"]: row for row in report["by_lot"]}
    assert (by_lot["A"]["infusions"], by_lot["A"]["reactions"]) == (2, 1)
    assert (by_lot["B"]["infusions"], by_lot["B"]["reactions"], by_lot["B"]["serious"]) == (1, 2, 1)
    assert sum(p["infusions"] for p in report["over_time"]) == 4


def test_report_filters_by_drug_and_range(fixture_data):
    only = fixture_data.get("/api/v1/reports/reactions?drug=ocrelizumab").get_json()
    assert (only["infusions"], only["reactions"]) == (1, 2)
    past = fixture_data.get("/api/v1/reports/reactions?from=2020-01-01&to=2020-01-31").get_json()
    assert past["infusions"] == 0 and past["reaction_rate"] == 0.0
    bad = fixture_data.get("/api/v1/reports/reactions?from=2020-02-01&to=2020-01-01")
    assert bad.status_code == 422


def test_an_unknown_drug_is_refused_naming_the_field(fixture_data, api, login):
    response = api("supervisor").get("/api/v1/reports/reactions?drug=nope")
    assert response.status_code == 422 and "drug" in response.get_json()["error"]["fields"]
    page = login("supervisor").get("/reports/?drug=nope").get_data(as_text=True)
    assert "is not a drug in the catalog" in page


def test_csv_parses_with_a_header_row(fixture_data):
    response = fixture_data.get("/api/v1/reports/reactions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["section", "key", "label", "infusions"]
    total = next(r for r in rows if r[0] == "total")
    assert total[3:5] == ["4", "2"]


def test_report_page_and_pdf_for_supervisors_only(fixture_data, login):
    web = login("supervisor")
    page = web.get("/reports/").get_data(as_text=True)
    assert "Infusions with a reaction" in page and "<svg" in page and "Download CSV" in page
    pdf = web.get("/reports/reactions.pdf")
    assert pdf.status_code == 200
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Reaction report" in text or "reaction report" in text
    assert login("nurse").get("/reports/").status_code == 403


def test_ae_draft_for_a_serious_session(fixture_data, api, login, make_patient):
    nurse = api("nurse")
    sid = started_session(nurse, make_patient().id, "natalizumab", "LOT-777")
    reaction(nurse, sid, "trouble_breathing", 4)
    web = login("supervisor")
    response = web.get(f"/sessions/{sid}/adverse-event-draft.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for part in ("DRAFT", "LOT-777", "Trouble breathing or wheezing", "intravenous", "MedWatch",
                 "Prepared by Test Supervisor"):
        assert part in text, part
    onset = nurse.get(f"/api/v1/sessions/{sid}").get_json()["reactions"][0]["onset_at"]
    local = datetime.fromisoformat(onset).astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f"Date of event {local}" in text, "the event began at the reaction's onset"
    assert "DRAFT" in reader.metadata.title
    plain = started_session(nurse, make_patient().id, "natalizumab")
    refused = web.get(f"/sessions/{plain}/adverse-event-draft.pdf")
    assert refused.status_code == 409 and "serious flag" in refused.get_data(as_text=True)
    assert login("nurse").get(f"/sessions/{sid}/adverse-event-draft.pdf").status_code == 403


def test_report_counts_reactions_by_grade(fixture_data):
    report = fixture_data.get("/api/v1/reports/reactions").get_json()
    # hives 2, trouble breathing 3, itching 1; the voided headache (2) counts nowhere.
    assert report["by_grade"] == [{"grade": 1, "count": 1}, {"grade": 2, "count": 1}, {"grade": 3, "count": 1},
                                  {"grade": 4, "count": 0}, {"grade": 5, "count": 0}]
    csv_rows = list(csv.reader(io.StringIO(fixture_data.get("/api/v1/reports/reactions.csv").get_data(as_text=True))))
    assert [r[1] for r in csv_rows if r[0] == "grade"] == ["1", "2", "3", "4", "5"]
    assert [r[6] for r in csv_rows if r[0] == "grade"] == ["1", "1", "1", "0", "0"]


def test_the_chart_shows_days_without_infusions_as_zero(fixture_data):
    report = fixture_data.get("/api/v1/reports/reactions").get_json()
    days = [p["period_start"] for p in report["over_time"]]
    assert len(days) == 31 and days[0] == report["from"] and days[-1] == report["to"]  # every day of 30 days
    assert sum(p["infusions"] for p in report["over_time"]) == 4
    assert sum(1 for p in report["over_time"] if p["infusions"] == 0) >= 29


def test_a_lot_written_as_a_formula_comes_out_of_the_csv_as_text(api, make_patient):
    nurse = api("nurse")
    sid = started_session(nurse, make_patient().id, "natalizumab", '=HYPERLINK("http://x")')
    reaction(nurse, sid, "hives", 1)
    supervisor = api("supervisor")
    rows = list(csv.reader(io.StringIO(supervisor.get("/api/v1/reports/reactions.csv").get_data(as_text=True))))
    lot_row = next(r for r in rows if r[0] == "lot")
    assert lot_row[1] == '\'=HYPERLINK("http://x")' and lot_row[2] == '\'=HYPERLINK("http://x")'
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_the_web_csv_and_pdf_show_grades_too(fixture_data, login):
    web = login("supervisor")
    rows = list(csv.reader(io.StringIO(web.get("/reports/reactions.csv").get_data(as_text=True))))
    assert sum(1 for r in rows if r[0] == "grade") == 5
    pdf = web.get("/reports/reactions.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "By grade (CTCAE)" in text and "Grade 3" in text and "No lot stands out" in text


def _links(page):
    return [html.unescape(href) for href in re.findall(r'href="(/reports/sessions\?[^"]+)"', page)]


def _listed(web, link):
    page = web.get(link).get_data(as_text=True)
    return sorted(int(sid) for sid in re.findall(r'href="/sessions/(\d+)"', page))


def test_every_count_on_the_page_links_to_the_sessions_behind_it(fixture_data, login, ctx):
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.models import InfusionSession

    web = login("supervisor")
    page = web.get("/reports/").get_data(as_text=True)
    links = _links(page)
    with ctx():  # the fixture's four started sessions, by lot: A (infusions 1 and 2), B, and none
        by_lot = {}
        for s in db.session.scalars(select(InfusionSession).where(InfusionSession.started_at.is_not(None))
                                    .order_by(InfusionSession.id)):
            by_lot.setdefault(s.lot_number, []).append(s.id)
    total = next(link for link in links if "reacted" not in link and "serious" not in link and "lot" not in link
                 and "drug" not in link and "infusion" not in link and "reaction" not in link and "grade" not in link)
    assert len(_listed(web, total)) == 4
    lot_b = next(link for link in links if "lot=B" in link and "reacted" not in link and "serious" not in link)
    assert _listed(web, lot_b) == by_lot["B"]
    grade_3 = next(link for link in links if "grade=3" in link)
    assert _listed(web, grade_3) == by_lot["B"]
    hives = next(link for link in links if "reaction=hives" in link)
    assert _listed(web, hives) == by_lot["A"][:1]
    serious = next(link for link in links if "serious=1" in link and "drug" not in link and "lot" not in link
                   and "infusion" not in link)
    assert _listed(web, serious) == by_lot["B"]
    no_lot = next(link for link in links if "no_lot=1" in link and "reacted" not in link)
    assert _listed(web, no_lot) == by_lot[None]
    second = next(link for link in links if "infusion=second" in link)
    assert _listed(web, second) == by_lot["A"][1:]
    assert "grade=4" not in page, "a zero has no sessions to link to"
    day_bars = [link for link in links if re.search(r"from=(\d{4}-\d\d-\d\d)&to=\1", link)]
    assert day_bars and sum(len(_listed(web, link)) for link in day_bars if "reacted" not in link) == 4


def test_the_sessions_list_says_what_it_lists_and_refuses_bad_filters(fixture_data, login):
    web = login("supervisor")
    page = web.get("/reports/sessions?drug=natalizumab&reacted=1&grade=2").get_data(as_text=True)
    assert "Drug: Tysabri" in page and "With a reaction" in page and "With a grade 2 reaction" in page
    assert "1 session" in page
    for bad in ("grade=6", "drug=nope", "infusion=fifth", "from=2026-02-01&to=2026-01-01"):
        assert web.get(f"/reports/sessions?{bad}").status_code == 422, bad
    assert login("nurse").get("/reports/sessions").status_code == 403


def test_the_lot_signal_picks_out_a_bad_lot_and_not_the_others(api, make_patient, login):
    nurse = api("nurse")
    for lot, infusions, with_reaction in (("BAD-1", 3, 3), ("GOOD-1", 12, 1), ("MEH-1", 2, 2)):
        for i in range(infusions):
            sid = started_session(nurse, make_patient().id, "natalizumab", lot)
            if i < with_reaction:
                reaction(nurse, sid, "hives", 1)
    report = api("supervisor").get("/api/v1/reports/reactions").get_json()
    (signal,) = report["lot_signals"]
    # BAD-1: 3 of 3 against 3 of 14 in the other lots: P(X ≥ 3) = (3/14)³ ≈ 0.0098.
    assert (signal["drug"], signal["lot"], signal["infusions"], signal["infusions_with_reaction"],
            signal["other_infusions"], signal["other_infusions_with_reaction"]) == ("natalizumab", "BAD-1", 3, 3, 14, 3)
    assert signal["p_value"] == pytest.approx((3 / 14) ** 3)
    web = login("supervisor")
    page = web.get("/reports/").get_data(as_text=True)
    section = page[page.index("Lot signal"):page.index("</section>", page.index("Lot signal"))]
    assert "Tysabri lot BAD-1" in section and "GOOD-1" not in section and "MEH-1" not in section
    assert "lot=BAD-1" in html.unescape(section)
    pdf = PdfReader(io.BytesIO(web.get("/reports/reactions.pdf").data))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Tysabri lot BAD-1" in text and "GOOD-1 " not in text.split("Lot signal")[1]
    rows = list(csv.reader(io.StringIO(web.get("/reports/reactions.csv").get_data(as_text=True))))
    assert [(r[1], r[3], r[4]) for r in rows if r[0] == "lot_signal"] == [("BAD-1", "3", "3")]
