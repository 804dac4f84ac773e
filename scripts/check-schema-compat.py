#!/usr/bin/env python3
"""check-schema-compat.py - every schema on this branch is BACKWARD-compatible
with the same schema at the previous release point, judged by a real registry.

The Avro schemas are the data contract (docs/topics.md): a consumer built
against the released schemas must keep reading what livetap writes. For each
schemas/<type>.avsc that exists at the release point, this script registers
the released version in a fresh subject of the running registry, sets that
subject to BACKWARD, and asks the registry whether this branch's version is
compatible (POST /compatibility/subjects/<s>/versions/latest). A schema that
is new on the branch has nothing to be compatible with and passes. On a
break it names the type and, from its own reading of the two schemas, the
fields that break it (removed without a default on the reader side does not
break BACKWARD; added without a default, or a changed type, does), and exits 1.

The release point is the commit named in schemas/RELEASED (one line: a
commit id). Bump it when a release is cut, so that the next changes are
judged against what users then have. Shared records (schemas/io.livetap.*)
are inlined where first referenced, as the collector registers them.

usage: check-schema-compat.py [--registry URL] [--base COMMIT] [--schemas DIR]
  URL defaults to $LT_REGISTRY_URL (the Confluent-compatible API root).
Needs only the Python standard library and git.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def git_show(commit, path):
    r = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def git_ls(commit):
    r = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{commit}", "schemas/"],
                       capture_output=True, text=True, check=True)
    return [pathlib.PurePosixPath(p).name for p in r.stdout.split()]


def inline(schema, shared, namespace="", defined=None):
    """The schema with each shared record's definition at its first reference."""
    defined = set() if defined is None else defined
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema
        full = schema if "." in schema or not namespace else f"{namespace}.{schema}"
        if full in shared and full not in defined:
            defined.add(full)
            return inline(shared[full], shared, full.rpartition(".")[0], defined)
        return full
    if isinstance(schema, list):
        return [inline(s, shared, namespace, defined) for s in schema]
    out = dict(schema)
    t = schema.get("type")
    if t == "record":
        full = schema["name"] if "." in schema["name"] else \
            f"{schema.get('namespace', namespace)}.{schema['name']}".lstrip(".")
        defined.add(full)
        ns = full.rpartition(".")[0]
        out["fields"] = [dict(f, type=inline(f["type"], shared, ns, defined)) for f in schema["fields"]]
    elif t == "array":
        out["items"] = inline(schema["items"], shared, namespace, defined)
    elif t == "map":
        out["values"] = inline(schema["values"], shared, namespace, defined)
    return out


def load_set(read):
    """{type: inlined schema} from a reader of schema file texts by file name."""
    names = read(None)
    shared = {}
    for n in names:
        stem = n[:-5]
        if n.endswith(".avsc") and "." in stem:
            shared[stem] = json.loads(read(n))
    return {n[:-5]: inline(json.loads(read(n)), shared)
            for n in names if n.endswith(".avsc") and "." not in n[:-5]}


def type_name(t):
    if isinstance(t, list):
        return "[" + ",".join(type_name(b) for b in t) + "]"
    if isinstance(t, dict):
        if t.get("type") in ("record", "enum", "fixed"):
            return t["name"]
        if t.get("type") == "array":
            return f"array<{type_name(t['items'])}>"
        if t.get("type") == "map":
            return f"map<{type_name(t['values'])}>"
        return type_name(t["type"])
    return t


def branch_name(t):
    return t["name"] if isinstance(t, dict) and "name" in t else type_name(t)


