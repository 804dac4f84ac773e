"""The coin price list: livetap-collector against livetap-sim and the real
Kafka + registry, and the worked example of docs/gift-value.md.

Checked: with tiktok.price_list_interval_s the collector publishes the
simulator's webcast/diamond/ list to the compacted <prefix>.price_list keyed
by the currency, at start and again each interval; a price change reaches the
topic and the old prices are not published after it; a refusal (HTTP 429)
is counted (livetap_collector_price_list_blocked_total) and backs off (no
request for the rest of the run), a cut-off answer is counted as a failure;
and the worked example in docs/gift-value.md uses a package and a gift that
are what the collector published, with arithmetic that holds.
"""
import os
import pathlib
import re
import time
import urllib.request

from conftest import BOOTSTRAP, REGISTRY, Collector, RegistryDecoder, Sim, consume_to_end, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def decoded(prefix, topic):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for _, key, value, _ in consume_to_end([f"{prefix}.{topic}"]):
        out.append((key.decode() if key else None, decoder.decode(value)[1]))
    return out


def sim_packages(sim):
    """The simulator's list now, as price_list packages."""
    data = sim.get("/webcast/diamond/?aid=1988")["data"]
    return [{"package_id": p["id"], "coins": p["diamond_count"], "usd_cents": p["price"],
             "local_price": p["currency_price"][0]["price"], "local_decimals": p["currency_price"][0]["price_dot"]}
            for p in data]


def worked_example():
    text = (ROOT / "docs" / "gift-value.md").read_text()
    block = re.search(r"```text worked-example\n(.*?)```", text, re.S)
    assert block, "docs/gift-value.md has no worked-example block"
    values = {}
    for line in block.group(1).strip().splitlines():
        k, _, v = line.partition(" = ")
        values[k.strip()] = v.strip()
    return values


def check_example_arithmetic(ex):
    n = lambda k: float(ex[k])
    coins = n("diamonds_added")
    paid_usd = coins * n("package_usd_cents") / n("package_coins")
    paid_local = coins * n("package_local_price") / n("package_coins") / 10 ** n("package_local_decimals")
    creator_diamonds = coins * n("creator_share_of_coin")
    creator_cents = creator_diamonds * n("usd_cents_per_creator_diamond")
    assert round(paid_usd, 2) == n("viewer_paid_usd_cents"), paid_usd
    assert round(paid_local, 2) == n("viewer_paid_local"), paid_local
    assert creator_diamonds == n("creator_diamonds")
    assert creator_cents == n("creator_usd_cents")
    assert round(100 * creator_cents / paid_usd, 2) == n("creator_share_of_paid_percent")
    assert n("diamonds_added") % n("diamond_count") == 0  # whole gifts


def test_price_list_published_and_example_checks(prefix):
    sim = Sim("--rooms", "1", "--rate", "20", "--seed", "7", "--quiet")
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, prefix, ["@simhost0"], "--set", "tiktok.price_list_interval_s=1",
                         "--admin-port-file", port_file)
        port = int(wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30,
                            "the admin port"))
        requests = lambda: sim.get("/_sim/stats")["totals"]["price_requests"]
        original = sim_packages(sim)
        wait_for(lambda: (metric(port, "livetap_collector_price_lists_total") or 0) >= 2, 30,
                 "two price lists published")
        # the gift catalogue is in too (for the example's gift)
        wait_for(lambda: sim.rooms()["simhost0"]["gift_list_requests"] >= 1, 30, "the gift list")

        # prices go up 10 %
        sim.fault("simhost0", price_percent=110)
        raised = sim_packages(sim)
        assert raised != original
        seen = metric(port, "livetap_collector_price_lists_total")
        wait_for(lambda: metric(port, "livetap_collector_price_lists_total") >= seen + 2, 30,
                 "two price lists at the new prices")

        # a cut-off answer: a failure, retried after 60 s (so nothing more in this run)
        sim.fault("simhost0", price_garbage_first=1)
        wait_for(lambda: (metric(port, "livetap_collector_price_list_failures_total") or 0) >= 1, 30,
                 "the cut-off answer counted")
        after_garbage = requests()
        time.sleep(2.5)
        assert requests() == after_garbage, "a failed price list is not asked again within 60 s"
        assert metric(port, "livetap_collector_price_list_blocked_total") == 0
        rc, log = coll.stop()
        coll = None
        assert rc == 0, log[-3000:]
        assert "coin price list (webcast/diamond/) failed" in log, log[-3000:]

        records = decoded(prefix, "price_list")
        assert len(records) >= 4
        assert all(k == "EUR" and v["currency"] == "EUR" for k, v in records)
        assert all(v["room_id"] == "" and v["platform"] == "tiktok" for _, v in records)
        lists = [v["packages"] for _, v in sorted(records, key=lambda kv: kv[1]["event_time"])]
        assert lists[0] == original, (lists[0], original)
        assert lists[-1] == raised
        first_raised = lists.index(raised)
        assert all(p == original for p in lists[:first_raised]) and all(p == raised for p in lists[first_raised:])
        for _, v in records:
            assert abs(v["fetched_at"] - v["event_time"]) < 1000

        from confluent_kafka.admin import AdminClient, ConfigResource
        admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
        res = ConfigResource(ConfigResource.Type.TOPIC, f"{prefix}.price_list")
        assert admin.describe_configs([res])[res].result(timeout=20)["cleanup.policy"].value == "compact"

        # docs/gift-value.md's worked example: its package and gift are what was published
        ex = worked_example()
        check_example_arithmetic(ex)
        assert ex["currency"] == "EUR"
        package = [p for p in lists[0] if p["coins"] == int(ex["package_coins"])]
        assert package, f"no {ex['package_coins']}-coin package in the published list"
        assert package[0]["usd_cents"] == int(ex["package_usd_cents"])
        assert package[0]["local_price"] == int(ex["package_local_price"])
        assert package[0]["local_decimals"] == int(ex["package_local_decimals"])
        gifts = {v["name"]: v for _, v in decoded(prefix, "gift_info")}
        assert gifts[ex["gift_name"]]["diamond_count"] == int(ex["diamond_count"])
        # and the method prices real gift events: coins spent, at that package's rate
        spent = sum(v["diamonds_added"] for _, v in decoded(prefix, "gift"))
        assert spent > 0
        paid = spent * package[0]["usd_cents"] / package[0]["coins"]
        assert paid > spent  # a coin costs more than a US cent in this list
    finally:
        if coll:
            coll.stop()
        sim.stop()


def test_price_list_refusal_backs_off(prefix):
    sim = Sim("--rooms", "1", "--rate", "0", "--quiet", "--fault", "simhost0:price_429_first=1",
              "--fault", "simhost0:currency=GBP")
    coll = None
    try:
        port_file = os.path.join(sim.dir, "admin-port")
        coll = Collector(sim, prefix, ["@simhost0"], "--set", "tiktok.price_list_interval_s=1",
                         "--admin-port-file", port_file)
        port = int(wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30,
                            "the admin port"))
        wait_for(lambda: (metric(port, "livetap_collector_price_list_blocked_total") or 0) >= 1, 30,
                 "the 429 counted")
        time.sleep(3)
        assert sim.get("/_sim/stats")["totals"]["price_requests"] == 1, "backed off after the 429"
        assert metric(port, "livetap_collector_price_lists_total") == 0
        rc, log = coll.stop()
        coll = None
        assert rc == 0
        assert "429" in log and "coin price list" in log
        assert decoded(prefix, "price_list") == []
    finally:
        if coll:
            coll.stop()
        sim.stop()
