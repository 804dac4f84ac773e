"""--check-config: every program validates its configuration and exits,
contacting nothing. The shipped examples in config/ pass; a wrong key, a
wrong type, an out-of-range value and a bad room are refused with exit 2
and a message naming the file, line and key."""
import os
import subprocess

import pytest

from conftest import SOURCE, binary

ENV = dict(os.environ, BIGO_PUSH_ACCOUNTS="bigoUser1:secret", BIGO_PLATFORM_ABBR="inke", SIGN_API_KEY="k")


def check(program, *args):
    p = subprocess.run([binary(program), *args, "--check-config"], capture_output=True, text=True, env=ENV,
                       timeout=30)
    return p.returncode, p.stdout + p.stderr


def shipped():
    """(program, file) for every example in config/: collector*.yaml, bigo*.yaml, sidecar*.yaml."""
    out = []
    for f in sorted(os.listdir(os.path.join(SOURCE, "config"))):
        if f.endswith(".yaml"):
            out.append(("livetap-" + f.split(".")[0].split("-")[0], f))
    return out


@pytest.mark.parametrize("program,example", shipped())
def test_shipped_examples_pass(program, example):
    rc, out = check(program, "--config", os.path.join(SOURCE, "config", example))
    assert rc == 0, out
    assert out.startswith("configuration OK"), out


@pytest.mark.parametrize("text,expected", [
    ("kafka:\n  bootstrap_servers: h:9092\n  lingr_ms: 5\n", ["bad.yaml:3", "lingr_ms"]),
    ("rooms: [\"@a\"]\nsign:\n  rate_per_minute: fast\n", ["bad.yaml:3", "sign.rate_per_minute", "integer"]),
    ("rooms: [\"@a\"]\nsign:\n  burst: 0\n", ["bad.yaml:3", "sign.burst"]),
    ("rooms: [\"@ok\", \"not a room!\"]\n", ["rooms"]),
    ("rooms: [\"@a\"]\nkafka:\n  bootstrap_servers: ${LT_SURELY_UNSET_VAR}\n", ["LT_SURELY_UNSET_VAR"]),
])
def test_collector_refuses_bad_files(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    rc, out = check("livetap-collector", "--config", str(path))
    assert rc == 2, out
    for word in expected:
        assert word in out, (word, out)


def test_bigo_and_sidecar_refuse_bad_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("listen:\n  port: 99999\n")
    rc, out = check("livetap-bigo", "--config", str(bad))
    assert rc == 2 and "listen.port" in out, out
    bad.write_text("kafka:\n  bogus: 1\n")
    rc, out = check("livetap-sidecar", "--config", str(bad))
    assert rc == 2 and "bogus" in out, out
    bad.write_text("event_loop: select\n")
    rc, out = check("livetap-sidecar", "--config", str(bad))
    assert rc == 2 and "event_loop: expected epoll or poll" in out and "select" in out, out
    rc, out = check("livetap-sidecar", "--event-loop", "kqueue")
    assert rc == 2 and "kqueue" in out, out


def test_bigo_dedupe_seed_keys(tmp_path):
    """The restart dedupe keys (dedupe.*) are validated like any other."""
    good = tmp_path / "good.yaml"
    good.write_text("dedupe:\n  seed: true\n  seed_lookback_s: 7200\n  seed_timeout_ms: 30000\n"
                    "  seed_max_records: 500000\n")
    rc, out = check("livetap-bigo", "--config", str(good))
    assert rc == 0 and "dedupe seed on" in out, out
    rc, out = check("livetap-bigo", "--config", str(good), "--set", "dedupe.seed=false")
    assert rc == 0 and "dedupe seed off" in out, out
    for text, key in [("dedupe:\n  seed_timeout_ms: 999999\n", "dedupe.seed_timeout_ms"),
                      ("dedupe:\n  seed_lookback_s: 0\n", "dedupe.seed_lookback_s"),
                      ("dedupe:\n  seed: maybe\n", "dedupe.seed"),
                      ("dedupe:\n  seed_lookbak_s: 60\n", "seed_lookbak_s")]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        rc, out = check("livetap-bigo", "--config", str(bad))
        assert rc == 2 and "bad.yaml:2" in out and key in out, (text, out)
