"""livetap-recorder end to end: livetap-sim (serving an HTTP-FLV stream per
room from a clip made here with ffmpeg) -> livetap-collector (room_info with
the stream URLs per quality) -> Kafka -> livetap-recorder -> segment files
and <prefix>.video_segment records (real broker and registry).

Checked: every segment plays (ffprobe reads H.264 and AAC packets from it),
segments of a room are contiguous (the end of one is the start of the next
when it was cut for length), each is about the configured length, the
video_segment records match the files (path, bytes, sha256) and name the
quality recorded; no .part file is left after SIGTERM, and the segment open
at SIGTERM is published with reason "stop". The fault cases: a stalled
connection (reason "stall", then recording resumes), a connection cut
mid-tag ("cut", resumes), an expired URL (403: "expired", resumes once a
fresh room_info brings a new URL), the stream's end ("end", nothing after),
and a disk quota that is never exceeded while the oldest segments go.
"""
import collections
import glob
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import BOOTSTRAP, REGISTRY, RegistryDecoder, Sim, binary, consume_all, stop_process, wait_for
from test_collector import Collector

SEGMENT_S = 4


@pytest.fixture(scope="module")
def clip():
    """A 10 s H.264/AAC FLV clip, a keyframe every 2 s (ffmpeg from Debian)."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg or not shutil.which("ffprobe"):
        pytest.fail("ffmpeg and ffprobe are needed (Debian package ffmpeg; scripts/setup.sh installs it)")
    d = tempfile.mkdtemp(prefix="lt-clip-")
    path = os.path.join(d, "clip.flv")
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", path],
                   check=True, timeout=120)
    return path


class Recorder:
    def __init__(self, prefix, *extra):
        self.dir = tempfile.mkdtemp(prefix="lt-rec-")
        self.store = os.path.join(self.dir, "segments")
        self.log_path = os.path.join(self.dir, "recorder.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary("livetap-recorder"), "--kafka", BOOTSTRAP, "--registry", REGISTRY, "--topic-prefix", prefix,
             "--dir", self.store, "--set", f"storage.segment_s={SEGMENT_S}", "--set", "stream.stall_s=3",
             "--set", "stream.backoff_cap_s=2", "--set", "admin.port=0", "--set", "recorder_id=it-recorder",
             *extra],
            stdout=self.log, stderr=subprocess.STDOUT)

    def files(self, pattern="*.flv"):
        return sorted(glob.glob(os.path.join(self.store, "*", pattern)))

    def logs(self):
        self.log.flush()
        return open(self.log_path).read()

    def stop(self):
        rc = stop_process(self.proc, signal.SIGTERM, timeout=30)
        self.log.close()
        return rc, open(self.log_path).read()


def segments(prefix, expected):
    decoder = RegistryDecoder(REGISTRY)
    out = []
    for topic, key, value, headers in consume_all([f"{prefix}.video_segment"], expected, timeout=60):
        _, rec = decoder.decode(value)
        assert key.decode() == rec["room_id"]
        out.append(rec)
    by_room = collections.defaultdict(list)
    for r in sorted(out, key=lambda r: r["start_time"]):
        by_room[r["room_id"]].append(r)
    return by_room


def probe(path):
    """(video packets, audio packets) ffprobe reads from the file."""
    r = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                        "stream=codec_name,nb_read_packets", "-of", "csv=p=0", path],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (path, r.stderr)
    counts = dict(line.split(",")[:2] for line in r.stdout.split())
    # "N/A": a stream declared with no packet read (a segment cut a frame after it opened)
    return tuple(int(v) if v.isdigit() else 0 for v in (counts.get("h264", "0"), counts.get("aac", "0")))


def check_files(recs):
    for r in recs:
        assert os.path.exists(r["path"]), r
        data = open(r["path"], "rb").read()
        assert len(data) == r["bytes"], r
        assert hashlib.sha256(data).hexdigest() == r["sha256"], r
        assert r["duration_ms"] == r["end_time"] - r["start_time"]
        video, audio = probe(r["path"])
        # 25 fps: about one frame per 40 ms of the segment, and sound
        assert abs(video - r["duration_ms"] / 40) <= 2, (r, video)
        assert audio > 0 or r["duration_ms"] < 1000, r  # a stop one frame into a segment has no sound yet


def start(prefix, clip, rooms, faults=()):
    args = ["--rooms", str(rooms), "--rate", "5", "--quiet", "--stream-file", clip]
    for f in faults:
        args += ["--fault", f]
    sim = Sim(*args)
    coll = Collector(sim, prefix, ["@simhost%d" % i for i in range(rooms)], "--set",
                     "tiktok.room_info_interval_s=2")
    return sim, coll


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def test_segments_play_are_contiguous_and_match_their_records(prefix, clip):
    sim, coll = start(prefix, clip, 2)
    rec = None
    try:
        port_file = os.path.join(tempfile.mkdtemp(prefix="lt-rec-port-"), "port")
        rec = Recorder(prefix, "--set", f"admin.port_file={port_file}")
        wait_for(lambda: len(rec.files()) >= 2 * 4, 90, "four closed segments per room")
        base = "http://127.0.0.1:%s" % open(port_file).read().strip()
        assert get(base + "/healthz")[0] == 200
        status, text = get(base + "/metrics")
        assert status == 200 and 'livetap_recorder_segments_total{reason="length"}' in text, text
        assert "livetap_recorder_rooms_recording 2" in text, text
        rc, log = rec.stop()
        rec = None
        assert rc == 0, log[-3000:]
    finally:
        if rec:
            rec.stop()
        coll.stop()
        sim.stop()
    by_room = segments(prefix, 8)
    assert len(by_room) == 2, by_room.keys()
    for room_id, recs in by_room.items():
        assert all(r["collector_id"] == "it-recorder" and r["quality"] == "HD1" for r in recs)
        assert all(r["path"].endswith("-HD1.flv") and "/%s/" % room_id in r["path"] for r in recs)
        assert not glob.glob(os.path.join(os.path.dirname(recs[0]["path"]), "*.part"))
        reasons = [r["reason"] for r in recs]
        assert reasons[-1] == "stop" and set(reasons[:-1]) == {"length"}, reasons
        for a, b in zip(recs, recs[1:]):
            assert b["start_time"] == a["end_time"], (a, b)  # contiguous: the cut is one keyframe
        for r in recs[:-1]:
            assert SEGMENT_S * 1000 <= r["duration_ms"] <= SEGMENT_S * 1000 + 100, r
        check_files(recs)


@pytest.mark.parametrize("fault,reason,resumes", [
    ("stream_stall_after_ms=5000", "stall", True),
    ("stream_cut_after_ms=5000", "cut", True),
    ("stream_expire_s=9", "expired", True),
    ("stream_end_after_ms=5000", "end", False),
])
def test_faults_close_the_segment_cleanly(prefix, clip, fault, reason, resumes):
    sim, coll = start(prefix, clip, 1, ["simhost0:" + fault])
    rec = None
    try:
        rec = Recorder(prefix)

        def faulted():
            return reason in rec.logs() and f"({reason}," in rec.logs()
        wait_for(faulted, 60, f"a segment closed for {reason}")
        if resumes:
            # recording goes on after the fault: another segment opens and is closed for length
            n = len(rec.files())
            wait_for(lambda: len(rec.files()) >= n + 1 and "(length," in rec.logs().split(f"({reason},")[-1],
                     60, "recording resumed")
        else:
            time.sleep(4)
        rc, log = rec.stop()
        rec = None
        assert rc == 0, log[-3000:]
    finally:
        if rec:
            rec.stop()
        coll.stop()
        sim.stop()
    recs = segments(prefix, 1)
    assert len(recs) == 1
    (room_recs,) = recs.values()
    reasons = [r["reason"] for r in room_recs]
    assert reason in reasons, reasons
    after = reasons[reasons.index(reason) + 1:]
    if resumes:
        assert "length" in after, reasons
    else:
        assert after == [], reasons  # the stream ended: nothing recorded after
    check_files(room_recs)
    assert not glob.glob(os.path.join(os.path.dirname(room_recs[0]["path"]), "*.part"))


def disk_used(rec):
    total = 0
    for f in rec.files("*"):
        try:
            total += os.path.getsize(f)
        except FileNotFoundError:
            pass  # deleted between the listing and the stat
    return total


def segments_seen(rec):
    return set(line.split("segment ")[1].split(" closed")[0] for line in rec.logs().splitlines()
               if " closed (" in line)


def test_disk_quota_is_never_exceeded(prefix, clip):
    quota = 300000  # about 5 s of the clip (27 KB/s) per room, two rooms: segments must go
    sim, coll = start(prefix, clip, 2)
    rec = None
    try:
        rec = Recorder(prefix, "--set", f"storage.max_bytes={quota}")
        deadline = time.time() + 90
        while True:
            assert time.time() < deadline, "no segments deleted for the quota in 90 s: " + rec.logs()[-2000:]
            used = disk_used(rec)
            assert used <= quota, used
            closed = segments_seen(rec)
            if len(closed) >= 6 and len(closed - set(rec.files())) >= 2:
                break
            time.sleep(0.1)
        rc, log = rec.stop()
        rec = None
        assert rc == 0, log[-3000:]
    finally:
        if rec:
            rec.stop()
        coll.stop()
        sim.stop()
    # a record for every closed segment, also those deleted since
    by_room = segments(prefix, len(closed))
    paths = {r["path"] for recs in by_room.values() for r in recs}
    assert closed <= paths, closed - paths


def test_a_killed_recorders_rooms_move_to_another(prefix, clip):
    sim, coll = start(prefix, clip, 2)
    first = second = None
    try:
        group = ["--set", f"kafka.group_id={prefix}-recorders"]
        first = Recorder(prefix, *group)
        wait_for(lambda: len({os.path.basename(os.path.dirname(f)) for f in first.files()}) == 2, 60,
                 "the first recorder records both rooms")
        second = Recorder(prefix, *group)
        time.sleep(3)  # joined the group (it may own no room: each room is on one partition)
        first.proc.kill()  # no goodbye: the group notices after its session timeout (10 s)
        first.proc.wait()
        first.log.close()
        wait_for(lambda: len({os.path.basename(os.path.dirname(f)) for f in second.files()}) == 2, 90,
                 "the second recorder records both rooms")
        rc, log = second.stop()
        second = None
        assert rc == 0, log[-3000:]
    finally:
        if second:
            second.stop()
        if first and first.proc.poll() is None:
            first.stop()
        coll.stop()
        sim.stop()


@pytest.fixture(scope="module")
def hls_clip(clip):
    """The same clip as live HLS: 2 s MPEG-TS segments and their playlist."""
    d = os.path.join(os.path.dirname(clip), "hls")
    os.makedirs(d, exist_ok=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", clip, "-c", "copy", "-f", "hls", "-hls_time", "2",
                    "-hls_list_size", "0", "-hls_segment_filename", os.path.join(d, "seg%03d.ts"),
                    os.path.join(d, "index.m3u8")], check=True, timeout=120)
    return d


def start_hls(prefix, hls_clip, faults=()):
    args = ["--rooms", "1", "--rate", "5", "--quiet", "--stream-hls", hls_clip]
    for f in faults:
        args += ["--fault", f]
    sim = Sim(*args)
    coll = Collector(sim, prefix, ["@simhost0"], "--set", "tiktok.room_info_interval_s=2")
    return sim, coll


def test_hls_segments_play_and_follow_the_stream(prefix, hls_clip):
    """HLS: the recorder follows the live playlist from its edge, writes
    whole MPEG-TS segments into files cut at segment_s, starts a new file
    where the clip loops (#EXT-X-DISCONTINUITY), and every file plays with
    as many frames as its record's duration says."""
    sim, coll = start_hls(prefix, hls_clip)
    rec = None
    try:
        rec = Recorder(prefix, "--set", "stream.prefer_hls=true")
        wait_for(lambda: len(rec.files("*.ts")) >= 4, 90, "four closed HLS segments")
        assert sim.rooms()["simhost0"]["hls_segments"] >= 4
        rc, log = rec.stop()
        rec = None
        assert rc == 0, log[-3000:]
        assert "recording HD1 (HLS)" in log, log[-3000:]
    finally:
        if rec:
            rec.stop()
        coll.stop()
        sim.stop()
    (recs,) = segments(prefix, 4).values()
    reasons = [r["reason"] for r in recs]
    assert reasons[-1] == "stop" and set(reasons[:-1]) <= {"length", "discontinuity"}, reasons
    assert "discontinuity" in reasons, reasons  # the 10 s clip looped
    for a, b in zip(recs, recs[1:]):
        if a["reason"] == "length":
            assert b["start_time"] == a["end_time"], (a, b)  # contiguous: cut between two HLS segments
    for r in recs:
        assert r["path"].endswith("-HD1.ts")
        # whole 2 s HLS segments: a multiple of 2 s, at most segment_s + one segment
        assert r["duration_ms"] % 2000 == 0 and 2000 <= r["duration_ms"] <= SEGMENT_S * 1000 + 2000, r
    check_files(recs)


def test_hls_stream_end_closes_the_segment(prefix, hls_clip):
    """The playlist ends (#EXT-X-ENDLIST): the open file is closed and
    published with reason "end"."""
    sim, coll = start_hls(prefix, hls_clip, ["simhost0:stream_end_after_ms=7000"])
    rec = None
    try:
        rec = Recorder(prefix, "--set", "stream.prefer_hls=true")
        wait_for(lambda: "the HLS playlist ended" in rec.logs(), 60, "the end of the playlist")
        rc, log = rec.stop()
        rec = None
        assert rc == 0, log[-3000:]
    finally:
        if rec:
            rec.stop()
        coll.stop()
        sim.stop()
    (recs,) = segments(prefix, 1).values()
    assert recs[-1]["reason"] == "end", [r["reason"] for r in recs]
    check_files(recs)
