/* The orchestrator client of xepc-agwd (docs/orchestrator.md "The
 * gateway's side"): bootstrap, renewal, check-in, config sync.
 *
 * One worker thread runs every HTTPS call (orc_path.c, blocking libcurl)
 * and applies the configuration to SQLite on a connection of its own
 * (orc_apply.c).  Why a thread and not libcurl's multi interface on the
 * loop: the apply of a full sync writes up to 1M subscribers and parses
 * megabytes of JSON, which must not stall S1AP on the loop either; the
 * thread does both, and the loop only builds the check-in report (its
 * state lives there) and acts on what the worker hands back through an
 * ev_async (counters, subscribers to detach).  The loop never waits for
 * the worker: the two share a mutex held for copies only.
 *
 * Schedule (worker): a client certificate is got at start when there is
 * none (or it is unreadable, expired, or refused with 401), and renewed
 * two thirds into its lifetime; a check-in goes when the loop hands a
 * report (every orchestrator.checkin_interval); a sync every
 * orchestrator.sync_interval.  A failure is retried after the interval
 * doubled per failure in a row, at most orchestrator.backoff_max; every
 * failure is counted (xepcctl agw stats: orc_*) and logged, and the first
 * success after failures says so.  Meanwhile agwd serves from what SQLite
 * holds: the last good configuration. */
#include "agw/agw_orc.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "dp/dp.h"

#ifndef XEPC_VERSION
#define XEPC_VERSION "0.1.0-dev"
#endif

/* worker -> loop: what happened since the last hand-over */
struct orc_news {
    uint64_t checkin_ok, checkin_fail, sync_ok, sync_fail, bootstrap_ok, bootstrap_fail;
    uint64_t items, rejected;
    bool changed;                /* the configuration changed: reload the policy */
    struct orc_imsi_list lost;
};

struct agw_orc {
    struct agw_ctx *ctx;
    const struct agw_orc_config *oc;
    struct orc_identity id;
    struct orc_http http;
    struct agw_db db;            /* the worker's own connection */
    pthread_t thr;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    volatile int stop;
    char *report;                /* loop -> worker: the next check-in body */
    int64_t report_final;        /* the last orc_usage_final row it carries */
    struct orc_news news;        /* worker -> loop, under mu */
    char version[80];            /* the config version reached (under mu) */
    ev_async async;
    ev_timer report_timer;
    /* worker only */
    bool cert_ok;
    time_t renew_at, cert_na;   /* renewal due; the certificate's notAfter */
    unsigned sync_fails, boot_fails, checkin_fails;
    struct timespec next_sync, next_boot;
    /* loop only: the file's policy and APNs under orcd's (orc_policy.c),
     * the check-in's traffic counters (orc_usage.c), the start time */
    struct orc_policy_yaml *yaml;
    struct orc_usage *usage;
    time_t started_at;
};

