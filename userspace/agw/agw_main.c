/* xepc-agwd: the access gateway daemon (MME + local HSS + SGW/PGW control
 * + the XDP datapath controller).  One process, one libev loop.
 *
 * Start: configuration (strict), SQLite (migrations), the datapath (adopt
 * what is pinned, else bring it up), the stored UEs (reconciled with the
 * datapath), datapath events, the control socket, metrics, and last S1-MME
 * (eNBs are served only once everything behind them is ready).
 *
 * Stop (SIGTERM/SIGINT): S1-MME closes, pending state is committed, the
 * datapath is left running (pinned) so that traffic does not stop while
 * the daemon restarts or is upgraded. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_db.h"
#include "agw/agw_orc.h"
#include "dp/dp.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xepc-agwd [-c FILE] [--check] [--print-identity] [--no-datapath]\n"
            "                 [--log-level LEVEL]\n"
            "\n"
            "The xepc access gateway: MME, local HSS and SGW/PGW control over the\n"
            "XDP datapath.\n"
            "\n"
            "  -c, --config FILE   configuration (default " AGW_CONFIG_DEFAULT_PATH ")\n"
            "      --check         validate the configuration and exit (0 ok, 1 errors)\n"
            "      --print-identity  the orchestrator identity: makes the key in\n"
            "                      orchestrator.dir if there is none and prints the gateway\n"
            "                      object to register (xepcctl orc create gateway -n NET -)\n"
            "      --no-datapath   signalling only: do not touch the datapath (tests)\n"
            "      --log-level L   error|warn|info|debug, overrides logger.level\n"
            "  -h, --help          this text\n"
            "\n"
            "Signals: SIGTERM/SIGINT stop (the datapath keeps forwarding); SIGHUP\n"
            "re-opens the log file.  See docs/agw.md.\n");
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)revents;
    LOG_INFO(ctx, "main", "signal %d: stopping", w->signum);
    ctx->stopping = true;
    ev_break(loop, EVBREAK_ALL);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)loop;
    (void)revents;
    if (ctx->cfg->logger.file[0] && ctx->log.out != stderr) {
        FILE *f = freopen(ctx->cfg->logger.file, "a", ctx->log.out);
        if (f)
            ctx->log.out = f;
    }
}

static int datapath_open(struct agw_ctx *ctx)
{
    const struct agw_config *cfg = ctx->cfg;
    struct dp_config dc;
    dp_config_init(&dc);
    snprintf(dc.pin_dir, sizeof(dc.pin_dir), "%s", cfg->datapath.pin_dir);
    /* a running datapath is adopted as it is: restart without a gap */
    int rc = dp_open_pinned(dc.pin_dir, &ctx->dp);
    if (rc == 0) {
        LOG_INFO(ctx, "dp", "adopted the datapath pinned at %s", dc.pin_dir);
        return 0;
    }
    dp_close(ctx->dp);
    ctx->dp = NULL;
    snprintf(dc.s1u_ifname, sizeof(dc.s1u_ifname), "%s", cfg->datapath.s1u);
    snprintf(dc.sgi_ifname, sizeof(dc.sgi_ifname), "%s", cfg->datapath.sgi);
    /* the UE device carries tc_ue in NAT mode only (docs/datapath.md) */
    if (cfg->datapath.mode == AGW_DP_NAT)
        snprintf(dc.ue_ifname, sizeof(dc.ue_ifname), "%s", cfg->datapath.ue_dev);
    /* the programs from datapath.bpf_dir (make install puts them there);
     * without them, the ones built into this binary (the same source) */
    char probe[AGW_PATH_MAX + 32];
    snprintf(probe, sizeof(probe), "%s/xdp_s1u.bpf.o", cfg->datapath.bpf_dir);
    if (cfg->datapath.bpf_dir[0] && access(probe, R_OK) == 0)
        snprintf(dc.bpf_dir, sizeof(dc.bpf_dir), "%s", cfg->datapath.bpf_dir);
    else if (cfg->datapath.bpf_dir[0])
        LOG_WARN(ctx, "dp", "no BPF objects in %s: using the programs built into xepc-agwd",
                 cfg->datapath.bpf_dir);
    dc.mode = cfg->datapath.mode == AGW_DP_NAT ? XEPC_MODE_NAT : XEPC_MODE_ROUTED;
    dc.gtpu_addr = cfg->gtpu.address;
    dc.gtpu_addr6 = cfg->gtpu.address6;     /* :: = none */
    dc.max_sessions = cfg->datapath.max_sessions;
    dc.max_charging = agw_config_max_charging(cfg);
    dc.xdp_generic = cfg->datapath.xdp_mode == AGW_XDP_GENERIC;
    rc = dp_up(&dc, &ctx->dp);
    if (rc < 0) {
        LOG_ERR(ctx, "dp", "cannot bring the datapath up: %s",
                ctx->dp ? dp_ctx_error(ctx->dp) : strerror(-rc));
        dp_close(ctx->dp);
        ctx->dp = NULL;
        return rc;
    }
    LOG_INFO(ctx, "dp", "datapath up: S1-U %s, SGi %s, %s mode", dc.s1u_ifname, dc.sgi_ifname,
             dp_mode_str(dc.mode));
    return 0;
}

