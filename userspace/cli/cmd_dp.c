/* xepcctl dp: bring the datapath up, take it down, show it, upgrade it. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dp_cli.h"

static const char dp_help[] =
"NAME\n"
"    xepcctl dp - bring the XDP/TC datapath up or down, show or upgrade it\n"
"\n"
"SYNOPSIS\n"
"    xepcctl dp up --s1u IF --gtpu-addr ADDR [--mode routed|nat] [--sgi IF]\n"
"                  [--ue-dev IF] [--portal ADDR] [--max-sessions N]\n"
"                  [--max-rulesets N] [--max-meters N] [--max-charging N]\n"
"                  [--idle-buffer N] [--s1u-mtu N] [--recovery N] [--xdp-generic]\n"
"                  [--bpf-dir D]\n"
"                  [--teid-event-rate N[,P]] [--echo-rate N[,P]] [--pin-dir D]\n"
"    xepcctl dp down [--force] [--pin-dir D]\n"
"    xepcctl dp status [--pin-dir D]\n"
"    xepcctl dp upgrade [--bpf-dir D] [--pin-dir D]\n"
"    xepcctl dp check [--repair] [--pin-dir D]\n"
"\n"
"DESCRIPTION\n"
"    up loads the programs, pins their maps and bpf_links under the pin\n"
"    directory and attaches xdp_s1u to the S1-U device and, in routed mode,\n"
"    xdp_sgi to the SGi device; in NAT mode tc_ue goes on the egress of the\n"
"    device the UE pool is routed to (--ue-dev, default the S1-U device),\n"
"    in routed mode too when --ue-dev is given.\n"
"    The datapath keeps running after xepcctl exits.\n"
"\n"
"    down detaches the programs and removes xepc's pins (sessions included),\n"
"    then the directory unless other programs' pins are in it (those are\n"
"    left alone and listed). --force also clears a pin directory whose state\n"
"    is incomplete; it still removes only the names xepc pins.\n"
"\n"
"    status shows the mode, the devices, the program and link ids (as\n"
"    'bpftool link' and 'bpftool prog' show them), the configuration and the\n"
"    map sizes.\n"
"\n"
"    upgrade loads the programs again (from --bpf-dir, holding NAME.bpf.o\n"
"    files such as build/bpf/, or those built into this xepcctl) against the\n"
"    pinned maps and swaps each link's program in place (bpf_link_update):\n"
"    sessions, counters and traffic are kept.\n"
"\n"
"    check looks for what a writer killed half-way (or a bug) leaves in the\n"
"    maps: UE entries and direct slots whose session is not active, active\n"
"    sessions without UE entry, meters, rulesets and charging slots that no\n"
"    session references; and for what repair cannot mend (a session pointing\n"
"    to a free or shared meter, ruleset or charging slot). --repair removes\n"
"    the orphans, frees the leaks, adds missing UE entries, then checks again.\n"
"\n"
"OPTIONS\n"
"    --s1u IF           S1-U device (toward the eNBs)\n"
"    --sgi IF           SGi device (toward the PDN); required in routed mode;\n"
"                       in NAT mode dp up refuses when GRO, LRO or hardware\n"
"                       GRO is on there (tc_ue cannot encapsulate aggregated\n"
"                       packets) and prints the ethtool command to fix it\n"
"    --mode M           routed (UE pool routed to this gateway; pure XDP) or\n"
"                       nat (uplink up the stack for nftables masquerade)\n"
"    --gtpu-addr ADDR   the gateway's S1-U IPv4 address (outer source)\n"
"    --gtpu-addr6 ADDR  the gateway's S1-U IPv6 address: GTP-U over IPv6 to\n"
"                       and from eNBs on IPv6 (session add --enb IPV6)\n"
"    --ue-dev IF        device the UE pool is routed to; tc_ue goes on its\n"
"                       egress (NAT mode: default the S1-U device; routed\n"
"                       mode: optional, catches what the stack routes to UEs\n"
"                       after an XDP_PASS)\n"
"    --portal ADDR      captive portal for action=redirect and fua=redirect\n"
"    --max-sessions N   sessions (default 65536); TEIDs' low 24 bits < N\n"
"    --max-rulesets N   distinct rule sets (default 4096)\n"
"    --max-meters N     token buckets (default 2 x max-sessions)\n"
"    --max-charging N   (session, rating group) slots (default max-sessions)\n"
"    --idle-buffer N    downlink packets kept per idle UE (default 16, 0 = none)\n"
"    --s1u-mtu N        MTU of the path to the eNBs (576..9000 bytes of outer\n"
"                       IPv4): a downlink packet above it once encapsulated\n"
"                       is fragmented on the outer header (by the events\n"
"                       follower), or answered with ICMP Fragmentation\n"
"                       Needed when the inner DF is set (routed mode);\n"
"                       default: only the S1-U device's MTU applies\n"
"    --recovery N       restart counter (0..255) in the Recovery IE of Echo\n"
"                       Responses; increment it on every start that lost the\n"
"                       sessions, so that eNBs notice (TS 23.007 20)\n"
"    --teid-event-rate N[,P]\n"
"                       unknown-TEID events (Error Indications) per second:\n"
"                       N in total, P per peer address (default 1000,100);\n"
"                       what goes over is counted (EV_TEID_SUPPRESSED)\n"
"    --echo-rate N[,P]  Echo Requests answered in the kernel per second: N in\n"
"                       total, P per peer (default 1000,10); the rest is\n"
"                       dropped (ECHO_RATE_LIMIT)\n"
"    --xdp-generic      attach XDP in generic (SKB) mode, for drivers\n"
"                       without native XDP\n"
"    --bpf-dir D        load NAME.bpf.o from D instead of the built-in build\n"
"    --pin-dir D        bpffs directory of the datapath (default " DP_PIN_DIR_DEFAULT ")\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 the operation failed (the reason is printed), 2 usage error;\n"
"    check: 0 consistent (after --repair: consistent now), 3 inconsistent and\n"
"    --repair would mend it, 1 inconsistent beyond repair (or an error).\n";

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xepcctl %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_USAGE;
}

const char *cli_opt_name(const struct option *opts, int val)
{
    for (const struct option *o = opts; o->name; o++)
        if (o->val == val)
            return o->name;
    return "?";
}

struct dp_ctx *cli_dp_open(const char *prog, const char *pin_dir)
{
    struct dp_ctx *ctx = NULL;
    int rc = dp_open_pinned(pin_dir, &ctx);
    if (rc) {
        fprintf(stderr, "xepcctl %s: %s\n", prog, dp_ctx_error(ctx));
        dp_close(ctx);
        return NULL;
    }
    return ctx;
}

void cli_human(char *buf, size_t len, unsigned long long v)
{
    static const char *units[] = {"", "k", "M", "G", "T", "P"};
    double d = (double)v;
    int u = 0;
    while (d >= 1000 && u < 5) {
        d /= 1000;
        u++;
    }
    if (u)
        snprintf(buf, len, "%.1f%s", d, units[u]);
    else
        snprintf(buf, len, "%llu", v);
}

static int parse_count(const char *cmd, const char *opt, const char *v, uint32_t *out)
{
    if (dp_parse_u32(v, out))
        return cli_usage_error(cmd, "%s wants a number, not '%s'", opt, v);
    return 0;
}

/* "N" or "N,P": rates per second, 1..1e9 each (0 would mean "default") */
static int parse_rate(const char *opt, const char *v, uint64_t *total, uint64_t *peer)
{
    char buf[64];
    uint32_t a, b = 0;
    snprintf(buf, sizeof(buf), "%s", v);
    char *comma = strchr(buf, ',');
    if (comma)
        *comma++ = 0;
    if (dp_parse_u32(buf, &a) || !a || a > 1000000000 ||
        (comma && (dp_parse_u32(comma, &b) || !b || b > 1000000000)))
        return cli_usage_error("dp", "%s wants N or N,P (per second, 1..1000000000), not '%s'",
                               opt, v);
    *total = a;
    *peer = b;
    return 0;
}

