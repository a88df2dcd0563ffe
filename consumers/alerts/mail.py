"""Alert mail: plain text and HTML, one per alert or one daily digest.

Text from listings is escaped in the HTML part. Every mail carries `List-Unsubscribe` with
the signed link and `List-Unsubscribe-Post` (RFC 8058 one-click). Without an SMTP server
configured, mail is written to `<data dir>/mail/` as .eml files, so one machine works
without one.
"""

from __future__ import annotations

import html
import smtplib
import ssl
import unicodedata
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote

from schemas.saved_search import Alert, SavedSearch
from schemas.tender import Tender
from schemas.zone import AMSTERDAM
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


def _deadline(tender: Tender) -> str:
    return (
        tender.deadline.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
        if tender.deadline
        else "not stated"
    )


def _facts(tender: Tender, public_url: str) -> list[tuple[str, str]]:
    return [
        ("Client", tender.client or "not stated"),
        ("Region", tender.region or "not stated"),
        ("Deadline", _deadline(tender)),
        ("Pay scale", tender.pay_scale.label if tender.pay_scale else "not stated"),
        (
            "Hours per week",
            (
                f"{tender.hours_per_week.min}"
                if tender.hours_per_week.min == tender.hours_per_week.max
                else f"{tender.hours_per_week.min}-{tender.hours_per_week.max}"
            )
            if tender.hours_per_week
            else "not stated",
        ),
        ("Listing", tender.url),
        ("On tenderwatch", f"{public_url}/tenders/{quote(tender.id, safe=':')}"),
        # The same assignment on other platforms: where its terms may suit the freelancer better.
        *((f"Also on {listing.source}", listing.url) for listing in tender.also_on),
    ]


def _why(alert: Alert) -> list[str]:
    lines = [
        f"keyword '{hit.keyword}' found in {' and '.join(hit.found_in)}"
        for hit in alert.reasons.keywords
    ]
    return lines + alert.reasons.filters


def _event_label(alert: Alert) -> str:
    return "New tender" if alert.kind == "new" else "Changed tender"


def _text_block(alert: Alert, public_url: str) -> str:
    tender = alert.tender
    lines = [f"{_event_label(alert)}: {tender.title}", ""]
    lines += [f"{label + ':':<15} {value}" for label, value in _facts(tender, public_url)]
    lines += ["", "Why it matched:"] + [f"  - {reason}" for reason in _why(alert)]
    return "\n".join(lines)


def _html_block(alert: Alert, public_url: str) -> str:
    tender = alert.tender
    rows = "".join(
        f'<tr><th align="left">{html.escape(label)}</th><td>'
        + (
            f'<a href="{html.escape(value, quote=True)}">{html.escape(value)}</a>'
            if label in ("Listing", "On tenderwatch") or label.startswith("Also on")
            else html.escape(value)
        )
        + "</td></tr>"
        for label, value in _facts(tender, public_url)
    )
    reasons = "".join(f"<li>{html.escape(reason)}</li>" for reason in _why(alert))
    return (
        f'<h2>{html.escape(_event_label(alert))}: <a href="{html.escape(tender.url, quote=True)}">'
        f"{html.escape(tender.title)}</a></h2><table>{rows}</table><p>Why it "
        f"matched:</p><ul>{reasons}</ul>"
    )


def compose(
    settings: Settings, saved_search: SavedSearch, alerts: list[Alert], unsubscribe: str
) -> EmailMessage:
    """One alert (instant) or several (the daily digest) for one saved search."""
    message = EmailMessage()
    if len(alerts) == 1:
        message["Subject"] = header_text(f"{_event_label(alerts[0])}: {alerts[0].tender.title}")
    else:
        message["Subject"] = header_text(
            f"{len(alerts)} tenders for \u201c{saved_search.name}\u201d"
        )
    message["From"] = settings.mail_from
    message["To"] = str(saved_search.email)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="tenderwatch")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    public_url = settings.public_url.rstrip("/")
    intro = f"Saved search \u201c{saved_search.name}\u201d"
    footer = f"My alerts: {public_url}/alerts\nStop these alerts: {unsubscribe}"
    message.set_content(
        "\n\n".join([intro, *(_text_block(alert, public_url) for alert in alerts), footer]) + "\n"
    )
    message.add_alternative(
        "<!DOCTYPE html><html><body>"
        f"<p>{html.escape(intro)}</p>{''.join(_html_block(alert, public_url) for alert in alerts)}"
        f'<p><a href="{html.escape(public_url, quote=True)}/alerts">My alerts</a> · '
        f'<a href="{html.escape(unsubscribe, quote=True)}">Stop these alerts</a></p></body></html>',
        subtype="html",
    )
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