static void log_w(struct agw_orc *o, enum agw_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void log_w(struct agw_orc *o, enum agw_log_level lvl, const char *fmt, ...)
{
    /* agw_log_write formats into a buffer of its own and writes one line:
     * safe from this thread */
    if (lvl > o->ctx->log.level)
        return;
    char line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    agw_log_write(&o->ctx->log, lvl, "orc", "%s", line);
}

static struct timespec mono_in(uint64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool due(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static uint64_t backoff_ms(const struct agw_orc *o, uint32_t base_ms, unsigned fails)
{
    uint64_t d = base_ms;
    for (unsigned i = 0; i < fails && d < o->oc->backoff_max_ms; i++)
        d *= 2;
    if (fails && d > o->oc->backoff_max_ms)
        d = o->oc->backoff_max_ms > base_ms ? o->oc->backoff_max_ms : base_ms;
    return d;
}

static void hand_over(struct agw_orc *o)
{
    ev_async_send(o->ctx->loop, &o->async);
}

/* The error message of an orcd answer, for the log. */
static const char *resp_msg(const struct orc_resp *r, char *buf, size_t cap)
{
    json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    snprintf(buf, cap, "%s", m ? m : "");
    json_decref(j);
    return buf;
}

/* ------------------------------------------------------- bootstrap ---- */

/* docs/orchestrator.md "Gateways: bootstrap and check-in", steps 2-3:
 * challenge, its signature with our key, a CSR for the same key, the
 * client certificate.  Stored 0600 beside the key (rename: never half). */
static int bootstrap(struct agw_orc *o)
{
    const struct agw_orc_config *oc = o->oc;
    char why[256];
    json_t *req = json_pack("{s:s, s:s, s:s}", "network", oc->network, "gateway", oc->gateway,
                            "hardware_id", o->id.hardware_id);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    struct orc_resp r;
    int rc = orc_http_call(&o->http, false, "POST", "/v1/gw/challenge", body, &r);
    free(body);
    if (rc < 0) {
        log_w(o, AGW_LOG_WARN, "bootstrap: orchestrator unreachable: %s", o->http.err);
        return rc;
    }
    if (r.status != 200) {
        log_w(o, AGW_LOG_ERROR, "bootstrap: challenge refused (%ld %s): is gateway '%s' (hardware "
              "id '%s') registered in network '%s'?", r.status, resp_msg(&r, why, sizeof(why)),
              oc->gateway, o->id.hardware_id, oc->network);
        orc_resp_free(&r);
        return -EACCES;
    }
    json_t *j = json_loads(r.body, 0, NULL);
    orc_resp_free(&r);
    const char *ch = json_string_value(json_object_get(j, "challenge"));
    char *sig = ch ? orc_identity_sign_hex(&o->id, ch) : NULL;
    char cn[2 * AGW_ORC_ID_MAX + 2];
    snprintf(cn, sizeof(cn), "%s/%s", oc->network, oc->gateway);
    char *csr = orc_identity_csr(&o->id, cn);
    if (!ch || !sig || !csr) {
        log_w(o, AGW_LOG_ERROR, "bootstrap: %s", ch ? "cannot sign or make the CSR" :
                                                    "the challenge answer has no challenge");
        free(sig);
        free(csr);
        json_decref(j);
        return -EPROTO;
    }
    req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "network", oc->network, "gateway", oc->gateway,
                    "challenge", ch, "signature", sig, "csr", csr);
    json_decref(j);
    free(sig);
    free(csr);
    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    rc = orc_http_call(&o->http, false, "POST", "/v1/gw/certificate", body, &r);
    free(body);
    if (rc < 0) {
        log_w(o, AGW_LOG_WARN, "bootstrap: orchestrator unreachable: %s", o->http.err);
        return rc;
    }
    if (r.status != 200) {
        log_w(o, AGW_LOG_ERROR, "bootstrap: certificate refused (%ld %s)", r.status,
              resp_msg(&r, why, sizeof(why)));
        orc_resp_free(&r);
        return -EACCES;
    }
    j = json_loads(r.body, 0, NULL);
    orc_resp_free(&r);
    const char *pem = json_string_value(json_object_get(j, "certificate"));
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.new", o->id.cert_path);
    FILE *f = pem ? fopen(tmp, "w") : NULL;
    rc = f && fchmod(fileno(f), 0600) == 0 && fputs(pem, f) >= 0 && fflush(f) == 0 &&
                 fsync(fileno(f)) == 0
             ? 0
             : -EIO;
    if (f)
        fclose(f);
    json_decref(j);
    if (rc == 0 && rename(tmp, o->id.cert_path) < 0)
        rc = -errno;
    time_t nb, na;
    if (rc == 0 && (rc = orc_cert_times(o->id.cert_path, &nb, &na)) == 0) {
        o->renew_at = orc_cert_renew_at(nb, na, time(NULL));
        o->cert_na = na;
        o->cert_ok = true;
        orc_http_reset_mtls(&o->http);
        bool had = o->http.pinned;
        if (orc_http_pin(&o->http) < 0)
            log_w(o, AGW_LOG_WARN, "bootstrap: orcd's CA not pinned: %s", o->http.err);
        else if (!had)
            log_w(o, AGW_LOG_INFO, "bootstrap: orcd's CA pinned in %s: only it is trusted from "
                  "now on", o->http.pin_path);
        log_w(o, AGW_LOG_INFO, "bootstrap: client certificate for %s, expires in %lds, renewal "
              "in %lds", cn, (long)(na - time(NULL)), (long)(o->renew_at - time(NULL)));
    } else {
        log_w(o, AGW_LOG_ERROR, "bootstrap: cannot store the certificate in %s: %s",
              o->id.cert_path, strerror(-rc));
    }
    return rc;
}

/* ------------------------------------------------------------ sync ---- */

static void news_lost(struct agw_orc *o, struct orc_imsi_list *l)
{
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < l->n; i++) {
        struct orc_imsi_list *d = &o->news.lost;
        if (d->n == d->cap) {
            size_t cap = d->cap ? 2 * d->cap : 16;
            char(*n)[16] = realloc(d->imsi, cap * sizeof(*n));
            if (!n)
                break;
            d->imsi = n;
            d->cap = cap;
        }
        memcpy(d->imsi[d->n++], l->imsi[i], 16);
    }
    pthread_mutex_unlock(&o->mu);
    orc_imsi_list_free(l);
}

/* One GET /v1/gw/config; *j the parsed answer (NULL on 304). */
static int sync_get(struct agw_orc *o, const char *query, long *status, json_t **j)
{
    char path[512], why[256];
    snprintf(path, sizeof(path), "/v1/gw/config%s", query);
    struct orc_resp r;
    *j = NULL;
    int rc = orc_http_call(&o->http, true, "GET", path, NULL, &r);
    log_w(o, AGW_LOG_DEBUG, "GET %s: %d %ld in %" PRId64 " us", path, rc, r.status, o->http.last_us);
    if (rc < 0) {
        log_w(o, AGW_LOG_WARN, "sync: orchestrator unreachable: %s (serving the last good "
              "configuration)", o->http.err);
        return rc;
    }
    *status = r.status;
    if (r.status == 304) {
        orc_resp_free(&r);
        return 0;
    }
    if (r.status == 401)
        o->cert_ok = false; /* revoked, expired or unknown: bootstrap again */
    if (r.status != 200) {
        log_w(o, AGW_LOG_WARN, "sync: refused (%ld %s)", r.status, resp_msg(&r, why, sizeof(why)));
        orc_resp_free(&r);
        return -EACCES;
    }
    json_error_t je;
    *j = json_loadb(r.body, r.len, 0, &je);
    orc_resp_free(&r);
    if (!json_is_object(*j) || !json_is_array(json_object_get(*j, "items")) ||
        !json_string_value(json_object_get(*j, "version"))) {
        log_w(o, AGW_LOG_WARN, "sync: an answer that is not a config page (%s)", je.text);
        json_decref(*j);
        *j = NULL;
        return -EPROTO;
    }
    return 0;
}

static int apply_page(struct agw_orc *o, json_t *j, int64_t gen)
{
    struct orc_apply_stats st;
    struct orc_imsi_list lost = {0};
    char why[512];
    int rc = orc_apply_items(&o->db, json_object_get(j, "items"), gen, &st, &lost, why,
                             sizeof(why));
    if (rc < 0) {
        log_w(o, AGW_LOG_ERROR, "sync: cannot write the configuration to SQLite: %s",
              strerror(-rc));
        orc_imsi_list_free(&lost);
        return rc;
    }
    if (st.rejected)
        log_w(o, AGW_LOG_WARN, "sync: %u item(s) skipped: %s", st.rejected, why);
    log_w(o, AGW_LOG_DEBUG, "sync: page of generation %" PRId64 ": %u put, %u deleted, %u skipped",
          gen, st.puts, st.deletes, st.rejected);
    pthread_mutex_lock(&o->mu);
    o->news.items += st.puts + st.deletes;
    o->news.rejected += st.rejected;
    o->news.changed |= st.puts + st.deletes > 0;
    pthread_mutex_unlock(&o->mu);
    news_lost(o, &lost);
    return 0;
}

/* A full sync: every page, then what was not seen is dropped; then the
 * changes made meanwhile (docs/orchestrator.md "Config sync" 1-2). */
static int sync_full(struct agw_orc *o, json_t *first)
{
    int64_t gen = orc_apply_full_begin(&o->db);
    if (gen < 0) {
        json_decref(first);
        return (int)gen;
    }
    char version[80];
    snprintf(version, sizeof(version), "%s", json_string_value(json_object_get(first, "version")));
    json_t *j = first;
    unsigned pages = 0;
    for (;;) {
        int rc = apply_page(o, j, gen);
        const char *tok = json_string_value(json_object_get(j, "next_page_token"));
        char q[300];
        if (tok)
            snprintf(q, sizeof(q), "?page_token=%s", tok);
        json_decref(j);
        pages++;
        if (rc < 0)
            return rc;
        if (!tok)
            break;
        if (strspn(q + 12, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~") !=
            strlen(q + 12))
            return -EPROTO;
        long status;
        if ((rc = sync_get(o, q, &status, &j)) < 0)
            return rc;
        if (!j)
            return -EPROTO;
        if (strcmp(json_string_value(json_object_get(j, "version")), version)) {
            json_decref(j);
            return -EAGAIN; /* another stream meanwhile: start again */
        }
    }
    struct orc_apply_stats st;
    struct orc_imsi_list lost = {0};
    int rc = orc_apply_full_end(&o->db, gen, version, &st, &lost);
    if (rc < 0) {
        orc_imsi_list_free(&lost);
        return rc;
    }
    news_lost(o, &lost);
    log_w(o, AGW_LOG_INFO, "sync: full configuration %s applied (%u page(s), %u object(s) "
          "dropped)", version, pages, st.deletes);
    pthread_mutex_lock(&o->mu);
    snprintf(o->version, sizeof(o->version), "%s", version);
    o->news.changed |= st.deletes > 0;
    pthread_mutex_unlock(&o->mu);
    return 0;
}

static int sync_once(struct agw_orc *o)
{
    char version[80];
    if (orc_apply_version(&o->db, version, sizeof(version)) < 0)
        return -EIO;
    for (int round = 0; round < 1000 && !o->stop; round++) {
        char q[128] = "";
        if (version[0]) {
            if (strspn(version, "0123456789abcdefABCDEF.") != strlen(version))
                version[0] = 0; /* never sent back as it is: full sync */
            else
                snprintf(q, sizeof(q), "?since=%s", version);
        }
        long status = 0;
        json_t *j;
        int rc = sync_get(o, q, &status, &j);
        if (rc < 0)
            return rc;
        if (status == 304) /* unchanged: one small request */
            return 0;
        const char *mode = json_string_value(json_object_get(j, "mode"));
        if (mode && !strcmp(mode, "full")) {
            if (version[0])
                log_w(o, AGW_LOG_INFO, "sync: orcd asks for a full resync (was at %s)", version);
            rc = sync_full(o, j);
            if (rc == -EAGAIN)
                continue;
            if (rc < 0)
                return rc;
            /* then the changes after it */
            if (orc_apply_version(&o->db, version, sizeof(version)) < 0)
                return -EIO;
            continue;
        }
        bool more = json_is_true(json_object_get(j, "more"));
        char v2[80];
        snprintf(v2, sizeof(v2), "%s", json_string_value(json_object_get(j, "version")));
        size_t n = json_array_size(json_object_get(j, "items"));
        rc = apply_page(o, j, 0);
        json_decref(j);
        if (rc < 0)
            return rc;
        if ((rc = orc_apply_set_version(&o->db, v2)) < 0)
            return rc;
        log_w(o, AGW_LOG_INFO, "sync: %zu change(s) applied, now at %s", n, v2);
        snprintf(version, sizeof(version), "%s", v2);
        pthread_mutex_lock(&o->mu);
        snprintf(o->version, sizeof(o->version), "%s", v2);
        pthread_mutex_unlock(&o->mu);
        if (!more)
            return 0;
    }
    return 0;
}

/* --------------------------------------------------------- check-in ---- */

static int checkin(struct agw_orc *o, const char *report)
{
    struct orc_resp r;
    char why[256];
    int rc = orc_http_call(&o->http, true, "POST", "/v1/gw/checkin", report, &r);
    log_w(o, AGW_LOG_DEBUG, "check-in: %d %ld in %" PRId64 " us", rc, r.status, o->http.last_us);
    if (rc < 0) {
        if (!o->checkin_fails)
            log_w(o, AGW_LOG_WARN, "check-in: orchestrator unreachable: %s", o->http.err);
        return rc;
    }
    if (r.status == 401)
        o->cert_ok = false;
    if (r.status != 200) {
        log_w(o, AGW_LOG_WARN, "check-in refused (%ld %s)", r.status,
              resp_msg(&r, why, sizeof(why)));
        rc = -EACCES;
    }
    orc_resp_free(&r);
    return rc;
}

/* ----------------------------------------------------------- worker ---- */

static void *worker(void *arg)
{
    struct agw_orc *o = arg;
    o->next_sync = mono_in(0);
    o->next_boot = mono_in(0);
    time_t nb = 0, na = 0;
    struct stat cst;
    if (orc_cert_times(o->id.cert_path, &nb, &na) == 0 && time(NULL) < na &&
        stat(o->id.cert_path, &cst) == 0) {
        o->cert_ok = true;
        o->renew_at = orc_cert_renew_at(nb, na, cst.st_mtime); /* written when received */
        o->cert_na = na;
    }
    while (!o->stop) {
        /* 1. a client certificate (docs/orchestrator.md steps 2-3, 5) */
        if ((!o->cert_ok || time(NULL) >= o->renew_at) && due(&o->next_boot)) {
            bool renewal = o->cert_ok;
            int rc = bootstrap(o);
            pthread_mutex_lock(&o->mu);
            if (rc == 0) {
                o->news.bootstrap_ok++;
                o->boot_fails = 0;
            } else if (rc != -ECANCELED) {
                o->news.bootstrap_fail++;
                o->boot_fails++;
                o->next_boot = mono_in(backoff_ms(o, 1000, o->boot_fails));
                if (renewal && time(NULL) < o->cert_na)
                    log_w(o, AGW_LOG_WARN, "renewal failed; the current certificate stays in use");
            }
            pthread_mutex_unlock(&o->mu);
            hand_over(o);
        }
        /* 2. the check-in the loop prepared */
        pthread_mutex_lock(&o->mu);
        char *report = o->cert_ok ? o->report : NULL;
        int64_t final = o->report_final;
        if (report)
            o->report = NULL;
        pthread_mutex_unlock(&o->mu);
        if (report) {
            int rc = checkin(o, report);
            free(report);
            /* acknowledged: its ended sessions' bytes are orcd's now */
            if (rc == 0 && orc_usage_final_ack(&o->db, final) < 0)
                log_w(o, AGW_LOG_WARN, "check-in: the reported final usage not cleared: %s",
                      sqlite3_errmsg(o->db.db));
            pthread_mutex_lock(&o->mu);
            if (rc == 0) {
                if (o->checkin_fails)
                    log_w(o, AGW_LOG_INFO, "check-in: orchestrator reachable again after %u "
                          "failure(s)", o->checkin_fails);
                o->checkin_fails = 0;
                o->news.checkin_ok++;
            } else if (rc != -ECANCELED) {
                o->checkin_fails++;
                o->news.checkin_fail++;
            }
            pthread_mutex_unlock(&o->mu);
            hand_over(o);
        }
        /* 3. the configuration */
        if (o->cert_ok && due(&o->next_sync) && !o->stop) {
            int rc = sync_once(o);
            pthread_mutex_lock(&o->mu);
            if (rc == 0) {
                if (o->sync_fails)
                    log_w(o, AGW_LOG_INFO, "sync: orchestrator reachable again after %u "
                          "failure(s)", o->sync_fails);
                o->sync_fails = 0;
                o->news.sync_ok++;
            } else if (rc != -ECANCELED) {
                o->sync_fails++;
                o->news.sync_fail++;
            }
            o->next_sync = mono_in(backoff_ms(o, o->oc->sync_interval_ms, o->sync_fails));
            pthread_mutex_unlock(&o->mu);
            hand_over(o);
        }
        /* 4. sleep until the next thing is due or the loop wakes us */
        pthread_mutex_lock(&o->mu);
        if (!o->stop && !(o->cert_ok && o->report)) {
            struct timespec until = o->cert_ok ? o->next_sync : o->next_boot;
            if (o->cert_ok && o->renew_at) {
                struct timespec now_m, now_r;
                clock_gettime(CLOCK_MONOTONIC, &now_m);
                clock_gettime(CLOCK_REALTIME, &now_r);
                time_t left = o->renew_at - now_r.tv_sec;
                if (left < 0)
                    left = 0;
                if (now_m.tv_sec + left < until.tv_sec) {
                    until.tv_sec = now_m.tv_sec + left;
                    until.tv_nsec = now_m.tv_nsec;
                }
                if (o->boot_fails && until.tv_sec < o->next_boot.tv_sec)
                    until = o->next_boot;
            }
            pthread_cond_timedwait(&o->cv, &o->mu, &until);
        }
        pthread_mutex_unlock(&o->mu);
    }
    return NULL;
}

/* ------------------------------------------------------------- loop ---- */

static void on_news(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)revents;
    struct agw_orc *o = w->data;
    struct agw_ctx *ctx = o->ctx;
    pthread_mutex_lock(&o->mu);
    struct orc_news n = o->news;
    memset(&o->news, 0, sizeof(o->news));
    pthread_mutex_unlock(&o->mu);
    ctx->stats.orc_checkin_ok += n.checkin_ok;
    ctx->stats.orc_checkin_failure += n.checkin_fail;
    ctx->stats.orc_sync_ok += n.sync_ok;
    ctx->stats.orc_sync_failure += n.sync_fail;
    ctx->stats.orc_bootstrap_ok += n.bootstrap_ok;
    ctx->stats.orc_bootstrap_failure += n.bootstrap_fail;
    ctx->stats.orc_sync_items += n.items;
    ctx->stats.orc_sync_rejected += n.rejected;
    /* the policies, rating groups and APN values orcd sent: enforced from
     * the next PDN connection on (orc_policy.c) */
    if (n.changed)
        orc_policy_reload(ctx, o->yaml);
    /* A subscriber deleted (or no longer active) in the orchestrator while
     * attached: detached by the network, "re-attach not required" (TS
     * 24.301 5.5.2.3); an idle one locally.  Its next attach is refused
     * (#8 unknown, #7 inactive: the local HSS no longer has it active). */
    for (size_t i = 0; i < n.lost.n; i++) {
        struct agw_ue *ue = ue_find_imsi(ctx, n.lost.imsi[i]);
        char b[20];
        if (!ue || ue->emm == EMM_DEREGISTERED_INIT)
            continue;
        if (ue->emm != EMM_REGISTERED) {
            /* in an attach: it fails at its next HSS read or later */
            continue;
        }
        LOG_INFO(ctx, "orc", "ue %s: removed or suspended by the orchestrator: detaching",
                 agw_log_imsi(&ctx->log, n.lost.imsi[i], b));
        ctx->stats.orc_subscriber_detached++;
        emm_detach_ue(ctx, ue, false);
    }
    orc_imsi_list_free(&n.lost);
}

/* A default bearer's session ends (pgw_pdn_release, before its datapath
 * session goes): what it carried since the last check-in report is kept
 * in SQLite for the next check-ins (orc_usage.c). */
void orc_session_end(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    struct agw_orc *o = ctx->orc;
    struct dp_session_info info;
    uint64_t ul, dl;
    char b[20];
    if (!o || !o->usage || !ctx->dp || !p->dp_installed ||
        dp_session_get(ctx->dp, p->ul_teid, &info) < 0)
        return;
    if (orc_usage_end(o->usage, p->ul_teid, ue->imsi, info.usage.ul_bytes, info.usage.dl_bytes,
                      &ul, &dl) < 0 || (!ul && !dl))
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (orc_usage_final_put(ctx->db, p->ul_teid, ue->imsi, ul, dl,
                            (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec) < 0)
        LOG_WARN(ctx, "orc", "ue %s: the last %llu/%llu bytes of session 0x%08x not kept for the "
                 "orchestrator", agw_log_imsi(&ctx->log, ue->imsi, b), (unsigned long long)ul,
                 (unsigned long long)dl, p->ul_teid);
}

/* The check-in report (docs/orchestrator.md "What a check-in carries"). */
static char *report_build(struct agw_orc *o, int64_t *final_upto)
{
    struct agw_ctx *ctx = o->ctx;
    unsigned attached = 0, connected = 0, sessions = 0;
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *n = h->buckets[i]; n; n = n->next) {
            const struct agw_ue *ue = agw_container_of(n, struct agw_ue, by_id);
            attached += ue->emm == EMM_REGISTERED;
            connected += ue->emm == EMM_REGISTERED && ue->s1;
            for (unsigned k = 0; k < AGW_MAX_PDN; k++)
                sessions += ue->pdn[k].state == PDN_ACTIVE;
        }
    json_t *m = json_object();
    const struct agw_stats *s = &ctx->stats;
#define ORC_CNT(n, hlp) json_object_set_new(m, #n "_total", json_integer((json_int_t)s->n));
    AGW_COUNTERS(ORC_CNT)
#undef ORC_CNT
    pthread_mutex_lock(&o->mu);
    json_t *r = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "version",
                          XEPC_VERSION, "config_version", o->version,
                          "health", ctx->s1ap ? "ok" : "degraded", "ues", (json_int_t)attached,
                          "ues_connected", (json_int_t)connected, "ues_idle",
                          (json_int_t)(attached - connected), "sessions", (json_int_t)sessions,
                          "enbs", (json_int_t)ctx->n_enbs_setup, "metrics", m);
    pthread_mutex_unlock(&o->mu);
    /* a new started_at is a restart for orcd: the counters below count
     * from this process's start */
    if (r)
        json_object_set_new(r, "started_at", json_integer((json_int_t)o->started_at));
    if (r && o->usage)
        orc_usage_report(ctx, o->usage, r);
    /* the last bytes of the sessions that ended, until acknowledged */
    int64_t final = r ? orc_usage_final_report(ctx->db, r) : 0;
    if (final < 0)
        LOG_WARN(ctx, "orc", "check-in: the ended sessions' usage not read");
    *final_upto = final > 0 ? final : 0;
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return text;
}

