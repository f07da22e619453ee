/* HTTPS to the orchestrator with libcurl (GnuTLS flavour, as xepcctl orc).
 * Runs on the orchestrator worker thread only (orc_client.c), never on the
 * daemon's loop: these calls block.  Two easy handles, each keeping its
 * connection alive: one without a client certificate for the bootstrap
 * routes (POST /v1/gw/challenge, /v1/gw/certificate), one with the
 * gateway's key and certificate for everything else (mutual TLS).
 *
 * Trust: orcd's server certificate is verified against one CA file only,
 * never the system's store: the pinned CA (orchestrator.dir/orcd-ca.pem,
 * written at the first bootstrap) once there is one, before that
 * orchestrator.ca.  The pin is the CA that verified orcd at the bootstrap:
 * the topmost certificate orcd presented (its chain's root or the
 * self-signed certificate itself); a server of another CA, even one in
 * orchestrator.ca's bundle or in the system's store, is refused from then
 * on (docs/orchestrator.md "TLS and the CA").  Without orchestrator.ca the
 * very first bootstrap verifies against the system's store, and pins. */
#include "agw/agw_orc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    const char *ca = h->pinned ? h->pin_path : oc->ca[0] ? oc->ca : NULL;
    if (ca) {
        /* this file only: no CA directory (the system's), no native store */
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    }
    if (!mtls)
        curl_easy_setopt(c, CURLOPT_CERTINFO, 1L); /* the chain, for the pin */
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
    snprintf(h->pin_path, sizeof(h->pin_path), "%s/orcd-ca.pem", oc->dir);
    h->pinned = access(h->pin_path, R_OK) == 0;
    h->pub = handle(h, false);
    h->mtls = handle(h, true);
    return h->pub && h->mtls ? 0 : -ENOMEM;
}

void orc_http_fini(struct orc_http *h)
{
    free(h->chain_top);
    h->chain_top = NULL;
    if (h->pub)
        curl_easy_cleanup(h->pub);
    if (h->mtls)
        curl_easy_cleanup(h->mtls);
    h->pub = h->mtls = NULL;
}

/* The topmost certificate of the chain the last call on the bootstrap
 * handle verified (CURLINFO_CERTINFO: "Cert:" PEM of each), into the pin
 * file (0600, by rename: never half), then both handles trust only it. */
int orc_http_pin(struct orc_http *h)
{
    if (h->pinned)
        return 0;
    const char *pem = h->chain_top;
    if (!pem || !strstr(pem, "-----BEGIN CERTIFICATE-----")) {
        snprintf(h->err, sizeof(h->err), "no certificate chain of orcd to pin");
        return -ENOENT;
    }
    char tmp[sizeof(h->pin_path) + 8];
    snprintf(tmp, sizeof(tmp), "%s.new", h->pin_path);
    FILE *f = fopen(tmp, "w");
    int rc = f && fchmod(fileno(f), 0600) == 0 && fputs(pem, f) >= 0 &&
                     (pem[strlen(pem) - 1] == '\n' || fputc('\n', f) != EOF) && fflush(f) == 0 &&
                     fsync(fileno(f)) == 0
                 ? 0
                 : -EIO;
    if (f)
        fclose(f);
    if (rc == 0 && rename(tmp, h->pin_path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        snprintf(h->err, sizeof(h->err), "cannot write %.180s: %s", h->pin_path, strerror(-rc));
        return rc;
    }
    h->pinned = true;
    if (h->pub)
        curl_easy_cleanup(h->pub);
    h->pub = handle(h, false);
    orc_http_reset_mtls(h);
    return h->pub && h->mtls ? 0 : -ENOMEM;
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
    struct curl_certinfo *ci = NULL;
    if (!mtls && curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
        ci->num_of_certs > 0) {
        /* a new connection: the chain it verified (none on a reused one) */
        for (struct curl_slist *s = ci->certinfo[ci->num_of_certs - 1]; s; s = s->next)
            if (!strncmp(s->data, "Cert:", 5)) {
                free(h->chain_top);
                h->chain_top = strdup(s->data + 5);
            }
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &h->last_us);
    h->err[0] = 0;
    return 0;
}
