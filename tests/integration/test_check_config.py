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


@pytest.mark.parametrize("program,args,expected", [
    ("livetap-sidecar", ["--port", "70000"], ["--port 70000", "port", "0 to 65535"]),
    ("livetap-sidecar", ["--port", "abc"], ["--port abc", "port", "integer"]),
    ("livetap-sidecar", ["--set", "limits.max_clients=0"], ["limits.max_clients", "1 to 1000000"]),
    ("livetap-sidecar", ["--set", "limits.nope=1"], ["unknown key", "limits.nope"]),
    ("livetap-sim", ["--rooms", "abc"], ["--rooms abc", "rooms"]),
    ("livetap-sim", ["--port", "70000"], ["--port 70000", "port"]),
    ("livetap-demo", ["--events-per-room", "-5"], ["--events-per-room -5", "events_per_room"]),
    ("livetap-bigo", ["--port", "abc"], ["--port abc", "listen.port", "integer"]),
    ("livetap-bigo", ["--set", "push.accounts=a:b", "--set", "push.abbr=x", "--set", "push.sign_check=maybe"],
     ["push.sign_check", "maybe"]),
    ("livetap-recorder", ["--registry", "http://r", "--set", "storage.segment_s=0"], ["storage.segment_s"]),
    ("livetap-recorder", ["--registry", ""], ["kafka.registry_url", "required"]),
])
def test_bad_numbers_and_keys_are_refused(program, args, expected):
    """Issue 17: `--port abc` became 0 and a port above 65535 was accepted; every
    program now refuses a bad number with exit 2, naming the flag, key and value."""
    rc, out = check(program, *args)
    assert rc == 2, out
    for word in expected:
        assert word in out, (word, out)


def test_sidecar_file_port_bounds_zero_and_env(tmp_path):
    """The sidecar's file goes through the core table: a port above 65535 is refused
    with file:line and key, port: 0 is any free port (as --port 0), ${VAR} works,
    and --check-config prints the effective configuration with secrets masked."""
    cfg = tmp_path / "sidecar.yaml"
    cfg.write_text("listen: 127.0.0.1\nport: 70000\n")
    rc, out = check("livetap-sidecar", "--config", str(cfg))
    assert rc == 2 and "sidecar.yaml:2: port" in out and "70000" in out, out
    cfg.write_text("port: 0\nauth:\n  jwt_secret: ${LT_TEST_JWT}\n  tokens: [aaaaaaaaaaaaaaaaaaaa]\n"
                   "kafka:\n  properties: [\"sasl.password=pw-in-file\"]\n")
    p = subprocess.run([binary("livetap-sidecar"), "--config", str(cfg), "--check-config"], capture_output=True,
                       text=True, timeout=30, env=dict(ENV, LT_TEST_JWT="a-secret-of-at-least-32-bytes-long!!"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("configuration OK: listen http://127.0.0.1:0,"), p.stdout
    assert "\nport: 0\n" in p.stdout and "auth on" in p.stdout, p.stdout
    for secret in ("a-secret-of-at-least", "aaaaaaaaaaaaaaaaaaaa", "pw-in-file"):
        assert secret not in p.stdout, p.stdout
    assert 'jwt_secret: "***"' in p.stdout and "sasl.password=***" in p.stdout, p.stdout


def test_sidecar_port_zero_in_the_file_binds_any_free_port(tmp_path):
    """port: 0 used to mean 8090 from the file; it binds a free port now, printed at start."""
    cfg = tmp_path / "sidecar.yaml"
    cfg.write_text("port: 0\n")
    p = subprocess.Popen([binary("livetap-sidecar"), "--config", str(cfg), "--no-registry",
                          "--kafka", os.environ.get("LT_KAFKA_BOOTSTRAP", "127.0.0.1:19092")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
    finally:
        p.terminate()
        p.wait(timeout=20)
    assert line.startswith("livetap-sidecar listening on http://127.0.0.1:"), (line, p.stderr.read())
    port = int(line.rsplit(":", 1)[1].strip("/\n"))
    assert port != 8090 and port > 0, line
