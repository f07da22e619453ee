/* xepc-agwd internals: what the files of userspace/agw/ call of each other.
 *
 *   s1ap_path.c     SCTP endpoint -> S1AP events; the send queue
 *   s1ap_handler.c  received S1AP messages (eNB and UE-associated)
 *   s1ap_build.c    S1AP messages we send
 *   emm_sm.c        the EMM procedures' state machine and timers
 *   emm_handler.c   received EMM messages (attach, auth, SMC, detach ...)
 *   emm_build.c     EMM messages we send (protected by nas_send)
 *   esm_handler.c   ESM: PDN connectivity, default bearers, disconnect
 *   esm_build.c     ESM messages we send
 *   pgw_session.c   SGW/PGW control: UE IP pools, TEIDs, the datapath
 *   ue_context.c    UE and eNB objects and their lookups
 *   ue_store.c      SQLite: UE contexts and sessions, group commit, reload
 *   agw_ctl.c       the local control socket (xepcctl)
 *   agw_metrics.c   Prometheus exposition
 *   agw_main.c      start, stop, the loop */
#ifndef XEPC_AGW_AGW_H
#define XEPC_AGW_AGW_H

#include <arpa/inet.h>
#include <errno.h>

#include "agw/agw_ctx.h"
#include "s1ap.h"
#include "sec/auth_vector.h"

#define AGW_S1AP_MAX 16384      /* largest S1AP PDU we build */
#define AGW_NAS_MAX 2048        /* largest NAS PDU we build */

uint64_t agw_now_ns(void);

/* ------------------------------------------------------------ s1ap_path -- */
int s1ap_path_open(struct agw_ctx *ctx);
/* The send queue alone (s1ap_path_open() makes it; tests without SCTP). */
int s1ap_txq_init(struct agw_ctx *ctx);
void s1ap_path_close(struct agw_ctx *ctx);
int s1ap_path_send(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                   const struct s1ap_pdu *pdu);
void s1ap_path_flush(struct agw_ctx *ctx);
/* Drops every queued message (their state could not be stored). */
void s1ap_path_drop_all(struct agw_ctx *ctx);
int s1ap_path_abort(struct agw_ctx *ctx, uint32_t assoc_id);

/* --------------------------------------------------------- s1ap_handler -- */
void s1ap_handle_pdu(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                     const uint8_t *buf, size_t len);
void s1ap_enb_connected(struct agw_ctx *ctx, uint32_t assoc_id, const struct sockaddr_in *peer,
                        uint16_t ostreams, uint16_t istreams);
void s1ap_enb_disconnected(struct agw_ctx *ctx, uint32_t assoc_id, const char *why);

/* ----------------------------------------------------------- s1ap_build -- */
int s1ap_send_setup_response(struct agw_ctx *ctx, const struct agw_enb *enb);
int s1ap_send_setup_failure(struct agw_ctx *ctx, uint32_t assoc_id, const s1ap_Cause *cause,
                            int time_to_wait);
int s1ap_send_dl_nas(struct agw_ctx *ctx, const struct agw_ue *ue, const uint8_t *nas,
                     size_t len);
int s1ap_send_ics_request(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t kenb[32],
                          const uint8_t *nas, size_t nas_len);
int s1ap_send_erab_setup_item(struct agw_ctx *ctx, const struct agw_ue *ue,
                              s1ap_E_RABToBeSetupItemBearerSUReq *it, const uint8_t *nas,
                              size_t nas_len);
int s1ap_send_erab_setup(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                         const uint8_t *nas, size_t nas_len);
int s1ap_send_erab_release(struct agw_ctx *ctx, const struct agw_ue *ue, uint8_t ebi,
                           const uint8_t *nas, size_t nas_len);
int s1ap_send_ue_release(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                         uint32_t mme_ue_id, const uint32_t *enb_ue_id, const s1ap_Cause *cause);
int s1ap_send_reset_ack(struct agw_ctx *ctx, uint32_t assoc_id, const s1ap_Reset *req);
int s1ap_send_enb_config_update_ack(struct agw_ctx *ctx, uint32_t assoc_id);
int s1ap_send_enb_config_update_failure(struct agw_ctx *ctx, uint32_t assoc_id,
                                        const s1ap_Cause *cause);
int s1ap_send_error_indication(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                               const uint32_t *mme_ue_id, const uint32_t *enb_ue_id,
                               const s1ap_Cause *cause);
/* The same about a received message `about` that decoded but cannot be
 * taken (unexpected in our state, unknown UE IDs): with Criticality
 * Diagnostics naming its procedure, triggering message and procedure
 * criticality (TS 36.413 10.3.4, 10.6, 9.2.1.21). */
int s1ap_send_error_indication_about(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                                     const uint32_t *mme_ue_id, const uint32_t *enb_ue_id,
                                     const s1ap_Cause *cause, const struct s1ap_pdu *about);
int s1ap_send_decode_error(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                           const struct s1ap_decode_error *err);

