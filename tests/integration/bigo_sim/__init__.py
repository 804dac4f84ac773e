"""Our own BIGO Live platform simulator, for livetap's BIGO tests.

BIGO is the WebSocket *client* of the push channel and the *server* of the
pull API (see docs/protocol/bigo.md), so the simulator has two
halves:

- push.PushClient plays BIGO's push service against livetap-bigo: it logs in
  (rightly or wrongly), pushes dataReception batches, retries them with the
  same seqid the way BIGO does when it gets no 200, pings, falls silent,
  sends status 3 and bad input;
- pull.PullServer plays BIGO's open API: /broom/pull_data with cursor paging,
  rate-limit and error answers on demand, Bearer tokens, the signed token
  refresh and keep-alive, enable/disable_danmu - and holds items the push
  side never sent ("lost" by push); and /gift/get_list with a catalogue per
  anchor's region (REGIONS), whose gifts a test may re-price, add or remove
  at runtime, and scripted error or malformed answers.

infra.Receiver runs livetap-bigo (a private broker a test may stop and start
is conftest's `private_kafka` fixture, never the shared one).
"""
from .push import PushClient, login_sign, msg, gift, heart, room_items  # noqa: F401
from .pull import CATALOGUE, PullServer, region_catalogue  # noqa: F401
from .infra import Receiver, make_cert, make_key  # noqa: F401
