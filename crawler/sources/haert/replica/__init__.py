"""A replica of Haert: `/robots.txt`, `/sitemap.xml` and the assignment pages it lists. One
real page (`pages/zwemonderwijzer-13184.html`, the captured excerpt of
`shared/sources/samples/haert/`) and the awkward cases of `shared/sources/haert.md` written
beside it in Haert's structure (JobPosting graph, hero icon list, "In opdracht van", body
sections): a closed page still in the sitemap ("Reactietermijn gesloten"), a start without a
year and no `validThrough` (the badge's date instead), a "Haert inzake" client, ZZP allowed
by the hero and excluded in Haert's words, hours as a range; and the sitemap's non-listing
URLs (the bare `/opdrachten`, client pages, a `/kennis/...` page)."""

from __future__ import annotations

import html
import json
from importlib import resources

from crawler.sitemap_replica import SitemapReplica

PUBLIC_SITE = "https://www.haert.nl"
OTHER_URLS = [
    f"{PUBLIC_SITE}/",
    f"{PUBLIC_SITE}/opdrachten",
    f"{PUBLIC_SITE}/professionals/topopdrachtgevers/opdrachten-bij-gemeente-voorne-aan-zee",
    f"{PUBLIC_SITE}/kennis/terugkijken/1226907638/3d6f80961c",
]


def assignment_page(
    path: str,
    number: str,
    title: str,
    *,
    client: str,
    place: str,
    seat: str,
    period: str,
    rate: str | None,
    hours: str,
    badge: str | None,
    posted: str,
    valid_through: str | None,
    sections: dict[str, list[str]],
    zzp_item: bool = False,
    closed: bool = False,
) -> str:
    """A page in Haert's structure (section 3 of `shared/sources/haert.md`)."""
    posting = {
        "@type": "JobPosting",
        "title": title,
        "employmentType": "CONTRACTOR",
        "datePosted": posted,
        "identifier": number,
        "@id": f"{PUBLIC_SITE}{path}",
        "hiringOrganization": {"@type": "Organization", "name": "Haert", "sameAs": PUBLIC_SITE},
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": place, "addressCountry": "NL"},
        },
        "description": "".join(
            f"<h3>{html.escape(header)}</h3>"
            + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
            for header, lines in sections.items()
        ),
    }
    if valid_through:
        posting["validThrough"] = valid_through
    if rate:
        posting["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": "EUR",
            "value": {"@type": "QuantitativeValue", "value": rate, "unitText": "HOUR"},
        }
    items = [
        ("fa-briefcase-rounded-outline", client),
        ("fa-location-rounded-outline", place),
        ("fa-calender-rounded-outline", period),
    ]
    items += [("fa-salary-rounded-outline", f"€ {rate} per uur")] if rate else []
    items += [("fa-clock-rounded-outline", hours)]
    items += [("fa-job-application-rounded-outline", "Ook geschikt voor ZZP")] if zzp_item else []
    items += [("fa-circle-info-rounded-outline", badge)] if badge else []
    hero = "".join(
        f'<li class="meta-list__item"><i class="meta-list__icon fa-kit {icon} text-white" '
        f'aria-hidden="true"></i><span class="meta-list__text">{html.escape(text)}</span></li>'
        for icon, text in items
    )
    button = (
        '<button class="btn" disabled>Reactietermijn gesloten</button>'
        if closed
        else '<a class="btn btn-color-02" href="#form">Reageer direct</a>'
    )
    body = "".join(
        f"<section><h2>{html.escape(header)}</h2>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        + "</section>"
        for header, lines in sections.items()
    )
    similar = (
        '<section class="similar"><h2>Vergelijkbare opdrachten</h2><ul class="meta-list '
        'meta-list--icons">'
        '<li class="meta-list__item"><i class="fa-kit fa-job-application-rounded-outline"></i>'
        '<span>Ook geschikt voor ZZP</span></li><li class="meta-list__item">'
        '<i class="fa-kit fa-briefcase-rounded-outline"></i><span>Gemeente '
        "Gorinchem</span></li></ul></section>"
    )
    graph = json.dumps({"@context": "https://schema.org", "@graph": [posting]})
    return (
        f'<!DOCTYPE html><html lang="nl"><head><link rel="canonical" href="{PUBLIC_SITE}{path}" />'
        f'<script type="application/ld+json">{graph}'
        f"</script><title>{html.escape(title)} - Haert</title></head>"
        f'<body class="page-node-type-assignment"><section class="assignment-hero">'
        f'<div class="assignment-hero__inner container"><h1>{html.escape(title)}</h1>'
        f'<ul class="meta-list meta-list--icons">{hero}</ul><div>{button}</div></div></section>'
        f"<article>{body}</article>"
        '<section class="assignment-client-logo"><h2>In opdracht van</h2><h3 '
        f'class="h6">{html.escape(client)}</h3>'
        f"<p>{html.escape(seat)}</p></section>{similar}</body></html>"
    )


