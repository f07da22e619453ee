/* Sample S1AP messages with distinctive values, for the round-trip tests,
 * the tshark test, the fuzzer's seed corpus and the benchmarks.
 *
 * Every message type that issue 4 lists has an entry in s1ap_samples[]
 * (Reset twice: full and partial).  s1ap_sample_build() fills a message
 * through its generated descriptor: the IEs an operator reads in a trace
 * get fixed, recognisable values (S1AP_SAMPLE_* below), everything else a
 * deterministic in-range value.  In S1AP_SAMPLE_MANDATORY mode only the
 * mandatory IEs and components are present and lists have their minimum
 * size; in S1AP_SAMPLE_FULL mode every optional IE, optional component and
 * extension IE is present and lists hold two items.
 *
 * While filling, the builder records what tshark must show for the message
 * (field name of Wireshark's S1AP dissector and its `-T fields` text), so
 * that the tshark test checks exactly the values that were put in.
 */
#ifndef XEPC_ASN1_S1AP_SAMPLES_H
#define XEPC_ASN1_S1AP_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s1ap.h"

/* The distinctive values. */
#define S1AP_SAMPLE_ENB_UE_ID   703710u          /* 0x0abcde */
#define S1AP_SAMPLE_MME_UE_ID   3237998081u      /* 0xc0ffee01 */
#define S1AP_SAMPLE_TEID        0x1a2b3c4du
#define S1AP_SAMPLE_TLA_IPV4    0xc000022du      /* 192.0.2.45 */
#define S1AP_SAMPLE_TAC         12345u
#define S1AP_SAMPLE_FIRST_ERAB  5u
#define S1AP_SAMPLE_ENB_NAME    "xepc-enb-1"
#define S1AP_SAMPLE_MME_NAME    "xepc-mme-1"
/* PLMN 208/93 as TBCD */
extern const uint8_t s1ap_sample_plmn[3];
/* A valid plain NAS message (EMM Identity Request, IMSI), so that tshark's
 * NAS-EPS dissector has nothing to complain about. */
extern const uint8_t s1ap_sample_nas_pdu[3];

enum s1ap_sample_mode { S1AP_SAMPLE_MANDATORY = 0, S1AP_SAMPLE_FULL = 1 };

struct s1ap_sample {
    const char *name;               /* "InitialUEMessage", "ResetPartial" */
    enum s1ap_msg_kind kind;
    int reset_part;                 /* Reset: 0 whole S1 interface, 1 partial */
};

extern const struct s1ap_sample s1ap_samples[];
extern const unsigned s1ap_n_samples;

#define S1AP_SAMPLE_MAX_EXPECT 24

struct s1ap_sample_expect {
    unsigned n;
    struct {
        char field[40];             /* "s1ap.ENB_UE_S1AP_ID" */
        char value[48];             /* "703710" */
    } e[S1AP_SAMPLE_MAX_EXPECT];
};

/* Fills pdu (s1ap_pdu_init included) with variable parts in arena a.
 * exp may be NULL.  Returns 0, or -ENOMEM when the arena is too small,
 * -EINVAL for a bad sample. */
int s1ap_sample_build(const struct s1ap_sample *s, enum s1ap_sample_mode mode,
                      struct s1ap_pdu *pdu, struct aper_arena *a,
                      struct s1ap_sample_expect *exp);

/* The same with another choice of the non-distinctive values (CHOICE
 * alternatives, ENUMERATED items, integers, bytes); seed 0 is
 * s1ap_sample_build(). */
int s1ap_sample_build_seed(const struct s1ap_sample *s, enum s1ap_sample_mode mode, uint64_t seed,
                           struct s1ap_pdu *pdu, struct aper_arena *a,
                           struct s1ap_sample_expect *exp);

/* Field-by-field comparison of two values of type t.  Returns true when
 * equal; otherwise writes the path of the first difference into where
 * ("E-RABToBeSetupListCtxtSUReq[1].gTP-TEID: bytes differ"). */
bool s1ap_sample_equal(const struct aper_type *t, const void *a, const void *b,
                       char *where, size_t where_len);

/* The ids of every IE present in the value, in encoding order, nested
 * ones included (protocol IEs, extension IEs, list items).  Stores up to
 * max and returns the total count. */
unsigned s1ap_sample_ie_ids(const struct aper_type *t, const void *v, uint16_t *ids, unsigned max);

/* "name hexbytes" line helper: writes 2*len hex digits and a NUL. */
void s1ap_sample_hex(const uint8_t *p, size_t len, char *out);

#endif
