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
#define ENB_RESET_MAX 256

/* One simulated eNB's identity. */
struct enb_cfg {
    uint32_t enb_id;          /* macro eNB ID, 20 bits */
    char name[ENB_NAME_MAX + 1];
    uint8_t plmn[3];          /* PLMN identity (TBCD, TS 36.413 9.2.3.8) */
    uint16_t tac;
    uint8_t cell;             /* cell in the eNB: E-UTRAN CGI = enb_id << 8 | cell */
    struct in_addr s1u_addr;  /* our S1-U GTP-U address */
    bool has_s1u6;            /* GTP-U over IPv6 from s1u_addr6 instead */
    struct in6_addr s1u_addr6;
};

struct enb_erab {
    uint8_t id;               /* E-RAB ID (= EPS bearer identity) */
    uint32_t teid;            /* GTP-TEID */
    struct in_addr addr;      /* transport layer address (IPv4; 0 = none) */
    bool has6;                /* and/or IPv6 (TS 36.414 5.1: 128 or 160 bits) */
    struct in6_addr addr6;
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
    /* Paging (TS 36.413 9.1.6): the UE Paging ID */
    bool page_stmsi;          /* S-TMSI (else IMSI) */
    uint8_t page_mmec;
    uint32_t page_mtmsi;
    char page_imsi[16];
    bool page_cs;             /* CN domain cs */
    /* Path Switch Request Acknowledge (9.1.5.9): Security Context */
    bool has_nh;
    uint8_t ncc;              /* Next Hop Chaining Count, 0..7 */
    uint8_t nh[32];           /* Next-Hop parameter */
    /* Handover Request (9.1.5.4) to a target: the E-RABs (erab[], the
     * gateway's uplink ends) and the Security Context in has_nh/ncc/nh;
     * has_ids with the MME id only */
    /* Reset (9.1.8.1), from the MME: the whole interface or a list */
    bool reset_all;
    unsigned n_reset;
    struct enb_reset_id {
        bool has_mme, has_enb;
        uint32_t mme, enb;
    } reset[ENB_RESET_MAX];
    bool reset_truncated;     /* the list had more than ENB_RESET_MAX items */
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
/* The same with the E-RABs that could not be set up (TS 36.413 8.2.1.3: in
 * the E-RAB Failed to Setup List, each with the radio network cause
 * radio_cause; their NAS-PDUs are not delivered to the UE); n or n_failed
 * may be 0, not both. */
int enb_build_erab_setup_response_failed(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                         const struct enb_erab *erabs, unsigned n,
                                         const uint8_t *failed, unsigned n_failed,
                                         unsigned radio_cause, uint8_t *buf, size_t cap);
int enb_build_erab_release_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ids,
                                    unsigned n, uint8_t *buf, size_t cap);
int enb_build_ue_ctx_release_complete(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                      size_t cap);
/* UE Context Release Request (TS 36.413 8.3.2), cause radio network
 * user-inactivity. */
int enb_build_ue_ctx_release_request(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                     size_t cap);
/* The same with a radio network cause of the caller's (e.g.
 * S1AP_CauseRadioNetwork_radio_connection_with_ue_lost). */
int enb_build_ue_ctx_release_request_cause(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                           unsigned radio_cause, uint8_t *buf, size_t cap);

/* S-TMSI (TS 23.003 2.9): MMEC and M-TMSI. */
struct enb_stmsi {
    uint8_t mmec;
    uint32_t m_tmsi;
};
/* Initial UE Message with the RRC establishment cause of the caller
 * (S1AP_RRC_Establishment_Cause_*) and, when stmsi is not NULL, the S-TMSI
 * IE the UE gave in RRC (TS 36.413 8.6.2.1: a Service Request, a TAU
 * Request or a paging answer from a UE known by its S-TMSI). */
