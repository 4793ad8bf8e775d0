"""The 22 property data types: what each accepts, its canonical stored form, and what it rejects.

Canonical forms are what make equality, uniqueness and ordering work in SQL, so the exact
normalised value (and its type) is asserted, not just that a value was accepted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from resolvers.properties.datatypes import (
    DATA_TYPES,
    MAX_MULTI_ENUM,
    MAX_STRING,
    MAX_TEXT,
    MAX_URL,
    InvalidValue,
    Rules,
    format_datetime,
    normalize,
    parse_datetime,
    to_api,
)

PLAIN = Rules()
FROM_TEXT = Rules(from_text=True)
COLOURS = Rules(enum_values=("red", "green", "blue"))
COLOURS_FROM_TEXT = Rules(enum_values=("red", "green", "blue"), from_text=True)


def rejection(data_type: str, value: Any, rules: Rules = PLAIN) -> str:
    """The client-facing message the value is refused with (fails the test if it is accepted)."""
    with pytest.raises(InvalidValue) as caught:
        normalize(data_type, value, rules)
    return str(caught.value)


def typed(value: Any) -> tuple[type, Any]:
    """Value and type: 2, 2.0 and Decimal(2) are equal but different stored values."""
    return type(value), value


# --- the registry ---------------------------------------------------------------------------


def test_registry_holds_exactly_the_22_documented_types() -> None:
    assert set(DATA_TYPES) == {
        "string", "text", "rich_text", "integer", "number", "decimal", "currency", "percent",
        "boolean", "date", "datetime", "time", "duration", "email", "url", "phone", "enum",
        "multi_enum", "json", "uuid", "file", "reference",
    }  # fmt: skip
    assert all(name == data_type.name for name, data_type in DATA_TYPES.items())


def test_only_decimal_and_currency_are_returned_as_exact_strings() -> None:
    assert {name for name, t in DATA_TYPES.items() if t.exact_decimal} == {"decimal", "currency"}
    assert {name for name, t in DATA_TYPES.items() if t.numeric} == {
        "integer", "number", "decimal", "currency", "percent", "duration",
    }  # fmt: skip


def test_unsortable_and_ununiqueable_types_are_the_unordered_ones() -> None:
    assert {name for name, t in DATA_TYPES.items() if not t.sortable} == {"rich_text", "multi_enum", "json"}
    assert {name for name, t in DATA_TYPES.items() if not t.uniqueable} == {"rich_text", "boolean", "multi_enum", "json"}


# --- string, text, rich_text ----------------------------------------------------------------


@pytest.mark.parametrize(("data_type", "limit"), [("string", MAX_STRING), ("text", MAX_TEXT), ("rich_text", MAX_TEXT)])
def test_text_types_keep_the_value_verbatim_up_to_their_limit(data_type: str, limit: int) -> None:
    assert normalize(data_type, "  Héllo, wörld ✓\n") == "  Héllo, wörld ✓\n"
    assert normalize(data_type, "") == ""
    assert normalize(data_type, "x" * limit) == "x" * limit
    assert f"must be at most {limit} characters" in rejection(data_type, "x" * (limit + 1))


@pytest.mark.parametrize("data_type", ["string", "text", "rich_text"])
@pytest.mark.parametrize("value", [42, 1.5, True, None, ["a"], {"a": 1}])
def test_text_types_reject_non_strings(data_type: str, value: Any) -> None:
    assert "must be a string" in rejection(data_type, value)


# --- integer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (-42, -42),
        (2.0, 2),  # an integral float is a whole number
        (-1e3, -1000),
        (Decimal("3"), 3),  # stored JSON decodes through Decimal
        (Decimal("3.000"), 3),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
    ],
)
def test_integer_accepts_whole_numbers_and_stores_an_int(value: Any, expected: int) -> None:
    assert typed(normalize("integer", value)) == typed(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a whole number"),  # bool is an int subclass in Python, not in the API
        (False, "must be a whole number"),
        (1.5, "must be a whole number"),
        (Decimal("3.5"), "must be a whole number"),
        (float("inf"), "must be a whole number"),
        (float("nan"), "must be a whole number"),
        ("12", "must be a whole number"),  # text only with from_text
        (None, "must be a whole number"),
        ([1], "must be a whole number"),
        (2**63, "must fit in 64 bits"),
        (-(2**63) - 1, "must fit in 64 bits"),
        (1e19, "must fit in 64 bits"),
    ],
)
def test_integer_rejects(value: Any, message: str) -> None:
    assert message in rejection("integer", value)


@pytest.mark.parametrize(("cell", "expected"), [("12", 12), (" -7 ", -7), ("+5", 5), ("0", 0)])
def test_integer_parses_csv_cells(cell: str, expected: int) -> None:
    assert typed(normalize("integer", cell, FROM_TEXT)) == typed(expected)


@pytest.mark.parametrize("cell", ["1.5", "abc", "", "1e3", "true", str(2**63)])
def test_integer_rejects_csv_cells_that_are_not_whole_64_bit_numbers(cell: str) -> None:
    with pytest.raises(InvalidValue):
        normalize("integer", cell, FROM_TEXT)


# --- number and percent ---------------------------------------------------------------------


@pytest.mark.parametrize("data_type", ["number", "percent"])
def test_number_keeps_ints_and_floats_as_sent(data_type: str) -> None:
    assert typed(normalize(data_type, 5)) == typed(5)
    assert typed(normalize(data_type, -0.25)) == typed(-0.25)
    assert typed(normalize(data_type, 2.0)) == typed(2.0)


@pytest.mark.parametrize("data_type", ["number", "percent"])
def test_number_turns_stored_decimals_into_floats(data_type: str) -> None:
    assert typed(normalize(data_type, Decimal("1.5"))) == typed(1.5)


@pytest.mark.parametrize("data_type", ["number", "percent"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a number"),
        ("1.5", "must be a number"),
        (None, "must be a number"),
        ([1], "must be a number"),
        (float("inf"), "must be a finite number"),
        (float("-inf"), "must be a finite number"),
        (float("nan"), "must be a finite number"),
    ],
)
def test_number_rejects(data_type: str, value: Any, message: str) -> None:
    assert message in rejection(data_type, value)


@pytest.mark.parametrize("data_type", ["number", "percent"])
def test_number_parses_csv_cells(data_type: str) -> None:
    assert typed(normalize(data_type, " 1.5 ", FROM_TEXT)) == typed(1.5)
    assert typed(normalize(data_type, "-3", FROM_TEXT)) == typed(-3.0)
    assert "must be a number" in rejection(data_type, "12%", FROM_TEXT)
    assert "must be a number" in rejection(data_type, "", FROM_TEXT)
    assert "must be a finite number" in rejection(data_type, "nan", FROM_TEXT)
    assert "must be a finite number" in rejection(data_type, "inf", FROM_TEXT)


# --- decimal --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", "12.50"),  # trailing zero kept: what the client wrote
        (" 3.14 ", "3.14"),
        ("-0.001", "-0.001"),
        ("0.123456789012345678901234567890", "0.123456789012345678901234567890"),
        (0.1, "0.1"),  # the float's shortest repr, never 0.1000000000000000055511151231257827
        (1.1, "1.1"),
        (7, "7"),
        (Decimal("99.990"), "99.990"),
        ("1E+3", "1000"),  # positive exponents are written out
        (1e16, "10000000000000000"),
        ("1E+30", "1" + "0" * 30),
        ("0E+50", "0"),
    ],
)
def test_decimal_is_exact(value: Any, expected: str) -> None:
    result = normalize("decimal", value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_decimal_from_float_has_no_binary_artefacts() -> None:
    assert normalize("decimal", 0.1) == Decimal("0.1")
    assert normalize("decimal", 0.1) != Decimal(0.1)  # noqa: RUF032 - the binary float, on purpose
    assert normalize("decimal", 0.1) + normalize("decimal", 0.2) == Decimal("0.3")


def test_decimal_allows_38_digits_and_no_more() -> None:
    assert normalize("decimal", "9" * 38) == Decimal("9" * 38)
    assert normalize("decimal", "0." + "1" * 38) == Decimal("0." + "1" * 38)
    assert normalize("decimal", "1E+37") == Decimal(10) ** 37
    assert "must have at most 38 digits" in rejection("decimal", "9" * 39)
    assert "must have at most 38 digits" in rejection("decimal", "1." + "1" * 38)
    assert "must have at most 38 digits" in rejection("decimal", "1E+38")  # 39 digits once written out
    assert "must have at most 38 digits" in rejection("decimal", 1e300)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a decimal number"),
        (False, "send it as a string"),
        ("twelve", 'must be a decimal number such as "12.50"'),
        ("", 'must be a decimal number such as "12.50"'),
        ("NaN", 'must be a decimal number such as "12.50"'),
        ("Infinity", 'must be a decimal number such as "12.50"'),
        (Decimal("NaN"), 'must be a decimal number such as "12.50"'),
        (float("inf"), "must be a finite number"),
        (float("nan"), "must be a finite number"),
        (None, 'must be a decimal number such as "12.50"'),
        ([1], 'must be a decimal number such as "12.50"'),
    ],
)
def test_decimal_rejects(value: Any, message: str) -> None:
    assert message in rejection("decimal", value)


# --- currency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.50", "12.50"), ("0.0001", "0.0001"), ("12.3456", "12.3456"), (0.1, "0.1"), (19.99, "19.99"), (100, "100"), ("-5.25", "-5.25")],
)
def test_currency_is_exact_with_up_to_four_places(value: Any, expected: str) -> None:
    result = normalize("currency", value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("value", ["12.34567", "0.00001", "1E-5", 0.12345, Decimal("1.00000")])
def test_currency_rejects_more_than_four_places(value: Any) -> None:
    assert "must have at most 4 decimal places" in rejection("currency", value)


def test_currency_rejects_what_decimal_rejects() -> None:
    assert "must be a decimal number" in rejection("currency", True)
    assert 'must be a decimal number such as "12.50"' in rejection("currency", "ten dollars")
    assert "must have at most 38 digits" in rejection("currency", "9" * 39)


# --- boolean --------------------------------------------------------------------------------


def test_boolean_accepts_only_json_booleans() -> None:
    assert typed(normalize("boolean", True)) == typed(True)
    assert typed(normalize("boolean", False)) == typed(False)
    for value in (1, 0, "true", "false", None, [True]):
        assert "must be true or false" in rejection("boolean", value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("true", True), ("TRUE", True), (" Yes ", True), ("y", True), ("1", True),
     ("false", False), ("False", False), ("no", False), ("N", False), ("0", False)],
)  # fmt: skip
def test_boolean_parses_csv_words(cell: str, expected: bool) -> None:
    assert normalize("boolean", cell, FROM_TEXT) is expected


@pytest.mark.parametrize("cell", ["maybe", "", "t", "on", "2"])
def test_boolean_rejects_other_csv_words(cell: str) -> None:
    assert "must be true or false" in rejection("boolean", cell, FROM_TEXT)


# --- date -----------------------------------------------------------------------------------


def test_date_is_iso_8601() -> None:
    assert normalize("date", "2026-01-31") == "2026-01-31"
    assert normalize("date", " 2024-02-29 ") == "2024-02-29"
    assert normalize("date", "20260131") == "2026-01-31"  # basic format becomes the canonical extended one


@pytest.mark.parametrize("value", ["2026-02-30", "2025-02-29", "31/01/2026", "2026-1-5", "2026-01-31T09:30:00", "", "today", 20260131, None])
def test_date_rejects(value: Any) -> None:
    assert "must be an ISO 8601 date (YYYY-MM-DD)" in rejection("date", value)


# --- datetime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-31T09:30:00Z", "2026-01-31T09:30:00.000Z"),
        ("2026-01-31T09:30:00z", "2026-01-31T09:30:00.000Z"),
        ("2026-01-31T09:30:00", "2026-01-31T09:30:00.000Z"),  # naive means UTC
        ("2026-01-31T09:30:00+02:00", "2026-01-31T07:30:00.000Z"),
        ("2026-01-31T23:30:00-01:00", "2026-02-01T00:30:00.000Z"),  # the offset moves the day
        ("2026-01-31T09:30:00.5Z", "2026-01-31T09:30:00.500Z"),
        ("2026-01-31T09:30:00.123999Z", "2026-01-31T09:30:00.123Z"),  # truncated to milliseconds
        ("2026-01-31 09:30", "2026-01-31T09:30:00.000Z"),
        ("2026-01-31", "2026-01-31T00:00:00.000Z"),
        (" 2026-01-31T09:30:00Z ", "2026-01-31T09:30:00.000Z"),
    ],
)
def test_datetime_is_utc_with_fixed_width_milliseconds(value: str, expected: str) -> None:
    assert normalize("datetime", value) == expected


def test_datetime_text_order_is_time_order() -> None:
    instants = [
        "0005-06-01T00:00:00Z",
        "0999-12-31T23:59:59.999Z",
        "2026-01-31T09:30:00+02:00",
        "2026-01-31T08:00:00Z",
        "2026-01-31T08:00:00.5Z",
        "9999-12-31T23:59:59Z",
    ]
    stored = [normalize("datetime", v) for v in instants]
    assert all(len(s) == len("2026-01-31T09:30:00.000Z") for s in stored)
    assert sorted(stored) == sorted(stored, key=parse_datetime)
    assert stored[0] == "0005-06-01T00:00:00.000Z"


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_datetime_rejects_instants_outside_the_utc_calendar(value: str) -> None:
    assert "must be between years 1 and 9999 in UTC" in rejection("datetime", value)


@pytest.mark.parametrize("value", ["yesterday", "", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z", "31/01/2026 09:30", 1769851800, None])
def test_datetime_rejects(value: Any) -> None:
    assert "must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z" in rejection("datetime", value)


def test_parse_and_format_datetime_round_trip_in_utc() -> None:
    parsed = parse_datetime("2026-01-31T09:30:00.250+05:30")
    assert parsed == datetime(2026, 1, 31, 4, 0, 0, 250000, tzinfo=timezone.utc)
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0
    assert format_datetime(parsed) == "2026-01-31T04:00:00.250Z"
    assert parse_datetime(format_datetime(parsed)) == parsed


# --- time -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("09:30", "09:30:00"),
        ("09:30:15", "09:30:15"),
        ("00:00:00", "00:00:00"),
        ("23:59:59", "23:59:59"),
        (" 09:30 ", "09:30:00"),
        ("09:30:00.5", "09:30:00.500000"),  # sub-second times keep a fixed width too
    ],
)
def test_time_is_hh_mm_ss(value: str, expected: str) -> None:
    assert normalize("time", value) == expected


@pytest.mark.parametrize("value", ["24:00", "9:30", "09:60", "half past nine", "", 930, None])
def test_time_rejects(value: Any) -> None:
    assert "must be an ISO 8601 time (HH:MM or HH:MM:SS)" in rejection("time", value)


@pytest.mark.parametrize("value", ["09:30Z", "09:30:00+02:00"])
def test_time_rejects_a_time_zone(value: str) -> None:
    assert "must not carry a time zone (use datetime for an instant)" in rejection("time", value)


# --- duration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90, 90),
        (0, 0),
        (90.0, 90),  # whole seconds are stored as an int
        (1.5, 1.5),
        (Decimal("2.5"), 2.5),
        ("PT1H30M", 5400),
        ("pt15m", 900),
        ("PT45S", 45),
        ("P1D", 86400),
        ("P1DT2H", 93600),
        ("PT1.5H", 5400),
        ("PT0.25S", 0.25),
        (" PT2M ", 120),
        ("1:30:00", 5400),
        ("0:00:05.5", 5.5),
        ("100:00:00", 360000),
        ("1:30", 5400),  # H:MM
    ],
)
def test_duration_is_seconds(value: Any, expected: int | float) -> None:
    assert typed(normalize("duration", value)) == typed(expected)


@pytest.mark.parametrize("value", ["P", "PT", "P1DT", "PT1X", "-PT1H", "1:60", "1:30:60", "90", "1.5", "an hour", ""])
def test_duration_rejects_text_that_is_not_a_duration(value: str) -> None:
    assert "must be seconds, an ISO 8601 duration (PT1H30M) or H:MM:SS" in rejection("duration", value)


def test_duration_rejects_other_values() -> None:
    assert "must not be negative" in rejection("duration", -1)
    assert "must not be negative" in rejection("duration", -0.5)
    assert "must be a number" in rejection("duration", True)
    assert "must be a number" in rejection("duration", None)
    assert "must be a finite number" in rejection("duration", float("inf"))


def test_duration_parses_plain_seconds_only_from_csv_cells() -> None:
    assert typed(normalize("duration", "90", FROM_TEXT)) == typed(90)
    assert typed(normalize("duration", " 1.5 ", FROM_TEXT)) == typed(1.5)
    assert typed(normalize("duration", "PT1M", FROM_TEXT)) == typed(60)
    assert "must not be negative" in rejection("duration", "-5", FROM_TEXT)
    assert "must be seconds, an ISO 8601 duration" in rejection("duration", "soon", FROM_TEXT)


# --- email ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada.Lovelace@Example.COM", "Ada.Lovelace@example.com"),  # the local part is case-sensitive
        ("USER+Tag@Mail.Example.Co.UK", "USER+Tag@mail.example.co.uk"),
        ("  ada@example.com ", "ada@example.com"),
        ("a@b-c.io", "a@b-c.io"),
    ],
)
def test_email_lower_cases_the_domain_only(value: str, expected: str) -> None:
    assert normalize("email", value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@example.c",
        "ada@@example.com",
        "a da@example.com",
        "ada@exa_mple.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        "",
        42,
        None,
    ],
)
def test_email_rejects(value: Any) -> None:
    assert "must be an email address" in rejection("email", value)


# --- url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com", "https://example.com"),
        ("https://example.com/a/B?q=C#D", "https://example.com/a/B?q=C#D"),
        ("HTTP://Example.COM/Path", "http://example.com/Path"),  # scheme and host only are lower-cased
        ("https://Ada@WWW.Example.com:8443/x", "https://Ada@www.example.com:8443/x"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("  https://example.com/  ", "https://example.com/"),
    ],
)
def test_url_normalises_scheme_and_host(value: str, expected: str) -> None:
    assert normalize("url", value) == expected


def test_url_length_limit() -> None:
    longest = "https://example.com/" + "a" * (MAX_URL - len("https://example.com/"))
    assert normalize("url", longest) == longest
    assert f"at most {MAX_URL} characters" in rejection("url", longest + "a")


@pytest.mark.parametrize("value", ["ftp://example.com/file", "mailto:ada@example.com", "/relative/path", "example.com", "http://", "https:///path", "http://[::1/", ""])
def test_url_rejects_anything_but_absolute_http(value: str) -> None:
    assert "must be an absolute http(s) URL" in rejection("url", value)


@pytest.mark.parametrize("value", [42, None, ["https://example.com"]])
def test_url_rejects_non_strings(value: Any) -> None:
    assert "must be an http(s) URL" in rejection("url", value)


# --- phone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+14155552671", "+14155552671"),
        ("+1 415 555 2671", "+14155552671"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+442079460958", "+442079460958"),
    ],
)
def test_phone_is_e164(value: str, expected: str) -> None:
    assert normalize("phone", value) == expected


@pytest.mark.parametrize("value", ["4155552671", "(415) 555-2671", "020 7946 0958", "not a phone", ""])
def test_phone_needs_a_country_code(value: str) -> None:
    assert "must be a phone number with its country code, such as +14155552671" in rejection("phone", value)


@pytest.mark.parametrize("value", ["+10000000000", "+1 415 555", "+44 20 7946 09581234"])
def test_phone_rejects_numbers_that_cannot_exist(value: str) -> None:
    assert "is not a valid phone number" in rejection("phone", value)


def test_phone_accepts_a_bare_number_only_from_a_csv_cell() -> None:
    assert normalize("phone", 14155552671, FROM_TEXT) == "+14155552671"
    assert "must be a phone number with its country code" in rejection("phone", 14155552671)
    assert "must be a phone number with its country code" in rejection("phone", True, FROM_TEXT)
    assert "must be a phone number with its country code" in rejection("phone", None)


# --- enum and multi_enum --------------------------------------------------------------------


def test_enum_accepts_only_a_declared_value() -> None:
    assert normalize("enum", "green", COLOURS) == "green"
    assert "must be one of: red, green, blue" in rejection("enum", "purple", COLOURS)
    assert "must be one of: red, green, blue" in rejection("enum", "Green", COLOURS)  # case-sensitive
    assert "must be one of" in rejection("enum", " green", COLOURS)
    assert "must be one of" in rejection("enum", ["green"], COLOURS)
    assert "must be one of" in rejection("enum", None, COLOURS)
    assert "must be one of" in rejection("enum", "green")  # no values declared: nothing is allowed


def test_multi_enum_dedupes_keeping_first_order() -> None:
    assert normalize("multi_enum", ["blue", "red", "blue", "red"], COLOURS) == ["blue", "red"]
    assert normalize("multi_enum", [], COLOURS) == []


def test_multi_enum_rejects() -> None:
    assert "must be a list of strings" in rejection("multi_enum", "red", COLOURS)
    assert "must be a list of strings" in rejection("multi_enum", {"red": True}, COLOURS)
    assert "values must be among: red, green, blue" in rejection("multi_enum", ["red", "purple"], COLOURS)
    assert "values must be among" in rejection("multi_enum", ["red", 1], COLOURS)
    assert f"must have at most {MAX_MULTI_ENUM} values" in rejection("multi_enum", ["red"] * (MAX_MULTI_ENUM + 1), COLOURS)
    assert normalize("multi_enum", ["red"] * MAX_MULTI_ENUM, COLOURS) == ["red"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("red", ["red"]),
        ("red, blue", ["red", "blue"]),
        (" blue ,red,, blue ", ["blue", "red"]),
        ("", []),
        ('["green", "red"]', ["green", "red"]),
    ],
)
def test_multi_enum_parses_csv_cells(cell: str, expected: list[str]) -> None:
    assert normalize("multi_enum", cell, COLOURS_FROM_TEXT) == expected


def test_multi_enum_rejects_bad_csv_cells() -> None:
    assert "values must be among" in rejection("multi_enum", "red, purple", COLOURS_FROM_TEXT)
    assert "must be valid JSON" in rejection("multi_enum", '["red"', COLOURS_FROM_TEXT)
    assert "must be a list of strings" in rejection("multi_enum", "red, blue", COLOURS)  # text only with from_text


# --- json -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [{"a": [1, 2.5, None]}, [1, "two"], "plain", 42, True, {}])
def test_json_stores_any_value_as_sent(value: Any) -> None:
    assert normalize("json", value) == value


def test_json_text_is_only_parsed_from_csv_cells() -> None:
    assert normalize("json", '{"a": 1}') == '{"a": 1}'
    parsed = normalize("json", '{"price": 12.50, "tags": ["x"]}', FROM_TEXT)
    assert parsed == {"price": Decimal("12.50"), "tags": ["x"]}
    assert str(parsed["price"]) == "12.50"  # decoded exactly, not through a float
    assert "must be valid JSON" in rejection("json", "{not json", FROM_TEXT)


# --- uuid, file, reference ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "1B4E28BA-2FA1-11D2-883F-0016D3CCA427",
        "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}",
        "1b4e28ba2fa111d2883f0016d3cca427",
        "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        " 1b4e28ba-2fa1-11d2-883f-0016d3cca427 ",
    ],
)
def test_uuid_is_canonical_lower_case(value: str) -> None:
    assert normalize("uuid", value) == "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


@pytest.mark.parametrize("value", ["not-a-uuid", "1b4e28ba-2fa1-11d2-883f-0016d3cca42", "", 12345, None])
def test_uuid_rejects(value: Any) -> None:
    assert "must be a UUID" in rejection("uuid", value)


@pytest.mark.parametrize(
    ("data_type", "good", "message"),
    [("file", "file_", "must be a file id (file_…)"), ("reference", "obj_", "must be an object id (obj_…)")],
)
def test_ids_need_their_prefix_and_a_lower_case_body(data_type: str, good: str, message: str) -> None:
    for valid in (good + "abcd", good + "0a1b2c3d4e5f", good + "a" * 40):
        assert normalize(data_type, valid) == valid
    other = "obj_" if good == "file_" else "file_"
    for invalid in (
        other + "abcd1234",
        good + "abc",  # too short
        good + "a" * 41,  # too long
        good + "ABCD1234",
        good + "abcd-1234",
        good + "abcd1234\n",  # a trailing newline is not part of an id
        " " + good + "abcd1234",
        good,
        42,
        None,
    ):
        assert message in rejection(data_type, invalid)


# --- to_api ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data_type", ["decimal", "currency"])
def test_exact_decimals_come_back_as_strings(data_type: str) -> None:
    assert to_api(data_type, Decimal("12.50")) == "12.50"
    assert to_api(data_type, Decimal("0.1")) == "0.1"
    assert to_api(data_type, 7) == "7"  # a whole amount read back from JSON is an int
    assert to_api(data_type, normalize(data_type, 0.1)) == "0.1"


def test_other_decimals_come_back_as_plain_numbers() -> None:
    assert typed(to_api("number", Decimal("1.5"))) == typed(1.5)
    assert typed(to_api("duration", Decimal("3"))) == typed(3)
    assert typed(to_api(None, Decimal("2.0"))) == typed(2.0)
    assert to_api("json", {"a": [Decimal("1.25"), Decimal("4")], "b": "x"}) == {"a": [1.25, 4], "b": "x"}
    assert typed(to_api(None, {"n": Decimal("4")})["n"]) == typed(4)


def test_to_api_leaves_non_numbers_alone() -> None:
    assert to_api("string", "12.50") == "12.50"
    assert to_api("decimal", "12.50") == "12.50"
    assert to_api("datetime", "2026-01-31T09:30:00.000Z") == "2026-01-31T09:30:00.000Z"
    assert to_api("multi_enum", ["red", "blue"]) == ["red", "blue"]
    assert to_api("boolean", True) is True
