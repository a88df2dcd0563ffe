"""A replica of BlueTrail: `/robots.txt` (its real `Crawl-delay: 5` and query disallows),
`/job-sitemap.xml` and the listing pages it names. Two real pages (`pages/`: the captured
Architect page and the excerpt of the full Adviseur Privacy IBD page, whose table is stale)
and the awkward cases of `shared/sources/bluetrail.md` written beside them in BlueTrail's
structure: a Circle8-fronted listing that names no end client and no closing time, a broker
front naming a public body ("Voor het Ministerie van Defensie zoeken wij") that excludes ZZP;
and the sitemap's other URLs (the overview and two filter URLs with a query string)."""

from __future__ import annotations

import html
import json
from importlib import resources

from crawler.sitemap_replica import SitemapReplica

PUBLIC_SITE = "https://www.bluetrail.nl"
ROBOTS_TXT = (
    "User-agent: *\nCrawl-delay: 5\nDisallow: /opdrachten/*or-\nDisallow: /*?order=\n"
    "Disallow: /*?_sft_\n"
)
OTHER_URLS = [
    f"{PUBLIC_SITE}/opdrachten/",
    f"{PUBLIC_SITE}/opdrachten/?order=asc",
    f"{PUBLIC_SITE}/opdrachten/?_sft_categorie=interim",
]
REAL_LASTMODS = {
    "/opdrachten/Interim/architect-ict-en-informatielandschap/": "2026-09-14T09:12:40+00:00",
    "/opdrachten/Interim/adviseur-privacy-ibd/": "2026-09-15T10:58:56+00:00",
}


def listing_page(
    title: str,
    record: str,
    organisation: str,
    description: list[str],
    table: list[tuple[str, str]],
    requirements: list[str],
    posted: str,
    locality: str,
    province: str,
) -> str:
    """A page in BlueTrail's structure (section 3 of `shared/sources/bluetrail.md`)."""
    posting = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": title,
        "description": "".join(f"<span >{html.escape(line)}</span><br>" for line in description),
        "identifier": {"@type": "PropertyValue", "name": organisation, "value": record},
        "datePosted": posted,
        "employmentType": "CONTRACTOR",
        "validThrough": "Fri, 16 Oct 2026 14:01:35 +0000",
        "hiringOrganization": {
            "@type": "Organization",
            "name": organisation,
            "sameAs": PUBLIC_SITE,
            "logo": "",
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "Straatnaam verborgen 1",
                "addressLocality": locality,
                "addressRegion": province,
                "addressCountry": "NL",
            },
        },
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "EUR",
            "value": {"@type": "QuantitativeValue", "value": "100", "unitText": "HOUR"},
        },
    }
    rows = "".join(
        '<span class="ysdms-job-metafield '
        f'one-col"><b>{html.escape(label)}</b>{html.escape(value)}'
        "</span><br />\n"
        for label, value in table
    )
    demands = "".join(f"<li><span >{html.escape(line)}</span></li>" for line in requirements)
    return (
        f"<html><head><title>Opdrachten via Bluetrail</title>\n"
        f'<script type="application/ld+json">{json.dumps(posting)}</script>\n</head><body>\n'
        '<div class="u-recruiter-sidebar-table"><h5>In het kort</h5><p>'
        '<span class="ysdms-job-metafield preferred-supplier-text"></span><br '
        f"/>\n{rows}</p></div>\n"
        '<div class="my-solutions-single-job-requirements"><div><h3>Wat wordt er van jou '
        "gevraagd?</h3><p>"
        "<strong >Eisen bij de "
        f"opdracht:</strong><br><br><ul>{demands}</ul></p></div></div>\n</body></html>"
    )


def written_cases() -> dict[str, tuple[str, str]]:
    """path → (lastmod, page) of the awkward cases."""
    return {
        "/opdrachten/Interim/ciam-tester/": (
            "2026-08-24T08:13:58+00:00",
            listing_page(
                "CIAM Tester",
                "a0jMI00000Q9xTeYAJ",
                "Circle8",
                [
                    "Als CIAM tester test je de klantidentiteits- en toegangsvoorzieningen van "
                    "een grote uitvoeringsorganisatie.",
                    "Je werkt in een scrumteam met ontwikkelaars en een product owner.",
                ],
                [
                    ("Referentienummer", "2026-08102"),
                    ("Locatie", "Zwolle"),
                    ("Startdatum", "1 oktober 2026"),
                    ("Einddatum", "31 maart 2027"),
                    ("Optie op verlenging", "Nog niet bekend"),
                    ("Uren per week", "36u p/w"),
                    ("Sluitingsdatum", "28 september 2026"),
                ],
                ["Minimaal 3 jaar ervaring met het testen van IAM-oplossingen."],
                "2026-08-24",
                "Zwolle",
                "Overijssel",
            ),
        ),
        "/opdrachten/Interim/systeembeheerder/": (
            "2026-08-20T07:34:14+00:00",
            listing_page(
                "Systeembeheerder Linux",
                "a0jMI00000Q7pLmYAF",
                "Harvey Nash",
                [
                    "Voor het Ministerie van Defensie zoeken wij een Systeembeheerder Linux voor "
                    "32-36 uur per week.",
                    "ZZP is uitgesloten voor deze opdracht.",
                ],
                [
                    ("Referentienummer", "2026-07988"),
                    ("Locatie", "Den Helder"),
                    ("Startdatum", "5 oktober 2026"),
                    ("Einddatum", "4 oktober 2027"),
                    ("Optie op verlenging", "Ja"),
                    ("Uren per week", "32-36u p/w"),
                    ("Sluitingsdatum", "30 september 2026"),
                    ("\u00a0", "10:00"),
                ],
                ["Je beschikt over een geldige VOG.", "RHCE-certificering."],
                "2026-08-20",
                "Den Helder",
                "Noord-Holland",
            ),
        ),
    }


class BlueTrailReplica(SitemapReplica):
    name = "bluetrail"
    public_site = PUBLIC_SITE
    sitemap_path = "/job-sitemap.xml"
    robots_txt = ROBOTS_TXT

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        folder = resources.files(__name__) / "pages"
        pages = {
            f"/opdrachten/Interim/{entry.name.removesuffix('.html')}/": entry.read_text(
                encoding="utf-8"
            )
            for entry in folder.iterdir()
            if entry.name.endswith(".html")
        }
        lastmods = dict(REAL_LASTMODS)
        for path, (lastmod, page) in written_cases().items():
            pages[path], lastmods[path] = page, lastmod
        super().__init__(pages, lastmods, OTHER_URLS, host=host, port=port)

    def summary(self) -> str:
        return f"{len(self.pages)} listing pages in its job sitemap, with its filter URLs"
