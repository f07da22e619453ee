/* xepcctl config: validate an xepc-agwd configuration file without
 * applying it (the same parser the daemon uses, userspace/agw/agw_config.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw_config.h"
#include "cli/cli.h"

static const char config_help[] =
    "NAME\n"
    "    xepcctl config - check an xepc-agwd configuration file\n"
    "\n"
    "SYNOPSIS\n"
    "    xepcctl config check [FILE]\n"
    "    xepcctl config --help\n"
    "\n"
    "DESCRIPTION\n"
    "    check   parses FILE (default " AGW_CONFIG_DEFAULT_PATH ") exactly as\n"
    "            xepc-agwd does at start, without applying it: prints \"ok\", or\n"
    "            every error, one per line, as FILE:LINE:COL: key.path: reason.\n"
    "            Unknown keys, duplicate keys, wrong types, values out of range,\n"
    "            bad PLMN digits, addresses and CIDRs, missing required keys and\n"
    "            empty required lists are errors.  The keys are in docs/agw.md,\n"
    "            \"Configuration reference\".\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the file is valid; 1 it has errors or cannot be read; 2 usage error.\n";

static int config_check(const char *path)
{
    struct agw_config cfg;
    size_t len = 1 << 20;
    char *errs = malloc(len);
    if (!errs) {
        fprintf(stderr, "xepcctl config: out of memory\n");
        return CLI_FAIL;
    }
    int rc = agw_config_load(path, &cfg, errs, len);
    agw_config_free(&cfg);
    if (rc == 0) {
        printf("ok\n");
        free(errs);
        return CLI_OK;
    }
    if (*errs)
        fputs(errs, stdout);
    else
        printf("%s: %s\n", path, strerror(-rc));
    free(errs);
    return CLI_FAIL;
}

int cli_config_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(config_help, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(config_help, stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "check")) {
        if (argc > 3) {
            fprintf(stderr, "xepcctl config check: one FILE at most (see xepcctl config --help)\n");
            return CLI_USAGE;
        }
        if (argc == 3 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
            fputs(config_help, stdout);
            return CLI_OK;
        }
        return config_check(argc == 3 ? argv[2] : AGW_CONFIG_DEFAULT_PATH);
    }
    fprintf(stderr, "xepcctl config: unknown subcommand '%s' (see xepcctl config --help)\n",
            argv[1]);
    return CLI_USAGE;
}
