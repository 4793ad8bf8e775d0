"""The 22 property data types: how each validates and normalises a value.

Every normaliser takes a JSON value (or, with `from_text=True`, the text of a CSV cell) and
returns the canonical stored value, or raises `InvalidValue` with a message for the client.
Canonical forms make equality, uniqueness and ordering work in SQL: datetimes are UTC with
fixed-width milliseconds, dates and times are ISO 8601, decimals are exact `Decimal`s (stored
as JSON numbers, returned as strings), durations are seconds.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

import phonenumbers

from models import jsoncodec

MAX_STRING = 1_000
MAX_TEXT = 100_000
MAX_URL = 2_048
MAX_EMAIL = 254
MAX_DECIMAL_DIGITS = 38
MAX_CURRENCY_PLACES = 4
MAX_MULTI_ENUM = 100
INT64 = 2**63
TRUE_WORDS = {"true", "1", "yes", "y"}
FALSE_WORDS = {"false", "0", "no", "n"}
EMAIL = re.compile(r"^[^@\s]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}$")
FILE_ID = re.compile(r"^file_[a-z0-9]{4,40}$")
OBJECT_ID = re.compile(r"^obj_[a-z0-9]{4,40}$")
ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
CLOCK_DURATION = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d(?:\.\d+)?))?$")


class InvalidValue(ValueError):
    """A value the property's type does not accept; the message is shown to the client."""


@dataclass(frozen=True)
class DataType:
    name: str
    normalize: Callable[[Any, "Rules"], Any]
    sortable: bool = True
    uniqueable: bool = True
    numeric: bool = False  # compared as JSON numbers
    textual: bool = False  # supports contains / icontains / starts_with
    array: bool = False  # `contains` means membership
    exact_decimal: bool = False  # returned as a string


@dataclass(frozen=True)
class Rules:
    """What a normaliser needs besides the value."""

    enum_values: tuple[str, ...] = ()
    from_text: bool = False


# --- normalisers ---------------------------------------------------------------------------


def _string(limit: int) -> Callable[[Any, Rules], str]:
    def normalize(value: Any, rules: Rules) -> str:
        if not isinstance(value, str):
            raise InvalidValue("must be a string")
        if len(value) > limit:
            raise InvalidValue(f"must be at most {limit} characters")
        return value

    return normalize


def _integer(value: Any, rules: Rules) -> int:
    if rules.from_text and isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidValue("must be a whole number") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("must be a whole number")
    if not -INT64 <= value < INT64:
        raise InvalidValue("must fit in 64 bits")
    return value


def _number(value: Any, rules: Rules) -> int | float:
    if rules.from_text and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidValue("must be a number") from None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue("must be a finite number")
    return value


def _decimal(value: Any, rules: Rules, *, max_places: int | None = None) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("must be a decimal number (send it as a string to keep every digit)")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValue("must be a finite number")
        value = repr(value)  # the shortest text that round-trips: what the client wrote
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidValue("must be a decimal number such as \"12.50\"") from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidValue("must be a decimal number such as \"12.50\"")
    digits = value.as_tuple()
    exponent = int(digits.exponent)
    if len(digits.digits) + (max(exponent, 0) if value else 0) > MAX_DECIMAL_DIGITS:  # 1E+30 is 31 digits written out
        raise InvalidValue(f"must have at most {MAX_DECIMAL_DIGITS} digits")
    places = -exponent if exponent < 0 else 0
    if max_places is not None and places > max_places:
        raise InvalidValue(f"must have at most {max_places} decimal places")
    if exponent > 0:
        value = value.quantize(Decimal(1), context=Context(prec=MAX_DECIMAL_DIGITS))
    return value


def _currency(value: Any, rules: Rules) -> Decimal:
    return _decimal(value, rules, max_places=MAX_CURRENCY_PLACES)


def _boolean(value: Any, rules: Rules) -> bool:
    if rules.from_text and isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    if not isinstance(value, bool):
        raise InvalidValue("must be true or false")
    return value