/* Releases the UE's S1 connection (UE CONTEXT RELEASE COMMAND). */
void s1ap_release_ue(struct agw_ctx *ctx, struct agw_ue *ue, int cause_type, int cause);

/* ------------------------------------------------------- s1ap_handover -- */
/* Handover and the UE-associated procedures around it (s1ap_handover.c):
 * X2 Path Switch (TS 36.413 8.4.4), and the NH chain of TS 33.401 7.2.8. */
void s1ap_handle_path_switch(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const s1ap_PathSwitchRequest *m);
/* S1 handover (TS 36.413 8.4.1-8.4.6): Handover Required, Request
 * Acknowledge, Failure, eNB Status Transfer, Notify, Cancel. */
void s1ap_handle_s1_handover(struct agw_ctx *ctx, struct agw_enb *enb, uint16_t stream,
                             const struct s1ap_pdu *pdu);
/* A UE Context Release Complete for the old connection of a handover:
 * true when it was one (handled). */
bool s1ap_ho_release_complete(struct agw_ctx *ctx, struct agw_enb *enb, uint32_t mme_ue_id,
                              uint32_t enb_ue_id);
/* A new AS security context with this KeNB (every Initial Context Setup):
 * NH(1) = KDF(KASME, KeNB), NCC 1 (TS 33.401 7.2.8.1.1, A.4). */
void ho_nh_init(struct agw_ue *ue, const uint8_t kenb[32]);
int s1ap_send_path_switch_ack(struct agw_ctx *ctx, const struct agw_ue *ue,
                              const uint8_t *released_ebis, unsigned n_released,
                              bool send_sec_caps);
int s1ap_send_ho_prep_failure(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                              uint32_t mme_ue_id, uint32_t enb_ue_id, const s1ap_Cause *cause);
int s1ap_send_ho_request(struct agw_ctx *ctx, const struct agw_ue *ue,
                         const struct agw_enb *tgt, const s1ap_Cause *cause,
                         const s1ap_Source_ToTarget_TransparentContainer *container);
int s1ap_send_ho_command(struct agw_ctx *ctx, const struct agw_ue *ue,
                         const uint8_t *released_ebis, unsigned n_released,
                         const s1ap_Target_ToSource_TransparentContainer *container);
int s1ap_send_mme_status_transfer(struct agw_ctx *ctx, const struct agw_ue *ue,
                                  const s1ap_ENB_StatusTransfer_TransparentContainer *c);
int s1ap_send_ho_cancel_ack(struct agw_ctx *ctx, const struct agw_ue *ue);
int s1ap_send_path_switch_failure(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                                  uint32_t mme_ue_id, uint32_t enb_ue_id,
                                  const s1ap_Cause *cause);

/* ---------------------------------------------------------- s1ap_reset -- */
/* TS 36.413 8.7.1.2.1: Reset of the whole S1 interface of a set-up eNB;
 * its UEs go ECM-IDLE (sessions kept).  0 or a negative errno. */
int s1ap_mme_reset(struct agw_ctx *ctx, struct agw_enb *enb, unsigned *n_ues);
void s1ap_handle_reset_ack(struct agw_ctx *ctx, struct agw_enb *enb);
/* A received Error Indication naming one of our UE connections releases it. */
void s1ap_error_indication_ue(struct agw_ctx *ctx, struct agw_enb *enb,
                              const s1ap_ErrorIndication *m);

/* ---------------------------------------------------------- s1ap_ue_mod -- */
/* TS 36.413 8.3.4: a new UE-AMBR (stored; to the eNB if connected).  0,
 * -ERANGE (0 or over 4 Tbit/s), -EAGAIN (not registered), or < 0. */
int s1ap_ue_modify_ambr(struct agw_ctx *ctx, struct agw_ue *ue, uint64_t ul_bps,
                        uint64_t dl_bps);
void s1ap_handle_ue_mod_answer(struct agw_ctx *ctx, struct agw_ue *ue, bool ok,
                               const s1ap_Cause *cause);
/* TS 36.413 8.2.4: tunnels moved, stored, E-RAB Modification Confirm. */
void s1ap_handle_erab_mod_ind(struct agw_ctx *ctx, struct agw_ue *ue,
                              const s1ap_E_RABModificationIndication *m);

/* ----------------------------------------------------------- ue_context -- */
struct agw_ue *ue_new(struct agw_ctx *ctx);
void ue_free(struct agw_ctx *ctx, struct agw_ue *ue);
struct agw_ue *ue_find_id(struct agw_ctx *ctx, uint32_t id);
struct agw_ue *ue_find_imsi(struct agw_ctx *ctx, const char *imsi);
struct agw_ue *ue_find_tmsi(struct agw_ctx *ctx, uint32_t m_tmsi);
struct agw_ue *ue_find_enb(struct agw_ctx *ctx, uint32_t assoc_id, uint32_t enb_ue_id);
int ue_set_imsi(struct agw_ctx *ctx, struct agw_ue *ue, const char *imsi);
/* Makes a restored security context usable (keys from KASME); 0 or < 0. */
int ue_sec_ready(struct agw_ctx *ctx, struct agw_ue *ue);
int ue_new_guti(struct agw_ctx *ctx, struct agw_ue *ue);
int ue_s1_bind(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_enb *enb, uint32_t enb_ue_id);
void ue_s1_unbind(struct agw_ctx *ctx, struct agw_ue *ue);
const char *ue_imsi_log(const struct agw_ctx *ctx, const struct agw_ue *ue, char buf[20]);
struct agw_enb *enb_find_assoc(struct agw_ctx *ctx, uint32_t assoc_id);
/* Calls fn for every UE; fn may not free UEs other than the one given. */
void ue_foreach(struct agw_ctx *ctx, void (*fn)(struct agw_ctx *, struct agw_ue *, void *),
                void *arg);

