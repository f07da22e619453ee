/* xepc-orcd: the orchestrator daemon (docs/orchestrator.md).
 *
 *   xepc-orcd [-c FILE]                    serve the API
 *   xepc-orcd [-c FILE] check              check the configuration
 *   xepc-orcd [-c FILE] migrate            bring the store's schema up to date
 *   xepc-orcd [-c FILE] token create --name N --scope read|write|admin [--lifetime 90d]
 *   xepc-orcd [-c FILE] token list | token revoke ID
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orc/orc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: xepc-orcd [-c FILE]                 serve the API\n"
            "       xepc-orcd [-c FILE] check           check the configuration file\n"
            "       xepc-orcd [-c FILE] migrate         bring the store's schema up to date\n"
            "       xepc-orcd [-c FILE] token create --name NAME --scope read|write|admin\n"
            "                           [--lifetime 1s..3660d]\n"
            "       xepc-orcd [-c FILE] token list\n"
            "       xepc-orcd [-c FILE] token revoke ID\n"
            "       xepc-orcd routes                    list the API's routes\n"
            "\n"
            "  -c, --config FILE   configuration (default %s)\n"
            "\n"
            "token create prints the new API token once; only its hash is stored.\n",
            ORC_CONFIG_DEFAULT_PATH);
}

static const char *store_dsn(const struct orc_config *cfg)
{
    return strcmp(cfg->store.backend, "postgresql") ? cfg->store.path : cfg->store.conninfo;
}

static int open_store(struct orc_ctx *ctx, size_t n)
{
    char err[512];
    int rc = orc_store_open(&ctx->store, ctx->cfg.store.backend, store_dsn(&ctx->cfg), n, err,
                            sizeof(err));
    if (rc < 0)
        fprintf(stderr, "xepc-orcd: store: %s\n", err);
    return rc;
}

static int row_print(void *arg, int ncol, char **cols)
{
    (void)arg;
    (void)ncol;
    time_t t = (time_t)strtoll(cols[3], NULL, 10);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    time_t x = (time_t)(cols[4] ? strtoll(cols[4], NULL, 10) : 0);
    char exp[32] = "never";
    if (x > 0)
        strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&x));
    printf("%-14s %-6s %-20s %-20s %s\n", cols[0], cols[2], when, exp, cols[1]);
    return 0;
}

/* "90d", "12h", "30m", "3600s" (or bare seconds) -> seconds; -1 if bad or
 * out of 1 s .. ORC_TOKEN_MAX_LIFETIME. */
static int64_t parse_lifetime(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v <= 0 || v > ORC_TOKEN_MAX_LIFETIME)
        return -1;
    long long mul = !*end || !strcmp(end, "s") ? 1
                    : !strcmp(end, "m")        ? 60
                    : !strcmp(end, "h")        ? 3600
                    : !strcmp(end, "d")        ? 86400
                                               : 0;
    if (!mul || v > ORC_TOKEN_MAX_LIFETIME / mul)
        return -1;
    return v * mul;
}

