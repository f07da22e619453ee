/* xepc-orcd configuration (see orc_config.h); the generic strict-YAML
 * machinery is lib/ycfg, shared with agw_config.c. */
#include "orc/orc_config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "lib/ycfg.h"

static const char *const log_levels[] = {"error", "warn", "info", "debug"};
static const char *const backends[] = {"sqlite", "postgresql"};

const char *orc_log_level_str(enum orc_log_level l)
{
    return (unsigned)l < 4 ? log_levels[l] : "?";
}

#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

void orc_config_defaults(struct orc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &cfg->listen.address);
    cfg->listen.port = 9443;
    cfg->tls.enabled = true;
    snprintf(cfg->tls.cert, sizeof(cfg->tls.cert), "/etc/xepc/orc/server.crt");
    snprintf(cfg->tls.key, sizeof(cfg->tls.key), "/etc/xepc/orc/server.key");
    cfg->http.threads = 4;
    cfg->http.max_connections = 512;
    cfg->http.max_connections_per_ip = 64;
    cfg->http.max_body = 1 * MIB;
    cfg->http.max_import_body = 512 * MIB;
    cfg->http.max_header = 32 * KIB;
    cfg->http.idle_timeout_ms = 30 * 1000;
    cfg->http.request_timeout_ms = 30 * 1000;
    cfg->http.import_timeout_ms = 30 * 60 * 1000;
    snprintf(cfg->store.backend, sizeof(cfg->store.backend), "sqlite");
    snprintf(cfg->store.path, sizeof(cfg->store.path), "/var/lib/xepc/orc.db");
    cfg->auth.max_failures = 10;
    cfg->auth.window_ms = 60 * 1000;
    cfg->auth.lockout_ms = 60 * 1000;
    cfg->logger.level = ORC_LOG_INFO;
    cfg->shutdown_grace_ms = 10 * 1000;
    cfg->gateways.cert_lifetime_ms = 24 * 3600 * 1000;
    cfg->gateways.challenge_lifetime_ms = 60 * 1000;
    snprintf(cfg->ui.root, sizeof(cfg->ui.root), "%s", ORC_UI_DEFAULT_ROOT);
    cfg->ui.session_lifetime_ms = 8 * 3600 * 1000;
    cfg->gateways.stale_after_ms = 300 * 1000;
    cfg->gateways.event_retention_ms = 30ull * 24 * 3600 * 1000;
    cfg->usage.resolution_ms = 5 * 60 * 1000;
    cfg->usage.retention_ms = 30ull * 24 * 3600 * 1000;
}

static const struct ycfg_unit size_units[] = {
    {"B", 1}, {"KiB", KIB}, {"MiB", MIB}, {"GiB", GIB}};

static void rd_size(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
                    const char *range, uint64_t *out)
{
    if (n)
        ycfg_rd_unit(c, n, path, size_units, 4, "a size (integer with B, KiB, MiB or GiB)", range,
                     min, max, out);
}

static void rd_abspath(struct ycfg *c, yaml_node_t *n, const char *path, char *dst, size_t cap)
{
    char tmp[ORC_PATH_MAX];
    if (!n || !ycfg_rd_str(c, n, path, tmp, cap < sizeof(tmp) ? cap : sizeof(tmp), 1))
        return;
    if (tmp[0] != '/')
        ycfg_err(c, n, path, "'%s' is not an absolute path", tmp);
    else
        memcpy(dst, tmp, strlen(tmp) + 1);
}

static void rd_listen(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"address", "port"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "listen", keys, 2, &m))
        return;
    yaml_node_t *a = m.val[0];
    if (a && ycfg_want_scalar(c, a, "listen.address", "an IPv4 or IPv6 address")) {
        struct in_addr v4;
        struct in6_addr v6;
        char s[64];
        if (inet_pton(AF_INET, ycfg_sval(a), &v4) == 1) {
            snprintf(s, sizeof(s), "::ffff:%s", ycfg_sval(a));
            inet_pton(AF_INET6, s, &cfg->listen.address);
            cfg->listen.v6 = false;
        } else if (inet_pton(AF_INET6, ycfg_sval(a), &v6) == 1) {
            cfg->listen.address = v6;
            cfg->listen.v6 = true;
        } else {
            ycfg_err(c, a, "listen.address", "'%s' is not an IPv4 or IPv6 address",
                     ycfg_sval(a));
        }
    }
    YCFG_RD_UINT(c, m.val[1], "listen.port", 0, 65535, cfg->listen.port);
}

