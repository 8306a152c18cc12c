"""UNIQUE decision tables must not hide overlapping rules: every overlapping pair is named."""

from __future__ import annotations

import pytest

from bpmn.dmn_overlap import (
    MAX_OVERLAPS,
    Overlap,
    TooManyComparisons,
    find_overlaps,
    has_catch_all,
)

GRADES = ["score"]

# (columns, rules, expected overlapping pairs, fragments the reason of the first pair contains)
CASES = {
    "grades exclusive": (
        GRADES,
        [[">= 90"], ["80 <= ? < 90"], ["60 <= ? < 80"], ["< 60"]],
        [],
        [],
    ),
    "grades overlap at 90": (
        GRADES,
        [[">= 90"], ["80 <= ? <= 90"], ["60 <= ? < 80"], ["< 60"]],
        [(1, 2)],
        ["rules 1 and 2 both match score = 90", "column 'score': '>= 90' and '80 <= ? <= 90'"],
    ),
    "grades with and-form": (
        GRADES,
        [[">= 90"], ["? >= 80 and ? < 90"], ["? < 80"]],
        [],
        [],
    ),
    "grades with <= 90 in row 2": (
        GRADES,
        [[">= 90"], ["<= 90"]],
        [(1, 2)],
        ["score = 90", "'>= 90' and '<= 90'"],
    ),
    "open and closed ends at 90": (GRADES, [["< 90"], ["== 90"], ["> 90"]], [], []),
    "interval or its outside": (
        GRADES,
        [["? < 0 or ? > 100"], ["0 <= ? <= 100"], ["not ? >= 0"]],
        [(1, 3)],
        ["rules 1 and 3 both match score = -1"],
    ),
    "strings with a dash": (
        ["grade"],
        [['"A"'], ['"B"'], ["-"]],
        [(1, 3), (2, 3)],
        ["grade = 'A'", "column 'grade': '\"A\"' and '-'"],
    ),
    "distinct strings": (["grade"], [['"A"'], ['"B"'], ["'C'"]], [], []),
    "same string twice": (["grade"], [['"A"'], ["== 'A'"]], [(1, 2)], ["grade = 'A'"]),
    "in list vs member": (["code"], [["in ['a','b']"], ["'b'"]], [(1, 2)], ["code = 'b'"]),
    "in list vs non-member": (["code"], [["in ['a','b']"], ["'c'"]], [], []),
    "not-equal vs the same string": (["code"], [["!= 'a'"], ["'a'"]], [], []),
    "not-equal vs another string": (
        ["code"],
        [["!= 'a'"], ["'b'"]],
        [(1, 2)],
        ["code = 'b'", "'!= 'a'' and ''b''"],
    ),
    "not in vs member": (["code"], [["not in ('a', 'b')"], ["== 'b'"], ['"a"']], [], []),
    "number is not a string": (["code"], [["5"], ['"5"']], [], []),
    "number inequality holds for strings": (["code"], [["!= 5"], ['"x"']], [(1, 2)], ["'x'"]),
    "ordering never matches a string": (["code"], [["> 5"], ['"x"']], [], []),
    "two inequalities": (["code"], [["!= 5"], ["!= 6"]], [(1, 2)], []),
    "member lists": (["n"], [["in [1, 2, 3]"], ["not in [1, 2, 3]"], ["2.0"]], [(1, 3)], ["n = 2"]),
    "multi-column: region separates": (
        ["region", "amount"],
        [['"North"', "> 100"], ['"North"', "<= 100"], ['"South"', "-"]],
        [],
        [],
    ),
    "multi-column: amount separates": (
        ["region", "amount"],
        [["-", "< 1000"], ['"North"', ">= 1000"], ["-", "1000"]],
        [(2, 3)],
        ["region = 'North', amount = 1000", "column 'amount': '>= 1000' and '1000'"],
    ),
    "multi-column: overlap in both": (
        ["region", "amount"],
        [['"North"', ">= 100"], ["-", "100"]],
        [(1, 2)],
        ["both match region = 'North', amount = 100"],
    ),
    "unknown cell is named": (
        ["name"],
        [["foo(x)"], ['"a"']],
        [(1, 2)],
        [
            "rules 1 and 2 cannot be shown to exclude each other",
            "column 'name' cell 'foo(x)' is not a comparison",
        ],
    ),
    "unknown cell but another column separates": (
        ["name", "amount"],
        [["foo(x)", "< 0"], ["limit", ">= 0"]],
        [],
        [],
    ),
    "FEEL range and a comparison exclusive": (GRADES, [["[10..30]"], ["> 30"]], [], []),
    "FEEL range shares its closed end": (
        GRADES,
        [["[10..30]"], [">= 30"]],
        [(1, 2)],
        ["score = 30", "column 'score': '[10..30]' and '>= 30'"],
    ),
    "FEEL open ends do not meet": (
        GRADES,
        [["[0..60["], ["[60..80)"], ["]80..100]"], ["(100..200)"], ["80"]],
        [],
        [],
    ),
    "FEEL open range vs a point inside": (GRADES, [["(0..10)"], ["5"]], [(1, 2)], ["score = 5"]),
    "FEEL not() of a range": (
        GRADES,
        [["not([0..100])"], ["[0..100]"], ["< 0"]],
        [(1, 3)],
        ["rules 1 and 3 both match score = -1"],
    ),
    "FEEL text range is unknown": (
        ["name"],
        [['["a".."m"]'], ['"z"']],
        [(1, 2)],
        ['cell \'["a".."m"]\' orders texts'],
    ),
    "unknown: membership in the input": (
        ["allergies"],
        [['"PEANUTS" in ?'], ['"PEANUTS" not in ?']],
        [(1, 2)],
        ["cell '\"PEANUTS\" in ?'", "cell '\"PEANUTS\" not in ?'"],
    ),
    "FEEL list shares a member": (
        ["name"],
        [['"a", "b"'], ['"a"']],
        [(1, 2)],
        ["rules 1 and 2 both match name = 'a'"],
    ),
    "FEEL lists without common members": (
        ["RiskCategory"],
        [['"Medium","Low"'], ['"High"'], ['not("Medium", "Low", "High")']],
        [],
        [],
    ),
    "FEEL not() holds for what it does not list": (
        ["RiskCategory"],
        [['not("High")'], ['"Low"']],
        [(1, 2)],
        ["RiskCategory = 'Low'"],
    ),
    "FEEL true and false are exclusive": (["isAffordable"], [["true"], ["false"]], [], []),
    "FEEL true and a dash": (
        ["isAffordable"],
        [["true"], ["-"]],
        [(1, 2)],
        ["rules 1 and 2 both match isAffordable = true (column 'isAffordable': 'true' and '-')"],
    ),
    "FEEL true is not the number 1": (["flag"], [["true"], ["1"], ["false"], ["0"]], [], []),
    "FEEL null and a value": (["x"], [["null"], ['"a"'], ["5"]], [], []),
    "FEEL null and not()": (["x"], [["null"], ['not("a")']], [(1, 2)], ["x = null"]),
    "FEEL comparisons never match null": (["x"], [["null"], ["< 5"], ["not(< 5)"]], [], []),
    "Python True matches what 1 matches": (
        ["flag"],
        [["== 1"], ["true"]],
        [(1, 2)],
        ["flag = true"],
    ),
    "a misread Python cell is unknown": (
        ["name"],
        [['"a", b'], ['"c"']],
        [(1, 2)],
        ["cell '\"a\", b' a comma list is FEEL"],
    ),
    "float boundary 0.3 is exact": (["rate"], [["< 0.3"], [">= 0.3"]], [], []),
    "float boundary 0.3 shared": (["rate"], [["<= 0.3"], [">= 0.3"]], [(1, 2)], ["rate = 0.3"]),
    "float between": (["rate"], [["> 0.3"], ["< 0.4"]], [(1, 2)], ["rate = 0.31"]),
    "only a Decimal lies between adjacent floats": (
        ["rate"],
        [["> 0.3"], ["< 0.30000000000000004"]],
        [(1, 2)],
        ["rate = 0.30000000000000001"],
    ),
    # A float input counts as the decimal it is written as: 0.1 is not 0.1000000000000000001.
    "decimals differing past a float's precision": (
        ["rate"],
        [["== 0.1"], ["0.1000000000000000001"]],
        [],
        [],
    ),
    "Python float and FEEL decimal equal": (["rate"], [["== 0.1"], ["0.10"]], [(1, 2)], []),
    "int and float equal": (["n"], [["1.0"], ["1"]], [(1, 2)], ["n = 1"]),
    "negative numbers exclusive": (
        ["delta"],
        [["< -5"], ["-5"], ["> -5"], ["-10 <= ? < -5"]],
        [(1, 4)],
        ["delta = -10"],
    ),
    "negative numbers overlap": (["delta"], [["<= -5"], ["-5"]], [(1, 2)], ["delta = -5"]),
    "booleans": (["flag"], [["True"], ["False"]], [], []),
    "boolean and dash": (["flag"], [["True"], ["-"]], [(1, 2)], ["flag = True"]),
    # Python's False == 0, but FEEL's 0 matches only the number: they share just 0.
    "boolean equals one": (["flag"], [["== False"], ["0"], ["True"]], [(1, 2)], ["flag = 0"]),
    "None is not a string": (["x"], [["is None"], ['"None"'], ["None"]], [(1, 3)], ["x = None"]),
    "catch-alls match everything": (
        ["a", "b"],
        [["-", None], ["", "-"]],
        [(1, 2)],
        ["rules 1 and 2 both match every input"],
    ),
    "missing cells mean any": (["a", "b"], [['"x"'], ['"x"', "1"]], [(1, 2)], []),
    "no rules": (["a"], [], [], []),
    "a rule no value satisfies overlaps nothing": (
        ["a", "b"],
        [["-", "? > 5 and ? < 1"], ["-", "-"], ["in []", "1"]],
        [],
        [],
    ),
}


