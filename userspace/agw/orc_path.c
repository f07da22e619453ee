/* HTTPS to the orchestrator with libcurl (GnuTLS flavour, as xepcctl orc).
 * Runs on the orchestrator worker thread only (orc_client.c), never on the
 * daemon's loop: these calls block.  Two easy handles, each keeping its
 * connection alive: one without a client certificate for the bootstrap
 * routes (POST /v1/gw/challenge, /v1/gw/certificate), one with the
 * gateway's key and certificate for everything else (mutual TLS). */
#include "agw/agw_orc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agw/agw_config.h"

#define ORC_RESP_MAX (64u << 20) /* a sync page of 10000 subscribers is ~3 MB */

struct buf {
    struct orc_resp *r;
    bool too_big;
};

static size_t on_data(char *p, size_t sz, size_t n, void *arg)
{
    struct buf *b = arg;
    size_t len = sz * n;
    if (b->r->len + len > ORC_RESP_MAX) {
        b->too_big = true;
        return 0;
    }
    char *nb = realloc(b->r->body, b->r->len + len + 1);
    if (!nb)
        return 0;
    memcpy(nb + b->r->len, p, len);
    b->r->body = nb;
    b->r->len += len;
    nb[b->r->len] = 0;
    return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    volatile int *stop = arg;
    return stop && *stop; /* non-zero aborts the transfer (shutdown) */
}

static CURL *handle(struct orc_http *h, bool mtls)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    const struct agw_orc_config *oc = h->oc;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)oc->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)oc->timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (oc->ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, oc->ca);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)h->abort_flag);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "xepc-agwd");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (mtls) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, h->id->cert_path);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY, h->id->key_path);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    return c;
}

int orc_http_init(struct orc_http *h, const struct agw_orc_config *oc,
                  const struct orc_identity *id, volatile int *abort_flag)
{
    memset(h, 0, sizeof(*h));
    h->oc = oc;
    h->id = id;
    h->abort_flag = abort_flag;
    h->pub = handle(h, false);
    h->mtls = handle(h, true);
    return h->pub && h->mtls ? 0 : -ENOMEM;
}

void orc_http_fini(struct orc_http *h)
{
    if (h->pub)
        curl_easy_cleanup(h->pub);
    if (h->mtls)
        curl_easy_cleanup(h->mtls);
    h->pub = h->mtls = NULL;
}

void orc_http_reset_mtls(struct orc_http *h)
{
    if (h->mtls)
        curl_easy_cleanup(h->mtls);
    h->mtls = handle(h, true);
}

void orc_resp_free(struct orc_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int orc_http_call(struct orc_http *h, bool mtls, const char *method, const char *path,
                  const char *body, struct orc_resp *r)
{
    memset(r, 0, sizeof(*r));
    CURL *c = mtls ? h->mtls : h->pub;
    if (!c) {
        snprintf(h->err, sizeof(h->err), "out of memory");
        return -ENOMEM;
    }
    char url[AGW_ORC_URL_MAX + 512];
    snprintf(url, sizeof(url), "%s%s", h->oc->url, path);
    struct buf b = {.r = r};
    struct curl_slist *hdr = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (!strcmp(method, "POST")) {
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "{}");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body ? body : "{}"));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    if (cc != CURLE_OK) {
        snprintf(h->err, sizeof(h->err), "%s%s", b.too_big ? "answer too large: " : "",
                 curl_easy_strerror(cc));
        orc_resp_free(r);
        return cc == CURLE_ABORTED_BY_CALLBACK ? -ECANCELED : -EIO;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &h->last_us);
    h->err[0] = 0;
    return 0;
}
