/* The gateway-facing API: bootstrap and check-in.
 *
 *   POST /v1/gw/challenge    {network, gateway, hardware_id} -> {challenge}
 *   POST /v1/gw/certificate  {network, gateway, challenge, signature, csr}
 *                            -> {certificate, ca, not_after}
 *   POST /v1/gw/checkin      (mutual TLS) the gateway's state -> {}
 *
 * Bootstrap: the operator registered the gateway's hardware id and ECDSA
 * public key (res_gateway.c).  The gateway asks for a challenge (random,
 * single use, short-lived), signs it with its key (ECDSA with SHA-256 over
 * the challenge's hex text, DER signature in hex) and sends a CSR for that
 * same key; orcd checks both against the registered key and answers with a
 * client certificate from its CA (subject CN "<network>/<gateway>",
 * clientAuth, lifetime gateways.cert_lifetime).  Renewal is the same
 * exchange before expiry; the newest certificate replaces the older ones.
 *
 * Every later call is mutual TLS (orc_http.c, ORC_SCOPE_GATEWAY): the
 * client certificate must verify against orcd's CA (so it is not expired)
 * and be the newest one issued to a gateway that is still registered. */
#include "orc/orc_res.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/hex.h"

struct orc_gwca {
    X509 *cert;
    EVP_PKEY *key;
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

int orc_gwca_load(struct orc_ctx *ctx, char *err, size_t errlen)
{
    const struct orc_config *cfg = &ctx->cfg;
    if (!cfg->gateways.ca_cert[0])
        return 0; /* the gateway API is off */
    struct orc_gwca *ca = calloc(1, sizeof(*ca));
    char *pem = slurp(cfg->gateways.ca_cert);
    BIO *b = pem ? BIO_new_mem_buf(pem, -1) : NULL;
    ca->cert = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    FILE *f = fopen(cfg->gateways.ca_key, "rb");
    ca->key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!ca->cert || !ca->key || X509_check_private_key(ca->cert, ca->key) != 1) {
        snprintf(err, errlen, "gateways: cannot use the CA %s / %s (PEM certificate and its key)",
                 cfg->gateways.ca_cert, cfg->gateways.ca_key);
        X509_free(ca->cert);
        EVP_PKEY_free(ca->key);
        free(ca);
        free(pem);
        return -EINVAL;
    }
    ctx->gwca = ca;
    ctx->gwca_pem = pem; /* also MHD's trust list for client certificates */
    return 0;
}

void orc_gwca_free(struct orc_ctx *ctx)
{
    if (!ctx->gwca)
        return;
    X509_free(ctx->gwca->cert);
    EVP_PKEY_free(ctx->gwca->key);
    free(ctx->gwca);
    free(ctx->gwca_pem);
    ctx->gwca = NULL;
    ctx->gwca_pem = NULL;
}

bool orc_serial_eq(const char *a, const char *b)
{
    /* DER INTEGER octets (X.690 8.3.2): leading zero octets carry no
     * value (GnuTLS adds one before a top bit that is set; a certificate
     * issued before the fix above lacks the one our record has). */
    while (a[0] == '0' && a[1] == '0' && a[2])
        a += 2;
    while (b[0] == '0' && b[1] == '0' && b[2])
        b += 2;
    return !strcasecmp(a, b);
}

/* ------------------------------------------------------------ helpers ---- */

