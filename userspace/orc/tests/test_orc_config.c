/* xepc-orcd's configuration: defaults, every key, and strict errors with
 * FILE:LINE:COL: path: reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "orc/orc_config.h"

static int load(const char *text, struct orc_config *cfg, char *err, size_t errlen)
{
    return orc_config_load_string("orc.yaml", text, strlen(text), cfg, err, errlen);
}

static void test_orc_config_defaults_listen_on_loopback(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    assert_int_equal(load("{}\n", &cfg, err, sizeof(err)), 0);
    char a[64];
    inet_ntop(AF_INET, &cfg.listen.address.s6_addr[12], a, sizeof(a));
    assert_string_equal(a, "127.0.0.1");
    assert_false(cfg.listen.v6);
    assert_int_equal(cfg.listen.port, 9443);
    assert_true(cfg.tls.enabled);
    assert_string_equal(cfg.store.backend, "sqlite");
    assert_int_equal(cfg.http.max_body, 1024 * 1024);
}

static void test_orc_config_every_key(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    const char *y = "listen: {address: '::1', port: 8443}\n"
                    "tls: {enabled: true, cert: /x/c.pem, key: /x/k.pem}\n"
                    "http:\n"
                    "  threads: 8\n"
                    "  max_connections: 100\n"
                    "  max_connections_per_ip: 10\n"
                    "  max_body: 64KiB\n"
                    "  max_import_body: 1GiB\n"
                    "  max_header: 8KiB\n"
                    "  idle_timeout: 5s\n"
                    "  request_timeout: 2s\n"
                    "  import_timeout: 10m\n"
                    "store: {backend: postgresql, conninfo: 'host=/tmp dbname=orc'}\n"
                    "auth: {max_failures: 3, window: 10s, lockout: 1m}\n"
                    "logger: {level: debug}\n"
                    "shutdown_grace: 3s\n";
    assert_int_equal(load(y, &cfg, err, sizeof(err)), 0);
    assert_true(cfg.listen.v6);
    assert_int_equal(cfg.listen.port, 8443);
    assert_string_equal(cfg.tls.cert, "/x/c.pem");
    assert_int_equal(cfg.http.threads, 8);
    assert_int_equal(cfg.http.max_body, 64 * 1024);
    assert_int_equal(cfg.http.max_import_body, 1024ull * 1024 * 1024);
    assert_int_equal(cfg.http.max_header, 8 * 1024);
    assert_int_equal(cfg.http.idle_timeout_ms, 5000);
    assert_int_equal(cfg.http.import_timeout_ms, 600000);
    assert_string_equal(cfg.store.backend, "postgresql");
    assert_string_equal(cfg.store.conninfo, "host=/tmp dbname=orc");
    assert_int_equal(cfg.auth.max_failures, 3);
    assert_int_equal(cfg.auth.lockout_ms, 60000);
    assert_int_equal(cfg.logger.level, ORC_LOG_DEBUG);
    assert_int_equal(cfg.shutdown_grace_ms, 3000);
}

static void test_orc_config_reports_every_error_with_position(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[2048];
    const char *y = "listen: {address: 1.2.3, port: 70000}\n"
                    "http:\n"
                    "  max_body: 12XB\n"
                    "  bogus: 1\n"
                    "store: {backend: mysql}\n"
                    "auth: {max_failures: 0}\n";
    assert_int_equal(load(y, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "orc.yaml:1:19: listen.address: '1.2.3' is not an IPv4 or IPv6 address\n"));
    assert_non_null(strstr(err, "orc.yaml:1:32: listen.port: 70000 is out of range 0..65535\n"));
    assert_non_null(strstr(err, "orc.yaml:3:13: http.max_body: '12XB' is not a size"));
    assert_non_null(strstr(err, "orc.yaml:4:3: http.bogus: unknown key\n"));
    assert_non_null(strstr(err, "orc.yaml:5:18: store.backend: 'mysql' is not one of sqlite | postgresql\n"));
    assert_non_null(strstr(err, "orc.yaml:6:22: auth.max_failures: 0 is out of range"));
}

static void test_orc_config_postgresql_needs_conninfo(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    assert_int_equal(load("store: {backend: postgresql}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "store.conninfo: the postgresql backend needs a conninfo"));
    assert_int_equal(load("store: {backend: sqlite, conninfo: x}\n", &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "only the postgresql backend takes a conninfo"));
    assert_int_equal(load("store: {path: relative.db}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "store.path: 'relative.db' is not an absolute path"));
}

static void test_orc_config_gateways_ca_pair(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    assert_int_equal(load("gateways: {ca_cert: /x/ca.crt, ca_key: /x/ca.key, cert_lifetime: 2h}\n",
                          &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.gateways.ca_key, "/x/ca.key");
    assert_int_equal(cfg.gateways.cert_lifetime_ms, 2 * 3600 * 1000);
    assert_int_equal(cfg.gateways.challenge_lifetime_ms, 60 * 1000);
    assert_int_equal(cfg.gateways.stale_after_ms, 300 * 1000);
    assert_int_equal(load("gateways: {stale_after: 90s}\n", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.gateways.stale_after_ms, 90 * 1000);
    assert_int_equal(load("gateways: {stale_after: 0s}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "gateways.stale_after: 0s is out of range 1s..24h"));
    assert_int_equal(load("gateways: {ca_cert: /x/ca.crt, challenge_lifetime: 2h}\n", &cfg, err,
                          sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "gateways: ca_cert and ca_key go together"));
    assert_non_null(strstr(err, "gateways.challenge_lifetime: 2h is out of range 1s..1h"));
}

static void test_orc_config_ui(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    assert_int_equal(load("listen: {port: 1}\n", &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.ui.root, ORC_UI_DEFAULT_ROOT);
    assert_int_equal(cfg.ui.session_lifetime_ms, 8 * 3600 * 1000);
    assert_int_equal(load("ui: {root: /srv/ui, session_lifetime: 30m}\n", &cfg, err, sizeof(err)),
                     0);
    assert_string_equal(cfg.ui.root, "/srv/ui");
    assert_int_equal(cfg.ui.session_lifetime_ms, 30 * 60 * 1000);
    assert_int_equal(load("ui: {root: srv/ui, session_lifetime: 10s, theme: dark}\n", &cfg, err,
                          sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "ui.root: 'srv/ui' is not an absolute path"));
    assert_non_null(strstr(err, "ui.session_lifetime: 10s is out of range 1m..30d"));
    assert_non_null(strstr(err, "theme"));
}

static void test_orc_config_usage_history(void **state)
{
    (void)state;
    struct orc_config cfg;
    char err[1024];
    assert_int_equal(load("listen: {port: 1}\n", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.usage.resolution_ms, 5 * 60 * 1000);
    assert_int_equal(cfg.usage.retention_ms, 30ull * 24 * 3600 * 1000);
    assert_int_equal(cfg.gateways.event_retention_ms, 30ull * 24 * 3600 * 1000);
    assert_int_equal(load("usage: {resolution: 1m, retention: 48h}\n"
                          "gateways: {event_retention: 2h}\n", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.usage.resolution_ms, 60 * 1000);
    assert_int_equal(cfg.usage.retention_ms, 48 * 3600 * 1000);
    assert_int_equal(cfg.gateways.event_retention_ms, 2 * 3600 * 1000);
    assert_int_equal(load("usage: {resolution: 0s}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "usage.resolution: 0s is out of range 1s..24h"));
    assert_int_equal(load("usage: {resolution: 1500ms}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "usage.resolution: must be whole seconds"));
    assert_int_equal(load("usage: {resolution: 1h, retention: 30m}\n", &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "usage.retention: must be at least usage.resolution"));
    assert_int_equal(load("usage: {resolution: 1s, retention: 48h}\n", &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "more than 100000 buckets"));
    assert_int_equal(load("usage: {retention: 87601h, keep: all}\n", &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "usage.retention: 87601h is out of range 1s..87600h"));
    assert_non_null(strstr(err, "keep"));
    assert_int_equal(load("gateways: {event_retention: 0s}\n", &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "gateways.event_retention: 0s is out of range"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orc_config_defaults_listen_on_loopback),
        cmocka_unit_test(test_orc_config_every_key),
        cmocka_unit_test(test_orc_config_reports_every_error_with_position),
        cmocka_unit_test(test_orc_config_postgresql_needs_conninfo),
        cmocka_unit_test(test_orc_config_gateways_ca_pair),
        cmocka_unit_test(test_orc_config_ui),
        cmocka_unit_test(test_orc_config_usage_history),
    };
    return cmocka_run_group_tests_name("orc_config", tests, NULL, NULL);
}
