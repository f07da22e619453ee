/* xepcctl events: follow the datapath's ring-buffer events. */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/dp_cli.h"

static const char events_help[] =
"NAME\n"
"    xepcctl events - follow the datapath's events\n"
"\n"
"SYNOPSIS\n"
"    xepcctl events [--count N] [--timeout SECONDS] [--error-indication]\n"
"                   [--buffer] [--fragments]\n"
"                   [--echo-interval SECONDS [--echo-misses N]]\n"
"                   [--pin-dir D]\n"
"\n"
"DESCRIPTION\n"
"    Consumes the ring buffers xepc_events, xepc_teid_ev and xepc_pktbuf and\n"
"    prints one line per event, until interrupted, until N events were\n"
"    printed, or until SECONDS passed:\n"
"\n"
"      downlink-data   sid=S ue=ADDR buffered=N   (idle UE: page it)\n"
"      unknown-teid    teid=T peer=ADDR:PORT local=ADDR\n"
"      quota-threshold sid=S rg=N remaining=BYTES idx=I\n"
"      quota-exhausted sid=S rg=N remaining=BYTES idx=I\n"
"      buffered        sid=S len=BYTES          (a kept idle-UE packet)\n"
"      path-up         enb=ADDR                 (with --echo-interval)\n"
"      path-down       enb=ADDR missed=N\n"
"      path-restart    enb=ADDR recovery=OLD->NEW (the eNB lost its tunnels)\n"
"\n"
"    Events are consumed: only one process should follow them, normally\n"
"    xepc-agwd; use this command on a gateway without one.\n"
"\n"
"    Every downlink-data, quota and buffered event carries the identity of\n"
"    its session (id, uplink TEID, cookie, UE address).  One whose session\n"
"    was deleted, or replaced by another that reuses its id, is dropped and\n"
"    counted, never printed or sent into the new session's tunnel.  At exit\n"
"    the counts go to stderr:\n"
"\n"
"      xepcctl events: buffer sent=N dropped-full=N dropped-gone=N\n"
"                      dropped-stale=N send-failed=N        (with --buffer)\n"
"      xepcctl events: N downlink-data/quota events dropped ... (events-dropped-stale)\n"
"      xepcctl events: N unknown-teid events too old to answer (teid-events-aged)\n"
"\n"
"    An unknown-teid event that waited in the ring more than 2 s (raised\n"
"    before this follower started, or while it stalled) is neither printed\n"
"    nor answered: an Error Indication is the answer to a packet just\n"
"    received, not to one from minutes ago.\n"
"\n"
"OPTIONS\n"
"    --count N            stop after N events\n"
"    --timeout SECONDS    stop after SECONDS (default: never)\n"
"    --error-indication   answer every unknown-teid event with a GTP-U\n"
"                         Error Indication to the peer (TS 29.281 7.3.1)\n"
"    --buffer             keep idle-UE packets (at most 64 per UE, 4096 in\n"
"                         all) and send them to the eNB once\n"
"                         'xepcctl session modify' gives the UE its tunnel;\n"
"                         without it, buffered packets are printed and lost\n"
"    --fragments          own the GTP-U socket on port 2152 of the S1-U\n"
"                         address: uplink G-PDUs fragmented on the outer\n"
"                         IPv4 header, which the kernel reassembles, are run\n"
"                         through xdp_s1u like any other (UL_REASSEMBLED);\n"
"                         at exit: fragments reassembled=N ignored=N failed=N\n"
"    --echo-interval S    GTP-U path management: an Echo Request to every eNB\n"
"                         with a tunnel each S seconds (TS 29.281 7.2)\n"
"    --echo-misses N      unanswered requests in a row before path-down\n"
"                         (default 3)\n"
"    --pin-dir D          bpffs directory of the datapath (default " DP_PIN_DIR_DEFAULT ")\n";

static volatile sig_atomic_t events_stop;

static void on_signal(int sig)
{
    (void)sig;
    events_stop = 1;
}

struct events_state {
    unsigned long printed;
};

