#!/usr/bin/env python3
"""check-tidy.py - clang-tidy over src/, failing on any finding not in the baseline.

The checks are in .clang-tidy (the Clang static analyzer's path-sensitive
checks - null dereference, use after free, leaks, uninitialised reads - and
the bugprone-* family, minus style-only ones). Every src/**/*.c in the build's
compile_commands.json is analysed with its real flags, so the module include
roots and the generated protobuf headers are what the compiler saw.

Findings that existed when the check was introduced are listed in
.ci/clang-tidy-baseline.txt, one per line as "<count> <file>: <message> [<check>]"
(no line numbers, so edits elsewhere in a file do not disturb it). The check
fails when a file has more findings of one kind than the baseline allows and
prints the new ones with their lines. Fix the code; baseline a finding only
when it is a false positive, by running with --update and committing the
diff with the reason in the commit message. Fixed findings leave the
baseline with the next --update (a count above today's is harmless).

Usage: scripts/check-tidy.py [--build build] [--jobs N] [--update] [FILE.c ...]
  FILE.c ...  analyse only these (a quick look at the files you changed; the
              baseline is compared for them alone, --update refuses)
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BASELINE = os.path.join(ROOT, ".ci", "clang-tidy-baseline.txt")
FINDING = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?:warning|error): (?P<msg>.*) \[(?P<check>[^\]]+)\]$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_tidy():
    for name in ("clang-tidy", "clang-tidy-14"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check-tidy: clang-tidy not found; install the Debian package clang-tidy (scripts/setup.sh does)")


def sources(build, only):
    db = os.path.join(build, "compile_commands.json")
    if not os.path.exists(db):
        sys.exit(f"check-tidy: {db} missing; configure and build first (scripts/setup.sh)")
    with open(db) as f:
        entries = json.load(f)
    src = os.path.join(ROOT, "src") + os.sep
    files = sorted({os.path.realpath(e["file"]) for e in entries if os.path.realpath(e["file"]).startswith(src)})
    if only:
        wanted = {os.path.realpath(p) for p in only}
        missing = wanted - set(files)
        if missing:
            sys.exit(f"check-tidy: not a src/ file of {db}: {', '.join(sorted(missing))}")
        files = sorted(wanted)
    if not files:
        sys.exit(f"check-tidy: no file under src/ in {db}")
    return files


def run_one(tidy, build, path):
    proc = subprocess.run([tidy, "-p", build, "--quiet", "--extra-arg=-Wno-unknown-warning-option", path],
                          capture_output=True, text=True)
    found = []
    for line in ANSI.sub("", proc.stdout).splitlines():
        m = FINDING.match(line)
        if not m:
            continue
        # a header reached through a module's include root (build/include/<m>/core/x.h)
        # is reported under its real path, once for all the files that include it
        real = os.path.relpath(os.path.realpath(m.group("file")), ROOT)
        found.append((real, int(m.group("line")), m.group("msg"), m.group("check")))
    if proc.returncode != 0 and not found:
        sys.stderr.write(proc.stderr)
        sys.exit(f"check-tidy: clang-tidy failed on {path} (exit {proc.returncode})")
    return found


def key(f):
    return f"{f[0]}: {f[2]} [{f[3]}]"


def load_baseline():
    allowed = collections.Counter()
    if os.path.exists(BASELINE):
        with open(BASELINE) as fh:
            for line in fh:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                count, _, k = line.partition(" ")
                allowed[k] = int(count)
    return allowed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--update", action="store_true", help="rewrite the baseline with today's findings")
    ap.add_argument("files", nargs="*", help="only these src/ files")
    args = ap.parse_args()
    if args.update and args.files:
        sys.exit("check-tidy: --update analyses every file; give no FILE")
    tidy = find_tidy()
    build = os.path.abspath(args.build)
    files = sources(build, args.files)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: run_one(tidy, build, p), files))
    findings = sorted(set(f for r in results for f in r))  # a header's finding once
    took = time.monotonic() - start
    counts = collections.Counter(key(f) for f in findings)
    if args.update:
        with open(BASELINE, "w") as fh:
            fh.write("# clang-tidy findings accepted as false positives or left for later (scripts/check-tidy.py);\n"
                     "# '<count> <file>: <message> [<check>]', written by scripts/check-tidy.py --update.\n")
            for k in sorted(counts):
                fh.write(f"{counts[k]} {k}\n")
        print(f"check-tidy: baseline rewritten, {len(findings)} findings in {len(files)} files ({took:.0f} s)")
        return 0
    allowed = load_baseline()
    new = []
    by_key = collections.defaultdict(list)
    for f in findings:
        by_key[key(f)].append(f)
    for k, fs in sorted(by_key.items()):
        if len(fs) > allowed.get(k, 0):
            new += fs  # which of them is new cannot be told without lines: show them all
    for f in new:
        print(f"{f[0]}:{f[1]}: {f[2]} [{f[3]}]")
    if new:
        print(f"check-tidy: new clang-tidy findings above (a kind listed more often than "
              f".ci/clang-tidy-baseline.txt allows); fix them, or see the header of scripts/check-tidy.py "
              f"({took:.0f} s, {len(files)} files)", file=sys.stderr)
        return 1
    gone = 0 if args.files else sum(max(0, n - counts.get(k, 0)) for k, n in allowed.items())
    print(f"check-tidy: {len(files)} files, {len(findings)} baselined findings, no new one"
          + (f", {gone} fixed since the baseline (--update drops them)" if gone else "") + f" ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