/* ----------------------------------------------------------------- EMM -- */
/* NAS transport (emm_transport.c): NAS Non Delivery Indication (TS 36.413
 * 8.6.2.3) for ue, the end of any handover of ue (held PDUs re-sent), the
 * UE's S1 connection gone / the UE freed; generic NAS transport (TS 24.301
 * 5.6.4): -EINVAL bad container, -EAGAIN not registered, -ENOTCONN idle. */
void emm_nas_non_delivery(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                          const s1ap_Cause *cause);
void emm_nas_handover_end(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_nas_held_s1_lost(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_nas_held_free(struct agw_ctx *ctx, struct agw_ue *ue);
/* The guard timer of ue's held NAS PDUs (NULL: nothing held), for the
 * unit tests that fire it by hand instead of waiting for it. */
ev_timer *emm_nas_held_guard(struct agw_ue *ue);
int emm_send_dl_generic(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t type,
                        const uint8_t *container, size_t len, const uint8_t *info,
                        size_t info_len);
struct nas_ul_generic_nas_transport;
void emm_handle_ul_generic(struct agw_ctx *ctx, struct agw_ue *ue,
                           const struct nas_ul_generic_nas_transport *m);
/* An uplink NAS PDU from the UE (Initial UE Message or Uplink NAS
 * Transport). */
void emm_handle_uplink(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                       bool initial);
/* The Initial Context Setup of the attach succeeded / failed. */
void emm_ics_done(struct agw_ctx *ctx, struct agw_ue *ue, bool ok);
/* The S1 connection went away (association lost, release complete). */
void emm_s1_lost(struct agw_ctx *ctx, struct agw_ue *ue);
/* Network-initiated detach (xepcctl ue detach); an idle UE is paged first
 * (ue->detach_wait), emm_detach_resume() goes on when it answers, and
 * emm_detach_local() ends it when it does not. */
int emm_detach_ue(struct agw_ctx *ctx, struct agw_ue *ue, bool reattach);
bool emm_detach_resume(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_detach_local(struct agw_ctx *ctx, struct agw_ue *ue);
/* Network-initiated deactivation of a PDN connection (esm_handler.c). */
int esm_deactivate_pdn(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t pti,
                       uint8_t cause);
/* Protects (when a context exists) and sends a plain EMM/ESM message. */
int nas_send(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m);
/* Encodes and protects without sending (for messages inside S1AP
 * messages other than Downlink NAS Transport). */
int nas_encode_protected(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m,
                         uint8_t *out, size_t cap, size_t *len);
void emm_timer_start(struct agw_ctx *ctx, struct agw_ue *ue, enum emm_proc proc);
void emm_timer_stop(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_send_status(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t cause);
void emm_attach_reject(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t emm_cause,
                       uint8_t esm_cause);
/* EMM messages we send (emm_build.c); each returns 0 or a negative errno */
int emm_send_identity_request(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_auth_request(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_auth_reject(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_smc(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_attach_accept(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_detach_accept(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_detach_request(struct agw_ctx *ctx, struct agw_ue *ue, bool reattach);
int emm_send_information(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
void emm_detach_done(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_context_drop(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_attach_esm_info_done(struct agw_ctx *ctx, struct agw_ue *ue);
/* S6a (s6a_handler.c): the AIA's vector -> AUTHENTICATION REQUEST; the ULA
 * came -> the attach goes on */
void emm_auth_vector(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t rand[16],
                     const uint8_t *xres, uint8_t xres_len, const uint8_t autn[16],
                     const uint8_t kasme[32]);
void emm_attach_continue(struct agw_ctx *ctx, struct agw_ue *ue);
/* esm_gx_answered: the attach's default bearer may go (cause 0), or the
 * attach is rejected (EMM #19 with the ESM cause) */
void emm_attach_pdn_ready(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                          uint8_t esm_cause);
/* An initial NAS message named a UE we know: the new connection takes its
 * context over (emm_handler.c); returns the context to go on with. */
struct agw_ue *emm_adopt_context(struct agw_ctx *ctx, struct agw_ue *fresh, struct agw_ue *old);
/* TS 24.301 9.9.3.33: the UE's TAI list (emm_build.c). */
void emm_fill_tai_list(struct agw_ctx *ctx, const struct agw_ue *ue, struct nas_tai_list *l);

/* --------------------------------------- idle mode (emm_service.c) -- */
struct agw_ue *emm_find_tmsi(struct agw_ctx *ctx, uint32_t m_tmsi);
void emm_forget_old_guti(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_service_request(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                         bool initial);
void emm_handle_ext_service_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                    const struct nas_ext_service_request *r);
void emm_handle_tau_request(struct agw_ctx *ctx, struct agw_ue *ue,
                            const struct nas_tau_request *r);
void emm_handle_tau_complete(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_tau_abandoned(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_tau_accept(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_send_guti_realloc(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_guti_realloc_start(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_handle_guti_realloc_complete(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_release_ue(struct agw_ctx *ctx, struct agw_ue *ue);
/* ----------------------- paging, reachability timers (emm_paging.c) -- */
void emm_idle_ue_init(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_idle_ue_free(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_idle_enter(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_idle_leave(struct agw_ctx *ctx, struct agw_ue *ue);
int emm_page_ue(struct agw_ctx *ctx, struct agw_ue *ue);
void emm_paging_ddn(struct agw_ctx *ctx, uint32_t session_id);

/* ----------------------------------------------------------------- HSS -- */
/* What the MME needs of a subscriber (agw_hss.c over the local HSS). */
enum agw_sub_state { AGW_SUB_ACTIVE = 0, AGW_SUB_INACTIVE, AGW_SUB_BARRED };
#define AGW_SUB_MAX_APNS 8
struct agw_sub_apn {
    char name[101];
    bool has_ambr;
    uint64_t ambr_ul_bps, ambr_dl_bps;
    bool has_qci;
    uint8_t qci;
    bool has_arp;                       /* TS 29.272 7.3.40 Allocation-Retention-Priority */
    uint8_t arp_prio;
    bool arp_cap, arp_vul;
    bool has_static_ip;
    struct in_addr static_ip;
};
struct agw_sub {
    enum agw_sub_state state;
    char msisdn[16];
    uint64_t ue_ambr_ul_bps, ue_ambr_dl_bps;   /* 0: the configured default */
    unsigned n_apns;                            /* 0: every configured APN */
    struct agw_sub_apn apns[AGW_SUB_MAX_APNS];
};
/* 0, -ENOENT (unknown IMSI), or another negative errno.  With S6a, the
 * subscription the HSS gave in the ULA (-ENOENT before it). */
int agw_hss_lookup(struct agw_ctx *ctx, const char *imsi, struct agw_sub *sub);
/* A new EPS vector (SQN advanced and stored first) */
int agw_hss_vector(struct agw_ctx *ctx, const char *imsi, struct sec_eps_vector *v);
/* TS 33.102 6.3.5: resynchronise on AUTS; -EBADMSG when MAC-S is wrong */
int agw_hss_resync(struct agw_ctx *ctx, const char *imsi, const uint8_t rand[16],
                   const uint8_t auts[14]);

/* ----------------------------------------------------------------- ESM -- */
void esm_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m);
/* Builds the attach's default bearer (pdn allocated, datapath session
 * installed without tunnel); returns 0 or the ESM cause to reject with. */
int esm_attach_pdn(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn **out);
/* The Gx CCA-I of a PDN connection waiting for it (pdn_gx_wait) came and
 * was applied (cause 0), or the connection is refused with an ESM cause:
 * the activation goes on, or the attach / PDN connectivity is rejected. */
void esm_gx_answered(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t cause);
/* What the UE asks for in a PDN request's PCO (TS 24.008 10.5.6.3), kept
 * in ue->req_pco_* until the PDN connection is set up. */
void esm_pco_request(struct agw_ue *ue, bool has_pco, const struct nas_pco *pco);
/* The ACTIVATE DEFAULT EPS BEARER CONTEXT REQUEST of p, encoded plain. */
int esm_build_act_default(struct agw_ctx *ctx, struct agw_ue *ue, const struct agw_pdn *p,
                          struct nas_message *m);
int esm_build_reject(uint8_t pti, uint8_t cause, struct nas_message *m);
int esm_send_esm_info_request(struct agw_ctx *ctx, struct agw_ue *ue);

/* ---------------------------------------------------------- pgw_session -- */
int pgw_init(struct agw_ctx *ctx);
void pgw_fini(struct agw_ctx *ctx);
/* Allocates the PDN's UE address (static or from the pool) and TEID;
 * returns 0 or the ESM cause (#26 resources, #8 ...) as a positive int. */
int pgw_pdn_alloc(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                  const struct agw_apn *apn, const struct in_addr *static_ip);
/* Installs the datapath session of p, or updates its tunnel (set when
 * dl_teid is) keeping its meters; an AMBR change is dp_session_modify()
 * with DP_MOD_AMBR. */
int pgw_pdn_program(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* Applies p's (changed) APN-AMBR to its datapath meters. */
int pgw_pdn_update_ambr(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* Moves the downlink tunnel to p's enb_addr/dl_teid (handover): usage,
 * meters and rules stay as they are. */
int pgw_pdn_switch(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* Rewrites p's rules: its dedicated bearers' TFT filters, then its PCC
 * rules and Gy's part (gx_policy_refresh). */
int pgw_pdn_policy(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* The datapath session of p with its dedicated bearers' TFT filters as
 * rules (tunnel, APN-AMBR, esm_bearer_dp_rules); no PCC rules. */
struct dp_session_spec;
void pgw_pdn_spec(const struct agw_ue *ue, const struct agw_pdn *p, struct dp_session_spec *s);
/* Takes the tunnel away (UE left ECM-CONNECTED): downlink is buffered. */
int pgw_pdn_suspend(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* Removes the datapath session and frees the address and TEID. */
void pgw_pdn_release(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
/* Marks an address/TEID taken (reload from the store). */
int pgw_pdn_adopt(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p);
int pgw_events_open(struct agw_ctx *ctx);
/* pgw_ipv6.c: PDN types IPv6 and IPv4v6 (TS 23.401 5.3.1.2.2).  The PDN
 * type granted for `requested` (enum nas_pdn_type) on an APN allowing
 * `allowed`: 0 and *granted (with *cause #50/#51 for the ACTIVATE DEFAULT
 * EPS BEARER CONTEXT REQUEST, or 0), or the ESM cause of a reject. */
int pgw_pdn_type_grant(enum agw_pdn_type allowed, uint8_t requested, uint8_t *granted,
                       uint8_t *cause);
bool pgw_pdn_has_v4(const struct agw_pdn *p);
bool pgw_pdn_has_v6(const struct agw_pdn *p);
/* TS 36.413 9.2.2.1 / TS 36.414 5.1: the tunnel address of an E-RAB an
 * eNB gives: IPv4 (32 bits, or the IPv4 part of 160) in *v4, or IPv6 alone
 * (128 bits) in *v6 with *v4 0.0.0.0 when the gateway has gtpu.address6;
 * false when neither is usable. */
bool pgw_enb_tla(const struct agw_ctx *ctx, const s1ap_TransportLayerAddress *tla,
                 struct in_addr *v4, struct in6_addr *v6);
/* TS 29.281 7.3.2 / TS 23.401 5.5.1.1.2 step 5: an End Marker into the old
 * tunnel (old4, or old6 when old4 is 0) after a switch to (new4/new6,
 * new_teid), over the old tunnel's own family; none when there was no old
 * tunnel or it did not change. */
void pgw_end_marker(struct agw_ctx *ctx, struct in_addr old4, const struct in6_addr *old6,
                    uint32_t old_teid, struct in_addr new4, const struct in6_addr *new6,
                    uint32_t new_teid);
/* An eNB tunnel address as stored and shown: the IPv4 one, or the IPv6
 * one when v4 is 0.0.0.0 (and back; NULL or bad text: none). */
const char *pgw_enb_str(struct in_addr v4, const struct in6_addr *v6, char *buf, size_t cap);
void pgw_enb_parse(const char *s, struct in_addr *v4, struct in6_addr *v6);
/* The /64 of the session of ul_teid in apn's pool6; the interface
 * identifier of the PDN Address IE (TS 24.301 9.9.4.9). */
void pgw_prefix6(const struct agw_apn *apn, uint32_t ul_teid, uint8_t prefix[8]);
void pgw_iid6(uint32_t ul_teid, uint8_t iid[8]);
/* Sets p->ue6_prefix from its PDN type, APN and TEID (zero without IPv6). */
void pgw_pdn_set_v6(struct agw_ctx *ctx, struct agw_pdn *p);
/* The unsolicited Router Advertisement into an active IPv6 PDN
 * connection's tunnel (TS 29.061 11.2.1.3.4); nothing otherwise. */
void pgw_pdn_ra(struct agw_ctx *ctx, struct agw_ue *ue, const struct agw_pdn *p);
struct agw_pdn *pgw_pdn_by_ebi(struct agw_ue *ue, uint8_t ebi);
/* The UE holding datapath session id session_id (the low 24 bits of an
 * uplink TEID), from an index kept by pgw_pdn_alloc/adopt/release: one
 * array access and a hash lookup, no scan of the UEs. */
struct agw_ue *pgw_ue_by_session(struct agw_ctx *ctx, uint32_t session_id);
/* The UE's MME UE S1AP ID changed (emm_adopt_context): its sessions'
 * index entries follow. */
void pgw_ue_reindex(struct agw_ctx *ctx, const struct agw_ue *ue);
/* S1-U TEIDs (session ids) for dedicated bearers */
int pgw_teid_alloc(struct agw_ctx *ctx, uint32_t *teid);
void pgw_teid_free(struct agw_ctx *ctx, uint32_t teid);
int pgw_teid_adopt(struct agw_ctx *ctx, uint32_t teid);
/* pgw_pool.c: an APN's IPv4 pool as a list of prefixes, changed while
 * the gateway runs (the orchestrator's pools, orc_apn.c). */
struct pgw_prefix {
    uint32_t base;                  /* host order, the network address */
    uint8_t len;                    /* 8..30 */
};
/* The prefix of the APN's pool list head holding a (NULL: none). */
struct agw_pool *pgw_pool_of(struct agw_pool *head, struct in_addr a);
/* Frees the list's bitmaps and further prefixes (head itself stays). */
void pgw_pool_free(struct agw_pool *head);
/* true when the APN's pool list is exactly pf[0..n-1]. */
bool pgw_pool_same(const struct agw_ctx *ctx, size_t apn_idx, const struct pgw_prefix *pf,
                   size_t n);
/* Replaces the APN's pool list with pf[0..n-1] (n 0: no IPv4 pool).  The
 * address of every running session (of any APN) inside the new prefixes
 * is taken in them, so that it is never given out twice; one outside
 * them stays the session's, and is nobody's to give out when it ends.
 * 0 or -ENOMEM (the old list stays). */
int pgw_pool_set(struct agw_ctx *ctx, size_t apn_idx, const struct pgw_prefix *pf, size_t n);
/* ctx->pools grown to n entries (cfg->apns grown by orc_apn.c). */
int pgw_pools_grow(struct agw_ctx *ctx, size_t n);
struct agw_pdn *pgw_pdn_free_slot(struct agw_ue *ue);
uint8_t pgw_next_ebi(const struct agw_ue *ue);

/* ---------------------------------------------------------- esm_bearer -- */
/*
 * Dedicated bearers, network-initiated (TS 23.401 5.4.1-5.4.4, TS 24.301
 * 6.4.2-6.4.4).  The entry points for whoever decides that a UE needs a
 * bearer: `xepcctl ue bearer` today (agw_ctl.c), the PCRF path tomorrow
 * (Gx charging rules with QoS and flow descriptions, TS 29.212 4.5.2: map
 * each rule's Flow-Description to an agw_pf with agw_pf_parse(), its
 * QCI/ARP/MBR/GBR to the request, and call agw_bearer_activate(); a rule
 * removed is agw_bearer_deactivate(); changed QoS or flows
 * agw_bearer_modify()).
 *
 * Each returns at once, on the loop, with the EBI (> 0) the bearer has, 0
 * (deactivate: removed at once, the UE being ECM-IDLE and not pageable) or
 * a negative errno, and a sentence in err: -ENOENT (no such UE, active PDN
 * connection on req->apn or bearer), -EINVAL (request: QCI, GBR/MBR,
 * filters), -ENOTCONN (the UE is not registered), -EHOSTUNREACH (ECM-IDLE
 * and not pageable: no GUTI, mobile reachable timer expired), -EBUSY (a
 * bearer procedure of that PDN connection is running), -ENOSPC
 * (EBIs, TEIDs, 16 downlink filters per PDN connection), -EIO
 * (datapath).  An ECM-IDLE UE is paged first and the procedure runs when
 * it is connected (TS 23.401 5.4.1 step 4); so does one for a UE in the
 * middle of its attach or service request.  The outcome comes later: the
 * bearer is stored (SQLite, same
 * group commit) before the E-RAB Setup/Modify/Release Command leaves, and
 * becomes active / modified / gone when the UE accepts; a reject, an eNB
 * failure or the fifth expiry of T3485/T3486 undoes it (T3495: removed
 * anyway).  Watch `xepcctl ue show` or the bearer_* counters.
 */
struct agw_bearer_req {
    char apn[101];              /* PDN connection by APN; "" = the UE's first */
    uint8_t qci;                /* 1..9, 65..86 (TS 23.203 6.1.7.2) */
    uint8_t arp_prio;           /* 1..15; 0 = the default bearer's ARP */
    bool arp_cap, arp_vul;      /* with arp_prio */
    uint64_t mbr_ul, mbr_dl;    /* bit/s; GBR QCIs: >= GBR, 0 = the GBR */
    uint64_t gbr_ul, gbr_dl;    /* bit/s; required for GBR QCIs, 0 for others */
    uint8_t n_pf;               /* 1..AGW_TFT_MAX */
    struct agw_pf pf[AGW_TFT_MAX];  /* precedence and direction are the
                                     * caller's; identifiers are assigned */
};
int agw_bearer_activate(struct agw_ctx *ctx, const char *imsi, const struct agw_bearer_req *req,
                        char *err, size_t errlen);
/* New QoS (same QCI) and/or filters; n_pf 0 keeps the filters, zero rates
 * keep the rates. */
int agw_bearer_modify(struct agw_ctx *ctx, const char *imsi, uint8_t ebi,
                      const struct agw_bearer_req *req, char *err, size_t errlen);
int agw_bearer_deactivate(struct agw_ctx *ctx, const char *imsi, uint8_t ebi, char *err,
                          size_t errlen);
/* An IPFilterRule ("permit out udp from any to 10.45.0.0/16 49152-65535",
 * TS 29.212 5.4.2 Flow-Description) as a bidirectional packet filter;
 * -EINVAL with a sentence in err. */
int agw_pf_parse(const char *text, struct agw_pf *pf, char *err, size_t errlen);
int agw_pf_format(const struct agw_pf *pf, char *out, size_t cap);
/* The filter as TS 24.008 10.5.6.12 components (NAS codec) */
void agw_pf_to_nas(const struct agw_pf *pf, struct nas_packet_filter *o);
/* A UE's packet filter (TS 24.008 10.5.6.12): 0 or ESM cause #44 */
int agw_pf_from_nas(const struct nas_packet_filter *in, struct agw_pf *pf);
bool agw_qci_is_gbr(uint8_t qci);

/* the rest of userspace/agw calls these */
struct strbuf;
struct dp_session_spec;
bool esm_bearer_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m);
struct agw_bearer *esm_bearer_by_ebi(struct agw_ue *ue, uint8_t ebi);
bool esm_bearer_ebi_used(const struct agw_ue *ue, uint8_t ebi);
bool esm_bearer_linked(const struct agw_ue *ue, uint8_t linked_ebi);
void esm_bearer_dp_rules(const struct agw_ue *ue, const struct agw_pdn *p,
                         struct dp_session_spec *s);
/* enb6: the eNB's IPv6 address when enb is 0.0.0.0 (GTP-U over IPv6) */
bool esm_bearer_enb_tunnel(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi,
                           struct in_addr enb, const struct in6_addr *enb6, uint32_t dl_teid);
bool esm_bearer_enb_failed(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi);
void esm_bearer_connected(struct agw_ctx *ctx, struct agw_ue *ue);
/* a bearer procedure waits for the UE to be connected (paged) */
bool esm_bearer_waiting(const struct agw_ue *ue);
/* X2 handover (s1ap_handover.c): a dedicated bearer's E-RAB to be switched
 * to the target's tunnel (false: not a dedicated bearer, or the datapath
 * refused it: release it), then, after the Acknowledge, the bearers that
 * were not switched are deactivated (TS 23.401 5.5.1.1.2 step 2). */
bool esm_bearer_switch(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi, struct in_addr enb,
                       const struct in6_addr *enb6, uint32_t dl_teid);
void esm_bearer_switch_done(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *switched,
                            unsigned n);
/* For esm_bearer_pcc.c: the procedures on a given PDN connection / bearer
 * (network-initiated; pcc marks a bearer bound to PCC rules). */
int esm_bearer_activate_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                           const struct agw_bearer_req *req, bool pcc, char *err, size_t errlen);
int esm_bearer_modify_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                         const struct agw_bearer_req *req, char *err, size_t errlen);
int esm_bearer_deactivate_on(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_bearer *b,
                             char *err, size_t errlen);
/* esm_bearer_pcc.c: PCC rules and dedicated bearers (TS 29.212 4.5.2).
 * esm_pcc_rules() appends to s (after its TFT filters) the datapath rules
 * of the definitions that stay on the default bearer: their number, or
 * -E2BIG/-EINVAL with *bad naming the rule; esm_pcc_bind() activates,
 * modifies and deactivates p's PCC bearers to match the definitions. */
struct diam_rule_def;
int esm_pcc_rules(const struct agw_pdn *p, const struct diam_rule_def *defs, unsigned n,
                  struct dp_session_spec *s, const char **bad);
void esm_pcc_bind(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                  const struct diam_rule_def *defs, unsigned n);
/* EPS bearer context status (TS 24.301 9.9.2.1): the dedicated bearers' bits,
 * and those the UE reported as inactive released locally (5.5.3.2.4, 5.6.1.4) */
uint16_t esm_bearer_status(const struct agw_ue *ue);
void esm_bearer_sync_status(struct agw_ctx *ctx, struct agw_ue *ue, uint16_t status);
void esm_bearer_suspend(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t linked_ebi);
void esm_bearer_release_linked(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t linked_ebi);
void esm_bearer_ue_init(struct agw_ue *ue);
/* ue->ded writable: the UE's own slots (allocated on first use) */
int esm_bearer_ue_slots(struct agw_ue *ue);
void esm_bearer_ue_free(struct agw_ctx *ctx, struct agw_ue *ue);
int esm_bearer_store(struct agw_ctx *ctx, struct agw_ue *ue);
struct sqlite3_stmt;
int esm_bearer_load(struct agw_ctx *ctx, struct agw_ue *ue, struct sqlite3_stmt **cache);
void esm_bearer_show(struct agw_ctx *ctx, struct agw_ue *ue, struct strbuf *o);
void esm_bearer_ctl(struct agw_ctx *ctx, const char *verb, char *rest, struct strbuf *o);
/* S1AP for dedicated bearers (s1ap_build_bearer.c) */
/* The active dedicated bearers as Initial Context Setup items (at most
 * cap); returns how many. */
unsigned s1ap_ho_ded_items(struct agw_ctx *ctx, const struct agw_ue *ue,
                           s1ap_E_RABToBeSetupItemHOReq *items, unsigned cap);
unsigned s1ap_ics_ded_items(struct agw_ctx *ctx, const struct agw_ue *ue,
                            s1ap_E_RABToBeSetupItemCtxtSUReq *items, unsigned cap);
int s1ap_send_erab_setup_ded(struct agw_ctx *ctx, const struct agw_ue *ue,
                             const struct agw_bearer *b, const uint8_t *nas, size_t nas_len);
int s1ap_send_erab_modify(struct agw_ctx *ctx, const struct agw_ue *ue,
                          const struct agw_bearer *b, const uint8_t *nas, size_t nas_len);

/* ----------------------------------------------------------- esm_dqos -- */
/*
 * The default bearer's QoS (QCI, ARP) and APN-AMBR modified toward the UE
 * and the eNB (esm_dqos.c: TS 23.401 5.4.2.1, 5.3.9.2; TS 24.301 6.4.3).
 * esm_dqos_modify() returns 0 (nothing to change), 1 (sent, or waiting for
 * the paged UE; applied when the UE accepts) or a negative errno with a
 * sentence in err: -EINVAL/-ERANGE (values), -ENOENT (PDN connection not
 * active), -EHOSTUNREACH (idle, not pageable), -ENOTCONN.
 */
enum esm_dqos_src { ESM_DQOS_CTL = 0, ESM_DQOS_PCRF = 1, ESM_DQOS_HSS = 2 };
const char *esm_dqos_src_str(enum esm_dqos_src s);
struct esm_dqos {
    uint8_t qci, arp_prio;
    bool arp_cap, arp_vul;
    uint64_t ambr_ul, ambr_dl;      /* APN-AMBR, bit/s */
};
void esm_dqos_of(const struct agw_pdn *p, struct esm_dqos *q);
bool esm_dqos_equal(const struct esm_dqos *a, const struct esm_dqos *b);
int esm_dqos_check(const struct esm_dqos *q, const struct esm_dqos *cur, char *err,
                   size_t errlen);
int esm_dqos_modify(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                    const struct esm_dqos *want, enum esm_dqos_src src, char *err, size_t errlen);
/* the target of the modification under way for ebi, or NULL */
const struct esm_dqos *esm_dqos_pending(struct agw_ue *ue, uint8_t ebi, bool *deferred);
bool esm_dqos_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m);
bool esm_dqos_erab_failed(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi);
void esm_dqos_connected(struct agw_ctx *ctx, struct agw_ue *ue);
bool esm_dqos_waiting(const struct agw_ue *ue);
void esm_dqos_ue_free(struct agw_ctx *ctx, struct agw_ue *ue);
int esm_dqos_store(struct agw_ctx *ctx, struct agw_ue *ue);
int esm_dqos_load(struct agw_ctx *ctx, struct agw_ue *ue, struct sqlite3_stmt **cache);
void esm_dqos_show(struct agw_ctx *ctx, struct agw_ue *ue, struct strbuf *o);
void esm_dqos_ctl(struct agw_ctx *ctx, const char *id, char *rest, struct strbuf *o);
/* builders (esm_dqos_build.c) */
int esm_dqos_build_modify(uint8_t ebi, const struct esm_dqos *old, const struct esm_dqos *want,
                          struct nas_message *m);
void esm_dqos_build_erab_modify(struct s1ap_pdu *pdu, s1ap_E_RABToBeModifiedItemBearerModReq *it,
                                uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t ebi,
                                const struct esm_dqos *want, uint64_t ue_ambr_ul,
                                uint64_t ue_ambr_dl, const uint8_t *nas, size_t nas_len);
/* TS 23.401 4.7.3: the UE-AMBR for the eNB, min(subscribed, sum of the
 * APN-AMBRs); over/with: one PDN connection's APN-AMBR as it would be */
void esm_dqos_ue_ambr(const struct agw_ue *ue, const struct agw_pdn *over,
                      const struct esm_dqos *with, uint64_t *ul, uint64_t *dl);
/* a UE Context Modification Request with this UE-AMBR (s1ap_ue_mod.c) */
int s1ap_send_ue_ambr(struct agw_ctx *ctx, struct agw_ue *ue, uint64_t ul_bps, uint64_t dl_bps);

/* ------------------------------------------------------------ ue_store -- */
int ue_store_open(struct agw_ctx *ctx);
void ue_store_close(struct agw_ctx *ctx);
/* Marks the UE's state to be written before anything queued is sent. */
void ue_store_mark(struct agw_ctx *ctx, struct agw_ue *ue);
/* The UE is gone (detached): its rows go at the next commit. */
void ue_store_forget(struct agw_ctx *ctx, const struct agw_ue *ue);
void agw_commit_request(struct agw_ctx *ctx);
/* Opens the loop iteration's write transaction (if not open yet). */
int agw_txn_open(struct agw_ctx *ctx);
/* Writes what is marked, then sends what is queued. */
int agw_commit(struct agw_ctx *ctx);
/* Reloads every stored UE (restart); returns how many or < 0. */
int ue_store_load(struct agw_ctx *ctx);

/* ------------------------------------------------------------- control -- */
int agw_ctl_open(struct agw_ctx *ctx);
void agw_ctl_close(struct agw_ctx *ctx);
int agw_metrics_open(struct agw_ctx *ctx);
void agw_metrics_close(struct agw_ctx *ctx);

#endif
