"""librdkafka properties reach librdkafka whatever their number and length
(kafka/conf.h): the collector used to keep the first 128 and cut names at 255
bytes, livetap-demo refused a 33rd. Each program is given many properties,
the last one wrong, and must refuse to start naming exactly that one (a
dropped property would let it start). Nothing needs a broker to answer: the
configuration is refused before any connection."""
import os
import subprocess

from conftest import BOOTSTRAP, binary

MANY = 200


def many(last):
    args = []
    for i in range(MANY - 1):
        args += ["--property", f"linger.ms={i % 50}"]
    return args + ["--property", last]


def collector(*args, timeout=60):
    cmd = [binary("livetap-collector"), "--rooms", "7400000000000000000", "--kafka", BOOTSTRAP, "--registry", "",
           "--admin-port", "0", "--web-base", "http://127.0.0.1:9", "--api-base", "http://127.0.0.1:9",
           "--sign-url", "http://127.0.0.1:9", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_the_200th_property_is_applied():
    run = collector(*many("no.such.property.two.hundred=1"))
    assert run.returncode == 2, run.stderr[-2000:]
    assert 'Kafka property "no.such.property.two.hundred"' in run.stderr, run.stderr[-2000:]
    check = collector("--check-config", *many("acks=sometimes"))
    assert check.returncode == 2
    assert 'Kafka property "acks": Invalid value' in check.stderr, check.stderr[-2000:]


def test_a_long_property_name_is_named_whole():
    name = "x." + "n" * 398
    run = collector("--property", f"{name}=1")
    assert run.returncode == 2, run.stderr[-2000:]
    assert f'Kafka property "{name}"' in run.stderr, run.stderr[-2000:]


def test_a_property_without_a_value_is_refused_by_name():
    run = collector("--check-config", "--set", "kafka.properties=compression.codec")
    assert run.returncode == 2
    assert "compression.codec" in run.stderr


def test_demo_takes_more_than_32_properties():
    args = []
    for i in range(40):
        args += ["--property", f"linger.ms={i}"]
    run = subprocess.run([binary("livetap-demo"), "--kafka", BOOTSTRAP, "--no-registry", "--rooms", "1",
                          "--events-per-room", "1", *args, "--property", "no.such.forty.first=1"],
                         capture_output=True, text=True, timeout=60, env={**os.environ})
    assert run.returncode == 2, run.stderr[-2000:]
    assert 'Kafka property "no.such.forty.first"' in run.stderr, run.stderr[-2000:]