static void rd_tls(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"enabled", "cert", "key"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "tls", keys, 3, &m))
        return;
    ycfg_rd_bool(c, m.val[0], "tls.enabled", &cfg->tls.enabled);
    rd_abspath(c, m.val[1], "tls.cert", cfg->tls.cert, sizeof(cfg->tls.cert));
    rd_abspath(c, m.val[2], "tls.key", cfg->tls.key, sizeof(cfg->tls.key));
}

static void rd_http(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"threads",         "max_connections",
                                       "max_connections_per_ip", "max_body",
                                       "max_import_body", "max_header",
                                       "idle_timeout",    "request_timeout",
                                       "import_timeout"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "http", keys, 9, &m))
        return;
    YCFG_RD_UINT(c, m.val[0], "http.threads", 1, 64, cfg->http.threads);
    YCFG_RD_UINT(c, m.val[1], "http.max_connections", 1, 65536, cfg->http.max_connections);
    YCFG_RD_UINT(c, m.val[2], "http.max_connections_per_ip", 1, 65536,
                 cfg->http.max_connections_per_ip);
    rd_size(c, m.val[3], "http.max_body", KIB, 64 * MIB, "1KiB..64MiB", &cfg->http.max_body);
    rd_size(c, m.val[4], "http.max_import_body", KIB, 4 * GIB, "1KiB..4GiB",
            &cfg->http.max_import_body);
    /* Below 4 KiB MHD cannot hold an ordinary request's headers. */
    rd_size(c, m.val[5], "http.max_header", 4 * KIB, 1 * MIB, "4KiB..1MiB",
            &cfg->http.max_header);
    ycfg_rd_duration_ms(c, m.val[6], "http.idle_timeout", 1000, 3600 * 1000, "1s..1h",
                        &cfg->http.idle_timeout_ms);
    ycfg_rd_duration_ms(c, m.val[7], "http.request_timeout", 100, 3600 * 1000, "100ms..1h",
                        &cfg->http.request_timeout_ms);
    ycfg_rd_duration_ms(c, m.val[8], "http.import_timeout", 1000, 24 * 3600 * 1000, "1s..24h",
                        &cfg->http.import_timeout_ms);
}

static void rd_store(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"backend", "path", "conninfo"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "store", keys, 3, &m))
        return;
    int b = -1;
    if (m.val[0] && ycfg_rd_enum(c, m.val[0], "store.backend", backends, 2, &b))
        snprintf(cfg->store.backend, sizeof(cfg->store.backend), "%s", backends[b]);
    rd_abspath(c, m.val[1], "store.path", cfg->store.path, sizeof(cfg->store.path));
    ycfg_rd_str(c, m.val[2], "store.conninfo", cfg->store.conninfo, sizeof(cfg->store.conninfo),
                1);
    bool pg = !strcmp(cfg->store.backend, "postgresql");
    if (pg && !cfg->store.conninfo[0])
        ycfg_err(c, n, "store.conninfo", "the postgresql backend needs a conninfo "
                                         "(\"host=... dbname=... user=...\")");
    if (!pg && m.val[2])
        ycfg_err(c, m.val[2], "store.conninfo", "only the postgresql backend takes a conninfo");
    if (pg && m.val[1])
        ycfg_err(c, m.val[1], "store.path", "only the sqlite backend takes a path");
}

static void rd_auth(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"max_failures", "window", "lockout"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "auth", keys, 3, &m))
        return;
    YCFG_RD_UINT(c, m.val[0], "auth.max_failures", 1, 1000000, cfg->auth.max_failures);
    ycfg_rd_duration_ms(c, m.val[1], "auth.window", 1000, 24 * 3600 * 1000, "1s..24h",
                        &cfg->auth.window_ms);
    ycfg_rd_duration_ms(c, m.val[2], "auth.lockout", 1000, 24 * 3600 * 1000, "1s..24h",
                        &cfg->auth.lockout_ms);
}

static void rd_gateways(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"ca_cert", "ca_key", "cert_lifetime",
                                       "challenge_lifetime", "stale_after", "event_retention"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "gateways", keys, 6, &m))
        return;
    rd_abspath(c, m.val[0], "gateways.ca_cert", cfg->gateways.ca_cert,
               sizeof(cfg->gateways.ca_cert));
    rd_abspath(c, m.val[1], "gateways.ca_key", cfg->gateways.ca_key,
               sizeof(cfg->gateways.ca_key));
    if (!m.val[0] != !m.val[1])
        ycfg_err(c, n, "gateways", "ca_cert and ca_key go together");
    ycfg_rd_duration_ms(c, m.val[2], "gateways.cert_lifetime", 1000, 90ull * 24 * 3600 * 1000,
                        "1s..90d", &cfg->gateways.cert_lifetime_ms);
    ycfg_rd_duration_ms(c, m.val[3], "gateways.challenge_lifetime", 1000, 3600 * 1000,
                        "1s..1h", &cfg->gateways.challenge_lifetime_ms);
    ycfg_rd_duration_ms(c, m.val[4], "gateways.stale_after", 1000, 24 * 3600 * 1000, "1s..24h",
                        &cfg->gateways.stale_after_ms);
    ycfg_rd_duration_ms(c, m.val[5], "gateways.event_retention", 1000,
                        87600ull * 3600 * 1000, "1s..87600h",
                        &cfg->gateways.event_retention_ms);
}