static const struct orc_field hello_fields[] = {
    {.name = "network", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "gateway", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "hardware_id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 128},
    {0}};

static const struct orc_field csr_fields[] = {
    {.name = "network", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "gateway", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "challenge", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 64, .max = 64},
    {.name = "signature", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 16, .max = 512,
     .doc = "hex DER ECDSA-SHA256 signature of the challenge text"},
    {.name = "csr", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 100, .max = 8192,
     .doc = "PEM PKCS#10 request for the registered key"},
    {0}};

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The registered gateway's body, or NULL (answered 404 / 5xx). */
static json_t *registered(struct orc_req *r, const char *net, const char *gw)
{
    struct orc_obj o;
    int rc = orc_obj_get(r->db, "gateway", net, gw, &o);
    if (rc < 0) {
        if (rc == -ENOENT)
            orc_reply_error(r, 404, "no gateway '%s' registered in network '%s'", gw, net);
        else
            orc_reply_store_error(r, rc);
        return NULL;
    }
    json_t *j = json_loads(o.body, 0, NULL);
    orc_obj_free(&o);
    if (!j)
        orc_reply_error(r, 500, "stored gateway unreadable");
    return j;
}

static EVP_PKEY *pubkey_of(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

/* ---------------------------------------------------------- challenge ---- */

static void gw_challenge(struct orc_req *r)
{
    if (!r->ctx->gwca) {
        orc_reply_error(r, 501, "the gateway API is not configured (gateways.ca_cert)");
        return;
    }
    json_t *in = orc_body_valid(r, hello_fields), *gw = NULL;
    if (!in)
        return;
    const char *net = sget(in, "network"), *id = sget(in, "gateway");
    if (!(gw = registered(r, net, id)))
        goto out;
    if (strcmp(sget(gw, "hardware_id"), sget(in, "hardware_id"))) {
        /* Same answer as an unknown gateway: nothing to learn by trying. */
        orc_reply_error(r, 404, "no gateway '%s' registered in network '%s'", id, net);
        goto out;
    }
    uint8_t rnd[32];
    char hex[65];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        orc_reply_error(r, 500, "no randomness");
        goto out;
    }
    hex_encode(rnd, sizeof(rnd), hex);
    int64_t exp = time(NULL) + (int64_t)(r->ctx->cfg.gateways.challenge_lifetime_ms / 1000);
    json_t *body = json_pack("{s:s,s:I}", "challenge", hex, "expires", (json_int_t)exp);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    /* One outstanding challenge per gateway: a new one replaces it. */
    orc_obj_delete(r->db, "gw_challenge", net, id, -1);
    int rc = orc_obj_create(r->db, "gw_challenge", net, id, text, time(NULL));
    free(text);
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        goto out;
    }
    orc_reply(r, 200, json_pack("{s:s,s:I}", "challenge", hex, "expires_in",
                                (json_int_t)(exp - time(NULL))));
out:
    json_decref(gw);
    json_decref(in);
}

/* -------------------------------------------------------- certificate ---- */

