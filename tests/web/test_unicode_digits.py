"""Digits other than 0–9 in a query (², ٣) are refused like any other non-number: Python's
`str.isdigit` accepts them but `int()` does not, and the pages answered with a 500."""

from __future__ import annotations

import pytest

from tests.web.review.test_review_pages import HTML


@pytest.mark.parametrize("digits", ["²", "1²", "٣"])
@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("unit", "/inbox?page={}", 422),
        ("unit", "/projects?page={}", 422),
        # The rule-set page shows the latest year when asked for one it cannot read.
        ("performance", "/rule-sets?year={}", 200),
    ],
)
def test_a_page_refuses_digits_it_cannot_count(login, role, path, status, digits):
    response = login(role).get(path.format(digits), headers=HTML)
    assert response.status_code == status
