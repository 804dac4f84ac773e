"""The sidecar's live view in a real headless browser (Debian's chromium driven
by playwright-core from npm): events published to Kafka while the page is open
appear on it - every chat line, gift streaks collapsed into one row each with
their final count, the last viewer count and like total - the room picker
switches rooms, and a screenshot is saved under the build directory.

Needs /usr/bin/chromium (apt-get install -y chromium) and node; the npm
package is installed into tests/integration/browser/node_modules on first use.
"""
import json
import os
import subprocess
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_sidecar import BUILD, Sidecar, demo, unique  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")
CHROMIUM = os.environ.get("LT_CHROMIUM", "/usr/bin/chromium")


def ensure_playwright():
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300,
                       stdout=subprocess.DEVNULL)


def expected_gift_rows(gifts):
    """The rows the page shows: one per streak (sender, group, gift) until it
    closes, one per non-streakable gift; each with the last repeat count."""
    rows, open_rows = [], {}
    for g in gifts:
        k = (g["user"]["id"], g["group_id"], g["gift_id"])
        row = open_rows.get(k) if g["streakable"] else None
        if row is None:
            row = {"count": None, "closed": False}
            rows.append(row)
            if g["streakable"]:
                open_rows[k] = row
        row["count"] = g["repeat_count"] or 1
        if not g["streakable"] or g["streak_closed"] or g["repeat_end"]:
            row["closed"] = True
            open_rows.pop(k, None)
    return rows


def expected_minutes(events):
    """The chart's rows: per minute of event time, the last viewer count
    (null if none), the likes and the diamonds added."""
    minutes = {}
    for e in events:
        if e["type"] not in ("viewers", "like", "gift"):
            continue
        m = minutes.setdefault(e["event_time"] // 60000 * 60, {"viewers": None, "likes": 0, "diamonds": 0})
        if e["type"] == "viewers":
            m["viewers"] = e["viewer_count"]
        elif e["type"] == "like":
            m["likes"] += e["count"]
        else:
            m["diamonds"] += e["diamonds_added"]
    xs = sorted(minutes)
    return [xs, [minutes[x]["viewers"] for x in xs], [minutes[x]["likes"] for x in xs],
            [minutes[x]["diamonds"] for x in xs]]


def expected_top_gifters(gifts, n=5):
    """Diamonds added per sender (by handle), largest first, ties in order of first gift."""
    by = {}
    for g in gifts:
        if g["diamonds_added"]:
            row = by.setdefault(g["user"]["unique_id"], {"name": g["user"]["nickname"], "diamonds": 0,
                                                         "first": len(by)})
            row["diamonds"] += g["diamonds_added"]
    top = sorted(by.values(), key=lambda r: (-r["diamonds"], r["first"]))[:n]
    return [{"name": r["name"], "score": f"{r['diamonds']:,}"} for r in top]


def test_live_view_in_headless_chromium(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    ensure_playwright()
    prefix = unique("web")
    rp = prefix + "r"
    room, other = rp + "0", rp + "1"
    sc = Sidecar(prefix)
    shot = os.path.join(BUILD, "sidecar-live-view.png")
    manifest = str(tmp_path / "manifest.jsonl")
    per_room = 150
    node = subprocess.Popen(["node", os.path.join(HERE, "live_view.mjs"), sc.http, room, other,
                             str(per_room), shot], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert node.stdout.readline().strip() == "READY", node.stderr.read()
        # published while the page is open, at a pace a person could watch
        publisher = threading.Thread(target=demo, args=(prefix, 1, per_room, rp, manifest, 300))
        publisher.start()
        publisher.join(120)
        out, err = node.communicate(timeout=120)
        assert node.returncode == 0, err
        seen = json.loads(out.strip().splitlines()[-1])
    finally:
        if node.poll() is None:
            node.kill()
        sc.stop()

    with open(manifest) as f:
        events = [json.loads(line) for line in f]
    # Sample avatars and gift images point at hosts that do not exist here;
    # anything else logged as an error (a script error, a WebSocket failure)
    # fails the test.
    assert [e for e in seen["consoleErrors"] if not e.startswith("Failed to load resource")] == []
    assert seen["state"] == "live"
    assert seen["events"] == f"{per_room:,}"
    chats = [e for e in events if e["type"] == "chat"]
    assert len(seen["chat"]) == len(chats) > 0
    for shown, ev in zip(seen["chat"], chats):
        assert shown == ev["user"]["nickname"] + ev["content"]
    viewers = [e for e in events if e["type"] == "viewers"]
    assert seen["viewers"] == f"{viewers[-1]['viewer_count']:,}"
    likes = [e for e in events if e["type"] == "like"]
    assert seen["likes"] == f"{(likes[-1]['total_max'] or likes[-1]['total']):,}"
    gifts = [e for e in events if e["type"] == "gift"]
    want_rows = expected_gift_rows(gifts)
    assert len(seen["gifts"]) == len(want_rows) > 0
    for shown, row in zip(seen["gifts"], want_rows):
        assert shown["text"].endswith(f" x{row['count']}")
        assert shown["closed"] == row["closed"]
    assert seen["diamonds"] == f"{sum(g['diamonds_added'] for g in gifts):,}"
    assert seen["roomInput"] == room
    assert seen["afterPick"]["path"] == f"/rooms/{other}"
    assert seen["afterPick"]["events"] == "0"
    assert room in seen["afterPick"]["recent"] and other in seen["afterPick"]["recent"]
    assert os.path.getsize(shot) > 10000

    # the room over time: the chart's data are the per-minute figures of what was published
    assert seen["chart"] and seen["chart"]["canvas"]
    assert seen["chart"]["series"][1:] == ["viewers", "likes/min", "diamonds/min"]
    assert seen["chart"]["data"] == expected_minutes(events)
    assert seen["topGifters"] == expected_top_gifters(gifts) != []
    # a type's frames keep their order, so each card shows its type's last event
    cards = seen["cards"]
    last = {t: [e for e in events if e["type"] == t][-1] for t in ("battle", "battle_armies", "goal_update",
                                                                     "poll", "room_pin")}
    assert not cards["battle"]["hidden"]
    assert cards["battle"]["scores"] in ([f"{t['score']:,}" for t in last["battle"]["teams"]],
                                         [f"{t['score']:,}" for t in last["battle_armies"]["teams"]])
    assert not cards["goal"]["hidden"]
    assert (last["goal_update"]["description"] or "LIVE goal") in cards["goal"]["text"]
    assert not cards["poll"]["hidden"]
    assert (last["poll"]["title"] or "Poll") in cards["poll"]["text"]
    poll = last["poll"]
    for option in poll.get("option_votes") or [{"text": o, "votes": None} for o in poll["options"]]:
        assert (option["text"] or "") in cards["poll"]["text"]
        if option["votes"] is not None:
            assert f"{option['votes']:,}" in cards["poll"]["scores"]
    assert cards["pin"]["hidden"] == (last["room_pin"]["action"] == 2)
    if not cards["pin"]["hidden"]:
        assert (last["room_pin"]["pinned_content"] or "") in cards["pin"]["text"]
    # a new room starts from nothing
    assert seen["afterPick"]["gifters"] == 0 and seen["afterPick"]["chart"] is False