static void print_event(const struct dp_event *ev, void *arg)
{
    struct events_state *st = arg;
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
    printf("%-15s ", dp_event_type_str(ev->type));
    switch (ev->type) {
    case XEPC_EV_DDN: {
        struct in_addr ue = {.s_addr = ev->u.ddn.ue_addr};
        printf("sid=%u ue=%s buffered=%u\n", ev->session_id, inet_ntop(AF_INET, &ue, a, sizeof(a)),
               ev->u.ddn.buffered);
        break;
    }
    case XEPC_EV_UNKNOWN_TEID: {
        struct in_addr p = {.s_addr = ev->u.unknown_teid.peer_addr};
        struct in_addr l = {.s_addr = ev->u.unknown_teid.local_addr};
        printf("teid=0x%08x peer=%s:%u local=%s\n", ev->u.unknown_teid.teid,
               inet_ntop(AF_INET, &p, a, sizeof(a)), ntohs(ev->u.unknown_teid.peer_port),
               inet_ntop(AF_INET, &l, b, sizeof(b)));
        break;
    }
    case XEPC_EV_QUOTA_THRESHOLD:
    case XEPC_EV_QUOTA_EXHAUSTED:
        printf("sid=%u rg=%u remaining=%lld idx=%u\n", ev->session_id, ev->u.quota.rating_group,
               (long long)ev->u.quota.remaining, ev->u.quota.charge_idx);
        break;
    case XEPC_EV_BUFFERED:
        printf("sid=%u len=%u\n", ev->session_id, ev->buffered->len);
        break;
    default:
        printf("sid=%u\n", ev->session_id);
    }
    fflush(stdout);
    st->printed++;
}

static void print_path(const struct dp_path_event *ev, void *arg)
{
    struct events_state *st = arg;
    char a[INET6_ADDRSTRLEN];
    printf("%-15s enb=%s", dp_path_event_str(ev->type), dp_path_peer_str(ev, a, sizeof(a)));
    if (ev->type == DP_PATH_DOWN)
        printf(" missed=%u", ev->missed);
    else if (ev->type == DP_PATH_RESTART)
        printf(" recovery=%d->%d", ev->old_recovery, ev->recovery);
    printf("\n");
    fflush(stdout);
    st->printed++;
}

