/* livetap-demo - publish sample events of every type through livetap's real
 * publishing path (schemas, registry, Avro, idempotent producer).
 *
 * Used by the README's first command, by tests (with --manifest it writes
 * every published event as a JSON line, so a test can compare what it reads
 * back from Kafka field by field) and by other components' tests that need
 * events in Kafka. The work is lt_sim_demo_run() (src/sim/demo.c). Exit
 * status: 0 when every record was acknowledged by the broker, 1 when some
 * were not, 2 on a start-up error (bad flags, registry or broker
 * unreachable, schema refused).
 */
#include <signal.h>
#include <string.h>

#include "core/cli.h"
#include "sim/sim.h"

static const lt_cli_flag flags[] = {
    {"kafka", "kafka.bootstrap", true, "HOST:PORT bootstrap servers ($LT_KAFKA_BOOTSTRAP, 127.0.0.1:19092)"},
    {"registry", "kafka.registry_url", true, "URL      Confluent-compatible registry ($LT_REGISTRY_URL)"},
    {"no-registry", "kafka.registry_url=", false,
     "         Avro single-object encoding instead of a registry"},
    {"topic-prefix", "kafka.topic_prefix", true, "P        topics are P.<type> (livetap)"},
    {"property", "kafka.properties", true, "N=V      librdkafka property, repeatable"},
    {"rooms", "rooms", true, "N        rooms to simulate (3)"},
    {"room-prefix", "room_prefix", true, "R        room ids are R0, R1, ... (7300000000000000)"},
    {"events-per-room", "events_per_room", true,
     "M        events per room, plus gift_info once per turn (90)"},
    {"rate", "rate", true, "N        events per second in total, 0 = as fast as possible (0)"},
    {"collector-id", "collector_id", true, "ID       written on every record (livetap-demo)"},
    {"manifest", "manifest", true, "FILE     write every published event as a JSON line"},
    {"flush-timeout-ms", "kafka.flush_timeout_ms", true, "MS       bound on the final flush (30000)"},
    {"startup-timeout-ms", "kafka.startup_timeout_ms", true,
     "MS       bound on the broker check at start (10000)"},
};

static const lt_cli_program program = {
    .name = "livetap-demo",
    .usage = "usage: livetap-demo [options]\n"
             "Publish sample events of every type to Kafka through livetap's publishing path.",
    .options = lt_sim_demo_option_table,
    .flags = flags,
    .flag_count = sizeof flags / sizeof flags[0],
    .log_level_key = "log_level",
};

static volatile int stop_requested;

static void on_signal(int sig)
{
    stop_requested = sig;
}

int main(int argc, char **argv)
{
    lt_sim_demo_options o;
    memset(&o, 0, sizeof o);
    lt_cli_outcome parsed = lt_cli_parse(&program, &o, argc, argv);
    int rc = parsed.status;
    if (parsed.run) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        rc = lt_sim_demo_run(&o, &stop_requested);
    }
    lt_config_free(lt_sim_demo_option_table, &o);
    return rc;
}
