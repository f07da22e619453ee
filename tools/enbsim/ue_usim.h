/* enbsim: the USIM of a simulated UE (TS 33.102 6.3.3, TS 33.401 6.1) and
 * the subscriber CSV it is read from.
 *
 * The CSV is the one `xepcctl subscriber import` takes: a header line
 * naming the columns, `imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4`
 * in any order (columns are found by name, unknown ones ignored); K, OPc
 * and OP are 32 hex digits, AMF 4 hex digits, SQN the HSS's last used
 * 48-bit SQN as a decimal number (or hex with 0x).  One of opc and op is
 * needed. */
#ifndef ENBSIM_UE_USIM_H
#define ENBSIM_UE_USIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sec/auth_vector.h"
#include "sec/milenage.h"

#define USIM_IMSI_MAX 15
#define USIM_APN_MAX 100

struct usim_sub {
    char imsi[USIM_IMSI_MAX + 1];
    uint8_t k[16];
    uint8_t opc[16];     /* OPc, computed from OP when only OP was given */
    uint8_t amf[2];
    uint64_t sqn;        /* the HSS's SQN when the CSV was written */
    char apn[USIM_APN_MAX + 1]; /* first APN of the apns column ("" none) */
};

struct usim {
    struct usim_sub sub;
    struct milenage mil;
    struct sec_usim_sqn sqn;  /* SEQ_MS per IND */
    bool mil_ready;
};

/* The answer of the USIM to an AUTHENTICATION REQUEST. */
struct usim_auth_result {
    enum sec_auth_err err;  /* OK, MAC_FAILURE (#20), SYNCH_FAILURE (#21), NOT_EPS (#26) */
    uint8_t res[8];
    uint8_t kasme[32];      /* TS 33.401 A.2 from CK, IK, SN id, SQN xor AK */
    uint8_t auts[14];       /* on SYNCH_FAILURE */
};

/* Sets up Milenage and the SQN state: SEQ_MS for every IND is the SEQ of
 * sub->sqn, so the HSS's next vector (a greater SEQ) is accepted.
 * Returns 0, -ENOMEM or -EIO. */
int usim_init(struct usim *u, const struct usim_sub *sub);
void usim_free(struct usim *u);

/* TS 33.102 6.3.3: checks AUTN (MAC, AMF separation bit, SQN), then RES
 * and KASME for the serving network sn_id.  Returns 0, or -EIO when the
 * crypto failed (r->err says what the USIM decided otherwise). */
int usim_authenticate(struct usim *u, const uint8_t rand[16], const uint8_t autn[16],
                      const uint8_t sn_id[3], struct usim_auth_result *r);

/* Moves SEQ_MS of every IND to seq (to force a synch failure in tests). */
void usim_set_seq_ms(struct usim *u, uint64_t seq);

/* One parsed CSV row; returns 0, or -EINVAL with a reason in err. */
struct usim_csv {
    FILE *f;
    int col_imsi, col_k, col_opc, col_op, col_amf, col_sqn, col_apns;
    unsigned line;
};
/* Reads the header line; -EINVAL (reason in err) when a needed column is
 * missing. */
int usim_csv_open(struct usim_csv *c, FILE *f, char *err, size_t errlen);
/* The next subscriber: 1 read, 0 end of file, -EINVAL bad row (err says
 * the line and why). */
int usim_csv_next(struct usim_csv *c, struct usim_sub *sub, char *err, size_t errlen);

/* `enbsim gen-subscribers`: count rows from imsi_base (15 digits), random
 * K and OPc (RAND_bytes), AMF 8000, SQN 0, MSISDN from the IMSI, state
 * active, apns `apn`.  Returns 0 or -EINVAL / -EIO. */
int usim_csv_generate(FILE *out, const char *imsi_base, unsigned count, const char *apn);

#endif
