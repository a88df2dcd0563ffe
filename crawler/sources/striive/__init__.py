"""Striive (Between, HeadFirst, HeadFirst Select, YellowFriday, StarApple: many central-government
clients): its public list API, on the HeadFirst schema shared with Inhuurdesk
(`crawler/sources/headfirst/`). See `shared/sources/striive.md`."""
