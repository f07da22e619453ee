/* enbsim: the USIM of a simulated UE and the subscriber CSV; see ue_usim.h. */
#include "ue_usim.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lib/hex.h"
#include "sec/kdf.h"

int usim_init(struct usim *u, const struct usim_sub *sub)
{
    memset(u, 0, sizeof(*u));
    u->sub = *sub;
    int rc = milenage_init(&u->mil, sub->k, sub->opc);
    if (rc)
        return rc;
    u->mil_ready = true;
    usim_set_seq_ms(u, sub->sqn >> SEC_SQN_IND_BITS);
    return 0;
}

void usim_free(struct usim *u)
{
    if (u->mil_ready)
        milenage_free(&u->mil);
    u->mil_ready = false;
    OPENSSL_cleanse(&u->sub, sizeof(u->sub));
}

void usim_set_seq_ms(struct usim *u, uint64_t seq)
{
    for (unsigned i = 0; i < SEC_SQN_IND_COUNT; i++)
        u->sqn.seq_ms[i] = seq;
}

int usim_authenticate(struct usim *u, const uint8_t rand[16], const uint8_t autn[16],
                      const uint8_t sn_id[3], struct usim_auth_result *r)
{
    uint8_t ck[16], ik[16];
    memset(r, 0, sizeof(*r));
    /* TS 33.401 6.1.2: the USIM checks the AMF separation bit for E-UTRAN. */
    r->err = sec_usim_authenticate(&u->mil, &u->sqn, rand, autn, true, r->res, ck, ik,
                                   r->auts);
    if (r->err == SEC_AUTH_CRYPTO)
        return -EIO;
    if (r->err != SEC_AUTH_OK)
        return 0;
    /* TS 33.401 A.2: KASME over CK || IK with SQN xor AK as sent in AUTN. */
    int rc = sec_kasme(ck, ik, sn_id, autn, r->kasme);
    OPENSSL_cleanse(ck, sizeof(ck));
    OPENSSL_cleanse(ik, sizeof(ik));
    return rc ? -EIO : 0;
}

/* ------------------------------------------------------------ CSV ---- */

#define CSV_MAX_COLS 32

