"""The collector.yaml the chart renders uses keys the collector knows.

The chart writes the collector's configuration file; the collector refuses a
file with a key it does not know. This test renders every value set and
checks each key (and its type) against `livetap-collector
--config-reference`, the table generated from the collector's own option
table, so a renamed key on either side fails here instead of in a pod.

Keys the chart writes for collector features that are specified but not
implemented yet are listed in PENDING; remove them from it as they land.
Skipped when the collector has not been built (LT_BUILD_DIR, default build/).
"""
import os
import pathlib
import re
import subprocess

import pytest
import yaml

from test_render import EXAMPLES, dep, example

ROOT = pathlib.Path(os.environ.get("LT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get("LT_BUILD_DIR", ROOT / "build"))
COLLECTOR = BUILD / "livetap-collector"

# every key the chart writes is checked (admin.* and group.* included)
PENDING = ()

TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "list": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "mapping": lambda v: isinstance(v, dict),
}


def reference():
    if not COLLECTOR.exists():
        pytest.skip(f"{COLLECTOR} not built")
    p = subprocess.run([str(COLLECTOR), "--config-reference"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    keys = {}
    for m in re.finditer(r"^\| `([a-z0-9_.]+)` \| ([a-z]+)", p.stdout, re.M):
        keys[m.group(1)] = m.group(2)
    assert len(keys) > 10, "the reference table did not parse"
    return keys


def leaves(cfg, ref, prefix=""):
    """(dotted key, value) down to the keys the reference names (mappings like kafka.properties stop there)."""
    for k, v in cfg.items():
        key = prefix + k
        if isinstance(v, dict) and key not in ref:
            yield from leaves(v, ref, key + ".")
        else:
            yield key, v


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_rendered_collector_keys_are_known(name):
    ref = reference()
    objs = example(name)
    if ("ConfigMap", "livetap-collector") not in objs:
        pytest.skip("collector disabled in this set")
    (text,) = objs[("ConfigMap", "livetap-collector")]["data"].values()
    cfg = yaml.safe_load(text)
    checked = 0
    for key, value in leaves(cfg, ref):
        if key.split(".")[0] in PENDING:
            continue
        assert key in ref, f"{name}: the chart writes {key}, which the collector does not know"
        assert TYPE_CHECKS[ref[key]](value), f"{name}: {key} = {value!r} is not a {ref[key]}"
        checked += 1
    assert checked >= 8
    dep(objs, "collector")  # the Deployment that mounts it exists
