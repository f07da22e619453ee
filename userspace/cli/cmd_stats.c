/* xepcctl stats: datapath counters and drop reasons. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dp_cli.h"

static const char stats_help[] =
"NAME\n"
"    xepcctl stats - datapath counters and drop reasons\n"
"\n"
"SYNOPSIS\n"
"    xepcctl stats [--all] [--reset] [--pin-dir D]\n"
"\n"
"DESCRIPTION\n"
"    Sums the per-CPU statistics map (xepc_stats) and prints the counters of\n"
"    what was forwarded, passed or reported, then every drop reason by name\n"
"    with packets and bytes (frame bytes as the program saw them).  Only\n"
"    non-zero lines are printed unless --all is given.  --reset zeroes the\n"
"    map after printing it.\n"
"\n"
"    The NAME column is the enum name of bpf/xepc_dp.h (XEPC_DROP_<NAME>,\n"
"    XEPC_CNT_<NAME>), which docs/datapath.md explains.\n"
"\n"
"OPTIONS\n"
"    --all          print zero counters too\n"
"    --reset        zero every counter after printing\n"
"    --pin-dir D    bpffs directory of the datapath (default " DP_PIN_DIR_DEFAULT ")\n";

int cli_stats_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"reset", no_argument, NULL, 'r'},
        {"pin-dir", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *pin_dir = NULL;
    bool all = false, reset = false;
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'a': all = true; break;
        case 'r': reset = true; break;
        case 'p': pin_dir = optarg; break;
        case 'h': fputs(stats_help, stdout); return CLI_OK;
        default:
            return cli_usage_error("stats", "unknown or incomplete option '%s' (see xepcctl "
                                   "stats --help)", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);

    struct dp_ctx *ctx = cli_dp_open("stats", pin_dir);
    if (!ctx)
        return CLI_FAIL;
    struct dp_stats st;
    int rc = dp_stats_read(ctx, &st);
    if (!rc) {
        unsigned long long dropped = 0;
        printf("%-22s %12s %14s  %s\n", "COUNTER", "packets", "bytes", "meaning");
        for (uint32_t c = 0; c < XEPC_CNT__MAX; c++)
            if (all || st.counters[c].packets)
                printf("%-22s %12llu %14llu  %s\n", xepc_counter_name(c),
                       (unsigned long long)st.counters[c].packets,
                       (unsigned long long)st.counters[c].bytes, xepc_counter_str(c));
        printf("\n%-22s %12s %14s  %s\n", "DROP", "packets", "bytes", "reason");
        for (uint32_t r = 1; r < XEPC_DROP__MAX; r++) {
            dropped += st.drops[r].packets;
            if (all || st.drops[r].packets)
                printf("%-22s %12llu %14llu  %s\n", xepc_drop_reason_name(r),
                       (unsigned long long)st.drops[r].packets,
                       (unsigned long long)st.drops[r].bytes, xepc_drop_reason_str(r));
        }
        printf("%-22s %12llu\n", "total dropped", dropped);
    }
    if (!rc && reset)
        rc = dp_stats_reset(ctx);
    if (rc)
        fprintf(stderr, "xepcctl stats: %s\n", dp_ctx_error(ctx));
    dp_close(ctx);
    return rc ? CLI_FAIL : CLI_OK;
}
