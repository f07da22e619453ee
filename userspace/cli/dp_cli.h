/* Helpers shared by the datapath command families of xepcctl (cmd_dp.c,
 * cmd_session.c, cmd_stats.c, cmd_events.c). */
#ifndef XEPC_CLI_DP_CLI_H
#define XEPC_CLI_DP_CLI_H

#include <stdio.h>

#include "dp/dp.h"

/* Opens the datapath pinned under pin_dir (NULL = default); on failure
 * prints the library's reason and returns NULL. */
struct dp_ctx *cli_dp_open(const char *prog, const char *pin_dir);

/* Prints "xepcctl CMD: message" to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The long name of the option whose getopt value is val: a table's order
 * need not follow its enum (indexing by value - first broke once). */
struct option;
const char *cli_opt_name(const struct option *opts, int val);

/* "1234" -> 1234; "12.3k"-style human numbers for counters. */
void cli_human(char *buf, size_t len, unsigned long long v);

#endif
