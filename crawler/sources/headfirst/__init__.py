"""What Striive and Inhuurdesk share: the HeadFirst back end answers both lists with the same
item schema (`shared/sources/striive.md`). The list answer's page object (`pages.py`), the
item → `Tender` mapping (`normalize.py`), the paged-list spider (`spider.py`) and the list
replica (`replica.py`) are written once here; each platform's folder only says what differs
(its path, page size, public URL, reference code)."""