static int verify_sig(EVP_PKEY *k, const char *msg, const char *sig_hex)
{
    uint8_t sig[256];
    int n = hex_decode(sig_hex, sig, sizeof(sig));
    if (n <= 0)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(md, sig, (size_t)n, (const uint8_t *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static X509 *issue(struct orc_gwca *ca, EVP_PKEY *pub, const char *cn, int64_t lifetime_s,
                   char *serial_hex)
{
    X509 *x = X509_new();
    uint8_t sn[16];
    if (!x || getrandom(sn, sizeof(sn), 0) != (ssize_t)sizeof(sn))
        goto fail;
    /* RFC 5280 4.1.2.2: a positive serial of at most 20 octets; a first
     * octet of zero would be dropped from the DER INTEGER (X.690 8.3.2),
     * so the certificate's serial would differ from the hex recorded. */
    sn[0] &= 0x7f;
    if (!sn[0])
        sn[0] = 1;
    hex_encode(sn, sizeof(sn), serial_hex);
    BIGNUM *bn = BN_bin2bn(sn, sizeof(sn), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
        BN_free(bn);
        goto fail;
    }
    BN_free(bn);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)lifetime_s);
    X509_set_pubkey(x, pub);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(ca->cert));
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca->cert, x, NULL, NULL, 0);
    static const char *const exts[][2] = {{"basicConstraints", "critical,CA:FALSE"},
                                          {"keyUsage", "critical,digitalSignature"},
                                          {"extendedKeyUsage", "clientAuth"}};
    for (size_t i = 0; i < 3; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
        if (!e)
            goto fail;
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (!X509_sign(x, ca->key, EVP_sha256()))
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static void gw_certificate(struct orc_req *r)
{
    struct orc_gwca *ca = r->ctx->gwca;
    if (!ca) {
        orc_reply_error(r, 501, "the gateway API is not configured (gateways.ca_cert)");
        return;
    }
    json_t *in = orc_body_valid(r, csr_fields), *gw = NULL, *ch = NULL;
    EVP_PKEY *key = NULL, *csr_key = NULL;
    X509_REQ *req = NULL;
    X509 *cert = NULL;
    BIO *b = NULL;
    if (!in)
        return;
    const char *net = sget(in, "network"), *id = sget(in, "gateway");
    if (!(gw = registered(r, net, id)))
        goto out;
    struct orc_obj o;
    int rc = orc_obj_get(r->db, "gw_challenge", net, id, &o);
    if (rc == 0) {
        ch = json_loads(o.body, 0, NULL);
        orc_obj_free(&o);
        orc_obj_delete(r->db, "gw_challenge", net, id, -1); /* single use */
    }
    const char *want = sget(ch, "challenge");
    if (!want || strcmp(want, sget(in, "challenge")) ||
        json_integer_value(json_object_get(ch, "expires")) < time(NULL)) {
        orc_reply_error(r, 403, "no such challenge (unknown, used or expired): ask again");
        goto out;
    }
    key = pubkey_of(sget(gw, "public_key"));
    if (!key || verify_sig(key, want, sget(in, "signature"))) {
        orc_reply_error(r, 403, "the signature does not verify with the registered key");
        goto out;
    }
    b = BIO_new_mem_buf(sget(in, "csr"), -1);
    req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
    csr_key = req ? X509_REQ_get_pubkey(req) : NULL;
    if (!req || !csr_key || X509_REQ_verify(req, csr_key) != 1) {
        json_t *errs = json_array();
        orc_field_error(errs, "csr", "not a PEM certificate request with a valid signature");
        orc_reply_invalid(r, errs);
        goto out;
    }
    if (EVP_PKEY_eq(csr_key, key) != 1) {
        orc_reply_error(r, 403, "the request is not for the registered key");
        goto out;
    }
    char cn[140], serial[33];
    snprintf(cn, sizeof(cn), "%s/%s", net, id);
    int64_t life = (int64_t)(r->ctx->cfg.gateways.cert_lifetime_ms / 1000);
    if (!(cert = issue(ca, key, cn, life, serial))) {
        orc_reply_error(r, 500, "cannot issue the certificate");
        goto out;
    }
    /* The newest certificate is the only one accepted afterwards. */
    json_t *rec = json_pack("{s:s,s:I}", "serial", serial, "not_after",
                            (json_int_t)(time(NULL) + life));
    char *text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    orc_obj_delete(r->db, "gw_cert", net, id, -1);
    rc = orc_obj_create(r->db, "gw_cert", net, id, text, time(NULL));
    free(text);
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        goto out;
    }
    BIO *mb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(mb, cert);
    char *pem;
    long n = BIO_get_mem_data(mb, &pem);
    json_t *resp = json_pack("{s:s%,s:s,s:s,s:I}", "certificate", pem, (size_t)n, "ca",
                             r->ctx->gwca_pem, "serial", serial, "not_after",
                             (json_int_t)(time(NULL) + life));
    BIO_free(mb);
    snprintf(r->audit_detail, sizeof(r->audit_detail), "issued certificate %s to %s", serial, cn);
    snprintf(r->token_id, sizeof(r->token_id), "gw:%.28s", id);
    orc_reply(r, 200, resp);
out:
    X509_free(cert);
    X509_REQ_free(req);
    BIO_free(b);
    EVP_PKEY_free(key);
    EVP_PKEY_free(csr_key);
    json_decref(ch);
    json_decref(gw);
    json_decref(in);
}

/* ------------------------------------------------------------ check-in ---- */

static void gw_checkin(struct orc_req *r)
{
    /* r->param-less: the gateway is who its certificate says (orc_http.c). */
    char *body = json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
    if (!body) {
        orc_reply_error(r, 500, "out of memory");
        return;
    }
    int64_t now = time(NULL);
    /* Usage and events from the difference with the previous check-in,
     * then the new state over it (orc_checkin.c). */
    int rc = orc_checkin_record(r, r->json, now);
    if (rc >= 0)
        rc = orc_obj_put(r->db, "gateway_state", r->gw_net, r->gw_id, body, now);
    free(body);
    if (rc < 0) {
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->audit_detail, sizeof(r->audit_detail), "check-in");
    orc_reply(r, 200, json_pack("{s:s,s:I}", "status", "ok", "at", (json_int_t)now));
}

const struct orc_route orc_routes_gwapi[] = {
    {"POST", "/v1/gw/challenge", ORC_SCOPE_PUBLIC, ORC_BODY_JSON, gw_challenge, NULL},
    {"POST", "/v1/gw/certificate", ORC_SCOPE_PUBLIC, ORC_BODY_JSON, gw_certificate, NULL},
    {"POST", "/v1/gw/checkin", ORC_SCOPE_GATEWAY, ORC_BODY_JSON, gw_checkin, NULL},
    {0}};