def explain(old, new, path=""):
    """Reasons a reader on `new` cannot read data written with `old`."""
    reasons = []
    if isinstance(old, dict) and isinstance(new, dict) and old.get("type") == new.get("type") == "record":
        old_fields = {f["name"]: f for f in old["fields"]}
        for f in new["fields"]:
            where = f"{path}{f['name']}"
            if f["name"] not in old_fields:
                if "default" not in f:
                    reasons.append(f"field `{where}` added without a default")
                continue
            reasons += explain(old_fields[f["name"]]["type"], f["type"], where + ".")
        return reasons
    if isinstance(old, list) and isinstance(new, list):  # a union: match branches by name
        old_branches = {branch_name(b): b for b in old}
        for b in new:
            if branch_name(b) in old_branches:
                reasons += explain(old_branches[branch_name(b)], b, path)
        if reasons or {branch_name(b) for b in old} <= {branch_name(b) for b in new}:
            return reasons
    if isinstance(old, dict) and isinstance(new, dict) and old.get("type") == new.get("type") == "array":
        return explain(old["items"], new["items"], path.rstrip(".") + "[].")
    if type_name(old) != type_name(new):
        reasons.append(f"field `{path.rstrip('.')}` changed type {type_name(old)} -> {type_name(new)}")
    return reasons


def call(base, method, path, body=None):
    req = urllib.request.Request(base.rstrip("/") + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"})
    # Every call here is idempotent (registering a schema already there
    # returns its id), so a registry that stalls (a JVM pause under a loaded
    # machine: CI once waited 30 s on one POST) is asked again, and said so.
    for attempt in range(1, 4):
        try:
            with urllib.request.urlopen(req, timeout=30 * attempt) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text
        except (TimeoutError, urllib.error.URLError) as e:
            if attempt == 3:
                sys.exit(f"check-schema-compat: {method} {path}: the registry did not answer "
                         f"in 3 tries ({e})")
            print(f"check-schema-compat: {method} {path}: no answer ({e}), asking again",
                  file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--registry", default=os.environ.get("LT_REGISTRY_URL"))
    ap.add_argument("--base", default=None, help="release point (default: schemas/RELEASED)")
    ap.add_argument("--schemas", default=str(ROOT / "schemas"), help="the schemas to judge (default: schemas/)")
    args = ap.parse_args()
    if not args.registry:
        sys.exit("check-schema-compat: no registry: pass --registry URL or set LT_REGISTRY_URL")
    base = args.base or (ROOT / "schemas/RELEASED").read_text().split()[0]
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{base}^{{commit}}"],
                      capture_output=True).returncode != 0:
        sys.exit(f"check-schema-compat: release point {base} is not in this clone's history "
                 "(a shallow clone? fetch the full history)")
    released = load_set(lambda n: git_ls(base) if n is None else git_show(base, f"schemas/{n}"))
    here = pathlib.Path(args.schemas)
    current = load_set(lambda n: sorted(p.name for p in here.glob("*.avsc"))
                       if n is None else (here / n).read_text())

    run = f"compat-check-{int(time.time() * 1000)}"
    failures, checked = [], 0
    for name in sorted(current):
        if name not in released:
            print(f"  {name:24} new since {base[:10]}: nothing to check")
            continue
        subject = f"{run}-{name}-value"
        st, body = call(args.registry, "POST", f"/subjects/{subject}/versions",
                        {"schema": json.dumps(released[name])})
        if st != 200:
            sys.exit(f"check-schema-compat: registering released {name} failed: HTTP {st} {body}")
        st, body = call(args.registry, "PUT", f"/config/{subject}", {"compatibility": "BACKWARD"})
        if st != 200:
            sys.exit(f"check-schema-compat: setting BACKWARD on {subject} failed: HTTP {st} {body}")
        st, body = call(args.registry, "POST", f"/compatibility/subjects/{subject}/versions/latest",
                        {"schema": json.dumps(current[name])})
        checked += 1
        ok = st == 200 and isinstance(body, dict) and body.get("is_compatible") is True
        if ok and released[name] != current[name]:
            print(f"  {name:24} changed, BACKWARD-compatible")
        elif ok:
            print(f"  {name:24} unchanged")
        else:
            why = explain(released[name], current[name]) or [f"the registry said: HTTP {st} {body}"]
            failures.append((name, why))
            print(f"  {name:24} NOT BACKWARD-compatible with {base[:10]}: " + "; ".join(why))
        call(args.registry, "DELETE", f"/subjects/{subject}")
    print(f"check-schema-compat: {checked} schemas checked against {base[:10]}, "
          f"{len(failures)} incompatible")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
