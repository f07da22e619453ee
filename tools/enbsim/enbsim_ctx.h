/* enbsim: the run's context (one struct, reached by every file of the
 * program) — options, eNBs, UEs, the loop, the figures. */
#ifndef ENBSIM_CTX_H
#define ENBSIM_CTX_H

#include <ev.h>
#include <stdio.h>

#include "enb_s1ap.h"
#include "enbsim.h"
#include "sctp/sctp_path.h"

#define ENBSIM_MAX_ENBS 256
#define ENBSIM_CAUSES_MAX 32

struct enbsim_opts {
    struct sockaddr_in mme;          /* address, SCTP port 36412 */
    enum sctp_backend backend;
    struct in_addr enb_addr[ENBSIM_MAX_ENBS];
    unsigned n_enb_addr;             /* given with --enb-addr */
    bool has_s1u6;                   /* --s1u-addr6: GTP-U over IPv6 from this */
    struct in6_addr s1u6;            /* address (the first eNB's; the others
                                      * count up) */
    uint32_t s1u6_enbs;              /* --s1u6-enbs: bit i, eNB i+1 on IPv6
                                      * (0: every eNB) */
    unsigned n_enbs, n_ues;
    uint32_t enb_id_base;
    char plmn[8];                    /* "00101" */
    uint16_t tac;
    const char *subscribers;         /* CSV */
    const char *apn;                 /* default APN (overrides the CSV's) */
    const char *pdn_apn;             /* an extra PDN connection after attach */
    double rate;                     /* attaches started per second, 0 = no limit */
    unsigned concurrency;            /* attaches in flight at most */
    double duration;                 /* s, 0 = until done */
    bool detach;
    bool switch_off;
    double hold;                     /* s attached before detach / the end */
    unsigned attaches;               /* per UE (the later ones by GUTI) */
    bool tun;
    bool esm_info;
    uint8_t pdn_type;                /* enum nas_pdn_type asked for (IPv4) */
    uint8_t ue_eea;                  /* UE network capability EEA bits, 0 = all */
    unsigned mtu;
    double timeout;                  /* s per procedure step */
    enum enbsim_misbehave misbehave;
    const char *ue_report;
    const char *ready_file;          /* written once every UE attached or failed */
    bool verbose;
    bool no_reconnect;               /* an eNB that loses its association stays down */
    uint16_t streams;
    /* idle mode, mobility, bearers (mobility.c; docs/enbsim.md) */
    double idle_after;               /* s without user-plane traffic -> release request, <0 never */
    unsigned release_cause;          /* S1AP radio network cause of that request */
    double active_after;             /* s idle -> Service Request, <0 only on paging/data */
    bool ext_service;                /* Extended Service Request instead */
    unsigned cycles;                 /* idle->active cycles per UE, 0 no limit */
    double tau_period;               /* s idle -> periodic TAU, <0 never */
    bool tau_active;                 /* TAUs with the active flag */
    double x2_after;                 /* s in a cell -> X2 handover to the next eNB, <0 never */
    unsigned handovers;              /* X2/S1 handovers per UE, 0 no limit */
    double s1_after;                 /* s in a cell -> S1 handover to the next eNB, <0 never */
    bool s1_cancel;                  /* the source cancels each S1 handover after the Command */
    double s1_notify_delay;          /* s between MME Status Transfer and Handover Notify */
    double reset_after;              /* s after S1 Setup -> every eNB sends S1 Reset, <0 never */
    bool reset_done;
    int bearer_qci;                  /* --bearer-alloc QCI:PORT, 0 none */
    int nnd_type;                    /* --nas-non-delivery: EMM message type, -1 none */
    bool paging_tau;                 /* --paging-tau: paged UEs answer with a TAU */
    int bearer_reject;               /* --bearer-reject erab:CAUSE: the radio network
                                      * cause, -1 none */
    uint8_t bearer_reject_ue;        /* --bearer-reject ue:CAUSE: ESM cause, 0 none */
    int modify_reject;               /* --modify-reject erab:CAUSE: radio network cause
                                      * for a default bearer's E-RAB Modify, -1 none */
    uint8_t modify_reject_ue;        /* --modify-reject ue:CAUSE: ESM cause, 0 none */
    uint16_t bearer_port;
};

/* A message that found the SCTP send buffer full (sctp_ep_send -EAGAIN),
 * waiting in its eNB's queue (enb_path.c). */