int cli_events_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'c'},
        {"timeout", required_argument, NULL, 't'},
        {"error-indication", no_argument, NULL, 'e'},
        {"buffer", no_argument, NULL, 'b'},
        {"fragments", no_argument, NULL, 'f'},
        {"echo-interval", required_argument, NULL, 'i'},
        {"echo-misses", required_argument, NULL, 'm'},
        {"pin-dir", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *pin_dir = NULL;
    uint32_t count = 0, timeout = 0;
    struct dp_events_opts eo = {0};
    struct dp_path_opts po = {.interval_ms = 0, .max_missed = 3};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            if (dp_parse_u32(optarg, &count) || !count)
                return cli_usage_error("events", "--count wants a number > 0, not '%s'", optarg);
            break;
        case 't':
            if (dp_parse_u32(optarg, &timeout) || !timeout)
                return cli_usage_error("events", "--timeout wants seconds > 0, not '%s'", optarg);
            break;
        case 'e': eo.send_error_indication = true; break;
        case 'b': eo.keep_buffered = true; break;
        case 'f': eo.uplink_fragments = true; break;
        case 'i': {
            char *end;
            double sec = strtod(optarg, &end);
            if (end == optarg || *end || !(sec >= 0.1 && sec <= 3600))
                return cli_usage_error("events", "--echo-interval wants 0.1..3600 seconds, not "
                                       "'%s'", optarg);
            po.interval_ms = (int)(sec * 1000);
            eo.gtpu_socket = true;
            break;
        }
        case 'm': {
            uint32_t n;
            if (dp_parse_u32(optarg, &n) || !n || n > 100)
                return cli_usage_error("events", "--echo-misses wants 1..100, not '%s'", optarg);
            po.max_missed = (int)n;
            break;
        }
        case 'p': pin_dir = optarg; break;
        case 'h': fputs(events_help, stdout); return CLI_OK;
        default:
            return cli_usage_error("events", "unknown or incomplete option '%s' (see xepcctl "
                                   "events --help)", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage_error("events", "unexpected argument '%s'", argv[optind]);
    if (po.max_missed != 3 && !po.interval_ms)
        return cli_usage_error("events", "--echo-misses goes with --echo-interval");

    struct dp_ctx *ctx = cli_dp_open("events", pin_dir);
    if (!ctx)
        return CLI_FAIL;
    struct events_state st = {0};
    int rc = dp_events_open(ctx, &eo, print_event, &st);
    if (rc < 0) {
        fprintf(stderr, "xepcctl events: %s\n", dp_ctx_error(ctx));
        dp_close(ctx);
        return CLI_FAIL;
    }
    if (po.interval_ms && dp_path_start(ctx, &po, print_path, &st)) {
        fprintf(stderr, "xepcctl events: %s\n", dp_ctx_error(ctx));
        dp_close(ctx);
        return CLI_FAIL;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* From here on every event is seen: scripts wait for this line rather
     * than for a guessed start-up time (tests/e2e/lib.sh e2e_bg_xepcctl). */
    fprintf(stderr, "xepcctl events: following the datapath events\n");
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = 0;
    while (!events_stop && (!count || st.printed < count)) {
        rc = dp_events_poll(ctx, 100);
        if (rc < 0)
            break;
        rc = 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timeout && now.tv_sec - start.tv_sec >= (time_t)timeout)
            break;
    }
    if (rc < 0)
        fprintf(stderr, "xepcctl events: %s\n", dp_ctx_error(ctx));
    if (dp_buffer_count(ctx))
        fprintf(stderr, "xepcctl events: %zu buffered packets were never sent (no tunnel)\n",
                dp_buffer_count(ctx));
    struct dp_event_stats es;
    dp_event_stats_get(ctx, &es);
    if (eo.keep_buffered)
        fprintf(stderr, "xepcctl events: buffer sent=%llu dropped-full=%llu dropped-gone=%llu "
                "dropped-stale=%llu send-failed=%llu\n", (unsigned long long)es.buf_sent,
                (unsigned long long)es.buf_dropped_full, (unsigned long long)es.buf_dropped_gone,
                (unsigned long long)es.buf_dropped_stale, (unsigned long long)es.buf_send_failed);
    if (es.path_rx_ignored)
        fprintf(stderr, "xepcctl events: %llu datagrams ignored: not an Echo Response from a "
                "peer's port 2152 (path-rx-ignored)\n", (unsigned long long)es.path_rx_ignored);
    if (eo.uplink_fragments)
        fprintf(stderr, "xepcctl events: fragments reassembled=%llu ignored=%llu failed=%llu\n",
                (unsigned long long)es.frag_reassembled, (unsigned long long)es.frag_ignored,
                (unsigned long long)es.frag_failed);
    if (es.to_stack_sent || es.to_stack_dropped)
        fprintf(stderr, "xepcctl events: downlink through the stack (no neighbour, MTU) "
                "sent=%llu dropped=%llu\n", (unsigned long long)es.to_stack_sent,
                (unsigned long long)es.to_stack_dropped);
    if (es.oversize_sent || es.oversize_dropped)
        fprintf(stderr, "xepcctl events: over the S1-U MTU sent-as-fragments=%llu dropped=%llu\n",
                (unsigned long long)es.oversize_sent, (unsigned long long)es.oversize_dropped);
    if (es.teid_ev_aged)
        fprintf(stderr, "xepcctl events: %llu unknown-teid events too old to answer "
                "(teid-events-aged)\n", (unsigned long long)es.teid_ev_aged);
    if (es.ev_dropped_stale)
        fprintf(stderr, "xepcctl events: %llu downlink-data/quota events dropped: their session "
                "was deleted or replaced (events-dropped-stale)\n",
                (unsigned long long)es.ev_dropped_stale);
    dp_close(ctx);
    return rc < 0 ? CLI_FAIL : CLI_OK;
}
