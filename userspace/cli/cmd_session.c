/* xepcctl session: static sessions in the datapath maps. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/dp_cli.h"

static const char session_help[] =
"NAME\n"
"    xepcctl session - add, modify, remove and inspect datapath sessions\n"
"\n"
"SYNOPSIS\n"
"    xepcctl session add --teid T (--ue ADDR | --ue6 PREFIX | both)\n"
"                        [--enb ADDR --dl-teid T]\n"
"                        [--ul-ambr RATE] [--dl-ambr RATE] [--ambr-burst BYTES]\n"
"                        [--default pass|drop] [--rule SPEC]... [--quota SPEC]...\n"
"                        [--pin-dir D]\n"
"    xepcctl session modify --teid T [--enb ADDR --dl-teid T | --idle]\n"
"                        [--ul-ambr RATE] [--dl-ambr RATE] [--ambr-burst BYTES]\n"
"                        [--default pass|drop] [--rule SPEC]... [--no-rules]\n"
"                        [--quota SPEC]... [--pin-dir D]\n"
"    xepcctl session del (--teid T | --ue ADDR) [--pin-dir D]\n"
"    xepcctl session list [--pin-dir D]\n"
"    xepcctl session show (--teid T | --ue ADDR) [--pin-dir D]\n"
"    xepcctl session refill --teid T --rg N --bytes N [--threshold P%] [--pin-dir D]\n"
"    xepcctl session bulk --count N --teid T (--ue ADDR | --ue6 PREFIX | both)\n"
"                        [--enb ADDR --dl-teid T]\n"
"                        [--ul-ambr RATE] [--dl-ambr RATE] [--ambr-burst BYTES]\n"
"                        [--rule SPEC]... [--quota SPEC]... [--pin-dir D]\n"
"\n"
"DESCRIPTION\n"
"    A session is one default bearer: the uplink TEID the gateway owns (its\n"
"    low 24 bits are the session id, 1 .. max-sessions-1), the UE address,\n"
"    and the eNB tunnel (eNB S1-U address and the eNB's TEID).  Without a\n"
"    tunnel the UE is idle: downlink packets raise a downlink-data event and\n"
"    are kept for it (see xepcctl events --buffer).\n"
"\n"
"    modify changes the tunnel (always: give --enb/--dl-teid again, or\n"
"    --idle; without either the tunnel stays as it is), the AMBR when\n"
"    --ul-ambr/--dl-ambr is given, and the policy (rules, quotas, default\n"
"    action) when any of --rule, --no-rules, --quota or --default is given;\n"
"    a new policy replaces the old one entirely and restarts the per-rating-\n"
"    group counters.  The session's own usage counters are kept.\n"
"\n"
"    refill adds N bytes to a quota atomically (the kernel keeps enforcing\n"
"    while it happens) and re-arms its threshold and exhausted events.\n"
"\n"
"    bulk installs N sessions with batched map updates: session i gets TEID\n"
"    T+i, UE address ADDR+i, with --ue6 the /64 PREFIX+i (IPv6, or IPv4v6\n"
"    with --ue) and, with --enb (IPv4 or IPv6), downlink TEID dl-teid+i;\n"
"    every session gets the AMBR, rules and quotas given (one shared\n"
"    ruleset; rules with mbr= are refused: add those one by one).  No\n"
"    unsolicited Router Advertisement is sent (the datapath answers the\n"
"    UEs' Router Solicitations).  It prints the rate it achieved.\n"
"\n"
"RULES (--rule, up to 16, comma-separated key=value)\n"
"    prec=N          precedence, lower first (default 65535); unique\n"
"    dir=ul|dl|both  direction (default both)\n"
"    proto=P         tcp, udp, icmp, sctp, any or a number (default any)\n"
"    src=PREFIX      UE side (source of uplink) e.g. 10.45.0.0/16\n"
"    dst=PREFIX      network side (destination of uplink)\n"
"    sport=N[-M]     UE-side port range (tcp/udp/sctp only)\n"
"    dport=N[-M]     network-side port range\n"
"    action=A        pass, drop, or redirect (uplink to the --portal of dp up)\n"
"    mbr=RATE        per-rule meter (bit/s; k, M, G suffixes)\n"
"    burst=BYTES     meter depth (default 100 ms of mbr, at least 15000)\n"
"    rg=N            rating group for usage and quota\n"
"    always          still allowed when a quota with fua=restrict ran out\n"
"    A rule is written as the uplink flow; downlink packets of the same flow\n"
"    match it with the sides swapped.  Example:\n"
"      --rule 'prec=10,dir=ul,proto=tcp,dst=10.0.0.0/8,dport=80-443,action=drop'\n"
"\n"
"QUOTAS (--quota, per rating group)\n"
"    rg=N,bytes=VOLUME[,threshold=P%][,fua=drop|redirect|restrict]\n"
"    The kernel enforces the volume exactly (inner IPv4 bytes, both\n"
"    directions); at P % used a quota-threshold event fires, at 100 % the\n"
"    final-unit action applies and a quota-exhausted event fires.\n"
"\n"
"OPTIONS\n"
"    --teid T        uplink TEID (decimal or 0x hex)\n"
"    --ue ADDR       UE IPv4 address\n"
"    --ue6 PREFIX    the UE's IPv6 /64 (PDN type IPv6; with --ue, IPv4v6), e.g.\n"
"                    2001:db8:1:2::/64; a Router Advertisement with it goes\n"
"                    into the tunnel once the session has one, and the UE's\n"
"                    Router Solicitations are answered by the datapath\n"
"    --enb ADDR      eNB S1-U address, IPv4 or IPv6 (GTP-U over IPv6: dp up\n"
"                    --gtpu-addr6)          --dl-teid T   the eNB's TEID\n"
"    --idle          (modify) remove the tunnel: the UE went idle\n"
"    --ul-ambr RATE  uplink APN-AMBR, bit/s (0 = unlimited)\n"
"    --dl-ambr RATE  downlink APN-AMBR, bit/s\n"
"    --ambr-burst BYTES\n"
"                    depth of the APN-AMBR buckets (both directions; k, M, G\n"
"                    suffixes); default 500 ms of each direction's rate, at least 15000\n"
"                    A bucket shallower than the idle gaps TCP leaves after a\n"
"                    loss costs TCP throughput (docs/datapath.md \"AMBR and TCP\")\n"
"    --default A     what packets matching no rule get (default pass)\n"
"    --no-rules      (modify) remove all rules\n"
"    --rg N --bytes N --threshold P%   (refill)\n"
"    --count N       (bulk) number of sessions\n"
"    --pin-dir D     bpffs directory of the datapath (default " DP_PIN_DIR_DEFAULT ")\n";

enum {
    O_TEID = 256, O_UE, O_ENB, O_DLTEID, O_IDLE, O_ULAMBR, O_DLAMBR, O_DEFAULT, O_RULE,
    O_NORULES, O_QUOTA, O_RG, O_BYTES, O_THRESHOLD, O_PINDIR, O_HELP, O_COUNT, O_AMBRBURST,
    O_UE6,
};

static const struct option session_opts[] = {
    {"teid", required_argument, NULL, O_TEID},
    {"ue", required_argument, NULL, O_UE},
    {"enb", required_argument, NULL, O_ENB},
    {"dl-teid", required_argument, NULL, O_DLTEID},
    {"idle", no_argument, NULL, O_IDLE},
    {"ul-ambr", required_argument, NULL, O_ULAMBR},
    {"dl-ambr", required_argument, NULL, O_DLAMBR},
    {"default", required_argument, NULL, O_DEFAULT},
    {"rule", required_argument, NULL, O_RULE},
    {"no-rules", no_argument, NULL, O_NORULES},
    {"quota", required_argument, NULL, O_QUOTA},
    {"rg", required_argument, NULL, O_RG},
    {"bytes", required_argument, NULL, O_BYTES},
    {"threshold", required_argument, NULL, O_THRESHOLD},
    {"pin-dir", required_argument, NULL, O_PINDIR},
    {"help", no_argument, NULL, O_HELP},
    {"count", required_argument, NULL, O_COUNT},
    {"ambr-burst", required_argument, NULL, O_AMBRBURST},
    {"ue6", required_argument, NULL, O_UE6},
    {0},
};

struct session_args {
    const char *sub;
    const char *pin_dir;
    struct dp_session_spec spec;
    bool have_teid, have_ue, have_enb, have_dlteid, idle, have_ulambr, have_dlambr;
    bool have_ambr_burst;
    bool have_default, no_rules, have_rg, have_bytes;
    uint8_t default_action;
    uint32_t rg;
    uint64_t bytes;
    uint8_t threshold;
    uint32_t count;
};

static bool allowed(const char *sub, int o)
{
    if (o == O_PINDIR || o == O_HELP)
        return true;
    if (o == O_UE6)
        return !strcmp(sub, "add") || !strcmp(sub, "bulk");
    if (!strcmp(sub, "add"))
        return o != O_IDLE && o != O_NORULES && o != O_RG && o != O_BYTES && o != O_THRESHOLD;
    if (!strcmp(sub, "modify"))
        return o != O_UE && o != O_RG && o != O_BYTES && o != O_THRESHOLD;
    if (!strcmp(sub, "del") || !strcmp(sub, "show"))
        return o == O_TEID || o == O_UE;
    if (!strcmp(sub, "refill"))
        return o == O_TEID || o == O_RG || o == O_BYTES || o == O_THRESHOLD;
    if (!strcmp(sub, "bulk"))
        return o == O_COUNT || o == O_TEID || o == O_UE || o == O_ENB || o == O_DLTEID ||
               o == O_ULAMBR || o == O_DLAMBR || o == O_AMBRBURST || o == O_RULE ||
               o == O_QUOTA;
    return false;
}

static int parse_args(int argc, char **argv, struct session_args *a)
{
    char err[256];
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", session_opts, NULL)) != -1;) {
        if (c == '?' || c == ':')
            return cli_usage_error("session", "unknown or incomplete option '%s' (see "
                                   "xepcctl session --help)", argv[optind - 1]);
        if (!allowed(a->sub, c))
            return cli_usage_error("session", "session %s does not take --%s", a->sub,
                                   cli_opt_name(session_opts, c));
        switch (c) {
        case O_TEID:
            if (dp_parse_u32(optarg, &a->spec.ul_teid) || !a->spec.ul_teid)
                return cli_usage_error("session", "--teid wants a non-zero 32-bit TEID, not "
                                       "'%s'", optarg);
            a->have_teid = true;
            break;
        case O_UE:
            if (inet_pton(AF_INET, optarg, &a->spec.ue_addr) != 1)
                return cli_usage_error("session", "--ue wants an IPv4 address, not '%s'", optarg);
            a->have_ue = true;
            break;
        case O_UE6:
            if (dp_parse_prefix6(optarg, a->spec.ue6_prefix, err, sizeof(err)))
                return cli_usage_error("session", "--ue6: %s", err);
            a->spec.has_ue6 = true;
            break;
        case O_ENB:
            /* TS 36.413 9.2.2.1: an IPv4 or an IPv6 transport address */
            a->spec.enb_is6 = false;
            a->spec.enb_addr.s_addr = 0;
            if (inet_pton(AF_INET6, optarg, &a->spec.enb6_addr) == 1) {
                if (dp_s1u6_addr_check(&a->spec.enb6_addr, err, sizeof(err)))
                    return cli_usage_error("session", "--enb: %s", err);
                a->spec.enb_is6 = true;
            } else if (inet_pton(AF_INET, optarg, &a->spec.enb_addr) != 1) {
                return cli_usage_error("session", "--enb wants an IPv4 or IPv6 address, not "
                                       "'%s'", optarg);
            }
            a->have_enb = true;
            break;
        case O_DLTEID:
            if (dp_parse_u32(optarg, &a->spec.dl_teid) || !a->spec.dl_teid)
                return cli_usage_error("session", "--dl-teid wants a non-zero 32-bit TEID, "
                                       "not '%s'", optarg);
            a->have_dlteid = true;
            break;
        case O_IDLE:
            a->idle = true;
            break;
        case O_ULAMBR:
        case O_DLAMBR:
            if (dp_parse_scaled(optarg, c == O_ULAMBR ? &a->spec.ul_ambr_bps
                                                      : &a->spec.dl_ambr_bps))
                return cli_usage_error("session", "--%s wants a rate in bit/s like 50M, not "
                                       "'%s'", cli_opt_name(session_opts, c), optarg);
            if (c == O_ULAMBR)
                a->have_ulambr = true;
            else
                a->have_dlambr = true;
            break;
        case O_AMBRBURST:
            if (dp_parse_scaled(optarg, &a->spec.ambr_burst_bytes) || !a->spec.ambr_burst_bytes)
                return cli_usage_error("session", "--ambr-burst wants a depth in bytes like "
                                       "2M, not '%s'", optarg);
            a->have_ambr_burst = true;
            break;
        case O_DEFAULT:
            if (!strcmp(optarg, "pass"))
                a->default_action = XEPC_ACT_PASS;
            else if (!strcmp(optarg, "drop"))
                a->default_action = XEPC_ACT_DROP;
            else
                return cli_usage_error("session", "--default wants pass or drop, not '%s'",
                                       optarg);
            a->have_default = true;
            break;
        case O_RULE:
            if (a->spec.n_rules == DP_MAX_RULES)
                return cli_usage_error("session", "at most %d rules", DP_MAX_RULES);
            if (dp_parse_rule(optarg, &a->spec.rules[a->spec.n_rules], err, sizeof(err)))
                return cli_usage_error("session", "--rule '%s': %s", optarg, err);
            a->spec.n_rules++;
            break;
        case O_NORULES:
            a->no_rules = true;
            break;
        case O_QUOTA:
            if (a->spec.n_quotas == DP_MAX_QUOTAS)
                return cli_usage_error("session", "at most %d quotas", DP_MAX_QUOTAS);
            if (dp_parse_quota(optarg, &a->spec.quotas[a->spec.n_quotas], err, sizeof(err)))
                return cli_usage_error("session", "--quota '%s': %s", optarg, err);
            a->spec.n_quotas++;
            break;
        case O_RG:
            if (dp_parse_u32(optarg, &a->rg) || !a->rg)
                return cli_usage_error("session", "--rg wants a rating group > 0");
            a->have_rg = true;
            break;
        case O_BYTES:
            if (dp_parse_scaled(optarg, &a->bytes))
                return cli_usage_error("session", "--bytes wants a volume like 100M");
            a->have_bytes = true;
            break;
        case O_THRESHOLD: {
            struct dp_quota_spec q;
            char spec[64];
            snprintf(spec, sizeof(spec), "rg=1,bytes=1,threshold=%s", optarg);
            if (dp_parse_quota(spec, &q, err, sizeof(err)))
                return cli_usage_error("session", "--threshold wants a percentage like 80%%");
            a->threshold = q.threshold_pct;
            break;
        }
        case O_PINDIR:
            a->pin_dir = optarg;
            break;
        case O_COUNT:
            if (dp_parse_u32(optarg, &a->count) || !a->count || a->count > (1u << 24))
                return cli_usage_error("session", "--count wants 1..16777216, not '%s'", optarg);
            break;
        case O_HELP:
            fputs(session_help, stdout);
            return -1;
        }
    }
    if (optind != argc)
        return cli_usage_error("session", "unexpected argument '%s'", argv[optind]);
    if (a->have_enb != a->have_dlteid)
        return cli_usage_error("session", "--enb and --dl-teid go together");
    if (a->idle && a->have_enb)
        return cli_usage_error("session", "--idle and --enb exclude each other");
    if (a->no_rules && a->spec.n_rules)
        return cli_usage_error("session", "--no-rules and --rule exclude each other");
    return 0;
}

