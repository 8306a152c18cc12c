"""`budgetloop calendar`: list, export, import — a file exported comes back in unchanged, a
mistake is refused naming where it is, and nothing is stored."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from engine.models import PolicySetting


def _versions(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).where(PolicySetting.key == "working_calendar"))


def test_list_export_and_import_a_calendar(budgetloop, sessions, tmp_path):
    code, out, _ = budgetloop("calendar", "list")
    assert code == 0
    assert "2026 national" in out and "国务院办公厅关于2026年部分节假日安排的通知" in out
    code, out, _ = budgetloop("calendar", "export", "2026")
    assert code == 0
    exported = json.loads(out)
    assert exported["holidays"][-1] == {"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}
    exported["holidays"].append({"name": "调整", "from": "2026-12-31", "to": "2026-12-31"})
    path = tmp_path / "2026.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    code, out, _ = budgetloop("calendar", "import", str(path))
    assert code == 0
    assert "version 2: 34 holiday days, 6 adjusted working days" in out
    assert "v2" in budgetloop("calendar", "list")[1]


def test_a_mistake_is_refused_naming_each_place_and_nothing_is_stored(
    budgetloop, sessions, tmp_path
):
    before = _versions(sessions)
    exported = json.loads(budgetloop("calendar", "export", "2026")[1])
    exported["holidays"][-1]["to"] = "2026-10-37"
    exported["workdays"][0]["date"] = "2026-01-05"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    code, _, err = budgetloop("calendar", "import", str(path))
    assert code == 2
    assert "holidays[6].to (国庆节): '2026-10-37' is not a date" in err
    assert "workdays[0].date (元旦): 2026-01-05 is a weekday" in err
    path.write_text('{"year": 2026,\n "holidays": [}', encoding="utf-8")
    code, _, err = budgetloop("calendar", "import", str(path))
    assert code == 2 and "line 2" in err
    code, _, err = budgetloop("calendar", "export", "2031")
    assert code == 2 and "no calendar for 2031" in err
    assert _versions(sessions) == before
