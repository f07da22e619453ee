/* xepc-orcd configuration: the YAML file (/etc/xepc/orc.yaml by default),
 * read strictly with lib/ycfg (unknown or duplicate keys, wrong types and
 * out-of-range values are errors, each reported as FILE:LINE:COL: path:
 * reason).  Keys, defaults and ranges: docs/orchestrator.md,
 * "Configuration".  Durations are in milliseconds, sizes in bytes. */
#ifndef XEPC_ORC_CONFIG_H
#define XEPC_ORC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#define ORC_CONFIG_DEFAULT_PATH "/etc/xepc/orc.yaml"
#define ORC_PATH_MAX 256
#define ORC_UI_DEFAULT_ROOT "/usr/local/share/xepc/ui"

enum orc_log_level { ORC_LOG_ERROR, ORC_LOG_WARN, ORC_LOG_INFO, ORC_LOG_DEBUG };

struct orc_config {
    struct {
        struct in6_addr address; /* IPv4 as ::ffff:a.b.c.d */
        bool v6;
        uint16_t port;
    } listen;
    struct {
        bool enabled;            /* false only with tls.enabled: false (behind a proxy) */
        char cert[ORC_PATH_MAX]; /* PEM */
        char key[ORC_PATH_MAX];  /* PEM */
    } tls;
    struct {
        unsigned threads;         /* MHD worker threads (and store connections) */
        unsigned max_connections; /* in total */
        unsigned max_connections_per_ip;
        uint64_t max_body;        /* JSON bodies */
        uint64_t max_import_body; /* CSV bulk imports */
        uint64_t max_header;      /* request line + headers (connection memory) */
        uint64_t idle_timeout_ms; /* no byte from the client for this long: closed */
        uint64_t request_timeout_ms; /* a JSON request must be read within this */
        uint64_t import_timeout_ms;  /* a CSV import likewise */
    } http;
    struct {
        char backend[16]; /* "sqlite" | "postgresql" */
        char path[ORC_PATH_MAX];
        char conninfo[1024];
    } store;
    struct {
        unsigned max_failures; /* bad tokens from one address ... */
        uint64_t window_ms;    /* ... within this window ... */
        uint64_t lockout_ms;   /* ... lock the address out for this long */
    } auth;
    struct {
        enum orc_log_level level;
    } logger;
    struct {
        char ca_cert[ORC_PATH_MAX]; /* "" : the gateway API is off */
        char ca_key[ORC_PATH_MAX];
        uint64_t cert_lifetime_ms;      /* of the client certificates issued */
        uint64_t challenge_lifetime_ms; /* of a bootstrap challenge */
        uint64_t stale_after_ms;        /* no check-in this long: the gateway is stale */
        uint64_t event_retention_ms;    /* gateway events older than this are deleted */
    } gateways;
    struct {
        uint64_t resolution_ms; /* width of a usage history bucket */
        uint64_t retention_ms;  /* buckets older than this are deleted */
    } usage;
    struct {
        char root[ORC_PATH_MAX];     /* the web UI's static files (res_ui.c) */
        uint64_t session_lifetime_ms; /* of a web UI session (its cookie) */
    } ui;
    uint64_t shutdown_grace_ms; /* SIGTERM: time given to requests in flight */
};

void orc_config_defaults(struct orc_config *cfg);
/* 0, -EINVAL (errors in errbuf, one line each), -ENOENT/-EIO/-ENOMEM. */
int orc_config_load(const char *path, struct orc_config *cfg, char *errbuf, size_t errlen);
int orc_config_load_string(const char *name, const char *text, size_t len,
                           struct orc_config *cfg, char *errbuf, size_t errlen);
const char *orc_log_level_str(enum orc_log_level l);

#endif