int enb_build_initial_ue_ex(const struct enb_cfg *e, uint32_t enb_ue_id, const uint8_t *nas,
                            size_t nas_len, unsigned rrc_cause, const struct enb_stmsi *stmsi,
                            uint8_t *buf, size_t cap);
/* Path Switch Request (TS 36.413 8.4.4.2) from the target eNB e of an X2
 * handover: its new eNB UE S1AP ID, the E-RABs with the target's S1-U
 * address and downlink TEIDs, the source MME UE S1AP ID, e's cell and TAI,
 * and the UE security capabilities (EEA/EIA bitmaps, TS 36.413 9.2.1.40:
 * bit 0 = first algorithm of 128-EEA1/EIA1). */
int enb_build_path_switch_request(const struct enb_cfg *e, uint32_t enb_ue_id,
                                  uint32_t src_mme_ue_id, const struct enb_erab *erabs,
                                  unsigned n, uint16_t eea_caps, uint16_t eia_caps,
                                  uint8_t *buf, size_t cap);
/* S1 handover (TS 36.413 8.4.1-8.4.3, 8.4.5-8.4.7), eNB side.
 * Handover Required from the source src (the UE's MME/eNB UE S1AP IDs),
 * intra-LTE, cause handover-desirable-for-radio-reason, toward tgt's
 * Global eNB ID and TAI, with a Source eNB to Target eNB Transparent
 * Container (9.2.1.56) naming tgt's cell and src's as the UE's history. */
int enb_build_ho_required(const struct enb_cfg *src, const struct enb_cfg *tgt,
                          uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf, size_t cap);
/* Handover Request Acknowledge (8.4.2.2) from the target: its new eNB UE
 * S1AP ID and the admitted E-RABs with its S1-U address and downlink
 * TEIDs, and a Target eNB to Source eNB Transparent Container (9.2.1.57). */
int enb_build_ho_request_ack(uint32_t mme_ue_id, uint32_t enb_ue_id,
                             const struct enb_erab *erabs, unsigned n, uint8_t *buf,
                             size_t cap);
/* eNB Status Transfer (8.4.6) from the source: UL/DL COUNT 0 per E-RAB. */
int enb_build_enb_status_transfer(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ebis,
                                  unsigned n, uint8_t *buf, size_t cap);
/* Handover Notify (8.4.3) from the target e: the UE arrived in its cell. */
int enb_build_ho_notify(const struct enb_cfg *e, uint32_t mme_ue_id, uint32_t enb_ue_id,
                        uint8_t *buf, size_t cap);
/* Handover Cancel (8.4.5) from the source, cause handover-cancelled. */
int enb_build_ho_cancel(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf, size_t cap);
int enb_build_nas_non_delivery(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *nas,
                               size_t nas_len, unsigned rn_cause, uint8_t *buf, size_t cap);

/* Reset (TS 36.413 8.7.1.2.2, eNB initiated): the whole S1 interface when
 * n == 0, else the listed UE-associated connections (ids[i].has_* says
 * which IDs an item names).  Cause radioNetwork/unspecified. */
int enb_build_reset(const struct enb_reset_id *ids, unsigned n, uint8_t *buf, size_t cap);
/* Reset Acknowledge (8.7.1.2.1): for a partial Reset, the list of the
 * connections reset (the same items, TS 36.413 8.7.1.2.1). */
int enb_build_reset_ack(const struct enb_reset_id *ids, unsigned n, uint8_t *buf, size_t cap);
/* E-RAB Modify Response (8.2.2.2) naming the modified E-RABs, and those
 * that could not be (E-RAB Failed to Modify List, 8.2.2.3: radio network
 * cause radio_cause). */
int enb_build_erab_modify_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ids,
                                   unsigned n, uint8_t *buf, size_t cap);
int enb_build_erab_modify_response_failed(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                          const uint8_t *ids, unsigned n,
                                          const uint8_t *failed, unsigned n_failed,
                                          unsigned radio_cause, uint8_t *buf, size_t cap);

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
