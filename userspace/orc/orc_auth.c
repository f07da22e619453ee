/* API tokens: "xo_<id>_<secret>", id 12 hex digits (public, the key of the
 * tokens table), secret 32 random bytes as 64 hex digits.  Only the
 * SHA-256 of the secret is stored: with 256 bits of entropy a salted slow
 * hash buys nothing, and a stolen database yields no usable token. */
#include "orc/orc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "lib/hex.h"

#define ID_BYTES 6
#define SECRET_BYTES 32

static void secret_hash(const char *secret_hex, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256((const uint8_t *)secret_hex, strlen(secret_hex), d);
    hex_encode(d, sizeof(d), out);
}

static int fill_random(uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int orc_token_create(struct orc_conn *c, const char *name, enum orc_scope scope,
                     int64_t expires_at, char *out, size_t outlen, char *id_out, size_t id_len)
{
    uint8_t id[ID_BYTES], sec[SECRET_BYTES];
    char idh[2 * ID_BYTES + 1], sech[2 * SECRET_BYTES + 1], hash[2 * SHA256_DIGEST_LENGTH + 1];
    if (scope < ORC_SCOPE_READ || scope > ORC_SCOPE_ADMIN)
        return -EINVAL;
    int rc = fill_random(id, sizeof(id));
    if (rc == 0)
        rc = fill_random(sec, sizeof(sec));
    if (rc < 0)
        return rc;
    hex_encode(id, sizeof(id), idh);
    hex_encode(sec, sizeof(sec), sech);
    secret_hash(sech, hash);
    rc = orc_token_insert(c, idh, name, orc_scope_str(scope), hash, time(NULL), expires_at);
    OPENSSL_cleanse(sec, sizeof(sec));
    if (rc == 0) {
        snprintf(out, outlen, ORC_TOKEN_PREFIX "%s_%s", idh, sech);
        if (id_out)
            snprintf(id_out, id_len, "%s", idh);
    }
    OPENSSL_cleanse(sech, sizeof(sech));
    return rc;
}

int orc_token_check(struct orc_conn *c, const char *token, enum orc_scope *scope, char *id_out,
                    size_t id_len)
{
    size_t pl = strlen(ORC_TOKEN_PREFIX);
    if (strncmp(token, ORC_TOKEN_PREFIX, pl) || strlen(token) != pl + 2 * ID_BYTES + 1 + 2 * SECRET_BYTES ||
        token[pl + 2 * ID_BYTES] != '_')
        return -EACCES;
    char idh[2 * ID_BYTES + 1];
    memcpy(idh, token + pl, 2 * ID_BYTES);
    idh[2 * ID_BYTES] = 0;
    const char *sech = token + pl + 2 * ID_BYTES + 1;
    if (strspn(idh, "0123456789abcdef") != 2 * ID_BYTES ||
        strspn(sech, "0123456789abcdef") != 2 * SECRET_BYTES)
        return -EACCES;
    char sc[16], stored[2 * SHA256_DIGEST_LENGTH + 1], got[2 * SHA256_DIGEST_LENGTH + 1];
    int64_t expires_at = 0;
    int rc = orc_token_lookup(c, idh, sc, sizeof(sc), stored, sizeof(stored), &expires_at);
    secret_hash(sech, got);
    if (rc == -ENOENT)
        return -EACCES;
    if (rc < 0)
        return -EIO;
    if (strlen(stored) != strlen(got) || CRYPTO_memcmp(stored, got, strlen(got)))
        return -EACCES;
    if (orc_scope_parse(sc, scope))
        return -EACCES;
    /* Past its lifetime a token is refused like a wrong one (and counts
     * as a failure for the brute-force limit). */
    if (expires_at > 0 && time(NULL) >= expires_at)
        return -EACCES;
    snprintf(id_out, id_len, "%s", idh);
    return 0;
}

int orc_token_valid_id(struct orc_conn *c, const char *id, enum orc_scope *scope)
{
    char sc[16], stored[2 * SHA256_DIGEST_LENGTH + 1];
    int64_t expires_at = 0;
    int rc = orc_token_lookup(c, id, sc, sizeof(sc), stored, sizeof(stored), &expires_at);
    if (rc == -ENOENT)
        return -EACCES;
    if (rc < 0)
        return -EIO;
    if (orc_scope_parse(sc, scope) || (expires_at > 0 && time(NULL) >= expires_at))
        return -EACCES;
    return 0;
}
