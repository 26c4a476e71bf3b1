"""What the delivery commands share: finding issues and subscriptions, and saying when."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bots.cli.common import select_issue
from core.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from bots.bootstrap import Services
    from core.profile import Profile
    from core.storage import StoredIssue, Subscription

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def stored_issue(svc: Services, selector: str) -> StoredIssue:
    """An issue by number (``3``, ``#3``), date (``2025-10-04``) or ``latest`` (the newest
    readers may see), published or not.

    Raises:
        NotFound: nothing matches; the message says how to list what exists.
    """
    from core.storage import IssueRepository

    issues = IssueRepository(svc.db, clock=svc.clock)
    return await select_issue(
        selector,
        latest=lambda: issues.latest(svc.clock.now()),
        by_number=issues.get,
        by_date=issues.by_date,
        none_yet="no issue is out yet; `haishin issues` lists what is stored",
    )


async def find_subscription(svc: Services, which: str) -> Subscription:
    """A subscription by id (``3``) or target (``slack:T1/C1``).

    Raises:
        NotFound: no such subscription.
        ConfigError: neither an id nor a target.
    """
    from core.delivery import Target
    from core.storage import SubscriptionRepository

    repository = SubscriptionRepository(svc.db, clock=svc.clock)
    text = which.strip()
    if text.isdigit():
        found = await repository.get(int(text))
    else:
        target = Target.parse(text)
        found = await repository.find(target.platform, target.target, target.workspace)
    if found is None:
        raise NotFound(f"no subscription {which!r}; `haishin subscriptions` lists them")
    return found


def parse_sections(text: str | None, profile: Profile) -> list[str]:
    """Section keys from ``topic,afterword`` (keys, titles or aliases).

    Raises:
        ConfigError: a name the profile does not know; the message lists the sections.
    """
    if not text:
        return []
    keys = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        spec = profile.spec(name) or profile.section_for(name)
        if spec is None and profile.sections:
            known = ", ".join(f"{s.key} ({s.title})" for s in profile.sections)
            raise ConfigError(f"no section {name!r} in {profile.name}; sections: {known}")
        keys.append(spec.key if spec else name)
    return list(dict.fromkeys(keys))


def sections_text(keys: tuple[str, ...] | list[str], profile: Profile) -> str:
    """``トピック, 編集後記`` or ``all sections``."""
    if not keys:
        return "all sections"
    return ", ".join(spec.title if (spec := profile.spec(k)) else k for k in keys)


def cadence_text(subscription: Subscription) -> str:
    """``on publish`` or ``weekly, Mon 09:00 Asia/Tokyo``."""
    slot = subscription.slot
    if subscription.cadence != "weekly" or slot is None:
        return "on publish"
    return f"weekly, {WEEKDAYS[slot.weekday]} {slot.at:%H:%M} {slot.zone.key}"


def issue_state(
    *,
    published_at: datetime | None,
    publish_at: datetime | None,
    held: str | None,
    back_catalogue: bool,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """Where an issue stands, in a few words: ``published 2025-10-04 07:00 JST``,
    ``at 2025-10-11 07:00 JST``, ``due now``, ``draft: no date``, ``held: file removed``,
    ``cancelled``, ``back catalogue``."""
    if back_catalogue:
        return "back catalogue"
    if published_at is not None:
        return f"published {when(published_at, zone)}"
    if held == "draft":
        return "draft: no date"
    if held == "removed":
        return "held: file removed"
    if held == "cancelled":
        return "cancelled"
    if publish_at is None or publish_at <= now:
        return "due now"
    return f"at {when(publish_at, zone)}"


def when(instant: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    """``2025-10-06 09:00 JST`` (and ``in 2 d 3 h`` / ``5 min ago`` when ``now`` is given)."""
    if instant is None:
        return "-"
    local = instant.astimezone(zone)
    text = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    if now is not None:
        text += f" ({relative(instant - now)})"
    return text


def relative(delta: timedelta) -> str:
    """``in 2 d 3 h``, ``in 5 min``, ``3 h ago``."""
    seconds = int(delta.total_seconds())
    ahead = seconds >= 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    elif minutes:
        text = f"{minutes} min"
    else:
        text = f"{seconds} s"
    return f"in {text}" if ahead else f"{text} ago"


def check_slot_zone(zone: str | None, profile: Profile) -> str:
    """The zone a weekly slot is read in: ``--tz`` or the newsletter's."""
    if zone:
        try:
            ZoneInfo(zone)
        except Exception:
            raise ConfigError(
                f"time zone {zone!r} is not an IANA zone name; use e.g. Asia/Tokyo"
            ) from None
        return zone
    return profile.timezone.key