struct enbsim_txq {
    struct enbsim_txq *next;
    uint16_t stream;
    size_t len;
    uint8_t buf[];
};
#define ENBSIM_TXQ_MAX_BYTES (64u << 20) /* per eNB; beyond: -ENOBUFS */

struct enbsim_enb {
    unsigned idx;
    struct enb_cfg cfg;
    struct sctp_ep *ep;
    uint32_t assoc;
    bool up, setup_done, setup_failed, down;
    bool s1_ready;                   /* S1 set up on the current association */
    unsigned reconnects;             /* associations re-established */
    ev_timer retry;                  /* reconnect after the association went */
    char fail_cause[64];
    uint16_t ostreams;
    uint64_t t_setup;
    unsigned slot_bits;              /* eNB UE S1AP ID = gen << slot_bits | slot */
    unsigned gen;
    struct gtpu_ep *gtpu;            /* S1-U endpoint, NULL until opened */
    ev_io gtpu_io;
    unsigned n_ues;                  /* UEs of this eNB */
    struct enbsim_ue **ue_of_slot;   /* [n_ues] */
    /* sends that found the SCTP send buffer full, in order (enb_path.c) */
    struct enbsim_txq *txq_head, *txq_tail;
    size_t txq_bytes;
    ev_timer txq_timer;              /* retries them every 1 ms */
    uint64_t t_s1_ready;             /* ns: S1 set up (--reset-after counts from it) */
    uint64_t t_reset;                /* ns: our Reset is waiting for its acknowledge */
    bool reset_sent;
};

struct enbsim_stats {
    uint64_t ok[PROC__COUNT], fail[PROC__COUNT];
    uint32_t *lat_us[PROC__COUNT];   /* samples */
    size_t n_lat[PROC__COUNT], cap_lat[PROC__COUNT];
    struct { char name[48]; uint64_t n; } causes[ENBSIM_CAUSES_MAX];
    unsigned n_causes;
    uint64_t send_waits;             /* messages queued on -EAGAIN */
    uint64_t cut_by_duration;        /* UEs cut short by --duration */
    uint64_t kenb_mismatch, error_ind, nas_out, decode_errors, nw_detach;
    unsigned max_in_flight;
    uint64_t t_first_attach, t_last_attach;  /* ns */
    uint64_t pagings, paging_ignored, paging_imsi, nh_mismatch, resets_rx, dedicated_ul, dedicated_dl;
    uint64_t t_first_cycle, t_last_cycle;    /* ns: first release request, last SR done */
    uint64_t t_first_ho, t_last_ho;
    /* S1 handover: Handover Request for no UE of ours; a handover message
     * out of sequence; a source release with a cause other than
     * successful-handover */
    uint64_t ho_request_unknown, ho_unexpected, ho_release_cause_other;
    /* NAS transport: NAS Non Delivery Indications sent, DOWNLINK GENERIC
     * NAS TRANSPORTs received (each echoed in an UPLINK one) */
    uint64_t nas_non_delivery_tx, generic_nas_rx;
    /* --bearer-reject: dedicated bearers' E-RABs failed to set up, and
     * dedicated bearers the UE rejected */
    uint64_t dedicated_rejected, dedicated_ue_rejected;
    /* default bearers' modifications (TS 24.301 6.4.3): accepted, rejected
     * by the UE (--modify-reject ue), E-RABs failed (--modify-reject erab) */
    uint64_t default_modified, default_modify_rejected, default_modify_erab_failed;
    uint8_t default_last_qci;        /* the last accepted modification's values */
    uint64_t default_last_ambr_ul, default_last_ambr_dl;     /* kbit/s */
};

