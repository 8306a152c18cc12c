"""A working calendar file: what the performance division types from the State Council's
notice, checked entry by entry, every problem named where it is."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.calendar_file import MAX_FILE_BYTES, decode, parse, shipped
from engine.errors import InvalidInput, TooLarge

GOOD = {
    "year": 2026,
    "source": "国务院办公厅关于2026年部分节假日安排的通知",
    "holidays": [
        {"name": "中秋节", "from": "2026-09-25", "to": "2026-09-27"},
        {"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"},
    ],
    "workdays": [{"date": "2026-09-20", "for": "国庆节"}, {"date": "2026-10-10", "for": "国庆节"}],
}


def problems(source, **kwargs) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse(source, **kwargs)
    assert caught.value.key == "calendar_invalid"
    return {p["at"]: p["key"] for p in caught.value.errors["problems"]}


def test_a_notice_typed_as_a_file_gives_its_days():
    calendar = parse(GOOD)
    assert len(calendar.holiday_dates()) == 10
    assert calendar.workday_dates() == {date(2026, 9, 20), date(2026, 10, 10)}
    assert calendar.holiday_named(date(2026, 10, 3)) == "国庆节"
    assert calendar.holiday_named(date(2026, 10, 8)) is None
    # What is stored is the file again: a download gives back what was saved.
    assert parse(calendar.body()) == calendar


def test_the_shipped_national_calendars_are_the_state_councils_notices():
    by_year = {calendar.year: calendar for calendar in shipped()}
    assert {2025, 2026} <= set(by_year)
    national_day = [h for h in by_year[2026].holidays if h.name == "国庆节"][0]
    assert (national_day.first, national_day.last) == (date(2026, 10, 1), date(2026, 10, 7))
    assert by_year[2026].workday_dates() == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    # 2026: 春节 nine days (15–23 February), 33 holiday days in all.
    assert len(by_year[2026].holiday_dates()) == 33
    assert date(2025, 10, 8) in by_year[2025].holiday_dates()
    assert date(2025, 10, 11) in by_year[2025].workday_dates()


@pytest.mark.parametrize(
    ("change", "at", "key"),
    [
        (lambda c: c["holidays"][1].update(to="2026-10-37"), "holidays[1].to", "date"),
        (
            lambda c: c["holidays"][1].update({"from": "2027-10-01"}),
            "holidays[1].from",
            "not_in_year",
        ),
        (lambda c: c["holidays"][1].update(to="2026-09-30"), "holidays[1].to", "before_from"),
        (lambda c: c["holidays"][1].update({"from": "2026-09-26"}), "holidays[1]", "overlap"),
        (lambda c: c["holidays"][0].update(name=" "), "holidays[0].name", "required"),
        (lambda c: c["holidays"][0].update(name="节" * 41), "holidays[0].name", "too_long"),
        (lambda c: c["holidays"][0].update(days=3), "holidays[0].days", "unknown_key"),
        (lambda c: c["workdays"][0].update(date="2026-09-21"), "workdays[0].date", "weekday"),
        (lambda c: c["workdays"][0].update(date="2026-09-26"), "workdays[0].date", "in_holiday"),
        (lambda c: c["workdays"][1].update(date="2026-09-20"), "workdays[1].date", "repeated"),
        (lambda c: c.update(year="2026"), "year", "year"),
        (lambda c: c.update(holidays="国庆节"), "holidays", "list"),
        (lambda c: c.update(holiday=[]), "holiday", "unknown_key"),
        (lambda c: c.update(holidays=[GOOD["holidays"][0]] * 31), "holidays", "too_many"),
        (
            lambda c: c.update(
                holidays=[{"name": "长假", "from": "2026-01-01", "to": "2026-03-01"}]
            ),
            "holidays[0].to",
            "span",
        ),
    ],
)
def test_each_mistake_is_named_where_it_is(change, at, key):
    source = json.loads(json.dumps(GOOD))
    change(source)
    assert problems(source).get(at) == key


def test_every_problem_is_reported_at_once():
    source = json.loads(json.dumps(GOOD))
    source["holidays"][0]["to"] = "2026-9-27"
    source["workdays"][1]["date"] = "2026-10-09"
    found = problems(source)
    assert found == {"holidays[0].to": "date", "workdays[1].date": "weekday"}


def test_a_file_for_another_year_is_refused_where_a_year_is_asked_for():
    assert problems(GOOD, year=2027)["year"] == "other_year"


def test_a_file_that_is_not_json_names_the_line_and_column():
    text = json.dumps(GOOD, ensure_ascii=False, indent=2).replace('"国庆节",', '"国庆节"', 1)
    with pytest.raises(InvalidInput) as caught:
        decode(text)
    assert caught.value.key == "calendar_not_json"
    # The comma is missing at the end of line 11; JSON notices at the next key, on line 12.
    assert caught.value.params["line"] == 12
    with pytest.raises(TooLarge):
        decode(" " * (MAX_FILE_BYTES + 1))


@pytest.mark.parametrize("source", [[], "2026", None, 7])
def test_a_calendar_that_is_not_an_object_is_refused(source):
    assert problems(source) == {"$": "object"}


def test_what_no_database_can_store_is_refused_and_never_echoed():
    source = json.loads(json.dumps(GOOD))
    source["holidays"][0]["name"] = "中秋\ud800"
    source["holidays"][1]["to"] = "2026-10-\x00"
    source["\x00" * 3 + "k" * 100] = 1
    with pytest.raises(InvalidInput) as caught:
        parse(source)
    problems = caught.value.errors["problems"]
    found = {p["at"]: p["key"] for p in problems}
    assert found["holidays[0].name"] == "unstorable"
    assert found["holidays[1].to"] == "date"
    assert "???" + "k" * 37 in found
    for problem in problems:
        text = json.dumps(problem, ensure_ascii=False)
        assert "\x00" not in text and "\ud800" not in text


def test_a_file_nested_thousands_deep_is_refused_not_a_crash():
    with pytest.raises(InvalidInput) as caught:
        decode("[" * 60_000)
    assert caught.value.key == "calendar_too_deep"


def test_at_most_fifty_problems_are_listed():
    source = {"year": 2026, "holidays": [], **{f"k{n}": n for n in range(500)}}
    with pytest.raises(InvalidInput) as caught:
        parse(source)
    assert len(caught.value.errors["problems"]) == 50


@pytest.mark.parametrize("typed", ["2026-W40-4", "2026-274-1", "２０２６-10-01"])
def test_a_date_is_only_yyyy_mm_dd_as_the_notice_writes_it(typed):
    # Python reads "2026-W40-4" as 1 October (an ISO week date): stored as typed, a holiday
    # would fall on days nobody meant. It is refused at its place, like any other non-date.
    source = json.loads(json.dumps(GOOD))
    source["holidays"][1]["from"] = typed
    assert problems(source) == {"holidays[1].from": "date"}


def test_an_unknown_key_shaped_like_a_place_is_named_as_typed_not_a_crash():
    # "holidays[x]" is no entry: it was read as one (int("x")) and the page answered 500;
    # "holidays[0]" was given the first holiday's name as if the entry were wrong.
    source = {**json.loads(json.dumps(GOOD)), "holidays[x]": 1, "holidays[0": 2}
    with pytest.raises(InvalidInput) as caught:
        parse(source)
    found = {p["at"]: p for p in caught.value.errors["problems"]}
    assert set(found) == {"holidays[x]", "holidays[0"}
    assert all(p["key"] == "unknown_key" and "entry" not in p for p in found.values())