static void print_session(const struct dp_session_info *i, bool details)
{
    char ue[INET_ADDRSTRLEN], enb[INET6_ADDRSTRLEN], b1[16], b2[16];
    inet_ntop(AF_INET, &i->spec.ue_addr, ue, sizeof(ue));
    if (i->spec.enb_is6)
        inet_ntop(AF_INET6, &i->spec.enb6_addr, enb, sizeof(enb));
    else
        inet_ntop(AF_INET, &i->spec.enb_addr, enb, sizeof(enb));
    if (!details) {
        cli_human(b1, sizeof(b1), i->usage.ul_bytes);
        cli_human(b2, sizeof(b2), i->usage.dl_bytes);
        char tunnel[64];
        if (i->spec.has_tunnel)
            snprintf(tunnel, sizeof(tunnel), "%s/0x%08x", enb, i->spec.dl_teid);
        else
            snprintf(tunnel, sizeof(tunnel), "idle");
        printf("%-6u 0x%08x  %-15s %-28s %5u %5u %9s %9s\n", i->sid, i->spec.ul_teid, ue,
               tunnel, i->spec.n_rules, i->spec.n_quotas, b1, b2);
        return;
    }
    printf("session     %u\n", i->sid);
    printf("ul-teid     0x%08x (%u)\n", i->spec.ul_teid, i->spec.ul_teid);
    printf("ue          %s\n", ue);
    if (i->spec.has_ue6) {
        char p6[INET6_ADDRSTRLEN + 4];
        printf("ue6         %s\n", dp_prefix6_str(i->spec.ue6_prefix, p6, sizeof(p6)));
    }
    if (i->spec.has_tunnel)
        printf("tunnel      eNB %s, dl-teid 0x%08x (%u)\n", enb, i->spec.dl_teid, i->spec.dl_teid);
    else
        printf("tunnel      none (idle UE), %u packets buffered by the kernel\n",
               i->usage.buffered);
    printf("ambr        ul %llu bit/s, dl %llu bit/s (0 = unlimited)\n",
           (unsigned long long)i->spec.ul_ambr_bps, (unsigned long long)i->spec.dl_ambr_bps);
    if (i->spec.ambr_burst_bytes)
        printf("ambr-burst  %llu bytes\n", (unsigned long long)i->spec.ambr_burst_bytes);
    else if (i->spec.ul_ambr_bps || i->spec.dl_ambr_bps)
        printf("ambr-burst  default: ul %llu, dl %llu bytes\n",
               (unsigned long long)(i->spec.ul_ambr_bps ? dp_ambr_default_burst(i->spec.ul_ambr_bps) : 0),
               (unsigned long long)(i->spec.dl_ambr_bps ? dp_ambr_default_burst(i->spec.dl_ambr_bps) : 0));
    printf("default     %s\n", dp_action_str(i->default_action));
    for (uint32_t r = 0; r < i->spec.n_rules; r++) {
        char text[256];
        dp_rule_format(&i->spec.rules[r], text, sizeof(text));
        printf("rule        %s\n", text);
    }
    for (uint32_t c = 0; c < i->n_charges; c++) {
        const struct xepc_charge *ch = &i->charges[c];
        if (ch->flags & XEPC_CF_ONLINE)
            printf("rg %-8u  remaining %lld bytes, threshold at %llu, fua %s%s%s\n",
                   ch->rating_group, (long long)ch->remaining,
                   (unsigned long long)ch->threshold, dp_fua_str(ch->fua),
                   ch->state & XEPC_CS_THRESHOLD_SENT ? ", threshold reported" : "",
                   ch->state & XEPC_CS_EXHAUSTED ? ", EXHAUSTED" : "");
        printf("rg %-8u  usage ul %llu bytes %llu pkts, dl %llu bytes %llu pkts%s\n",
               ch->rating_group, (unsigned long long)ch->ul_bytes,
               (unsigned long long)ch->ul_pkts, (unsigned long long)ch->dl_bytes,
               (unsigned long long)ch->dl_pkts, ch->rating_group ? "" : " (no rule's rg)");
        /* what its final-unit action let through without quota: not its
         * usage, not reported to the OCS (docs/charging.md) */
        const struct xepc_uncharged *un = &i->uncharged[c];
        if (ch->flags & XEPC_CF_ONLINE)
            printf("rg %-8u  uncharged ul %llu bytes %llu pkts, dl %llu bytes %llu pkts "
                   "(final-unit action)\n", ch->rating_group, (unsigned long long)un->ul_bytes,
                   (unsigned long long)un->ul_pkts, (unsigned long long)un->dl_bytes,
                   (unsigned long long)un->dl_pkts);
    }
    printf("usage       ul %llu bytes %llu pkts (%llu dropped), dl %llu bytes %llu pkts "
           "(%llu dropped)\n",
           (unsigned long long)i->usage.ul_bytes, (unsigned long long)i->usage.ul_pkts,
           (unsigned long long)i->usage.ul_drops, (unsigned long long)i->usage.dl_bytes,
           (unsigned long long)i->usage.dl_pkts, (unsigned long long)i->usage.dl_drops);
}