static int copy_ifname(const char *cmd, const char *opt, const char *v, char *dst)
{
    if (!*v || strlen(v) >= IF_NAMESIZE)
        return cli_usage_error(cmd, "%s wants a device name (1..%d characters), not '%s'", opt,
                               IF_NAMESIZE - 1, v);
    strcpy(dst, v);
    return 0;
}

static int copy_path(const char *cmd, const char *opt, const char *v, char *dst, size_t len)
{
    if (!*v || strlen(v) >= len)
        return cli_usage_error(cmd, "%s wants a path shorter than %zu characters", opt, len);
    strcpy(dst, v);
    return 0;
}

enum {
    OPT_S1U = 256, OPT_SGI, OPT_MODE, OPT_GTPU, OPT_UEDEV, OPT_PORTAL, OPT_MAXS, OPT_MAXR,
    OPT_MAXM, OPT_MAXC, OPT_IDLE, OPT_GENERIC, OPT_BPFDIR, OPT_PINDIR, OPT_FORCE, OPT_HELP,
    OPT_RECOVERY, OPT_TEID_RATE, OPT_ECHO_RATE, OPT_REPAIR, OPT_S1U_MTU, OPT_GTPU6,
};

static const struct option dp_opts[] = {
    {"s1u", required_argument, NULL, OPT_S1U},
    {"sgi", required_argument, NULL, OPT_SGI},
    {"mode", required_argument, NULL, OPT_MODE},
    {"gtpu-addr", required_argument, NULL, OPT_GTPU},
    {"ue-dev", required_argument, NULL, OPT_UEDEV},
    {"portal", required_argument, NULL, OPT_PORTAL},
    {"max-sessions", required_argument, NULL, OPT_MAXS},
    {"max-rulesets", required_argument, NULL, OPT_MAXR},
    {"max-meters", required_argument, NULL, OPT_MAXM},
    {"max-charging", required_argument, NULL, OPT_MAXC},
    {"idle-buffer", required_argument, NULL, OPT_IDLE},
    {"xdp-generic", no_argument, NULL, OPT_GENERIC},
    {"bpf-dir", required_argument, NULL, OPT_BPFDIR},
    {"pin-dir", required_argument, NULL, OPT_PINDIR},
    {"force", no_argument, NULL, OPT_FORCE},
    {"help", no_argument, NULL, OPT_HELP},
    {"recovery", required_argument, NULL, OPT_RECOVERY},
    {"teid-event-rate", required_argument, NULL, OPT_TEID_RATE},
    {"echo-rate", required_argument, NULL, OPT_ECHO_RATE},
    {"repair", no_argument, NULL, OPT_REPAIR},
    {"s1u-mtu", required_argument, NULL, OPT_S1U_MTU},
    {"gtpu-addr6", required_argument, NULL, OPT_GTPU6},
    {0},
};

