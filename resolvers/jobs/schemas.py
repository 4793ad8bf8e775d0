"""Scheduled jobs: limits and the schedule arithmetic (cron with five fields, in a timezone)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from resolvers.errors import ValidationError

MAX_JOBS_PER_TENANT = 100
LEASE_SECONDS = 120  # a run whose process died is taken up again after this
MAX_ATTEMPTS = 3
MISFIRE_GRACE = timedelta(hours=1)  # occurrences missed longer ago than this are skipped (the schedule resumes at now)
RUN_BATCH = 10


def checked_cron(expression: object, field: str = "cron_expression") -> str:
    if not isinstance(expression, str) or len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValidationError.single(field, "must be a cron expression of five fields (minute hour day month weekday), such as */5 * * * *")
    return " ".join(expression.split())


def checked_timezone(name: object, field: str = "timezone") -> str:
    if not isinstance(name, str) or not name:
        raise ValidationError.single(field, "must be an IANA timezone such as Europe/Paris")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError.single(field, f"{name} is not a known timezone") from None
    return name


def next_occurrence(expression: str, zone: str, after: datetime) -> datetime:
    """The first occurrence strictly after `after`, in UTC (computed in the job's timezone, so
    `0 9 * * *` stays at 9:00 local across daylight-saving changes)."""
    local = after.astimezone(ZoneInfo(zone))
    following: datetime = croniter(expression, local).get_next(datetime)
    return following.astimezone(timezone.utc)