struct enbsim_ue_ext {               /* per-UE program state beside struct enbsim_ue */
    uint64_t deadline;               /* ns: the current step must end by then */
    uint64_t hold_until;             /* ns: attached, waiting to detach/finish */
    unsigned attaches_left;
    bool pdn_phase_done;
    bool finished, failed;
    bool settled;                    /* counted in x->settled */
    bool cut;                        /* cut short by --duration (not failed) */
    bool queued;                     /* in x->rq, waiting to attach again */
    /* user plane per bearer slot (ue_tun.c): in use when tun_used */
    bool tun_used[ENBSIM_MAX_BEARERS];
    struct gtpu_ue tun[ENBSIM_MAX_BEARERS];
    ev_io tun_io[ENBSIM_MAX_BEARERS];
    bool tun_paused;                 /* uplink waits in the TUN queue (ECM-IDLE) */
    bool up_kept;                    /* S1-MME association lost: the user plane goes on */
    /* idle mode and mobility (mobility.c): ns deadlines, 0 none */
    uint64_t last_active;            /* user-plane traffic or connection set up */
    uint64_t idle_since;
    uint64_t in_cell_since;
    unsigned cycles_done, hos_done, taus_done;
    bool mob_busy;                   /* counted in x->mob_in_flight */
    bool bearer_alloc_done;
    /* X2 handover in progress: the target eNB and its eNB UE S1AP ID */
    bool ho_pending;
    unsigned ho_enb;
    uint32_t ho_enb_ue_id;
    unsigned teid_gen;               /* bumped per handover: new downlink TEIDs */
    /* S1 handover (mobility.c): ho_pending with ho_s1; the phase; what
     * the Handover Request gave the target (uplink ends, {NH, NCC}); the
     * source connection whose release ends the handover */
    bool ho_s1;
    bool nnd_done;                   /* --nas-non-delivery answered once */
    uint8_t ho_phase;                /* enum in mobility.c */
    uint64_t ho_notify_at;           /* ns: the target sends Handover Notify */
    unsigned ho_n_ul;
    struct enb_erab ho_ul[ENB_ERAB_MAX];
    bool ho_nh_ok;
    uint8_t ho_ncc;
    uint8_t ho_nh[32];
    bool ho_src_wait;
    unsigned ho_src_enb;
    uint32_t ho_src_enb_ue_id;
};

struct enbsim {
    struct ev_loop *loop;
    struct enbsim_opts o;
    struct ue_nas_cfg nas;
    struct enbsim_enb enbs[ENBSIM_MAX_ENBS];
    unsigned n_enbs;
    struct enbsim_ue *ues;
    struct enbsim_ue_ext *ext;
    unsigned n_ues;
    /* load */
    unsigned next_ue;                /* next UE to start */
    unsigned *rq;                    /* UEs waiting to attach again (ring of n_ues) */
    unsigned rq_head, rq_n;
    uint64_t started;                /* attaches started (for --rate) */
    unsigned in_flight;
    unsigned finished;
    uint64_t t_open;                 /* ns: eNBs opened */
    uint64_t t_start;                /* ns: first UE started */
    ev_timer tick, sweep;
    ev_signal sigint, sigterm, sigusr1;
    bool stopping;
    bool closing;                   /* enbsim_enbs_close: no reconnects from here */
    uint64_t t_stop;                /* ns: the stop signal (0: none) */
    bool ready_written;
    unsigned settled;                /* UEs attached once, or finished */
    unsigned mob_in_flight;          /* SR/TAU/handovers started by the load, in progress */
    struct enbsim_ue **tmsi_hash;    /* M-TMSI -> UE cache for paging (mobility.c) */
    unsigned tmsi_mask;
    unsigned id_bits;                /* eNB UE S1AP ID = gen << id_bits | UE index */
    int setup_error;                 /* exit 2 */
    struct enbsim_stats st;
};

uint64_t enbsim_now_ns(void);

/* cli.c: the whole program (options in argv); the result lines go to out.
 * Returns the exit status. */
int enbsim_run(int argc, char **argv, FILE *out);

/* enb_path.c */
int enbsim_enbs_open(struct enbsim *x);
void enbsim_enbs_close(struct enbsim *x);
int enbsim_send(struct enbsim *x, struct enbsim_enb *e, uint16_t stream, const uint8_t *buf,
                size_t len);

/* load.c: the UE procedures driven by messages and timers */
void enbsim_load_start(struct enbsim *x);
/* the 100 ms sweep: S1 Setup and step deadlines, holds, --duration */
void enbsim_sweep_start(struct enbsim *x);
void enbsim_on_s1ap(struct enbsim *x, struct enbsim_enb *e, uint16_t stream,
                    const uint8_t *buf, size_t len);
void enbsim_on_enb_down(struct enbsim *x, struct enbsim_enb *e, const char *why);
/* The association of a set-up eNB went (or the peer restarted): UEs in a
 * procedure fail, attached UEs stay attached without an S1 connection. */