static void on_report_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct agw_orc *o = w->data;
    int64_t final = 0;
    char *text = report_build(o, &final);
    if (!text)
        return;
    pthread_mutex_lock(&o->mu);
    free(o->report); /* one not sent yet is replaced by the newer one */
    o->report = text;
    o->report_final = final;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

int orc_client_open(struct agw_ctx *ctx)
{
    const struct agw_orc_config *oc = &ctx->cfg->orchestrator;
    if (!oc->enabled)
        return 0;
    struct agw_orc *o = calloc(1, sizeof(*o));
    if (!o)
        return -ENOMEM;
    o->ctx = ctx;
    o->oc = oc;
    char why[512];
    int rc = orc_identity_load(oc, &o->id, why, sizeof(why));
    if (rc < 0) {
        LOG_ERR(ctx, "orc", "identity: %s", why);
        orc_identity_free(&o->id);
        free(o);
        return rc;
    }
    /* the operator registers these (xepcctl orc create gateway; or
     * xepc-agwd --print-identity) */
    char pk[400];
    size_t j = 0;
    for (const char *p = o->id.pubkey_pem; *p && j + 3 < sizeof(pk); p++) {
        if (*p == '\n') {
            pk[j++] = '\\';
            pk[j++] = 'n';
        } else
            pk[j++] = *p;
    }
    pk[j] = 0;
    LOG_INFO(ctx, "orc", "identity%s: network %s gateway %s hardware_id \"%s\" public_key \"%s\" "
             "(key %s)", o->id.created ? " made" : "", oc->network, oc->gateway,
             o->id.hardware_id, pk, o->id.key_path);
    rc = agw_db_open(ctx->cfg->database.path, &o->db, why, sizeof(why));
    if (rc < 0) {
        LOG_ERR(ctx, "orc", "%s", why);
        orc_identity_free(&o->id);
        free(o);
        return rc;
    }
    orc_apply_version(&o->db, o->version, sizeof(o->version));
    if (orc_http_init(&o->http, oc, &o->id, &o->stop) < 0) {
        orc_http_fini(&o->http);
        agw_db_close(&o->db);
        orc_identity_free(&o->id);
        free(o);
        return -ENOMEM;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread uses libcurl */
    pthread_mutex_init(&o->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&o->cv, &ca);
    pthread_condattr_destroy(&ca);
    ev_async_init(&o->async, on_news);
    o->async.data = o;
    ev_async_start(ctx->loop, &o->async);
    /* the first report soon after start, then every checkin_interval */
    ev_timer_init(&o->report_timer, on_report_timer, 0.2, oc->checkin_interval_ms / 1000.0);
    o->report_timer.data = o;
    ev_timer_start(ctx->loop, &o->report_timer);
    o->started_at = time(NULL);
    o->usage = orc_usage_new();
    ctx->orc = o;
    /* the last good configuration on disk applies until orcd answers */
    if ((o->yaml = orc_policy_save(ctx->cfg)))
        orc_policy_reload(ctx, o->yaml);
    if ((rc = pthread_create(&o->thr, NULL, worker, o)) != 0) {
        LOG_ERR(ctx, "orc", "cannot start the worker: %s", strerror(rc));
        orc_client_close(ctx);
        return -rc;
    }
    o->started = true;
    LOG_INFO(ctx, "orc", "orchestrator %s, check-in every %us, sync every %us, config version "
             "'%s'", oc->url, oc->checkin_interval_ms / 1000, oc->sync_interval_ms / 1000,
             o->version);
    return 0;
}

void orc_client_close(struct agw_ctx *ctx)
{
    struct agw_orc *o = ctx->orc;
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->stop = 1;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (o->started)
        pthread_join(o->thr, NULL);
    ev_timer_stop(ctx->loop, &o->report_timer);
    ev_async_stop(ctx->loop, &o->async);
    orc_imsi_list_free(&o->news.lost);
    orc_policy_free(o->yaml);
    orc_usage_free(o->usage);
    free(o->report);
    orc_http_fini(&o->http);
    agw_db_close(&o->db);
    orc_identity_free(&o->id);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o);
    ctx->orc = NULL;
}
