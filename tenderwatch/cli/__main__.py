"""`python -m tenderwatch.cli`: how `tenderwatch run` starts its crawl children."""

from tenderwatch.cli import main

main()