/* Which options each subcommand takes. */
static bool opt_allowed(const char *sub, int opt)
{
    if (opt == OPT_PINDIR || opt == OPT_HELP)
        return true;
    if (!strcmp(sub, "up"))
        return opt != OPT_FORCE;
    if (!strcmp(sub, "down"))
        return opt == OPT_FORCE;
    if (!strcmp(sub, "upgrade"))
        return opt == OPT_BPFDIR;
    if (!strcmp(sub, "check"))
        return opt == OPT_REPAIR;
    return false;
}

static void print_status(const struct dp_status *s, const char *pin_dir)
{
    char a[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN];
    struct in_addr ga = {.s_addr = s->config.gtpu_addr}, pa = {.s_addr = s->config.portal_addr};
    printf("datapath  %s\n", pin_dir);
    printf("mode      %s\n", dp_mode_str(s->mode));
    printf("s1u       %-16s xdp_s1u prog %u link %u\n", s->s1u_ifname, s->s1u_prog_id,
           s->s1u_link_id);
    if (s->mode == XEPC_MODE_ROUTED)
        printf("sgi       %-16s xdp_sgi prog %u link %u\n", s->sgi_ifname, s->sgi_prog_id,
               s->sgi_link_id);
    if (s->ue_ifname[0] && s->tc_clsact)
        printf("ue-dev    %-16s tc_ue   prog %u (clsact egress, no link)\n", s->ue_ifname,
               s->tc_prog_id);
    else if (s->ue_ifname[0])
        printf("ue-dev    %-16s tc_ue   prog %u link %u (tcx egress)\n", s->ue_ifname,
               s->tc_prog_id, s->tc_link_id);
    printf("gtpu-addr %s\n", inet_ntop(AF_INET, &ga, a, sizeof(a)));
    printf("portal    %s\n", s->config.portal_addr ? inet_ntop(AF_INET, &pa, p, sizeof(p)) : "-");
    printf("idle-buffer %u packets per UE\n", s->config.idle_buffer_max);
    if (s->config.s1u_mtu)
        printf("s1u-mtu   %u\n", s->config.s1u_mtu);
    else
        printf("s1u-mtu   - (the S1-U device's)\n");
    printf("recovery  %u\n", s->config.recovery);
    printf("sessions  %u of %u\n", s->n_sessions, s->max_sessions);
    printf("ue-slots  %u UEs in direct slots (of %u), %u through the UE hash\n",
           s->ue_direct_used, s->ue_direct_slots,
           s->n_sessions > s->ue_direct_used ? s->n_sessions - s->ue_direct_used : 0);
    printf("maps      rulesets %u, meters %u, charging %u\n", s->max_rulesets, s->max_meters,
           s->max_charging);
}