static int ctx_init(struct agw_ctx *ctx)
{
    if (agw_hash_init(&ctx->enb_by_assoc, 64) || agw_hash_init(&ctx->enb_by_global, 64) ||
        agw_hash_init(&ctx->ue_by_id, 1024) || agw_hash_init(&ctx->ue_by_imsi, 1024) ||
        agw_hash_init(&ctx->ue_by_tmsi, 1024) || agw_hash_init(&ctx->ue_by_enb, 1024))
        return -ENOMEM;
    ctx->rx_pdu = malloc(sizeof(*ctx->rx_pdu));
    ctx->rx_arena = malloc(AGW_RX_ARENA_SIZE);
    if (!ctx->rx_pdu || !ctx->rx_arena)
        return -ENOMEM;
    return 0;
}

static void free_ue(struct agw_ctx *ctx, struct agw_ue *ue, void *arg)
{
    (void)arg;
    ue_free(ctx, ue);
}

static void free_enbs(struct agw_ctx *ctx)
{
    struct agw_hash *h = &ctx->enb_by_assoc;
    for (size_t i = 0; h->buckets && i <= h->mask; i++) {
        struct agw_hnode *n = h->buckets[i];
        while (n) {
            struct agw_hnode *next = n->next;
            free(agw_container_of(n, struct agw_enb, by_assoc));
            n = next;
        }
    }
}

