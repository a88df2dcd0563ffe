"""`python -m crawler.sources [README.md]`: write the README's parts that list sources from
the registry (`crawler.sources.readme`)."""

import sys
from pathlib import Path

from crawler.sources.readme import with_generated_parts

path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
path.write_text(with_generated_parts(path.read_text(encoding="utf-8")), encoding="utf-8")
print(f"{path}: the sources' parts written from the registry")