def _date(value: Any, rules: Rules) -> str:
    if not isinstance(value, str):
        raise InvalidValue("must be an ISO 8601 date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InvalidValue("must be an ISO 8601 date (YYYY-MM-DD)") from None


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidValue("must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidValue("must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z") from None
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise InvalidValue("must be between years 1 and 9999 in UTC") from None


def format_datetime(value: datetime) -> str:
    """UTC, fixed-width milliseconds: text order is time order."""
    value = value.astimezone(timezone.utc)
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _datetime(value: Any, rules: Rules) -> str:
    return format_datetime(parse_datetime(value))


def _time(value: Any, rules: Rules) -> str:
    if not isinstance(value, str):
        raise InvalidValue("must be an ISO 8601 time (HH:MM or HH:MM:SS)")
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue("must be an ISO 8601 time (HH:MM or HH:MM:SS)") from None
    if parsed.tzinfo is not None:
        raise InvalidValue("must not carry a time zone (use datetime for an instant)")
    return parsed.isoformat(timespec="microseconds" if parsed.microsecond else "seconds")


def _duration(value: Any, rules: Rules) -> int | float:
    """Seconds. Accepts a number of seconds, ISO 8601 (`PT1H30M`) or a clock (`1:30:00`)."""
    if isinstance(value, str):
        text = value.strip()
        match = ISO_DURATION.match(text.upper()) or CLOCK_DURATION.match(text)
        if match is None:
            try:
                value = float(text) if rules.from_text else None
            except ValueError:
                value = None
            if value is None:
                raise InvalidValue("must be seconds, an ISO 8601 duration (PT1H30M) or H:MM:SS")
        else:
            parts = {k: float(v) for k, v in match.groupdict().items() if v}
            value = parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)
    seconds = _number(value, Rules())
    if seconds < 0:
        raise InvalidValue("must not be negative")
    return int(seconds) if float(seconds).is_integer() else seconds


def _email(value: Any, rules: Rules) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_EMAIL or not EMAIL.match(value.strip()):
        raise InvalidValue("must be an email address")
    local, domain = value.strip().rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _url(value: Any, rules: Rules) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise InvalidValue(f"must be an http(s) URL of at most {MAX_URL} characters")
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise InvalidValue("must be an absolute http(s) URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidValue("must be an absolute http(s) URL")
    userinfo, at, host_and_port = parts.netloc.rpartition("@")
    netloc = userinfo + at + host_and_port.lower()  # `hostname` is already lower-cased; the netloc is not
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def _phone(value: Any, rules: Rules) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and rules.from_text:
        value = f"+{value}"
    if not isinstance(value, str):
        raise InvalidValue("must be a phone number with its country code, such as +14155552671")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise InvalidValue("must be a phone number with its country code, such as +14155552671") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _enum(value: Any, rules: Rules) -> str:
    if not isinstance(value, str) or value not in rules.enum_values:
        raise InvalidValue(f"must be one of: {', '.join(rules.enum_values)}")
    return value


def _multi_enum(value: Any, rules: Rules) -> list[str]:
    if rules.from_text and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()] if not value.startswith("[") else _json_text(value)
    if not isinstance(value, list):
        raise InvalidValue("must be a list of strings")
    if len(value) > MAX_MULTI_ENUM:
        raise InvalidValue(f"must have at most {MAX_MULTI_ENUM} values")
    bad = [v for v in value if not isinstance(v, str) or v not in rules.enum_values]
    if bad:
        raise InvalidValue(f"values must be among: {', '.join(rules.enum_values)}")
    return list(dict.fromkeys(value))


def _json_text(text: str) -> Any:
    try:
        return jsoncodec.loads(text)
    except ValueError:
        raise InvalidValue("must be valid JSON") from None


def _json(value: Any, rules: Rules) -> Any:
    """Objects keep their keys sorted (PostgreSQL's jsonb does too), so equal JSON is equal text
    on SQLite as well."""
    if rules.from_text and isinstance(value, str):
        value = _json_text(value)
    return _sorted_keys(value)


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


def _uuid(value: Any, rules: Rules) -> str:
    if not isinstance(value, str):
        raise InvalidValue("must be a UUID")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise InvalidValue("must be a UUID") from None


def _file(value: Any, rules: Rules) -> str:
    if not isinstance(value, str) or not FILE_ID.fullmatch(value):
        raise InvalidValue("must be a file id (file_…)")
    return value


def _reference(value: Any, rules: Rules) -> str:
    """Format only here; that the object exists in the tenant is checked in one query per write."""
    if not isinstance(value, str) or not OBJECT_ID.fullmatch(value):
        raise InvalidValue("must be an object id (obj_…)")
    return value


DATA_TYPES: dict[str, DataType] = {
    t.name: t
    for t in (
        DataType("string", _string(MAX_STRING), textual=True),
        DataType("text", _string(MAX_TEXT), textual=True),
        DataType("rich_text", _string(MAX_TEXT), textual=True, sortable=False, uniqueable=False),
        DataType("integer", _integer, numeric=True),
        DataType("number", _number, numeric=True),
        DataType("decimal", _decimal, numeric=True, exact_decimal=True),
        DataType("currency", _currency, numeric=True, exact_decimal=True),
        DataType("percent", _number, numeric=True),
        DataType("boolean", _boolean, uniqueable=False),
        DataType("date", _date),
        DataType("datetime", _datetime),
        DataType("time", _time),
        DataType("duration", _duration, numeric=True),
        DataType("email", _email, textual=True),
        DataType("url", _url, textual=True),
        DataType("phone", _phone, textual=True),
        DataType("enum", _enum),
        DataType("multi_enum", _multi_enum, sortable=False, uniqueable=False, array=True),
        DataType("json", _json, sortable=False, uniqueable=False, array=True),
        DataType("uuid", _uuid),
        DataType("file", _file),
        DataType("reference", _reference),
    )
}


def normalize(data_type: str, value: Any, rules: Rules = Rules()) -> Any:
    return DATA_TYPES[data_type].normalize(value, rules)


def to_api(data_type: str | None, value: Any) -> Any:
    """The stored value as clients see it: exact decimals as strings, other numbers plain."""
    if data_type is not None and DATA_TYPES[data_type].exact_decimal and isinstance(value, (Decimal, int)):
        return str(value)
    return jsoncodec.plain(value)