@pytest.mark.parametrize(
    ("columns", "rules", "pairs", "fragments"), list(CASES.values()), ids=list(CASES)
)
def test_find_overlaps(columns, rules, pairs, fragments):
    overlaps = find_overlaps(columns, rules)

    assert [(o.first, o.second) for o in overlaps] == pairs
    for fragment in fragments:
        assert fragment in overlaps[0].reason
    for overlap in overlaps:
        assert overlap.reason.startswith(f"rules {overlap.first} and {overlap.second} ")


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([], False),
        ([[]], True),
        ([['"a"', "-"]], False),
        ([['"a"', "-"], ["-", None]], True),
        ([["", "  -  "]], True),
        ([["!= 5"]], False),
    ],
)
def test_has_catch_all(rules, expected):
    assert has_catch_all(rules) is expected


def test_overlaps_are_capped_and_in_row_order():
    rules = [["-"]] * 20

    overlaps = find_overlaps(["a"], rules)

    assert len(overlaps) == MAX_OVERLAPS
    assert overlaps[:3] == [
        Overlap(1, 2, "rules 1 and 2 both match every input"),
        Overlap(1, 3, "rules 1 and 3 both match every input"),
        Overlap(1, 4, "rules 1 and 4 both match every input"),
    ]
    assert overlaps == sorted(overlaps, key=lambda o: (o.first, o.second))
    assert len(find_overlaps(["a"], rules, limit=3)) == 3


def test_more_cells_than_columns_is_an_error():
    with pytest.raises(ValueError, match="rule 2 has 2 input cells"):
        find_overlaps(["a"], [["1"], ["2", "3"]])


def test_cells_are_never_evaluated():
    """A malicious cell is read, not run: it is merely 'unknown'."""
    cell = "__import__('os').system('exit 1')"

    (overlap,) = find_overlaps(["a"], [[cell], ["1"]])

    assert "is not a comparison" in overlap.reason


def test_two_hundred_rules_by_five_columns_are_compared_within_the_bound():
    """The work is bounded by pairs before any is compared (its speed is a benchmark's
    business, not a timed assertion here): 200 rules are 19,900 pairs, refused one below."""
    columns = ["band", "rate", "region", "kind", "code"]
    rules = [
        [f"{10 * i} <= ? < {10 * i + 10}", ">= 0.5", "in ['x', 'y']", "!= 3", f"not in [{i}]"]
        for i in range(200)
    ]

    assert find_overlaps(columns, rules, max_comparisons=19_900) == []
    with pytest.raises(TooManyComparisons):
        find_overlaps(columns, rules, max_comparisons=19_899)
