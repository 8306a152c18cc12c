"""Downloads name their file safely: whatever a person called it, the Content-Disposition
header carries a plain ASCII `filename` and the exact name as `filename*` (RFC 6266)."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from tests.web.workflow.test_processes_api import DATA, DEFINITIONS, _upload, tokens  # noqa: F401
from web.downloads import attachment_disposition


@pytest.mark.parametrize(
    ("name", "plain", "exact"),
    [
        ("review.bpmn", "review.bpmn", "review.bpmn"),
        ("审批流程.bpmn", ".bpmn", "审批流程.bpmn"),
        ('a"b;c.bpmn', "abc.bpmn", 'a"b;c.bpmn'),
        ("x\r\nSet-Cookie: y.bpmn", "xSet-Cookie: y.bpmn", "xSet-Cookie: y.bpmn"),
        ("../../etc/passwd", "passwd", "passwd"),
        ("", "download", "download"),
    ],
)
def test_the_header_names_the_file_and_nothing_else(name, plain, exact):
    header = attachment_disposition(name)
    assert "\r" not in header and "\n" not in header
    kind, options = parse_options_header(header)
    assert kind == "attachment"
    assert options["filename"] == exact
    assert header.count('"') == 2 and f'filename="{plain}"' in header


def test_a_deployed_file_with_a_chinese_name_downloads_under_that_name(
    client,
    tokens,  # noqa: F811
):
    shipped = sorted(DEFINITIONS.glob("*.bpmn")) + sorted(DEFINITIONS.glob("*.dmn"))
    assert _upload(client, tokens["performance"], *shipped).status_code == 201
    name = '三级审核"v2";.bpmn'
    deployed = _upload(
        client, tokens["performance"], DATA / "review_three_levels.bpmn", names=[name]
    )
    assert deployed.status_code == 201, deployed.json
    listed = client.get(
        "/api/v1/process-definitions/", headers={"Authorization": f"Bearer {tokens['unit']}"}
    ).json
    [row] = [r for r in listed if r["key"] == "review" and r["version"] == 2]
    source = client.get(
        f"/api/v1/process-definitions/{row['id']}/source",
        headers={"Authorization": f"Bearer {tokens['unit']}"},
    )
    assert source.status_code == 200
    header = source.headers["Content-Disposition"]
    _kind, options = parse_options_header(header)
    # As stored (the multipart parser may already have cut the name at its quote).
    assert options["filename"] == row["file_name"] and row["file_name"].startswith("三级审核")
    assert "filename*=UTF-8''" in header