static int cmd_token(struct orc_ctx *ctx, int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[0], "create")) {
        const char *name = NULL, *scope = NULL;
        int64_t lifetime = 0;
        for (int i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "--name") && i + 1 < argc)
                name = argv[++i];
            else if (!strcmp(argv[i], "--scope") && i + 1 < argc)
                scope = argv[++i];
            else if (!strcmp(argv[i], "--lifetime") && i + 1 < argc) {
                if ((lifetime = parse_lifetime(argv[++i])) < 0) {
                    fprintf(stderr, "xepc-orcd: token create: --lifetime takes 1s..3660d "
                                    "(a number with s, m, h or d)\n");
                    return 2;
                }
            }
            else {
                fprintf(stderr, "xepc-orcd: token create: unexpected '%s'\n", argv[i]);
                return 2;
            }
        }
        enum orc_scope sc;
        if (!name || !*name || strlen(name) > 100 || orc_scope_parse(scope, &sc)) {
            fprintf(stderr, "xepc-orcd: token create needs --name (1..100 characters) and "
                            "--scope read|write|admin\n");
            return 2;
        }
        if (open_store(ctx, 1) < 0)
            return 1;
        char tok[128];
        struct orc_conn *c = orc_store_get(&ctx->store);
        int rc = orc_token_create(c, name, sc, lifetime ? (int64_t)time(NULL) + lifetime : 0,
                                  tok, sizeof(tok), NULL, 0);
        if (rc == 0)
            orc_audit_add(c, time(NULL), "-", "local", "TOKEN", "xepc-orcd token create", 201,
                          name);
        else
            fprintf(stderr, "xepc-orcd: token create: %s\n", c->err);
        orc_store_put(&ctx->store, c);
        orc_store_close(&ctx->store);
        if (rc < 0)
            return 1;
        printf("%s\n", tok);
        return 0;
    }
    if (!strcmp(argv[0], "list") && argc == 1) {
        if (open_store(ctx, 1) < 0)
            return 1;
        struct orc_conn *c = orc_store_get(&ctx->store);
        printf("%-14s %-6s %-20s %-20s %s\n", "ID", "SCOPE", "CREATED", "EXPIRES", "NAME");
        int rc = orc_token_list(c, row_print, NULL);
        orc_store_put(&ctx->store, c);
        orc_store_close(&ctx->store);
        return rc < 0 ? 1 : 0;
    }
    if (!strcmp(argv[0], "revoke") && argc == 2) {
        if (open_store(ctx, 1) < 0)
            return 1;
        struct orc_conn *c = orc_store_get(&ctx->store);
        int rc = orc_token_delete(c, argv[1]);
        if (rc == 0)
            orc_audit_add(c, time(NULL), "-", "local", "TOKEN", "xepc-orcd token revoke", 204,
                          argv[1]);
        orc_store_put(&ctx->store, c);
        orc_store_close(&ctx->store);
        if (rc == -ENOENT)
            fprintf(stderr, "xepc-orcd: no token '%s'\n", argv[1]);
        return rc < 0 ? 1 : 0;
    }
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *cfg_path = ORC_CONFIG_DEFAULT_PATH;
    int o;
    while ((o = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc && !strcmp(argv[optind], "routes")) {
        /* What the server answers, for test_orc_openapi.py and operators. */
        for (const struct orc_route *const *tb = orc_route_tables; *tb; tb++)
            for (const struct orc_route *rt = *tb; rt->method; rt++)
                printf("%s %s %s\n", rt->method, rt->pattern, orc_scope_str(rt->scope));
        return 0;
    }
    static struct orc_ctx ctx; /* large (rate-limit table); zeroed */
    char err[8192];
    int rc = orc_config_load(cfg_path, &ctx.cfg, err, sizeof(err));
    if (rc < 0) {
        fputs(err[0] ? err : "xepc-orcd: cannot read the configuration\n", stderr);
        return 1;
    }
    argc -= optind;
    argv += optind;
    if (argc > 0 && !strcmp(argv[0], "check")) {
        printf("%s: ok\n", cfg_path);
        return 0;
    }
    if (argc > 0 && !strcmp(argv[0], "token"))
        return cmd_token(&ctx, argc - 1, argv + 1);
    if (argc > 0 && !strcmp(argv[0], "migrate")) {
        if (open_store(&ctx, 1) < 0)
            return 1;
        printf("schema version %d\n", ctx.store.schema_version);
        orc_store_close(&ctx.store);
        return 0;
    }
    if (argc > 0) {
        usage(stderr);
        return 2;
    }

    /* Signals are taken by this thread only (sigwait): block them before
     * the server's threads start, so that they inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (open_store(&ctx, ctx.cfg.http.threads) < 0)
        return 1;
    if (orc_gwca_load(&ctx, err, sizeof(err)) < 0) {
        fprintf(stderr, "xepc-orcd: %s\n", err);
        orc_store_close(&ctx.store);
        return 1;
    }
    if ((rc = orc_http_start(&ctx, err, sizeof(err))) < 0) {
        fprintf(stderr, "xepc-orcd: %s\n", err);
        orc_store_close(&ctx.store);
        return 1;
    }
    char addr[INET6_ADDRSTRLEN] = "";
    if (ctx.cfg.listen.v6)
        inet_ntop(AF_INET6, &ctx.cfg.listen.address, addr, sizeof(addr));
    else
        inet_ntop(AF_INET, &ctx.cfg.listen.address.s6_addr[12], addr, sizeof(addr));
    fprintf(stderr, "xepc-orcd: listening on %s://%s%s%s:%u, store %s (schema %d), %u threads\n",
            ctx.cfg.tls.enabled ? "https" : "http", ctx.cfg.listen.v6 ? "[" : "", addr,
            ctx.cfg.listen.v6 ? "]" : "", ctx.cfg.listen.port, ctx.store.be->name,
            ctx.store.schema_version, ctx.cfg.http.threads);
    fflush(stderr);
    /* The main thread's timer: the sweep (orc_checkin.c) every half
     * stale_after, at most every 10 s, between signals. */
    uint64_t period_ms = ctx.cfg.gateways.stale_after_ms / 2;
    period_ms = period_ms < 500 ? 500 : period_ms > 10000 ? 10000 : period_ms;
    struct timespec period = {(time_t)(period_ms / 1000), (long)(period_ms % 1000) * 1000000};
    int sig = 0;
    for (;;) {
        sig = sigtimedwait(&set, NULL, &period);
        if (sig < 0) {
            struct orc_conn *c = orc_store_get(&ctx.store);
            if (orc_sweep(&ctx, c, time(NULL)) < 0)
                fprintf(stderr, "xepc-orcd: sweep: %s\n", c->err);
            orc_store_put(&ctx.store, c);
            continue;
        }
        if (sig != SIGHUP)
            break; /* SIGHUP: nothing to reload yet */
    }
    fprintf(stderr, "xepc-orcd: %s: stopping (up to %llu ms for requests in flight)\n",
            strsignal(sig), (unsigned long long)ctx.cfg.shutdown_grace_ms);
    orc_http_stop(&ctx);
    orc_gwca_free(&ctx);
    orc_store_close(&ctx.store);
    fprintf(stderr, "xepc-orcd: stopped\n");
    return 0;
}
