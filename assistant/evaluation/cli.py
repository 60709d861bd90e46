"""`evals`: run the question sets in evals/ through Assistant.

The scoring runner and regression gate are tracked in the evals issue; until
they land this command lists the question sets it finds.
"""

from __future__ import annotations

import sys

import yaml

from assistant.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    sets = sorted((settings.root / "evals").glob("*.yaml"))
    if not sets:
        print("no question sets yet (evals/*.yaml)")
        return 0
    for path in sets:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        print(f"{path.name}: {len(data.get('cases', []))} cases")
    print("scoring and the regression gate are not implemented yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
