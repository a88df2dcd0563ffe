"""Alert mail: plain text and HTML, one per alert or one daily digest, and the sign-in mail;
each in its reader's language (Jinja templates in `templates/`, the messages in the catalogs
the pages use).

Text from listings is escaped in the HTML part. Every mail carries `List-Unsubscribe` with
the signed link and `List-Unsubscribe-Post` (RFC 8058 one-click). Without an SMTP server
configured, mail is written to `<data dir>/mail/` as .eml files, so one machine works
without one.
"""

from __future__ import annotations

import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path
from urllib.parse import quote

from babel.lists import format_list
from jinja2 import Environment

from schemas.saved_search import Alert, SavedSearch
from schemas.search import SearchFilter
from schemas.tender import Tender
from tenderwatch.common.i18n import (
    moment,
    money,
    platform_name,
    search_in_words,
    template_environment,
    translations,
)
from tenderwatch.common.settings import Settings


class MailFailed(Exception):
    """The mail server did not accept the message."""


def header_text(text: str, limit: int = 200) -> str:
    """Text for a mail header: every line break (CR, LF, U+2028, U+0085, the FS/GS/RS/US
    separators, ...) and other control character becomes a space, runs of spaces one, cut to
    `limit`. A saved search's name or a listing's title can hold any of them; the email package
    refuses a header with a line break (header injection), which would fail the whole mail."""
    cleaned = "".join(
        " " if unicodedata.category(character)[0] in "CZ" else character for character in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "\u2026"


TEMPLATES = Path(__file__).parent / "templates"


@cache
def mail_environment(language: str, platforms: tuple[tuple[str, str], ...] = ()) -> Environment:
    """The mail templates in one language: the catalogs and ways of writing of the pages."""
    return template_environment(TEMPLATES, language, dict(platforms), keep_trailing_newline=True)


@dataclass(frozen=True)
class AlertView:
    """One alert as a mail shows it, in the mail's language."""

    heading: str
    tender: Tender
    facts: list[tuple[str, str]]
    reasons: list[str]


def _hours(tender: Tender) -> str | None:
    hours = tender.hours_per_week
    if hours is None:
        return None
    return str(hours.min) if hours.min == hours.max else f"{hours.min}\u2013{hours.max}"


def _view(
    alert: Alert,
    saved_search: SavedSearch,
    language: str,
    platforms: Mapping[str, str],
    public_url: str,
) -> AlertView:
    gettext = translations(language).gettext
    tender = alert.tender
    stated = [
        (gettext("Client"), tender.client),
        (gettext("Province"), tender.region),
        (gettext("Deadline"), moment(tender.deadline, language) if tender.deadline else None),
        (gettext("Pay scale"), tender.pay_scale.label if tender.pay_scale else None),
        (
            gettext("Max hourly rate"),
            f"{money(tender.max_hourly_rate, language)} {gettext('excl. VAT')}"
            if tender.max_hourly_rate
            else None,
        ),
        (gettext("Hours per week"), _hours(tender)),
    ]
    facts = [(label, value) for label, value in stated if value]
    unstated = [label for label, value in stated if not value]
    if unstated:
        facts.append((gettext("Not stated"), ", ".join(unstated)))
    facts.append(
        (
            gettext("On %(platform)s") % {"platform": platform_name(tender.source, platforms)},
            tender.url,
        )
    )
    facts.append((gettext("On tenderwatch"), f"{public_url}/tenders/{quote(tender.id, safe=':')}"))
    # The same assignment on other platforms: where its terms may suit the freelancer better.
    facts += [
        (
            gettext("Also on %(platform)s")
            % {"platform": platform_name(listing.source, platforms)},
            listing.url,
        )
        for listing in tender.also_on
    ]
    places = {"title": gettext("the title"), "description": gettext("the description")}
    reasons = [
        gettext("the word “%(keyword)s” in %(places)s")
        % {
            "keyword": hit.keyword,
            "places": format_list([places[place] for place in hit.found_in], locale=language),
        }
        for hit in alert.reasons.keywords
    ]
    filters = saved_search.filter.model_copy(update={"keyword": None})
    if filters != SearchFilter():
        reasons.append(
            gettext("your filters: %(filters)s")
            % {"filters": search_in_words(filters, language, platforms)}
        )
    return AlertView(_heading(alert, gettext), tender, facts, reasons)


def _heading(alert: Alert, gettext) -> str:
    return gettext("New assignment") if alert.kind == "new" else gettext("Changed assignment")


def subject_of(alerts: list[Alert], saved_search: SavedSearch, language: str) -> str:
    if len(alerts) == 1:
        heading = _heading(alerts[0], translations(language).gettext)
        return header_text(f"{heading}: {alerts[0].tender.title}")
    return header_text(
        translations(language).ngettext(
            "%(num)d assignment for “%(name)s”", "%(num)d assignments for “%(name)s”", len(alerts)
        )
        % {"num": len(alerts), "name": saved_search.name}
    )


def compose(
    settings: Settings,
    saved_search: SavedSearch,
    alerts: list[Alert],
    unsubscribe: str,
    platforms: Mapping[str, str] | None = None,
) -> EmailMessage:
    """One alert (instant) or several (the daily digest) for one saved search, in the saved
    search's language. `platforms`: the registry's names of the platforms (name → label)."""
    platforms = dict(platforms or {})
    language = saved_search.language
    public_url = settings.public_url.rstrip("/")
    message = EmailMessage()
    message["Subject"] = subject_of(alerts, saved_search, language)
    message["From"] = settings.mail_from
    message["To"] = str(saved_search.email)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="tenderwatch")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    environment = mail_environment(language, tuple(sorted(platforms.items())))
    context = {
        "language": language,
        "subject": str(message["Subject"]),
        "saved_search": saved_search,
        "alerts": [_view(alert, saved_search, language, platforms, public_url) for alert in alerts],
        "public_url": public_url,
        "unsubscribe": unsubscribe,
    }
    message.set_content(environment.get_template("alerts.txt").render(context))
    message.add_alternative(environment.get_template("alerts.html").render(context), subtype="html")
    message["Content-Language"] = language  # after the content: setting it drops Content-*
    return message


def compose_signin(settings: Settings, address: str, link: str, language: str) -> EmailMessage:
    """The sign-in mail, in the language of the page it was asked on: plain text (one link)."""
    message = EmailMessage()
    message["Subject"] = translations(language).gettext("Sign in to tenderwatch")
    message["From"] = settings.mail_from
    message["To"] = address
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="tenderwatch")
    environment = mail_environment(language)
    context = {"link": link}
    message.set_content(environment.get_template("signin.txt").render(context))
    message["Content-Language"] = language
    return message


def send(settings: Settings, message: EmailMessage, name: str) -> None:
    """Hand the message to the SMTP server, or write it to <data dir>/mail/<name>.eml."""
    if not settings.smtp_host:
        folder = Path(settings.data_dir) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name.replace('/', '_').replace(':', '-')}.eml").write_bytes(bytes(message))
        return
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=30,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