static void check_print(const char *finding, bool repairable, bool repaired, void *arg)
{
    (void)arg;
    printf("%s: %s\n", repaired ? "repaired" : repairable ? "repairable" : "NOT REPAIRABLE",
           finding);
}

static void check_summary(const struct dp_check_report *r)
{
    printf("check: %u UE orphans, %u direct-slot orphans, %u sessions without UE entry, "
           "%u UE conflicts, %u leaked meters, %u leaked rulesets, %u leaked charging slots, "
           "%u wrong meter owners, %u dangling references, %u shared meters, %u slots with "
           "bank 1 live, %u stale packet copies, %u wrong ruleset counts\n",
           r->ue_orphans, r->direct_orphans, r->sessions_without_ue, r->ue_conflicts,
           r->meter_leaks, r->ruleset_leaks, r->charging_leaks, r->meter_owner, r->dangling,
           r->shared_meters, r->bank_odd, r->copy_stale, r->ruleset_counts);
}

/* dp check [--repair]: exit 0 consistent, 3 repairable, 1 beyond repair. */
static int check_main(struct dp_ctx *ctx, bool repair)
{
    struct dp_check_report r;
    int rc = dp_check(ctx, repair, &r, check_print, NULL);
    if (rc) {
        fprintf(stderr, "xepcctl dp check: %s\n", dp_ctx_error(ctx));
        return CLI_FAIL;
    }
    if (repair && r.repaired) {
        check_summary(&r);
        printf("check: %u repaired; checking again\n", r.repaired);
        rc = dp_check(ctx, false, &r, check_print, NULL);
        if (rc) {
            fprintf(stderr, "xepcctl dp check: %s\n", dp_ctx_error(ctx));
            return CLI_FAIL;
        }
    }
    if (!r.repairable && !r.unrepairable) {
        printf("check: consistent\n");
        return CLI_OK;
    }
    check_summary(&r);
    if (r.unrepairable) {
        printf("check: %u problems that --repair cannot mend\n", r.unrepairable);
        return CLI_FAIL;
    }
    printf("check: %u problems; 'xepcctl dp check --repair' mends them\n", r.repairable);
    return CLI_CHECK_REPAIRABLE;
}

