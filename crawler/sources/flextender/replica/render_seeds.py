"""Render the seed listings (visible text of real Flextender pages) as replica detail pages.

Run once by hand: `python -m crawler.sources.flextender.replica.render_seeds ../shared/seeds`. It wrote the
committed `pages/*.html`; they are fixtures, not generated at test time. The structure
follows `shared/sources/flextender.md` §3: `.css-jobtitle`, `.css-customer`, a
`.css-summary` block of `.css-summaryrow` caption/value pairs ending at `<!--end summary-->`,
and the description in `.css-formattedjobdescription` with `<strong>` section headers.
Seed text that a PDF print wrapped is kept wrapped (`<br>`), as a page typed that way
would be; markdown marks in the seeds (`**`, `*`, `#`) become `<strong>`, `<em>`, headers.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

HEADERS = {
    "Uitvoeringsvoorwaarde – arbeidsrelatie en wijze van uitvoering",
    "Uitvoeringsvoorwaarde",
    "Organisatie",
    "De afdeling",
    "Opdracht",
    "Rol",
    "Wat ga je doen?",
    "Kerntaken",
    "Vereisten/ knock-outcriteria",
    "Vereisten / knock-outcriteria",
    "Selectiecriteria (weging, totaal 100 punten)",
    "Selectiecriteria te beoordelen door Flextender (weging, totaal 100 punten)",
    "Competenties",
    "Beoordeling",
    "Functieschaal",
    "Fee Flex tender",
    "Fee Flextender",
    "Benodigd aantal professionals",
    "Offerte-eisen",
    "CV-eisen",
    "Werkdagen",
    "Planning",
    "Overige informatie",
    "Meer informatie",
    "Regio Zwolle",
    "Waar zetten we op in?",
    "Regio Zwolle Bureau",
    "Werken bij Overijssel",
    "Beschrijving Bedrijfsvoering",
}
EXPIRED_BANNER = "Hartelijk dank voor je interesse."
SUMMARY_LAYOUT = [
    ["Aanvraagnummer", "Duur", "Opties verlenging", "Uren per week", "DAS opdracht"],
    ["Start", "Opleidingniveau", "Regio", "Einde inschrijfdatum", "Eindtijd"],
]
# Seed 003 is a PDF print that lost the summary table layout; its rows as printed.
PDF_SUMMARY = {
    "Duur": "Tot en met 30 juni 2026",
    "Uren per week": "24 uur",
    "DAS opdracht": "Ja",
    "Regio": "Gelderland",
    "Einde inschrijfdatum": "dinsdag 25 november<br>2025",
    "Eindtijd": "09:00 uur",
}
# Request number the replica serves seed 003 under: the printed page lost it.
PDF_REQUEST_NUMBER = "27001"


def inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"&lt;(https?://[^&\s]+)&gt;", r'<a href="\1">\1</a>', escaped)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"<em>\1</em>", escaped)


def header_text(line: str) -> str | None:
    stripped = re.sub(r"^#+\s*", "", line.strip())
    bare = stripped.strip("*").strip()
    if line.lstrip().startswith("#") and not (
        stripped.startswith("*") and not stripped.startswith("**")
    ):
        return bare
    return bare if " ".join(bare.split()) in HEADERS else None


def render_description(lines: list[str]) -> str:
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>\n".join(inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        if items:
            out.append(
                "<ul>\n" + "\n".join(f"<li>{inline(item)}</li>" for item in items) + "\n</ul>"
            )
            items.clear()

    for raw_line in lines:
        line = raw_line.rstrip()
        header = header_text(line) if line.strip() else None
        if not line.strip():
            close_paragraph()
            continue
        if header:
            close_paragraph()
            close_list()
            out.append(f"<p><strong>{html.escape(header, quote=False)}</strong></p>")
        elif line.startswith("- "):
            close_paragraph()
            items.append(line[2:])
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return "\n".join(out)


def summary_html(values: dict[str, str]) -> str:
    columns = []
    for captions in SUMMARY_LAYOUT:
        rows = [
            f'<div class="css-summaryrow"><div class="css-caption">{caption}</div>'
            f'<div class="css-value">{values[caption]}</div></div>'
            for caption in captions
            if caption in values
        ]
        columns.append('<div class="css-summarycolumn">\n' + "\n".join(rows) + "\n</div>")
    return (
        '<div class="css-summary">\n<div class="css-columnflexer">\n'
        + "\n".join(columns)
        + "\n</div>\n</div><!--end summary-->"
    )


def page(
    title: str,
    client: str | None,
    summary: dict[str, str],
    description: str,
    expired: str | None,
    number: str,
) -> str:
    og_title = f"{title} - {client}" if client else title
    banner = f'<div class="css-jobexpired"><p>{html.escape(expired)}</p></div>\n' if expired else ""
    customer = f'<div class="css-customer">{html.escape(client)}</div>\n' if client else ""
    return f"""<!DOCTYPE html>
