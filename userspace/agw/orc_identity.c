/* The gateway's identity toward the orchestrator (docs/orchestrator.md,
 * "The gateway's side"): an ECDSA P-256 key made at first start and kept
 * in orchestrator.dir (mode 0600), the hardware id, the signature of a
 * bootstrap challenge, the CSR and the client certificate's lifetime.
 * OpenSSL 3 (libssl-dev). */
#include "agw/agw_orc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "agw/agw_config.h"

static char *bio_string(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        memcpy(s, data, (size_t)n);
        s[n] = 0;
    }
    return s;
}

/* The hardware id: the configured one, else /etc/machine-id (systemd's
 * machine-id(5): 32 hex digits, unique per installation). */
static int hardware_id(const struct agw_orc_config *oc, char *out, size_t cap)
{
    if (oc->hardware_id[0]) {
        snprintf(out, cap, "%s", oc->hardware_id);
        return 0;
    }
    FILE *f = fopen("/etc/machine-id", "r");
    if (!f)
        return -errno;
    char line[128] = "";
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    if (!ok || !line[0])
        return -EINVAL;
    snprintf(out, cap, "%s", line);
    return 0;
}

static int make_key(const char *path, char *why, size_t whylen)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (!k) {
        snprintf(why, whylen, "cannot make an ECDSA P-256 key");
        return -EIO;
    }
    /* O_EXCL: two starts at once never overwrite each other's key */
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        EVP_PKEY_free(k);
        snprintf(why, whylen, "cannot create %s: %s", tmp, strerror(e));
        return -e;
    }
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
    fclose(f);
    EVP_PKEY_free(k);
    if (!ok || link(tmp, path) < 0) {
        int e = ok ? errno : EIO;
        unlink(tmp);
        snprintf(why, whylen, "cannot write %s: %s", path, strerror(e));
        return -e;
    }
    unlink(tmp);
    return 0;
}

int orc_identity_load(const struct agw_orc_config *oc, struct orc_identity *id, char *why,
                      size_t whylen)
{
    memset(id, 0, sizeof(*id));
    snprintf(id->key_path, sizeof(id->key_path), "%s/gateway.key", oc->dir);
    snprintf(id->cert_path, sizeof(id->cert_path), "%s/gateway.crt", oc->dir);
    int rc = hardware_id(oc, id->hardware_id, sizeof(id->hardware_id));
    if (rc < 0) {
        snprintf(why, whylen, "no hardware id: orchestrator.hardware_id is not set and "
                 "/etc/machine-id cannot be read (%s)", strerror(-rc));
        return rc;
    }
    if (mkdir(oc->dir, 0700) < 0 && errno != EEXIST) {
        rc = -errno;
        snprintf(why, whylen, "cannot create %s: %s", oc->dir, strerror(errno));
        return rc;
    }
    if (access(id->key_path, F_OK) < 0) {
        if ((rc = make_key(id->key_path, why, whylen)) < 0)
            return rc;
        id->created = true;
    }
    FILE *f = fopen(id->key_path, "r");
    if (!f) {
        rc = -errno;
        snprintf(why, whylen, "cannot open %s: %s", id->key_path, strerror(errno));
        return rc;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        fclose(f);
        snprintf(why, whylen, "%s is readable by others (mode %03o): chmod 600 it",
                 id->key_path, (unsigned)(st.st_mode & 0777));
        return -EPERM;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k || !EVP_PKEY_is_a(k, "EC")) {
        EVP_PKEY_free(k);
        snprintf(why, whylen, "%s is not an EC private key in PEM", id->key_path);
        return -EINVAL;
    }
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PUBKEY(b, k) || !(id->pubkey_pem = bio_string(b))) {
        BIO_free(b);
        EVP_PKEY_free(k);
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    BIO_free(b);
    id->pkey = k;
    return 0;
}

void orc_identity_free(struct orc_identity *id)
{
    EVP_PKEY_free(id->pkey);
    free(id->pubkey_pem);
    id->pkey = NULL;
    id->pubkey_pem = NULL;
}

char *orc_identity_sign_hex(const struct orc_identity *id, const char *text)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t n = 0;
    char *hex = NULL;
    if (m && EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, id->pkey) == 1 &&
        EVP_DigestSign(m, NULL, &n, (const unsigned char *)text, strlen(text)) == 1 &&
        (sig = malloc(n)) &&
        EVP_DigestSign(m, sig, &n, (const unsigned char *)text, strlen(text)) == 1 &&
        (hex = malloc(2 * n + 1))) {
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", sig[i]);
        hex[2 * n] = 0;
    }
    free(sig);
    EVP_MD_CTX_free(m);
    return hex;
}

char *orc_identity_csr(const struct orc_identity *id, const char *cn)
{
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (req && name && b &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                   0) == 1 &&
        X509_REQ_set_subject_name(req, name) == 1 && X509_REQ_set_pubkey(req, id->pkey) == 1 &&
        X509_REQ_sign(req, id->pkey, EVP_sha256()) > 0 && PEM_write_bio_X509_REQ(b, req) == 1)
        pem = bio_string(b);
    BIO_free(b);
    X509_NAME_free(name);
    X509_REQ_free(req);
    return pem;
}

int orc_cert_times(const char *path, time_t *not_before, time_t *not_after)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return -EINVAL;
    struct tm nb, na;
    int ok = ASN1_TIME_to_tm(X509_get0_notBefore(x), &nb) == 1 &&
             ASN1_TIME_to_tm(X509_get0_notAfter(x), &na) == 1;
    X509_free(x);
    if (!ok)
        return -EINVAL;
    *not_before = timegm(&nb);
    *not_after = timegm(&na);
    return 0;
}

time_t orc_cert_renew_at(time_t nb, time_t na, time_t got)
{
    /* Renew with two thirds of the lifetime gone (docs/orchestrator.md): a
     * 24 h certificate is renewed after 16 h, leaving 8 h of retries
     * while orcd is unreachable before it expires. */
    time_t from = got > nb ? got : nb;
    return na <= from ? from : from + (na - from) * 2 / 3;
}

/* JSON string contents: the PEM's newlines as \n. */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

int orc_identity_print(const struct agw_orc_config *oc, FILE *out)
{
    struct orc_identity id;
    char why[512];
    int rc = orc_identity_load(oc, &id, why, sizeof(why));
    if (rc < 0) {
        fprintf(stderr, "xepc-agwd: %s\n", why);
        orc_identity_free(&id);
        return rc;
    }
    fprintf(out, "{\"id\": ");
    json_str(out, oc->gateway);
    fprintf(out, ", \"hardware_id\": ");
    json_str(out, id.hardware_id);
    fprintf(out, ", \"public_key\": ");
    json_str(out, id.pubkey_pem);
    fprintf(out, "}\n");
    orc_identity_free(&id);
    return 0;
}
