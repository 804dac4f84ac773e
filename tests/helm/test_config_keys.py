"""The collector.yaml and bigo.yaml the chart renders use keys the programs know.

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


def sets_rendering(configmap):
    """The value sets whose rendering has the ConfigMap `configmap` (a set
    that disables a program is no case for its test, not a skip)."""
    return [name for name in sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
            if ("ConfigMap", configmap) in example(name)]

TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "list": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "mapping": lambda v: isinstance(v, dict),
}


def reference(program=COLLECTOR):
    if not program.exists():
        pytest.skip(f"{program} not built")
    p = subprocess.run([str(program), "--config-reference"], capture_output=True, text=True)
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


@pytest.mark.parametrize("name", sets_rendering("livetap-collector"))
def test_rendered_collector_keys_are_known(name):
    ref = reference()
    objs = example(name)
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


@pytest.mark.parametrize("name", sets_rendering("livetap-bigo"))
def test_rendered_bigo_config_is_known_and_loads(name, tmp_path):
    """Every key of the rendered bigo.yaml is in livetap-bigo's table, and the
    program starts with that very file (secrets from the environment as the
    Deployment sets them; dry run, free ports, no pull key file here)."""
    bigo = BUILD / "livetap-bigo"
    ref = reference(bigo)
    objs = example(name)
    (text,) = objs[("ConfigMap", "livetap-bigo")]["data"].values()
    cfg = yaml.safe_load(text)
    checked = 0
    for key, value in leaves(cfg, ref):
        assert key in ref, f"{name}: the chart writes {key}, which livetap-bigo does not know"
        assert TYPE_CHECKS[ref[key]](value), f"{name}: {key} = {value!r} is not a {ref[key]}"
        checked += 1
    assert checked >= 8
    path = tmp_path / "bigo.yaml"
    path.write_text(text)
    env = dict(os.environ, POD_NAME="livetap-bigo-0", BIGO_PASSWORD_0="pw", BIGO_TOKEN_0="access refresh")
    proc = subprocess.Popen([str(bigo), "--config", str(path), "--set", "kafka.dry_run=true",
                             "--set", "listen.port=0", "--set", "listen.address=127.0.0.1",
                             "--set", "admin.port=0", "--set", "admin.listen=127.0.0.1",
                             "--set", "pull.enabled=false"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("listening on "), proc.stderr.read() if proc.poll() is not None else first
        assert proc.stdout.readline().startswith("admin on ")
    finally:
        proc.terminate()
        proc.wait(30)
