/* collector/runtime.h - the collector runtime: what one livetap-collector
 * process does with its configuration (collector/config.h).
 *
 * It creates the publisher (or prints events as JSON lines in a dry run),
 * the Kafka tail that seeds a starting room's dedupe window with the
 * msg_ids Kafka already has, the TikTok rooms, the consumer group in group
 * mode (rooms written to and assigned from the control topic, a graceful
 * leave with handovers on the first SIGTERM/SIGINT), and the admin API
 * (src/admin is the HTTP server; the runtime fills its room table,
 * readiness and metrics). It runs the loop until SIGINT/SIGTERM, then stops
 * every room, flushes Kafka within kafka.flush_timeout_ms and reports what
 * Kafka did not acknowledge.
 */
#ifndef LT_COLLECTOR_RUNTIME_H
#define LT_COLLECTOR_RUNTIME_H

#include "collector/config.h"

/* Runs the collector until a signal stops it. Returns the exit status:
 * 0 all delivered; 1 events lost on the way to Kafka (not acknowledged,
 * failed delivery, refused by the producer, given up under backpressure)
 * or the loop failed; 2 start-up error (a room that does not parse, Kafka
 * or the registry unreachable, the admin port taken); 3 everything
 * published was delivered but input was dropped by the frame limits. */
int lt_collector_run(const lt_collector_config *cfg);

/* `livetap-collector lookup ROOM`: resolves one room with the configured
 * resolver options and prints it as JSON. 0 live, 1 not live or no
 * answer, 2 bad input. */
int lt_collector_lookup(const lt_collector_config *cfg, const char *input);

/* `livetap-collector discover`: pages TikTok's recommended-live feed with
 * the configured HTTP options (tiktok.api_base, cookies, proxy, CA) and
 * prints the live rooms, a table or (json) JSON lines. 0 read, 1 the feed
 * failed (no answer, HTTP error, not the feed's JSON), 2 bad input, 3 rate-
 * limited or a captcha (try later). */
int lt_collector_discover(const lt_collector_config *cfg, long pages, bool json);

#endif
