"""What the tender page shows of a tender's text: the description once."""

from __future__ import annotations

from schemas.tender import Tender


def _words(text: str) -> str:
    return " ".join(text.split())


def description_parts(tender: Tender) -> list[tuple[str | None, str]]:
    """(heading, text) pieces: the source's sections with their headings, after any text that
    comes before the first one, when together they are the whole description; otherwise the
    description as one text. Nothing of the description is ever left out."""
    if not tender.sections:
        return [(None, tender.description)] if tender.description.strip() else []
    first_heading = next(iter(tender.sections))
    start = tender.description.find(first_heading)
    intro = tender.description[:start] if start >= 0 else ""
    sections = [(heading, body) for heading, body in tender.sections.items()]
    rebuilt = " ".join([intro, *(f"{heading} {body}" for heading, body in sections)])
    if start < 0 or _words(rebuilt) != _words(tender.description):
        return [(None, tender.description)]
    return ([(None, intro)] if intro.strip() else []) + sections
