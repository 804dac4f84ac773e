#!/usr/bin/env python3
"""check-standalone.py - the repository stands alone: nothing in it points outside it.

A user has the repository and nothing else, so every fact the code relies on
is written up in docs/ (the protocol facts in docs/protocol/) and every
reference must resolve inside the tree. Fails (exit 1, one line per finding,
file:line) when a tracked text file
  - names a document that is not in the repository (the project's private
    notes, listed in OUTSIDE below) or a path that leads out of the tree;
  - in a Markdown file, links a relative path that does not exist in the
    tree or lies outside it;
  - cites a section (§3.2) without naming the docs/protocol/ page, or cites
    one that page does not have (its headings are "## 3." / "### 3.2 ...");
  - in src/, includes a header by a relative path out of its folder
    (#include "../kafka/x.h"): includes name the module ("kafka/x.h"), which
    is what the build's per-module include roots check (CMakeLists.txt).

Usage: scripts/check-standalone.py [--root DIR]   (run by .ci/run)
"""
import argparse
import os
import re
import subprocess
import sys

# The documents that exist only outside the repository, and paths that lead there.
OUTSIDE = re.compile(
    r"(\.\./shared\b|\bshared/docs\b|/work/"
    r"|\b(?:webcast-protocol|bigo-protocol|design|anchors|kafka-dev-runtime|style)\.md\b)"
)
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)")
PROTOCOL_DOC = re.compile(r"\bprotocol/([a-z0-9_-]+\.md)\b")
RELATIVE_INCLUDE = re.compile(r'^\s*#\s*include\s*"\.\./')
HEADING = re.compile(r"^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s")

SELF = "scripts/check-standalone.py"


def tracked_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p]


def read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None  # a tracked file deleted in the work tree
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def sections_of(root, doc, cache):
    """The section numbers a docs/protocol page has (from its numbered headings)."""
    if doc not in cache:
        found = set()
        text = read_text(os.path.join(root, "docs", "protocol", doc))
        for line in (text or "").splitlines():
            m = HEADING.match(line)
            if m:
                found.add(m.group(1))
        cache[doc] = found if text is not None else None
    return cache[doc]


def check_file(root, rel, text, cache):
    problems = []
    lines = text.splitlines()
    for no, line in enumerate(lines, 1):
        m = OUTSIDE.search(line)
        if m:
            problems.append(f"{rel}:{no}: names '{m.group(0)}', which is not in the repository; "
                            "link the repository's own docs/ instead (write the facts there)")
    if rel.startswith("src/") and rel.endswith((".c", ".h")):
        for no, line in enumerate(lines, 1):
            if RELATIVE_INCLUDE.match(line):
                problems.append(f"{rel}:{no}: includes a header by a relative path; name its module "
                                "(\"core/log.h\") so that the build checks the layering")
    if rel.endswith(".md"):
        base = os.path.dirname(os.path.join(root, rel))
        for no, line in enumerate(lines, 1):
            for target in MD_LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                    continue  # a URL or an anchor in this page
                path = os.path.normpath(os.path.join(base, target.split("#", 1)[0]))
                inside = os.path.commonpath([path, os.path.abspath(root)]) == os.path.abspath(root)
                if not inside or not os.path.exists(path):
                    problems.append(f"{rel}:{no}: link '{target}' does not lead to a file in the repository")
    if rel.startswith("docs/protocol/"):
        docs = [os.path.basename(rel)]  # a page citing its own sections
    else:
        docs = sorted(set(PROTOCOL_DOC.findall(text)))
    for no, line in enumerate(lines, 1):
        for sec in SECTION.findall(line):
            if not docs:
                problems.append(f"{rel}:{no}: cites §{sec} but names no docs/protocol/ page")
                continue
            known = [sections_of(root, d, cache) for d in docs]
            if all(k is None for k in known):
                problems.append(f"{rel}:{no}: cites §{sec} of {', '.join(docs)}, which does not exist")
            elif not any(k and sec in k for k in known):
                problems.append(f"{rel}:{no}: cites §{sec}, which {' / '.join(docs)} does not have")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    problems, cache, count = [], {}, 0
    for rel in tracked_files(root):
        if rel == SELF:
            continue
        text = read_text(os.path.join(root, rel))
        if text is None:
            continue
        count += 1
        problems += check_file(root, rel, text, cache)
    for p in problems:
        print(p)
    if problems:
        print(f"check-standalone: {len(problems)} problem(s) above", file=sys.stderr)
        return 1
    print(f"check-standalone: {count} files, every reference resolves inside the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