static int list_one(const struct dp_session_info *info, void *arg)
{
    (*(unsigned *)arg)++;
    print_session(info, false);
    return 0;
}

/* --teid or --ue, resolved to the TEID. */
static int resolve(struct dp_ctx *ctx, struct session_args *a, uint32_t *teid)
{
    if (a->have_teid) {
        *teid = a->spec.ul_teid;
        return 0;
    }
    if (dp_session_find_by_ue(ctx, a->spec.ue_addr, teid)) {
        fprintf(stderr, "xepcctl session %s: %s\n", a->sub, dp_ctx_error(ctx));
        return CLI_FAIL;
    }
    return 0;
}

/* bulk_add()'s "failed, and the reason was printed already" */
#define BULK_REPORTED 1

static int bulk_add(struct dp_ctx *ctx, const struct session_args *a)
{
    struct dp_session_spec *specs = calloc(a->count, sizeof(*specs));
    if (!specs) {
        fprintf(stderr, "xepcctl session bulk: out of memory for %u sessions\n", a->count);
        return -ENOMEM;
    }
    uint32_t ue0 = ntohl(a->spec.ue_addr.s_addr);
    uint64_t p0 = 0;
    for (int k = 0; k < 8; k++)
        p0 = p0 << 8 | a->spec.ue6_prefix[k];
    /* Ranges that run past the end of the address or TEID space: name the
     * first session that would wrap, not a later symptom of it. */
    if (a->spec.has_ue6 && p0 + (a->count - 1) < p0) {
        char b[INET6_ADDRSTRLEN + 4];
        fprintf(stderr, "xepcctl session bulk: IPv6 prefixes from %s wrap past ffff:ffff:"
                "ffff:ffff::/64 at session index %llu (--count %u is too many); nothing was "
                "installed\n", dp_prefix6_str(a->spec.ue6_prefix, b, sizeof(b)),
                (unsigned long long)(UINT64_MAX - p0 + 1), a->count);
        free(specs);
        return BULK_REPORTED;
    }
    if (a->have_ue && (uint64_t)ue0 + a->count - 1 > UINT32_MAX) {
        fprintf(stderr, "xepcctl session bulk: UE addresses from %s wrap past "
                "255.255.255.255 at session index %llu (--count %u is too many); nothing was "
                "installed\n", inet_ntoa(a->spec.ue_addr),
                (unsigned long long)((uint64_t)UINT32_MAX - ue0 + 1), a->count);
        free(specs);
        return BULK_REPORTED;
    }
    if ((uint64_t)a->spec.ul_teid + a->count - 1 > UINT32_MAX ||
        (a->have_enb && (uint64_t)a->spec.dl_teid + a->count - 1 > UINT32_MAX)) {
        uint64_t first = a->spec.ul_teid, dl = a->spec.dl_teid;
        uint64_t k = (uint64_t)UINT32_MAX - first + 1;
        if (a->have_enb && (uint64_t)UINT32_MAX - dl + 1 < k)
            k = (uint64_t)UINT32_MAX - dl + 1;
        fprintf(stderr, "xepcctl session bulk: TEIDs wrap past 0xffffffff at session index "
                "%llu; nothing was installed\n", (unsigned long long)k);
        free(specs);
        return BULK_REPORTED;
    }
    for (uint32_t i = 0; i < a->count; i++) {
        specs[i].ul_teid = a->spec.ul_teid + i;
        /* PDN type IPv6 (--ue6 alone): no IPv4 address, 0.0.0.0 */
        specs[i].ue_addr.s_addr = a->have_ue ? htonl(ue0 + i) : 0;
        specs[i].has_ue6 = a->spec.has_ue6;
        for (int k = 0; k < 8; k++)
            specs[i].ue6_prefix[k] = (uint8_t)((p0 + i) >> (56 - 8 * k));
        specs[i].has_tunnel = a->have_enb;
        specs[i].enb_addr = a->spec.enb_addr;
        specs[i].enb_is6 = a->spec.enb_is6;
        specs[i].enb6_addr = a->spec.enb6_addr;
        specs[i].dl_teid = a->have_enb ? a->spec.dl_teid + i : 0;
        /* the same policy for every session: one shared ruleset */
        specs[i].ul_ambr_bps = a->spec.ul_ambr_bps;
        specs[i].dl_ambr_bps = a->spec.dl_ambr_bps;
        specs[i].ambr_burst_bytes = a->spec.ambr_burst_bytes;
        specs[i].n_rules = a->spec.n_rules;
        memcpy(specs[i].rules, a->spec.rules, sizeof(specs[i].rules));
        specs[i].n_quotas = a->spec.n_quotas;
        memcpy(specs[i].quotas, a->spec.quotas, sizeof(specs[i].quotas));
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = dp_session_add_bulk(ctx, specs, a->count);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(specs);
    if (rc < 0)
        return rc;
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%d sessions installed in %.3f s (%.0f sessions/s)\n", rc, s, s > 0 ? rc / s : 0.0);
    return 0;
}

int cli_session_main(int argc, char **argv)
{
    struct session_args a;
    memset(&a, 0, sizeof(a));
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(session_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    a.sub = argv[1];
    static const char *subs[] = {"add", "modify", "del", "list", "show", "refill", "bulk"};
    bool known = false;
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        known |= !strcmp(a.sub, subs[i]);
    if (!known)
        return cli_usage_error("session", "unknown subcommand '%s' (add, modify, del, list, "
                               "show, refill, bulk)", a.sub);
    int prc = parse_args(argc - 1, argv + 1, &a);
    if (prc)
        return prc < 0 ? CLI_OK : prc;
    a.spec.has_tunnel = a.have_enb;

    if (!strcmp(a.sub, "add") && (!a.have_teid || (!a.have_ue && !a.spec.has_ue6)))
        return cli_usage_error("session", "session add needs --teid and --ue or --ue6");
    if ((!strcmp(a.sub, "modify") || !strcmp(a.sub, "refill")) && !a.have_teid)
        return cli_usage_error("session", "session %s needs --teid", a.sub);
    if (!strcmp(a.sub, "refill") && (!a.have_rg || !a.have_bytes))
        return cli_usage_error("session", "session refill needs --rg and --bytes");
    if ((!strcmp(a.sub, "del") || !strcmp(a.sub, "show")) && a.have_teid == a.have_ue)
        return cli_usage_error("session", "session %s wants either --teid or --ue", a.sub);
    if (!strcmp(a.sub, "bulk") && (!a.count || !a.have_teid || (!a.have_ue && !a.spec.has_ue6)))
        return cli_usage_error("session", "session bulk needs --count, --teid and --ue or --ue6");

    struct dp_ctx *ctx = cli_dp_open("session", a.pin_dir);
    if (!ctx)
        return CLI_FAIL;
    int rc = 0, ret = CLI_OK;
    uint32_t teid;

    if (!strcmp(a.sub, "add")) {
        rc = dp_session_add(ctx, &a.spec, a.default_action);
        if (!rc)
            printf("session 0x%08x added\n", a.spec.ul_teid);
        /* TS 29.061 11.2.1.3.4: the UE learns its prefix from an RA */
        if (!rc && a.spec.has_ue6 && a.spec.has_tunnel && dp_ra_send(ctx, a.spec.ul_teid))
            fprintf(stderr, "xepcctl session: warning: %s\n", dp_ctx_error(ctx));
    } else if (!strcmp(a.sub, "modify")) {
        struct dp_session_info *cur = malloc(sizeof(*cur));
        rc = cur ? dp_session_get(ctx, a.spec.ul_teid, cur) : -ENOMEM;
        if (!rc) {
            struct dp_session_spec s = cur->spec;
            unsigned what = 0;
            if (a.have_enb) {
                s.has_tunnel = true;
                s.enb_addr = a.spec.enb_addr;
                s.enb_is6 = a.spec.enb_is6;
                s.enb6_addr = a.spec.enb6_addr;
                s.dl_teid = a.spec.dl_teid;
            } else if (a.idle) {
                s.has_tunnel = false;
                s.enb_is6 = false;
            }
            if (a.have_ulambr || a.have_dlambr || a.have_ambr_burst) {
                what |= DP_MOD_AMBR;
                if (a.have_ambr_burst)
                    s.ambr_burst_bytes = a.spec.ambr_burst_bytes;
                if (a.have_ulambr)
                    s.ul_ambr_bps = a.spec.ul_ambr_bps;
                if (a.have_dlambr)
                    s.dl_ambr_bps = a.spec.dl_ambr_bps;
            }
            uint8_t def = cur->default_action;
            if (a.spec.n_rules || a.no_rules || a.spec.n_quotas || a.have_default) {
                what |= DP_MOD_POLICY;
                if (a.spec.n_rules || a.no_rules) {
                    s.n_rules = a.spec.n_rules;
                    memcpy(s.rules, a.spec.rules, sizeof(s.rules));
                }
                if (a.spec.n_quotas) {
                    what |= DP_MOD_QUOTAS;
                    s.n_quotas = a.spec.n_quotas;
                    memcpy(s.quotas, a.spec.quotas, sizeof(s.quotas));
                }
                if (a.have_default)
                    def = a.default_action;
            }
            rc = dp_session_modify(ctx, &s, def, what);
            if (!rc)
                printf("session 0x%08x modified\n", s.ul_teid);
            /* a tunnel (again): the unsolicited RA of TS 29.061 11.2.1.3.4 */
            if (!rc && a.have_enb && s.has_ue6 && dp_ra_send(ctx, s.ul_teid))
                fprintf(stderr, "xepcctl session: warning: %s\n", dp_ctx_error(ctx));
        }
        free(cur);
    } else if (!strcmp(a.sub, "del")) {
        ret = resolve(ctx, &a, &teid);
        if (!ret) {
            rc = dp_session_del(ctx, teid);
            if (!rc)
                printf("session 0x%08x deleted\n", teid);
        }
    } else if (!strcmp(a.sub, "show")) {
        ret = resolve(ctx, &a, &teid);
        if (!ret) {
            struct dp_session_info *info = malloc(sizeof(*info));
            rc = info ? dp_session_get(ctx, teid, info) : -ENOMEM;
            if (!rc)
                print_session(info, true);
            free(info);
        }
    } else if (!strcmp(a.sub, "list")) {
        unsigned n = 0;
        printf("%-6s %-11s %-15s %-28s %5s %5s %9s %9s\n", "sid", "ul-teid", "ue",
               "enb/dl-teid", "rules", "quota", "ul-bytes", "dl-bytes");
        rc = dp_session_foreach(ctx, list_one, &n);
        if (!rc)
            printf("%u session%s\n", n, n == 1 ? "" : "s");
    } else if (!strcmp(a.sub, "bulk")) {
        rc = bulk_add(ctx, &a);
        if (rc == BULK_REPORTED) {
            dp_close(ctx);
            return CLI_FAIL;
        }
    } else {
        rc = dp_quota_refill(ctx, a.spec.ul_teid, a.rg, a.bytes, a.threshold);
        if (!rc)
            printf("session 0x%08x rg %u refilled with %llu bytes\n", a.spec.ul_teid, a.rg,
                   (unsigned long long)a.bytes);
        if (rc == DP_REFILL_SATURATED) {
            /* not an error: the quota is as large as it can be */
            printf("session 0x%08x rg %u refilled: saturated at %lld bytes, the most a quota "
                   "holds (%llu asked)\n", a.spec.ul_teid, a.rg, (long long)XEPC_QUOTA_MAX,
                   (unsigned long long)a.bytes);
            rc = 0;
        }
    }
    if (rc) {
        fprintf(stderr, "xepcctl session %s: %s\n", a.sub, dp_ctx_error(ctx));
        ret = CLI_FAIL;
    }
    dp_close(ctx);
    return ret;
}