void enbsim_on_enb_lost(struct enbsim *x, struct enbsim_enb *e, const char *why);
/* enb_path.c: a new association (fresh_endpoint: a new SCTP endpoint, as
 * a restarted eNB; the old one is closed) and S1 Setup again. */
int enbsim_enb_reconnect(struct enbsim *x, struct enbsim_enb *e, bool fresh_endpoint);
void enbsim_maybe_done(struct enbsim *x);

/* load.c helpers for mobility.c */
void enbsim_arm(struct enbsim *x, struct enbsim_ue *ue);
void enbsim_ue_fail(struct enbsim *x, struct enbsim_ue *ue, enum enbsim_proc p, const char *why,
                    uint8_t cause);
int enbsim_send_ul_nas(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas, size_t len);
void enbsim_send_outs(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o);
uint32_t enbsim_new_enb_ue_id(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue);
unsigned enbsim_bind_erabs(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl,
                           struct enb_erab *res);
void enbsim_next_step(struct enbsim *x, struct enbsim_ue *ue);
const struct ue_nas_cfg *enbsim_cfg_for(struct enbsim *x, struct enbsim_ue *ue);
/* paged by IMSI: local detach, then a new IMSI attach */
void enbsim_reattach(struct enbsim *x, struct enbsim_ue *ue);

/* mobility.c: ECM-IDLE, Service Request, paging, TAU, X2 handover,
 * S1 Reset, dedicated bearers */
int enbsim_mob_init(struct enbsim *x);
void enbsim_mob_free(struct enbsim *x);
/* a mobility procedure of this UE is running */
bool enbsim_mob_running(const struct enbsim_ue *ue);
/* sweep: timers of one held UE (release, service request, TAU, handover) */
void enbsim_mob_tick(struct enbsim *x, struct enbsim_ue *ue, uint64_t now);
void enbsim_mob_sweep_enb(struct enbsim *x, struct enbsim_enb *e, uint64_t now);
/* the UE became connected (attach or service ICS done) */
void enbsim_mob_connected(struct enbsim *x, struct enbsim_ue *ue);
/* the S1 connection of an attached UE went (release, reset, SCTP loss) */
void enbsim_mob_released(struct enbsim *x, struct enbsim_ue *ue, const char *why);
/* uplink data for an ECM-IDLE UE (ue_tun.c): Service Request */
void enbsim_mob_uplink_pending(struct enbsim *x, struct enbsim_ue *ue);
/* Initial Context Setup for an attached UE (service request, paging,
 * TAU with the active flag) */
void enbsim_mob_ics(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl);
/* messages mobility.c owns; true when handled */
bool enbsim_mob_on_s1ap(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                        const struct enb_dl *dl);
/* NAS results of the mobility procedures (Service Reject, TAU ...) */
bool enbsim_mob_nas_result(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o);
/* --nas-non-delivery: true when the Downlink NAS Transport in dl was
 * answered with NAS Non Delivery Indication instead of being delivered. */
bool enbsim_mob_nas_non_delivery(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                                 const struct enb_dl *dl);
/* the KeNB / NH chain after an Initial Context Setup */
void enbsim_mob_set_kenb(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl);

/* ue_tun.c */
void enbsim_tun_pause(struct enbsim *x, struct enbsim_ue *ue, bool pause);
/* Opens the user plane of every active bearer with a tunnel (ul_teid set)
 * and closes that of bearers gone; -errno when a TUN device failed. */
int enbsim_tun_sync(struct enbsim *x, struct enbsim_ue *ue);
void enbsim_tun_all_down(struct enbsim *x, struct enbsim_ue *ue);
int enbsim_gtpu_open(struct enbsim *x, struct enbsim_enb *e);
void enbsim_gtpu_close(struct enbsim *x, struct enbsim_enb *e);

/* report.c */
void enbsim_stat_ok(struct enbsim *x, enum enbsim_proc p, uint64_t t_start_ns);
void enbsim_stat_fail(struct enbsim *x, enum enbsim_proc p, const char *cause);
void enbsim_report(struct enbsim *x, FILE *out);
int enbsim_ue_report(struct enbsim *x, const char *path);
void enbsim_stats_free(struct enbsim *x);
/* 0 all requested procedures succeeded, 1 some failed, 2 set-up error */
int enbsim_exit_code(const struct enbsim *x);

#endif
