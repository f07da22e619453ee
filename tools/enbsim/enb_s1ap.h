/* enbsim: the eNB side of S1AP (TS 36.413) — builders of the messages an
 * eNB sends and a parser that reduces what the MME sends to what the
 * simulator needs.  Encoding and decoding are asn1/'s codec. */
#ifndef ENBSIM_ENB_S1AP_H
#define ENBSIM_ENB_S1AP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s1ap.h"

#define ENB_NAME_MAX 150
#define ENB_ERAB_MAX 8

/* One simulated eNB's identity. */
struct enb_cfg {
    uint32_t enb_id;          /* macro eNB ID, 20 bits */
    char name[ENB_NAME_MAX + 1];
    uint8_t plmn[3];          /* PLMN identity (TBCD, TS 36.413 9.2.3.8) */
    uint16_t tac;
    uint8_t cell;             /* cell in the eNB: E-UTRAN CGI = enb_id << 8 | cell */
    struct in_addr s1u_addr;  /* our S1-U GTP-U address */
};

struct enb_erab {
    uint8_t id;               /* E-RAB ID (= EPS bearer identity) */
    uint32_t teid;            /* GTP-TEID */
    struct in_addr addr;      /* transport layer address (IPv4) */
    const uint8_t *nas;       /* setup requests: the NAS-PDU, if any */
    size_t nas_len;
};

/* What a message from the MME says (pointers into the received buffer and
 * the arena given to enb_parse_dl). */
struct enb_dl {
    enum s1ap_msg_kind kind;
    bool has_ids;
    uint32_t mme_ue_id, enb_ue_id;
    bool has_enb_ue_id;       /* UE Context Release Command may name only the MME id */
    const uint8_t *nas;       /* DL NAS Transport / E-RAB Release Command NAS-PDU */
    size_t nas_len;
    unsigned n_erab;
    struct enb_erab erab[ENB_ERAB_MAX];
    bool has_kenb;
    uint8_t kenb[32];         /* Initial Context Setup: Security Key */
    char cause[64];           /* S1 Setup Failure, UE Context Release, Error Indication */
    int time_to_wait_s;       /* S1 Setup Failure: -1 absent */
    char mme_name[64];        /* S1 Setup Response */
};

/* Builders: return the encoded length or a negative errno. */
int enb_build_s1_setup_request(const struct enb_cfg *e, uint8_t *buf, size_t cap);
/* Initial UE Message (TS 36.413 8.6.2.1) with TAI, E-UTRAN CGI and RRC
 * establishment cause mo-Signalling. */
int enb_build_initial_ue(const struct enb_cfg *e, uint32_t enb_ue_id, const uint8_t *nas,
                         size_t nas_len, uint8_t *buf, size_t cap);
int enb_build_ul_nas(const struct enb_cfg *e, uint32_t mme_ue_id, uint32_t enb_ue_id,
                     const uint8_t *nas, size_t nas_len, uint8_t *buf, size_t cap);
int enb_build_ics_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const struct enb_erab *erabs,
                           unsigned n, uint8_t *buf, size_t cap);
int enb_build_erab_setup_response(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                  const struct enb_erab *erabs, unsigned n, uint8_t *buf,
                                  size_t cap);
int enb_build_erab_release_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ids,
                                    unsigned n, uint8_t *buf, size_t cap);
int enb_build_ue_ctx_release_complete(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                      size_t cap);
/* UE Context Release Request (TS 36.413 8.3.2), cause radio network
 * user-inactivity. */
int enb_build_ue_ctx_release_request(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                     size_t cap);

/* Misbehaviour for negative tests: appends to an encoded message of
 * cap octets (len used) a protocol IE with the unknown id 9999 and
 * criticality reject (TS 36.413 10.3.4.2: the receiver must reject the
 * message with an Error Indication).  Returns the new length, or -EINVAL
 * when the message's lengths do not allow it (long forms). */
int enb_add_unknown_ie(uint8_t *buf, size_t len, size_t cap);

/* Decodes a message from the MME; 0, or a negative errno (s1ap_decode's)
 * for a message that cannot be processed.  arena: scratch of arena_cap
 * octets (16 KiB is plenty) that must outlive *out. */
int enb_parse_dl(const uint8_t *buf, size_t len, struct enb_dl *out, void *arena,
                 size_t arena_cap);

/* "radioNetwork/unknown-enb-ue-s1ap-id" style text of a Cause. */
void enb_cause_str(const s1ap_Cause *c, char *out, size_t cap);

/* PLMN identity (TBCD) from "MCCMNC"; 0 or -EINVAL. */
int enb_plmn_parse(const char *mccmnc, uint8_t plmn[3]);

#endif