int cli_dp_main(int argc, char **argv)
{
    struct dp_config cfg;
    bool force = false, repair = false, have_gtpu = false, have_mode = false;
    dp_config_init(&cfg);

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(dp_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "status") &&
        strcmp(sub, "upgrade") && strcmp(sub, "check"))
        return cli_usage_error("dp", "unknown subcommand '%s' (up, down, status, upgrade, "
                               "check)", sub);

    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc - 1, argv + 1, "", dp_opts, NULL)) != -1;) {
        uint32_t n;
        if (c == '?' || c == ':')
            return cli_usage_error("dp", "unknown or incomplete option '%s' (see xepcctl dp "
                                   "--help)", argv[optind]);
        if (!opt_allowed(sub, c))
            return cli_usage_error("dp", "dp %s does not take --%s", sub,
                                   cli_opt_name(dp_opts, c));
        switch (c) {
        case OPT_S1U:
            if (copy_ifname("dp", "--s1u", optarg, cfg.s1u_ifname))
                return CLI_USAGE;
            break;
        case OPT_SGI:
            if (copy_ifname("dp", "--sgi", optarg, cfg.sgi_ifname))
                return CLI_USAGE;
            break;
        case OPT_UEDEV:
            if (copy_ifname("dp", "--ue-dev", optarg, cfg.ue_ifname))
                return CLI_USAGE;
            break;
        case OPT_MODE:
            if (!strcmp(optarg, "routed"))
                cfg.mode = XEPC_MODE_ROUTED;
            else if (!strcmp(optarg, "nat"))
                cfg.mode = XEPC_MODE_NAT;
            else
                return cli_usage_error("dp", "--mode wants routed or nat, not '%s'", optarg);
            have_mode = true;
            break;
        case OPT_GTPU:
            if (inet_pton(AF_INET, optarg, &cfg.gtpu_addr) != 1)
                return cli_usage_error("dp", "--gtpu-addr wants an IPv4 address, not '%s'",
                                       optarg);
            have_gtpu = true;
            break;
        case OPT_GTPU6: {
            char err[160];
            if (inet_pton(AF_INET6, optarg, &cfg.gtpu_addr6) != 1)
                return cli_usage_error("dp", "--gtpu-addr6 wants an IPv6 address, not '%s'",
                                       optarg);
            if (dp_s1u6_addr_check(&cfg.gtpu_addr6, err, sizeof(err)))
                return cli_usage_error("dp", "--gtpu-addr6: %s", err);
            break;
        }
        case OPT_PORTAL:
            if (inet_pton(AF_INET, optarg, &cfg.portal_addr) != 1)
                return cli_usage_error("dp", "--portal wants an IPv4 address, not '%s'", optarg);
            break;
        case OPT_MAXS:
            if (parse_count("dp", "--max-sessions", optarg, &n))
                return CLI_USAGE;
            cfg.max_sessions = n;
            break;
        case OPT_MAXR:
            if (parse_count("dp", "--max-rulesets", optarg, &n) || !n)
                return n ? CLI_USAGE : cli_usage_error("dp", "--max-rulesets must be > 0");
            cfg.max_rulesets = n;
            break;
        case OPT_MAXM:
            if (parse_count("dp", "--max-meters", optarg, &n) || !n)
                return n ? CLI_USAGE : cli_usage_error("dp", "--max-meters must be > 0");
            cfg.max_meters = n;
            break;
        case OPT_MAXC:
            if (parse_count("dp", "--max-charging", optarg, &n) || !n)
                return n ? CLI_USAGE : cli_usage_error("dp", "--max-charging must be > 0");
            cfg.max_charging = n;
            break;
        case OPT_IDLE:
            if (parse_count("dp", "--idle-buffer", optarg, &n))
                return CLI_USAGE;
            cfg.idle_buffer_max = n;
            break;
        case OPT_GENERIC:
            cfg.xdp_generic = true;
            break;
        case OPT_S1U_MTU:
            /* RFC 791: every IPv4 host takes 576-byte datagrams */
            if (parse_count("dp", "--s1u-mtu", optarg, &n))
                return CLI_USAGE;
            if (n < 576 || n > 9000)
                return cli_usage_error("dp", "--s1u-mtu wants 576..9000 bytes, not %u", n);
            cfg.s1u_mtu = n;
            break;
        case OPT_TEID_RATE:
            if (parse_rate("--teid-event-rate", optarg, &cfg.limits.teid_ev_per_s,
                           &cfg.limits.teid_ev_peer_per_s))
                return CLI_USAGE;
            break;
        case OPT_ECHO_RATE:
            if (parse_rate("--echo-rate", optarg, &cfg.limits.echo_per_s,
                           &cfg.limits.echo_peer_per_s))
                return CLI_USAGE;
            break;
        case OPT_RECOVERY:
            if (dp_parse_u32(optarg, &n) || n > 255)
                return cli_usage_error("dp", "--recovery wants 0..255, not '%s'", optarg);
            cfg.recovery = (uint8_t)n;
            break;
        case OPT_BPFDIR:
            if (copy_path("dp", "--bpf-dir", optarg, cfg.bpf_dir, sizeof(cfg.bpf_dir)))
                return CLI_USAGE;
            break;
        case OPT_PINDIR:
            if (copy_path("dp", "--pin-dir", optarg, cfg.pin_dir, sizeof(cfg.pin_dir)))
                return CLI_USAGE;
            break;
        case OPT_FORCE:
            force = true;
            break;
        case OPT_REPAIR:
            repair = true;
            break;
        case OPT_HELP:
            fputs(dp_help, stdout);
            return CLI_OK;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("dp", "unexpected argument '%s'", argv[optind + 1]);

    struct dp_ctx *ctx = NULL;
    int rc;
    if (!strcmp(sub, "up")) {
        if (!cfg.s1u_ifname[0] || !have_gtpu)
            return cli_usage_error("dp", "dp up needs --s1u IF and --gtpu-addr ADDR");
        if (!have_mode)
            cfg.mode = XEPC_MODE_ROUTED;
        if (cfg.mode == XEPC_MODE_ROUTED && !cfg.sgi_ifname[0])
            return cli_usage_error("dp", "routed mode needs --sgi IF");
        rc = dp_up(&cfg, &ctx);
        if (rc) {
            fprintf(stderr, "xepcctl dp up: %s\n", dp_ctx_error(ctx));
            dp_close(ctx);
            return CLI_FAIL;
        }
        printf("datapath up: %s mode, pinned under %s\n", dp_mode_str(cfg.mode), cfg.pin_dir);
        dp_close(ctx);
        return CLI_OK;
    }
    if (!strcmp(sub, "down")) {
        rc = dp_open_pinned(cfg.pin_dir, &ctx);
        if (rc && !force) {
            fprintf(stderr, "xepcctl dp down: %s\n", dp_ctx_error(ctx));
            dp_close(ctx);
            return CLI_FAIL;
        }
        rc = ctx ? dp_down(ctx) : -ENOMEM;
        if (rc)
            fprintf(stderr, "xepcctl dp down: %s\n", dp_ctx_error(ctx));
        else if (*dp_ctx_note(ctx))
            printf("datapath down: xepc's pins removed; %s\n", dp_ctx_note(ctx));
        else
            printf("datapath down: %s removed\n", cfg.pin_dir);
        dp_close(ctx);
        return rc ? CLI_FAIL : CLI_OK;
    }
    ctx = cli_dp_open("dp", cfg.pin_dir);
    if (!ctx)
        return CLI_FAIL;
    if (!strcmp(sub, "check")) {
        int st = check_main(ctx, repair);
        dp_close(ctx);
        return st;
    }
    if (!strcmp(sub, "status")) {
        struct dp_status st;
        rc = dp_status_get(ctx, &st);
        if (!rc)
            print_status(&st, cfg.pin_dir);
        struct in6_addr a6;
        char b6[INET6_ADDRSTRLEN];
        if (!rc && dp_gtpu_addr6_get(ctx, &a6) == 1)
            printf("gtpu-addr6 %s\n", inet_ntop(AF_INET6, &a6, b6, sizeof(b6)));
        struct dp_rate_limits l;
        if (!rc && !dp_rate_limits_get(ctx, &l))
            printf("limits    unknown-TEID events %llu/s (%llu/s per peer), echo %llu/s "
                   "(%llu/s per peer)\n", (unsigned long long)l.teid_ev_per_s,
                   (unsigned long long)l.teid_ev_peer_per_s, (unsigned long long)l.echo_per_s,
                   (unsigned long long)l.echo_peer_per_s);
    } else {
        rc = dp_upgrade(ctx, cfg.bpf_dir);
        struct dp_status st;
        if (!rc && !dp_status_get(ctx, &st)) {
            if (st.mode == XEPC_MODE_ROUTED)
                printf("datapath upgraded in place: xdp_s1u prog %u, xdp_sgi prog %u\n",
                       st.s1u_prog_id, st.sgi_prog_id);
            else
                printf("datapath upgraded in place: xdp_s1u prog %u, tc_ue prog %u\n",
                       st.s1u_prog_id, st.tc_prog_id);
        }
    }
    if (rc)
        fprintf(stderr, "xepcctl dp %s: %s\n", sub, dp_ctx_error(ctx));
    dp_close(ctx);
    return rc ? CLI_FAIL : CLI_OK;
}
