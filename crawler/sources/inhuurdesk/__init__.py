"""Inhuurdesk (municipalities, provinces and public companies through the Nétive/Staffing
desks): its public list endpoint, on the HeadFirst schema shared with Striive
(`crawler/sources/headfirst/`). See section 9 of `shared/sources/striive.md`."""