def written_cases() -> dict[str, tuple[str, str]]:
    """path → (lastmod, page) of the awkward cases."""
    cases = {
        "/opdrachten/hr-adviseur-39565": (
            "2026-08-27T07:40Z",
            assignment_page(
                "/opdrachten/hr-adviseur-39565",
                "39565",
                "HR-adviseur",
                client="GGD Hollands Noorden",
                place="Schagen",
                seat="Alkmaar",
                period="1 sep 2026 - 31 dec 2026",
                rate="88",
                hours="24 uur per week",
                badge=None,
                posted="2026-08-20",
                valid_through="2026-09-03",
                sections={
                    "Wat ga je doen": ["Je adviseert leidinggevenden over verzuim en formatie."],
                    "Wat je ook moet weten": ["Een VOG is verplicht."],
                },
                closed=True,
            ),
        ),
        "/opdrachten/projectleider-energietransitie-deta-vast-58213": (
            "2026-09-10T14:09Z",
            assignment_page(
                "/opdrachten/projectleider-energietransitie-deta-vast-58213",
                "58213",
                "Projectleider energietransitie (deta-vast)",
                client="Haert inzake Gemeente Gorinchem",
                place="Gorinchem",
                seat="Gorinchem",
                period="7 sep - 21 dec 2026",
                rate="120",
                hours="32 - 40 uur per week",
                badge="Reageer uiterlijk 25 september",
                posted="2026-09-10",
                valid_through=None,
                zzp_item=True,
                sections={
                    "Wat ga je doen": [
                        "Je trekt de wijkaanpak aardgasvrij.",
                        "Tarief: max. € 120 per uur.",
                    ],
                    "Wie ben jij?": [
                        "Minimaal vijf jaar ervaring als projectleider.",
                        "Een HBO-opleiding in techniek of bestuurskunde.",
                    ],
                },
            ),
        ),
        "/opdrachten/teamleider-ccuehhhck-76612": (
            "2026-09-16T09:02Z",
            assignment_page(
                "/opdrachten/teamleider-ccuehhhck-76612",
                "76612",
                "Teamleider Klant Contact Centrum",
                client="Avres",
                place="Gorinchem",
                seat="Gorinchem",
                period="1 okt 2026 - 31 mrt 2027",
                rate="75",
                hours="36 uur per week",
                badge="Nieuw",
                posted="2026-09-16",
                valid_through="2026-09-29",
                sections={
                    "Wat ga je doen": ["Je geeft leiding aan twaalf klantadviseurs."],
                    "Wat je ook moet weten": [
                        "Voor deze opdracht zijn geen zzp'ers mogelijk.",
                        "Een VOG is vereist.",
                    ],
                },
            ),
        ),
    }
    return cases


class HaertReplica(SitemapReplica):
    name = "haert"
    public_site = PUBLIC_SITE

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        folder = resources.files(__name__) / "pages"
        pages = {
            f"/opdrachten/{entry.name.removesuffix('.html')}": entry.read_text(encoding="utf-8")
            for entry in folder.iterdir()
            if entry.name.endswith(".html")
        }
        lastmods = {"/opdrachten/zwemonderwijzer-13184": "2026-09-17T12:30Z"}
        for path, (lastmod, page) in written_cases().items():
            pages[path], lastmods[path] = page, lastmod
        super().__init__(pages, lastmods, OTHER_URLS, host=host, port=port)

    def summary(self) -> str:
        return (
            f"{len(self.pages)} assignment pages (one closed) in its sitemap, with its other pages"
        )
