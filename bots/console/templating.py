"""The console's Jinja2 environment: autoescaping on, and the filters its templates use.

Newsletter text is untrusted as far as HTML goes: every value is escaped by Jinja, and the
only filters that return markup (``mrkdwn``, ``line_text``) escape everything they do not
draw themselves.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from bots import registry
from bots.console.mrkdwn_html import to_html

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?$")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%()]+")


def line_text(text: str) -> Markup:
    """A LINE text message's text: escaped, with web addresses tappable as LINE shows them."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,)")
        end = match.start() + len(url)
        out.append(str(escape(text[position : match.start()])))
        out.append(f'<a href="{escape(url)}" rel="noopener noreferrer nofollow" target="_blank">')
        out.append(f"{escape(url)}</a>")
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))


def flex_color(value: object) -> str:
    """A Flex colour when it is a plain hex colour, else nothing (never raw CSS)."""
    return str(value) if isinstance(value, str) and _COLOR.match(value) else ""


def button_command(value: object, platform: str) -> str:
    """The command a Slack button value or LINE postback data runs (for links and titles)."""
    return registry.platform(platform).decode_button(str(value or ""))[0]


def thousands(value: object) -> str:
    """``12345`` → ``12,345``."""
    return f"{value:,}" if isinstance(value, int) else str(value)


class Templates:
    """The console's templates, with times shown in the newsletter's time zone.

    Args:
        zone: the newsletter's time zone.
    """

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.ChainableUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            mrkdwn=to_html,
            line_text=line_text,
            flex_color=flex_color,
            button_command=button_command,
            n=thousands,
            when=self.when,
        )
        self.env.globals["asset"] = self.asset
        self.env.globals["platform_ui"] = self.platform_ui
        self._assets = {
            path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            for path in STATIC.rglob("*")
            if path.is_file()
        }

    def render(self, template: str, /, **context: object) -> str:
        """Render a template to a string."""
        return self.env.get_template(template).render(**context)

    def platform_ui(self, name: str) -> Any:
        """The macros that draw one platform in the console: ``platforms/<name>.html``
        (``name`` as in ``bots.registry``), or ``platforms/plain.html`` for a platform
        without a look of its own (each message as its text)."""
        return self.env.select_template([f"platforms/{name}.html", "platforms/plain.html"]).module

    def asset(self, name: str) -> str:
        """A static file's URL, versioned by its content so browsers never keep a stale one."""
        return f"/static/console/{name}?v={self._assets.get(name, '0')}"

    def clock_time(self, value: datetime | None) -> str:
        """``7:05``: a time of day as a chat app shows it beside a message."""
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        return f"{local.hour}:{local.minute:02d}"

    def when(self, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A time in the newsletter's zone, with the zone's abbreviation."""
        if value is None:
            return "—"
        local = value.astimezone(self.zone)
        return f"{local.strftime(fmt)} {local.tzname() or ''}".strip()