/* The usage history (orc_checkin.c): buckets of `resolution`, kept for
 * `retention`; at most USAGE_MAX_BUCKETS buckets per gateway and
 * subscriber, so that the table stays bounded. */
#define USAGE_MAX_BUCKETS 100000
static void rd_usage(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"resolution", "retention"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "usage", keys, 2, &m))
        return;
    bool bad = m.val[0] && !ycfg_rd_duration_ms(c, m.val[0], "usage.resolution", 1000,
                                                  24 * 3600 * 1000, "1s..24h",
                                                  &cfg->usage.resolution_ms);
    bad |= m.val[1] && !ycfg_rd_duration_ms(c, m.val[1], "usage.retention", 1000,
                                             87600ull * 3600 * 1000, "1s..87600h",
                                             &cfg->usage.retention_ms);
    if (bad)
        return;
    if (cfg->usage.resolution_ms % 1000)
        ycfg_err(c, m.val[0], "usage.resolution", "must be whole seconds");
    else if (cfg->usage.retention_ms < cfg->usage.resolution_ms)
        ycfg_err(c, n, "usage.retention", "must be at least usage.resolution");
    else if (cfg->usage.retention_ms / cfg->usage.resolution_ms > USAGE_MAX_BUCKETS)
        ycfg_err(c, n, "usage.retention",
                 "more than %d buckets of usage.resolution: make the resolution coarser",
                 USAGE_MAX_BUCKETS);
}

static void rd_ui(struct ycfg *c, yaml_node_t *n, struct orc_config *cfg)
{
    static const char *const keys[] = {"root", "session_lifetime"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "ui", keys, 2, &m))
        return;
    rd_abspath(c, m.val[0], "ui.root", cfg->ui.root, sizeof(cfg->ui.root));
    ycfg_rd_duration_ms(c, m.val[1], "ui.session_lifetime", 60 * 1000, 30ull * 24 * 3600 * 1000,
                        "1m..30d", &cfg->ui.session_lifetime_ms);
}

static void rd_root(struct ycfg *c, yaml_node_t *root, void *arg)
{
    struct orc_config *cfg = arg;
    static const char *const keys[] = {"listen", "tls",    "http",           "store",
                                       "auth",   "logger", "shutdown_grace", "gateways",
                                       "ui",     "usage"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, root, "", keys, 10, &m))
        return;
    if (m.val[0])
        rd_listen(c, m.val[0], cfg);
    if (m.val[1])
        rd_tls(c, m.val[1], cfg);
    if (m.val[2])
        rd_http(c, m.val[2], cfg);
    if (m.val[3])
        rd_store(c, m.val[3], cfg);
    if (m.val[4])
        rd_auth(c, m.val[4], cfg);
    if (m.val[5]) {
        static const char *const lk[] = {"level"};
        struct ycfg_map lm;
        if (ycfg_map_open(c, m.val[5], "logger", lk, 1, &lm))
            YCFG_RD_ENUM(c, lm.val[0], "logger.level", log_levels, cfg->logger.level);
    }
    if (m.val[7])
        rd_gateways(c, m.val[7], cfg);
    if (m.val[8])
        rd_ui(c, m.val[8], cfg);
    if (m.val[9])
        rd_usage(c, m.val[9], cfg);
    ycfg_rd_duration_ms(c, m.val[6], "shutdown_grace", 0, 600 * 1000, "0ms..10m",
                        &cfg->shutdown_grace_ms);
}

int orc_config_load_string(const char *name, const char *text, size_t len,
                           struct orc_config *cfg, char *errbuf, size_t errlen)
{
    orc_config_defaults(cfg);
    return ycfg_load_string(name, text, len, rd_root, cfg, errbuf, errlen);
}

int orc_config_load(const char *path, struct orc_config *cfg, char *errbuf, size_t errlen)
{
    orc_config_defaults(cfg);
    return ycfg_load_file(path, rd_root, cfg, errbuf, errlen);
}
