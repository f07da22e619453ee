/* The local HSS: subscribers in the state store (schema/agw/0001_subscribers.sql)
 * and EPS authentication vectors from them (TS 33.401 6.1, TS 33.102 6.3,
 * Annex C), made with userspace/sec.
 *
 * Every call reads the database, so a subscriber added, changed or deleted
 * by another process (xepcctl) takes effect at the next call.  Keys (K, OPc,
 * OP) never leave this module except in a struct the caller asked them in
 * (hss_get with keys); they are wiped from the stack after use.  Nothing
 * here logs. */
#ifndef XEPC_AGW_HSS_H
#define XEPC_AGW_HSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netinet/in.h>

#include "agw/agw_db.h"
#include "sec/auth_vector.h"

#define HSS_IMSI_LEN 15
#define HSS_MSISDN_MAX 15
#define HSS_APN_MAX 100
#define HSS_MAX_APNS 16

enum hss_err {
    HSS_OK = 0,
    HSS_ERR_NOT_FOUND,     /* unknown IMSI (EMM cause #8 / #3 at the MME) */
    HSS_ERR_INACTIVE,      /* subscriber state inactive */
    HSS_ERR_BARRED,        /* subscriber state barred */
    HSS_ERR_EXISTS,        /* add: the IMSI is already there */
    HSS_ERR_INVALID,       /* a bad argument or a bad CSV file */
    HSS_ERR_MAC_S,         /* resync: MAC-S in AUTS does not verify */
    HSS_ERR_SEQ_EXHAUSTED, /* SEQ would pass 2^43 - 1 */
    HSS_ERR_CRYPTO,        /* OpenSSL failed */
    HSS_ERR_BUSY,          /* the database stayed locked past the busy timeout */
    HSS_ERR_DB,            /* another SQLite error */
    HSS_ERR_NOMEM,
};
const char *hss_err_str(enum hss_err e);

enum hss_state { HSS_STATE_ACTIVE, HSS_STATE_INACTIVE, HSS_STATE_BARRED };
const char *hss_state_str(enum hss_state s);
/* "active" | "inactive" | "barred" -> 0, or -EINVAL. */
int hss_state_parse(const char *s, enum hss_state *out);

/* One allowed APN; zero fields take the APN's configured value. */
struct hss_apn {
    char name[HSS_APN_MAX + 1];
    uint64_t ambr_ul_bps, ambr_dl_bps; /* 0: configured APN-AMBR */
    uint8_t qci;                       /* 0: configured */
    uint8_t arp_priority;              /* 0: configured ARP (all three fields) */
    bool arp_capability, arp_vulnerability;
    struct in_addr static_ipv4; /* INADDR_ANY: from the pool */
};

struct hss_subscriber {
    char imsi[HSS_IMSI_LEN + 1];
    /* Keys: filled by hss_get() only when asked, wiped by
     * hss_subscriber_wipe().  For hss_add()/hss_update(): K, and either
     * OPc, or OP with use_op set (OPc is then derived, TS 35.206 4.1, and
     * stored; OP is not). */
    uint8_t k[16];
    uint8_t opc[16];
    uint8_t op[16];
    bool use_op;
    bool op_derived; /* read back: OPc was derived from an OP */
    uint8_t amf[2];
    uint64_t sqn; /* SQN of the last vector issued (SEQ << 5 | IND) */
    char msisdn[HSS_MSISDN_MAX + 1]; /* "": none */
    enum hss_state state;
    uint64_t ue_ambr_ul_bps, ue_ambr_dl_bps; /* 0: the configured default */
    struct hss_apn apns[HSS_MAX_APNS];       /* none: the default APN only */
    size_t n_apns;
};

/* A subscriber with the defaults: AMF 8000 (separation bit set), SQN 0,
 * state active, no APNs, no keys. */
void hss_subscriber_init(struct hss_subscriber *s);
/* Overwrites the keys (K, OPc, OP). */
void hss_subscriber_wipe(struct hss_subscriber *s);
/* Checks the fields (IMSI 15 digits, MSISDN, APN names, repeated APNs);
 * HSS_ERR_INVALID with a reason in why. */
enum hss_err hss_subscriber_check(const struct hss_subscriber *s, char *why, size_t len);

/* "internet" or "ims:qci=5:arp=2:ambr=1Mbps/2Mbps:ip=10.45.0.9" (the keys
 * qci, arp (priority; capability false, vulnerability true unless
 * arp=P/cap/vuln with cap and vuln 0 or 1), ambr=UL/DL with
 * bps/kbps/Mbps/Gbps/Tbps, ip) into *a; -EINVAL with a reason in why. */
int hss_apn_parse(const char *spec, struct hss_apn *a, char *why, size_t len);

struct hss {
    struct agw_db *db;
};

/* The HSS on an open state store (not owned). */
void hss_init(struct hss *h, struct agw_db *db);

enum hss_err hss_add(struct hss *h, const struct hss_subscriber *s);
/* Replaces everything but the SQN (kept unless keep_sqn is false). */
enum hss_err hss_update(struct hss *h, const struct hss_subscriber *s, bool keep_sqn);
enum hss_err hss_delete(struct hss *h, const char *imsi);
/* with_keys false: k/opc are left zero. */
enum hss_err hss_get(struct hss *h, const char *imsi, struct hss_subscriber *s, bool with_keys);
/* Up to max subscribers with IMSI > after (NULL or "": from the first), in
 * IMSI order, without keys; *n is how many.  The next page starts after the
 * last IMSI returned. */
enum hss_err hss_list(struct hss *h, const char *after, struct hss_subscriber *out, size_t max,
                      size_t *n);
/* How many subscribers there are. */
enum hss_err hss_count(struct hss *h, uint64_t *n);
/* Sets the state only (active / inactive / barred). */
enum hss_err hss_set_state(struct hss *h, const char *imsi, enum hss_state st);

/* The next EPS vector for imsi in serving network plmn (TBCD, 3 octets;
 * the SN id of KASME, TS 33.401 A.2): SQN = (SEQ_HE + 1) << 5 | next IND
 * (TS 33.102 C.3.2), committed to the database before this returns, so
 * that no SQN is ever issued twice, even across a crash.  Errors: unknown,
 * inactive or barred subscriber, exhausted SEQ, database. */
enum hss_err hss_auth_vector(struct hss *h, const char *imsi, const uint8_t plmn[3],
                             struct sec_eps_vector *vec);

/* Re-synchronisation after an AUTHENTICATION FAILURE with cause #21 (TS
 * 33.102 6.3.5): verifies MAC-S of AUTS against RAND (the RAND of the
 * vector the USIM refused), recovers SQN_MS and, when the next SQN the HSS
 * would send would not be accepted, moves SEQ_HE to SEQ_MS; committed
 * before return.  *sqn_ms (may be NULL) is the USIM's SQN.  The next
 * vector (hss_auth_vector) is then fresh to the USIM. */
enum hss_err hss_resync(struct hss *h, const char *imsi, const uint8_t rand[16],
                        const uint8_t auts[14], uint64_t *sqn_ms);

/* CSV import (docs/agw.md, "CSV format"): the header
 *     imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4
 * then one subscriber per line.  Everything goes in one transaction: a
 * file with any bad row (syntax, value, repeated IMSI, an IMSI already in
 * the database unless replace) is rejected as a whole, and every bad row
 * is reported in errbuf as "NAME:LINE: reason".  *imported (may be NULL)
 * is the number of subscribers written. */
enum hss_err hss_import_csv(struct hss *h, FILE *f, const char *name, bool replace,
                            size_t *imported, char *errbuf, size_t errlen);

#endif