/* Splits line in place at commas; trims spaces and a trailing CR/LF.
 * Returns the number of fields. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
        line[--l] = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        while (*p == ' ')
            p++;
        fields[n++] = p;
        char *c = strchr(p, ',');
        char *end = c ? c : p + strlen(p);
        while (end > p && end[-1] == ' ')
            end--;
        if (!c) {
            *end = 0;
            break;
        }
        *end = 0;
        p = c + 1;
    }
    return n;
}

int usim_csv_open(struct usim_csv *c, FILE *f, char *err, size_t errlen)
{
    char line[1024];
    char *fields[CSV_MAX_COLS];
    memset(c, 0, sizeof(*c));
    c->f = f;
    c->col_imsi = c->col_k = c->col_opc = c->col_op = c->col_amf = c->col_sqn = c->col_apns = -1;
    if (!fgets(line, sizeof(line), f)) {
        snprintf(err, errlen, "line 1: empty file, want a header line");
        return -EINVAL;
    }
    c->line = 1;
    int n = csv_split(line, fields, CSV_MAX_COLS);
    if (n < 0) {
        snprintf(err, errlen, "line 1: more than %d columns", CSV_MAX_COLS);
        return -EINVAL;
    }
    static const struct { const char *name; size_t off; } cols[] = {
        {"imsi", offsetof(struct usim_csv, col_imsi)},
        {"k", offsetof(struct usim_csv, col_k)},
        {"opc", offsetof(struct usim_csv, col_opc)},
        {"op", offsetof(struct usim_csv, col_op)},
        {"amf", offsetof(struct usim_csv, col_amf)},
        {"sqn", offsetof(struct usim_csv, col_sqn)},
        {"apns", offsetof(struct usim_csv, col_apns)},
    };
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++)
            if (!strcasecmp(fields[i], cols[j].name))
                *(int *)((char *)c + cols[j].off) = i;
    const char *missing = c->col_imsi < 0 ? "imsi" : c->col_k < 0 ? "k"
                          : (c->col_opc < 0 && c->col_op < 0) ? "opc or op" : NULL;
    if (missing) {
        snprintf(err, errlen, "line 1: the header has no %s column", missing);
        return -EINVAL;
    }
    return 0;
}

static const char *field(char **f, int n, int col)
{
    return col >= 0 && col < n ? f[col] : "";
}

int usim_csv_next(struct usim_csv *c, struct usim_sub *sub, char *err, size_t errlen)
{
    char line[1024];
    char *f[CSV_MAX_COLS];
    for (;;) {
        if (!fgets(line, sizeof(line), c->f))
            return 0;
        c->line++;
        if (line[0] == '#' || line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'))
            continue;
        break;
    }
    int n = csv_split(line, f, CSV_MAX_COLS);
    if (n < 0) {
        snprintf(err, errlen, "line %u: too many columns", c->line);
        return -EINVAL;
    }
    memset(sub, 0, sizeof(*sub));
    const char *imsi = field(f, n, c->col_imsi);
    size_t il = strlen(imsi);
    if (il < 6 || il > USIM_IMSI_MAX || strspn(imsi, "0123456789") != il) {
        snprintf(err, errlen, "line %u: imsi '%s' is not 6..15 digits", c->line, imsi);
        return -EINVAL;
    }
    strcpy(sub->imsi, imsi);
    if (hex_decode_exact(field(f, n, c->col_k), sub->k, 16)) {
        snprintf(err, errlen, "line %u: k is not 32 hex digits", c->line);
        return -EINVAL;
    }
    const char *opc = field(f, n, c->col_opc), *op = field(f, n, c->col_op);
    if (*opc) {
        if (hex_decode_exact(opc, sub->opc, 16)) {
            snprintf(err, errlen, "line %u: opc is not 32 hex digits", c->line);
            return -EINVAL;
        }
    } else if (*op) {
        uint8_t opb[16];
        if (hex_decode_exact(op, opb, 16)) {
            snprintf(err, errlen, "line %u: op is not 32 hex digits", c->line);
            return -EINVAL;
        }
        /* TS 35.206 4.1: OPc = E_K(OP) xor OP */
        if (milenage_opc(sub->k, opb, sub->opc)) {
            snprintf(err, errlen, "line %u: cannot compute OPc", c->line);
            return -EIO;
        }
    } else {
        snprintf(err, errlen, "line %u: neither opc nor op given", c->line);
        return -EINVAL;
    }
    const char *amf = field(f, n, c->col_amf);
    if (!*amf) {
        sub->amf[0] = 0x80; /* separation bit set (TS 33.401 6.1.2) */
    } else if (hex_decode_exact(amf, sub->amf, 2)) {
        snprintf(err, errlen, "line %u: amf is not 4 hex digits", c->line);
        return -EINVAL;
    }
    const char *sqn = field(f, n, c->col_sqn);
    if (*sqn) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(sqn, &end, 0);
        if (errno || *end || *sqn == '-' || v >> 48) {
            snprintf(err, errlen, "line %u: sqn '%s' is not a 48-bit number", c->line, sqn);
            return -EINVAL;
        }
        sub->sqn = v;
    }
    /* apns: ";"-separated specs NAME[:qci=..][:ambr=..]...; the first
     * NAME is the UE's APN (docs/agw.md "CSV format") */
    const char *apns = field(f, n, c->col_apns);
    size_t al = strcspn(apns, ";:");
    if (al > USIM_APN_MAX) {
        snprintf(err, errlen, "line %u: APN longer than %d", c->line, USIM_APN_MAX);
        return -EINVAL;
    }
    memcpy(sub->apn, apns, al);
    sub->apn[al] = 0;
    return 1;
}

int usim_csv_generate(FILE *out, const char *imsi_base, unsigned count, const char *apn)
{
    size_t il = strlen(imsi_base);
    if (il < 6 || il > USIM_IMSI_MAX || strspn(imsi_base, "0123456789") != il)
        return -EINVAL;
    unsigned long long base = strtoull(imsi_base, NULL, 10);
    unsigned long long lim = 1;
    for (size_t i = 0; i < il; i++)
        lim *= 10;
    if (base + count > lim)
        return -EINVAL;
    fprintf(out, "imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4\n");
    for (unsigned i = 0; i < count; i++) {
        uint8_t k[16], opc[16];
        char kh[33], oh[33];
        if (RAND_bytes(k, 16) != 1 || RAND_bytes(opc, 16) != 1)
            return -EIO;
        hex_encode(k, 16, kh);
        hex_encode(opc, 16, oh);
        unsigned long long imsi = base + i;
        /* MSISDN: the last 10 digits of the IMSI behind a "1" */
        fprintf(out, "%0*llu,%s,%s,,8000,0,1%010llu,active,%s,\n", (int)il, imsi, kh, oh,
                imsi % 10000000000ULL, apn ? apn : "");
        OPENSSL_cleanse(k, sizeof(k));
        OPENSSL_cleanse(opc, sizeof(opc));
    }
    return ferror(out) ? -EIO : 0;
}
