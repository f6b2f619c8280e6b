#!/usr/bin/env python3
"""Checks that the repository's docs and code comments cite only what is in the repository.

Run from the repository root (CI runs it from `.ci/run`); exits 1 listing every problem:
- a mention of `../shared`, `DESIGN §`, `flee-spec §` or the `COMMON` contract (files outside the
  repository that earlier versions cited);
- a section reference `docs/NAME.md §N` (or `NAME.md §N` inside docs/) whose file does not exist
  or has no heading numbered N;
- a relative Markdown link `[text](path)` in a .md file whose target does not exist.

Only tracked and untracked-but-not-ignored files are read (git ls-files), so build outputs and
the local `target/` never count.
"""

import re
import subprocess
import sys
from pathlib import Path

FORBIDDEN = [
    (re.compile(r"\.\./shared"), "cites ../shared (outside the repository)"),
    (re.compile(r"\bDESIGN §"), "cites DESIGN § (use docs/design.md §)"),
    (re.compile(r"\bflee-spec(\.md)? ?§"), "cites flee-spec § (use docs/flee-rules.md §)"),
    (re.compile(r"\bCOMMON(\.md)?\b(?! *=)"), "cites the COMMON contract (use docs/design.md §5)"),
]
SECTION_REF = re.compile(r"(?:docs/)?([a-z0-9_-]+\.md) ?§ ?([0-9]+(?:\.[0-9]+)*[a-z]?)")
MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+\s+§?([0-9]+(?:\.[0-9]+)*[a-z]?)[.\s]", re.M)


def files():
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in out.splitlines():
        p = Path(name)
        if p.suffix in (".rs", ".md", ".toml", ".sh", ".py") and p.is_file():
            yield p


def sections(doc: Path, cache={}):
    if doc not in cache:
        cache[doc] = set(HEADING.findall(doc.read_text(encoding="utf-8"))) if doc.is_file() else None
    return cache[doc]


def main() -> int:
    problems = []
    this = Path(__file__).resolve()
    for path in files():
        if path.resolve() == this:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            where = f"{path}:{lineno}"
            # The scenario reader's list of keys every event has is code, not a citation.
            if path.suffix == ".rs" and "EVENT_COMMON" in line:
                continue
            for pat, why in FORBIDDEN:
                if pat.search(line):
                    problems.append(f"{where}: {why}")
            for name, sec in SECTION_REF.findall(line):
                doc = Path("docs") / name
                found = sections(doc)
                if found is None:
                    problems.append(f"{where}: cites {name} §{sec}, but docs/{name} does not exist")
                elif sec not in found:
                    problems.append(f"{where}: cites {name} §{sec}, but docs/{name} has no section {sec}")
            if path.suffix == ".md":
                for target in MD_LINK.findall(line):
                    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                        continue
                    rel = target.split("#", 1)[0]
                    if rel and not (path.parent / rel).exists():
                        problems.append(f"{where}: link to {target}, which does not exist")
    for p in problems:
        print(p)
    print(f"doc references: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