<html lang="nl-NL">
<head>
<meta charset="UTF-8">
<title>{html.escape(title)} - Flextender</title>
<meta property="og:title" content="{html.escape(og_title)}">
<meta property="og:url" content="https://www.flextender.nl/opdracht/?aanvraagnr={number}">
</head>
<body class="page-template-default page">
<header class="site-header"><a class="logo" href="/">Flextender</a>
<nav><a href="/opdrachten/">Opdrachten</a> <a href="/over-ons/">Over ons</a></nav></header>
<main id="content">
<div class="flx-jobdetails">
{banner}<div class="css-jobtitle">{html.escape(title)}</div>
{customer}{summary_html(summary)}
<div class="css-formattedjobdescription">
{description}
</div>
<a class="flx-action-button" href="https://app.flextender.nl/nologin/jobdetails/{number}">Reageer direct</a>
</div>
</main>
<footer class="site-footer">Flextender · Postbus 1 · 035-7510777</footer>
</body>
</html>
"""


def render_seed(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    expired = next(
        (line.strip() for line in lines[:4] if line.strip().startswith(EXPIRED_BANNER)), None
    )
    if expired and not expired.endswith("inhuuropdracht."):  # wrapped in the PDF print
        expired = " ".join(line.strip() for line in lines[1:3])
    table = [line for line in lines if "\t" in line]
    if not table:
        return render_pdf_seed(lines, expired)
    summary: dict[str, str] = {}
    for row in table:
        cells = row.split("\t")
        for caption, value in zip(cells[0::2], cells[1::2]):
            summary[caption.strip()] = html.escape(value.strip())
    first_row = lines.index(table[0])
    head = [
        line.strip().lstrip("# ").strip()
        for line in lines[:first_row]
        if line.strip() and line.strip() != expired
    ]
    title, client = head[0], (head[1] if len(head) > 1 else None)
    body = lines[lines.index(table[-1]) + 1 :]
    number = summary["Aanvraagnummer"]
    return number, page(title, client, summary, render_description(body), expired, number)


def render_pdf_seed(lines: list[str], expired: str | None) -> tuple[str, str]:
    start = next(
        index for index, line in enumerate(lines) if line.strip() == "Uitvoeringsvoorwaarde"
    )
    title = next(line.strip() for line in lines[3:] if line.strip())
    body = [line for line in lines[start:] if not line.startswith("https://talentenregio")]
    body.append("")
    return PDF_REQUEST_NUMBER, page(
        title, None, PDF_SUMMARY, render_description(body), expired, PDF_REQUEST_NUMBER
    )


def main(seeds_dir: str) -> None:
    target = Path(__file__).parent / "pages"
    for seed in sorted(Path(seeds_dir).glob("*.txt")):
        number, markup = render_seed(seed.read_text(encoding="utf-8"))
        (target / f"{number}.html").write_text(markup, encoding="utf-8")
        print(f"{seed.name} -> pages/{number}.html")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/seeds")
