"""The time zone the model speaks in: listings give Dutch local times, deadlines are shown and
searched by Amsterdam day, digests go out on Amsterdam mornings."""

from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
