/* xepcctl — inspect and administer an xepc gateway. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef XEPC_VERSION
#define XEPC_VERSION "0.1.0-dev"
#endif

static int cli_version_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("xepcctl %s\n", XEPC_VERSION);
    return CLI_OK;
}

/* Add a line here for each command family; keep the list sorted. */
static const struct cli_command commands[] = {
    {"agw", cli_agw_main, "counters of the running xepc-agwd"},
    {"config", cli_config_main, "check an xepc-agwd configuration file"},
    {"doctor", cli_doctor_main, "preflight of an xepc-agwd host: what to fix before eNBs attach"},
    {"dp", cli_dp_main, "bring the XDP/TC datapath up or down, show or upgrade it"},
    {"enb", cli_enb_main, "eNodeBs connected to xepc-agwd"},
    {"events", cli_events_main, "follow datapath events (paging, unknown TEID, quota)"},
    {"orc", cli_orc_main, "the orchestrator's API: networks, gateways, subscribers, tokens"},
    {"session", cli_session_main, "add, modify, remove and inspect datapath sessions"},
    {"sim", cli_sim_main, "SIM authentication values: Milenage vectors, AUTS checks"},
    {"stats", cli_stats_main, "datapath counters and drop reasons"},
    {"subscriber", cli_subscriber_main, "local HSS: add, show, list, delete, import subscribers"},
    {"ue", cli_ue_main, "UEs of xepc-agwd: list, show, network-initiated detach"},
    {"version", cli_version_main, "print the version of this build"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: xepcctl COMMAND [ARGS...]\n"
            "       xepcctl COMMAND --help\n\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "xepcctl: unknown command '%s' (see xepcctl --help)\n", argv[1]);
    return CLI_USAGE;
}
