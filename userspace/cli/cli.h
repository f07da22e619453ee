/* xepcctl: one binary, one file per command family (cmd_<family>.c). */
#ifndef XEPC_CLI_H
#define XEPC_CLI_H

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
};

/* Exit codes: 0 ok, 1 operation failed, 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2,
       CLI_CHECK_REPAIRABLE = 3 /* dp check: inconsistent, --repair mends it */ };

/* Command families, one per cmd_<family>.c. */
int cli_config_main(int argc, char **argv); /* cmd_config.c: config check */
int cli_dp_main(int argc, char **argv);      /* cmd_dp.c: datapath up/down/status/upgrade */
int cli_events_main(int argc, char **argv);  /* cmd_events.c: follow datapath events */
int cli_session_main(int argc, char **argv); /* cmd_session.c: static sessions */
int cli_stats_main(int argc, char **argv);   /* cmd_stats.c: counters, drop reasons */
int cli_sim_main(int argc, char **argv); /* cmd_sim.c: Milenage vectors, AUTS */
int cli_subscriber_main(int argc, char **argv); /* cmd_subscriber.c: local HSS */
int cli_enb_main(int argc, char **argv);     /* cmd_agwd.c: xepc-agwd's eNBs */
int cli_ue_main(int argc, char **argv);      /* cmd_agwd.c: xepc-agwd's UEs */
int cli_agw_main(int argc, char **argv);     /* cmd_agwd.c: xepc-agwd's counters */
int cli_doctor_main(int argc, char **argv);  /* cmd_doctor.c: preflight checks */
int cli_orc_main(int argc, char **argv);     /* cmd_orc.c: the orchestrator's API */

#endif
