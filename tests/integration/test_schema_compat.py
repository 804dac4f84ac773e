"""The schema evolution guard (scripts/check-schema-compat.py) against the real registry.

The branch's schemas must be BACKWARD-compatible with the release point's
(schemas/RELEASED); a breaking change must fail with the type and the field
named, and a compatible addition must pass.
"""
import json
import pathlib
import shutil
import subprocess
import sys

from conftest import REGISTRY

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-schema-compat.py"


def check(schemas):
    return subprocess.run([sys.executable, str(SCRIPT), "--registry", REGISTRY, "--schemas", str(schemas)],
                          capture_output=True, text=True, timeout=300)


def edit(path, change):
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))


def test_branch_schemas_are_backward_compatible_with_the_release():
    r = check(ROOT / "schemas")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 incompatible" in r.stdout


def test_a_breaking_change_fails_naming_the_field(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    edit(schemas / "chat.avsc", lambda s: s["fields"].append({"name": "mood", "type": "string"}))
    edit(schemas / "like.avsc",
         lambda s: [f.update(type="string") for f in s["fields"] if f["name"] == "count"])
    edit(schemas / "gift.avsc",
         lambda s: s["fields"].append({"name": "note", "type": ["null", "string"], "default": None}))
    r = check(schemas)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("  ")}
    assert "field `mood` added without a default" in lines["chat"]
    assert "field `count` changed type int -> string" in lines["like"]
    assert "BACKWARD-compatible" in lines["gift"] and "NOT" not in lines["gift"]
    assert "2 incompatible" in r.stdout


def test_a_shared_record_change_is_judged_in_every_type_that_uses_it(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    edit(schemas / "io.livetap.User.avsc",
         lambda s: s["fields"].append({"name": "region", "type": "string"}))
    r = check(schemas)
    assert r.returncode == 1, r.stdout + r.stderr
    broken = [line.split()[0] for line in r.stdout.splitlines() if "NOT BACKWARD" in line]
    assert "chat" in broken and "gift" in broken
    assert all(line.endswith("region` added without a default")
               for line in r.stdout.splitlines() if "NOT BACKWARD" in line)