static void ctx_fini(struct agw_ctx *ctx)
{
    ctx->stopping = true;
    orc_client_close(ctx);
    gx_close(ctx);
    agw_metrics_close(ctx);
    agw_ctl_close(ctx);
    if (ctx->store)
        agw_commit(ctx);    /* state first, then what was queued for the eNBs */
    s1ap_path_close(ctx);
    if (ctx->store)
        agw_commit(ctx);    /* what the associations going down changed */
    ue_foreach(ctx, free_ue, NULL);
    free_enbs(ctx);
    ue_store_close(ctx);
    if (ctx->dp_events_io.fd > 0)
        ev_io_stop(ctx->loop, &ctx->dp_events_io);
    ev_timer_stop(ctx->loop, &ctx->dp_poll_timer);
    if (ctx->dp)
        dp_close(ctx->dp);    /* the datapath stays pinned and running */
    pgw_fini(ctx);
    if (ctx->db) {
        agw_db_close(ctx->db);
        free(ctx->db);
    }
    agw_hash_free(&ctx->enb_by_assoc);
    agw_hash_free(&ctx->enb_by_global);
    agw_hash_free(&ctx->ue_by_id);
    agw_hash_free(&ctx->ue_by_imsi);
    agw_hash_free(&ctx->ue_by_tmsi);
    agw_hash_free(&ctx->ue_by_enb);
    free(ctx->rx_pdu);
    free(ctx->rx_arena);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "check", no_argument, NULL, 'C' },
        { "no-datapath", no_argument, NULL, 'N' },
        { "print-identity", no_argument, NULL, 'I' },
        { "log-level", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *path = AGW_CONFIG_DEFAULT_PATH;
    const char *level = NULL;
    bool check = false, no_dp = false, identity = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'C': check = true; break;
        case 'N': no_dp = true; break;
        case 'I': identity = true; break;
        case 'l': level = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    static char errbuf[16384];
    struct agw_config cfg;
    int rc = agw_config_load(path, &cfg, errbuf, sizeof(errbuf));
    if (rc < 0) {
        fprintf(stderr, "%s", errbuf);
        if (errbuf[0] && errbuf[strlen(errbuf) - 1] != '\n')
            fputc('\n', stderr);
        agw_config_free(&cfg);
        return check ? 1 : 2;
    }
    if (check) {
        printf("%s: ok\n", path);
        agw_config_free(&cfg);
        return 0;
    }
    if (identity) {
        if (!cfg.orchestrator.enabled) {
            fprintf(stderr, "xepc-agwd: %s has no orchestrator section\n", path);
            agw_config_free(&cfg);
            return 1;
        }
        rc = orc_identity_print(&cfg.orchestrator, stdout);
        agw_config_free(&cfg);
        return rc < 0 ? 1 : 0;
    }

    struct agw_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.cfg = &cfg;
    ctx.no_datapath = no_dp;
    snprintf(ctx.cfg_path, sizeof(ctx.cfg_path), "%s", path);
    if (level) {
        static const char *const names[] = { "error", "warn", "info", "debug" };
        for (int i = 0; i < 4; i++)
            if (!strcmp(level, names[i]))
                cfg.logger.level = (enum agw_log_level)i;
    }
    FILE *logf = NULL;
    if (cfg.logger.file[0]) {
        logf = fopen(cfg.logger.file, "a");
        if (!logf) {
            fprintf(stderr, "xepc-agwd: cannot open log file %s: %s\n", cfg.logger.file,
                    strerror(errno));
            return 2;
        }
    }
    agw_log_init(&ctx.log, cfg.logger.level, cfg.logger.mask_imsi, logf);
    signal(SIGPIPE, SIG_IGN);
    ctx.loop = ev_default_loop(EVFLAG_AUTO);
    if (!ctx.loop || ctx_init(&ctx) < 0) {
        LOG_ERR(&ctx, "main", "out of memory");
        return 1;
    }

    int exit_code = 1;
    char dberr[512];
    ctx.db = calloc(1, sizeof(*ctx.db));
    rc = ctx.db ? agw_db_open(cfg.database.path, ctx.db, dberr, sizeof(dberr)) : -ENOMEM;
    if (rc < 0) {
        free(ctx.db);
        ctx.db = NULL;
        LOG_ERR(&ctx, "store", "%s", dberr);
        goto out;
    }
    if (!no_dp && datapath_open(&ctx) < 0)
        goto out;
    /* the orchestrator's own APNs exist before the sessions on them are
     * restored (orc_apn.c) */
    if (orc_apn_preload(&ctx) < 0 || pgw_init(&ctx) < 0 || ue_store_open(&ctx) < 0)
        goto out;
    rc = ue_store_load(&ctx);
    if (rc < 0)
        goto out;
    LOG_INFO(&ctx, "store", "%d attached UEs restored from %s", rc, cfg.database.path);
    if (ctx.dp && pgw_events_open(&ctx) < 0)
        goto out;
    if (agw_ctl_open(&ctx) < 0 || agw_metrics_open(&ctx) < 0)
        goto out;
    if (gx_open(&ctx) < 0 || orc_client_open(&ctx) < 0 || s1ap_path_open(&ctx) < 0)
        goto out;

    ev_signal_init(&ctx.sig_term, on_stop, SIGTERM);
    ev_signal_init(&ctx.sig_int, on_stop, SIGINT);
    ev_signal_init(&ctx.sig_hup, on_hup, SIGHUP);
    ctx.sig_term.data = ctx.sig_int.data = ctx.sig_hup.data = &ctx;
    ev_signal_start(ctx.loop, &ctx.sig_term);
    ev_signal_start(ctx.loop, &ctx.sig_int);
    ev_signal_start(ctx.loop, &ctx.sig_hup);
    LOG_INFO(&ctx, "main", "xepc-agwd ready (config %s)", path);
    ev_run(ctx.loop, 0);
    exit_code = 0;
out:
    ctx_fini(&ctx);
    agw_config_free(&cfg);
    if (logf)
        fclose(logf);
    return exit_code;
}
