/* enbsim — an eNodeB + UE simulator for xepc (TS 36.413, TS 24.301,
 * TS 33.401).  One context struct (struct enbsim) holds the eNBs, the UEs,
 * the event loop and the figures; every file reaches state through it.
 *
 *   cli.c       command line, set-up, the run, exit code (main.c calls it)
 *   enb_s1ap.c  eNB side of S1AP: builders and handlers (S1 Setup, UE
 *               messages, E-RAB and context procedures)
 *   enb_path.c  SCTP endpoints (userspace/sctp) per eNB
 *   ue_nas.c    UE side of EMM/ESM with NAS security
 *   ue_usim.c   the USIM (AKA) and the subscriber CSV
 *   ue_tun.c    the user plane (tools/gtpu-ue's library)
 *   load.c      who attaches when (rate, concurrency, hold, detach)
 *   report.c    counters, latency percentiles, the result lines
 */
#ifndef ENBSIM_H
#define ENBSIM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "nas/nas.h"
#include "nas/nas_security.h"
#include "tools/gtpu-ue/gtpu_ue_lib.h"
#include "ue_usim.h"

#define ENBSIM_MAX_BEARERS 8      /* EPS bearers per UE (default and dedicated) */
#define ENBSIM_NAS_MAX 2048

/* The scenarios of --misbehave (one per run). */
enum enbsim_misbehave {
    ENBSIM_MB_NONE = 0,
    ENBSIM_MB_WRONG_RES,       /* Authentication Response with a wrong RES */
    ENBSIM_MB_BAD_MAC,         /* uplink NAS after SMC with a broken NAS-MAC */
    ENBSIM_MB_REPLAY,          /* an uplink NAS message sent twice (same COUNT) */
    ENBSIM_MB_TRUNCATED_IE,    /* Attach Request whose last IE is cut short */
    ENBSIM_MB_UNKNOWN_IE,      /* Attach Request with an unknown comprehension-required IE */
    ENBSIM_MB_SCTP_ABORT,      /* SCTP ABORT after Authentication Response */
    ENBSIM_MB_SQN_AHEAD,       /* USIM SQN far ahead: synch failure, resync */
    ENBSIM_MB_BAD_AUTN_MAC,    /* treat every AUTN as a MAC failure (#20) */
    ENBSIM_MB_NO_SMC_COMPLETE, /* never answer Security Mode Command */
    ENBSIM_MB_S1AP_TRUNCATED,  /* Initial UE Message cut short (transfer syntax error) */
    ENBSIM_MB_S1AP_UNKNOWN_IE, /* Initial UE Message with an unknown IE, criticality reject */
    ENBSIM_MB__COUNT
};
const char *enbsim_misbehave_str(enum enbsim_misbehave m);
int enbsim_misbehave_parse(const char *s, enum enbsim_misbehave *out);

/* UE states (TS 24.301 5.1.3.2 EMM states, as far as the simulator sees). */
enum ue_state {
    UE_IDLE = 0,          /* not started / deregistered */
    UE_ATTACHING,         /* Attach Request sent */
    UE_ATTACHED,          /* Attach Complete sent */
    UE_DETACHING,         /* Detach Request sent */
    UE_DONE,              /* finished (detached or failed) */
};
const char *ue_state_str(enum ue_state s);

/* Procedures measured (latency from first message to completion). */
enum enbsim_proc {
    PROC_S1_SETUP,
    PROC_ATTACH,
    PROC_AUTH,
    PROC_SMC,
    PROC_PDN_CONNECT,
    PROC_PDN_DISCONNECT,
    PROC_DETACH,
    PROC_CTX_RELEASE,
    PROC_IDLE,            /* UE Context Release Request -> Command (ECM-IDLE) */
    PROC_SERVICE,         /* Service Request -> Initial Context Setup Response */
    PROC_PAGING,          /* Paging received -> Initial Context Setup Response */
    PROC_TAU,             /* TAU Request -> TAU Accept */
    PROC_X2HO,            /* Path Switch Request -> Acknowledge */
    PROC_S1HO,            /* Handover Required -> the source's UE Context Release */
    PROC_S1HO_CANCEL,     /* Handover Required -> Handover Cancel Acknowledge */
    PROC_RESET,           /* Reset -> Reset Acknowledge */
    PROC_DEDICATED,       /* dedicated bearer activated (E-RAB Setup answered) */
    PROC__COUNT
};
const char *enbsim_proc_str(enum enbsim_proc p);

/* One PDN connection (default bearer). */
struct ue_bearer {
    bool active;
    uint8_t ebi;              /* EPS bearer identity (= E-RAB ID) */
    uint8_t pti;
    char apn[USIM_APN_MAX + 1];
    struct in_addr ue_addr;   /* PDN address */
    struct in_addr dns;       /* the first DNS server of the PCO (0: none) */
    uint16_t mtu;             /* the IPv4 link MTU of the PCO (0: none) */
    struct in6_addr dns6;     /* the PCO's first IPv6 DNS server (:: none) */
    struct in6_addr pcscf6;   /* and its first IPv6 P-CSCF (:: none) */
    uint8_t pdn_type;         /* granted (TS 24.301 9.9.4.9), 0 before */
    uint8_t type_cause;       /* ESM cause #50/#51 with it, or 0 */
    uint8_t iid6[8];          /* IPv6 interface identifier (IPv6, IPv4v6) */
    uint32_t ul_teid;         /* gateway's S1-U TEID (we send with it) */
    struct in_addr gw_addr;   /* gateway's S1-U address */
    bool gw6;                 /* and its IPv6 one (a 128/160-bit address) */
    struct in6_addr gw_addr6;
    uint32_t dl_teid;         /* ours */
    /* a dedicated bearer (TS 24.301 6.4.2): linked to the default bearer
     * linked_ebi, its uplink packets chosen by the TFT's filters */
    bool dedicated;
    uint8_t linked_ebi;
    struct nas_tft tft;
    /* a default bearer's QoS as the network last set it (ACTIVATE DEFAULT
     * / MODIFY EPS BEARER CONTEXT REQUEST, TS 24.301 9.9.4.2, 9.9.4.3) */
    uint8_t qci;
    uint64_t ambr_ul_kbps, ambr_dl_kbps;
};

/* What ue_nas_handle_dl() asks the eNB to do. */
#define UE_NAS_OUT_MAX 2
struct ue_nas_out {
    unsigned n;
    struct {
        uint8_t buf[ENBSIM_NAS_MAX];
        size_t len;
    } msg[UE_NAS_OUT_MAX];    /* uplink NAS PDUs to send, in order */
    bool attach_done;         /* Attach Accept processed (Attach Complete in msg) */
    bool attach_failed;       /* Attach Reject / Authentication Reject */
    bool detach_done;         /* Detach Accept received, or NW detach answered */
    bool pdn_done;            /* a PDN connection became active */
    bool pdn_released;        /* a PDN connection was released */
    bool abort_sctp;          /* misbehave: abort the association now */
    bool service_rejected;    /* Service Reject (cause in cause) */
    bool tau_done;            /* TAU Accept processed (TAU Complete in msg when asked) */
    bool tau_rejected;        /* TAU Reject (cause in cause) */
    bool dedicated_done;      /* a dedicated bearer was activated */
    bool modified;            /* an EPS bearer context was modified */
    bool default_modified;    /* ... and it was a default bearer's (modified_ebi) */
    bool modify_rejected;     /* a default bearer's modification rejected (--modify-reject) */
    bool dedicated_rejected;  /* a dedicated bearer rejected by the UE (--bearer-reject ue) */
    uint8_t modified_ebi;
    bool generic_rx;          /* a DOWNLINK GENERIC NAS TRANSPORT (echoed in msg) */
    uint8_t cause;            /* EMM/ESM cause when failed */
    const char *fail;         /* short failure reason for the report */
};

/* One simulated UE. */
struct enbsim_ue {
    unsigned idx;             /* 0.. in the run */
    unsigned enb;             /* index of its eNB */
    struct usim usim;
    enum ue_state state;
    /* S1AP (TS 36.413 9.2.3.3/9.2.3.4) */
    uint32_t enb_ue_id;
    uint32_t mme_ue_id;
    bool mme_ue_id_known;
    bool s1_connected;        /* a UE-associated logical connection exists */
    uint16_t stream;          /* SCTP stream of its signalling (never 0) */
    /* NAS */
    struct nas_sec_ctx sec;   /* current EPS security context */
    bool sec_valid;
    struct nas_sec_ctx new_sec; /* being taken into use (SMC) */
    bool new_sec_valid;
    uint8_t kasme[32];
    uint8_t ksi;              /* eKSI of the context in sec, NAS_KSI_NONE none */
    uint8_t pending_kasme[32]; /* after AKA, before SMC */
    uint8_t pending_ksi;
    bool pending_auth;
    bool have_guti;
    struct nas_guti guti;
    uint8_t next_pti;
    bool esm_info_flag;       /* ESM information transfer flag was set */
    uint32_t last_ul_count;   /* COUNT of the last protected uplink message */
    uint8_t kenb[32];         /* what the UE derived (TS 33.401 A.3) */
    bool kenb_checked;
    bool kenb_count_fixed;    /* KeNB from kenb_count (Service Request, TAU) */
    uint32_t kenb_count;
    /* TS 33.401 7.2.8: the NH chain from the KeNB of the last Initial
     * Context Setup; nh_ncc = 0 means nh holds that KeNB */
    uint8_t nh[32];
    uint8_t nh_ncc;
    bool nh_valid;
    uint32_t t3412_s;         /* periodic TAU timer the network gave, 0 none */
    struct ue_bearer bearer[ENBSIM_MAX_BEARERS];
    /* Procedure timing */
    uint64_t t_start[PROC__COUNT];   /* ns, 0 when not running */
    unsigned attaches;        /* completed attaches this run */
    unsigned auth_rounds;     /* Authentication Requests this attach */
    uint8_t last_fail_cause;
    const char *last_fail;
    unsigned misbehaved;      /* times the scenario acted on this UE */
};

/* The UE-side NAS (ue_nas.c).  sn_id: the serving network's PLMN identity
 * (TS 24.301 9.9.3.32 coding), taken from the eNB's PLMN. */
struct ue_nas_cfg {
    uint8_t sn_id[3];
    struct nas_plmn plmn;
    uint16_t tac;
    const char *apn;          /* default APN asked in the Attach Request ("" none) */
    bool esm_info_flag;       /* set the ESM information transfer flag */
    uint8_t pdn_type;         /* PDN type asked for (TS 24.301 9.9.4.10; 0 = IPv4) */
    uint8_t ue_eea;           /* EEA bits of the UE network capability (TS 24.301
                               * 9.9.3.34, EEA0 = 0x80); 0 = EEA0..3 */
    enum enbsim_misbehave misbehave;
    const char *imeisv;       /* 16 digits */
    uint8_t modify_reject;    /* --modify-reject ue:CAUSE: ESM cause of the UE's MODIFY
                               * EPS BEARER CONTEXT REJECT for a default bearer, 0 accept */
    uint8_t dedicated_reject; /* --bearer-reject ue:CAUSE: ESM cause of the UE's ACTIVATE
                               * DEDICATED EPS BEARER CONTEXT REJECT, 0 accept */
};

/* Builds the initial NAS message of an attach (TS 24.301 5.5.1.2.2):
 * ATTACH REQUEST with the GUTI when the UE holds one (integrity protected
 * with the current context), otherwise the IMSI, plus the PDN CONNECTIVITY
 * REQUEST.  Returns its length or a negative errno. */
int ue_nas_attach_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t *out,
                          size_t cap);
/* DETACH REQUEST (UE originating, TS 24.301 5.5.2.2), protected. */
int ue_nas_detach_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, bool switch_off,
                          uint8_t *out, size_t cap);
/* UE-requested PDN connectivity (TS 24.301 6.5.1) on apn / disconnect of
 * the PDN connection of bearer ebi (6.5.2), in UL NAS TRANSPORT-less EMM
 * form: the ESM message protected as an EMM-level security protected PDU. */
int ue_nas_pdn_connect(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, const char *apn,
                       uint8_t *out, size_t cap);
int ue_nas_pdn_disconnect(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t ebi,
                          uint8_t *out, size_t cap);
/* Processes one downlink NAS PDU; fills *out with the answers. */
void ue_nas_handle_dl(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, const uint8_t *pdu,
                      size_t len, struct ue_nas_out *out);
/* The EMM message type of a downlink NAS PDU, deciphered with the UE's
 * context without taking it (its COUNTs unchanged): what --nas-non-delivery
 * needs to pick a message; -1 when it cannot be read. */
int ue_nas_peek_type(struct enbsim_ue *ue, const uint8_t *pdu, size_t len);
/* The ESM message type (TS 24.301 9.8) of a downlink NAS PDU, read the same
 * way (--bearer-reject picks the dedicated bearers' activations); -1 when
 * it cannot be read or is not ESM. */
int ue_nas_peek_esm_type(struct enbsim_ue *ue, const uint8_t *pdu, size_t len);
/* The KeNB the UE derives (TS 33.401 A.3) with the uplink NAS COUNT of
 * its last protected uplink message. */
int ue_nas_kenb(const struct enbsim_ue *ue, uint8_t kenb[32]);
/* SERVICE REQUEST (TS 24.301 8.2.25, 5.6.1.2): KSI, the 5 LSBs of the
 * uplink NAS COUNT and the short MAC (9.9.3.28); 4 octets.  The KeNB of
 * the Initial Context Setup that follows comes from this COUNT (TS 33.401
 * 7.2.6.2, A.3). */
int ue_nas_service_request(struct enbsim_ue *ue, uint8_t *out, size_t cap);
/* EXTENDED SERVICE REQUEST (8.2.15) for packet services (service type
 * "packet services via S1", 9.9.3.27), integrity protected, with the
 * M-TMSI and the EPS bearer context status. */
int ue_nas_ext_service_request(struct enbsim_ue *ue, uint8_t *out, size_t cap);
/* TRACKING AREA UPDATE REQUEST (8.2.29, 5.5.3.2.2): update type 0 (TA
 * updating) or 3 (periodic), the active flag, the old GUTI, the last
 * visited TAI and the EPS bearer context status; integrity protected, and
 * ciphered too when sent on an existing connection (4.4.5). */
int ue_nas_tau_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t type,
                       bool active, uint8_t *out, size_t cap);
/* BEARER RESOURCE ALLOCATION REQUEST (8.3.8, 6.5.3) on the PDN
 * connection of linked_ebi asking for a QCI with a TFT of one uplink+
 * downlink filter (UDP to remote port). */
int ue_nas_bearer_alloc(struct enbsim_ue *ue, uint8_t linked_ebi, uint8_t qci,
                        uint16_t remote_port, uint8_t *out, size_t cap);
/* The NH of chaining count ncc (TS 33.401 7.2.8.4, A.4): NH(1) from
 * KASME and the KeNB of the last Initial Context Setup, NH(n+1) from
 * NH(n).  0, -EINVAL when ncc is behind the chain or no KeNB is known. */
int ue_nas_nh(struct enbsim_ue *ue, uint8_t ncc, uint8_t nh[32]);
/* The bearer whose uplink TFT matches the IPv4 packet ip[0..len) sent on
 * the default bearer default_ebi (TS 23.401 5.4.1, TS 24.008 10.5.6.12:
 * the filters in precedence order); the default bearer itself when none
 * matches.  Never NULL for a default bearer in use. */
struct ue_bearer *ue_tft_select(struct enbsim_ue *ue, uint8_t default_ebi, const uint8_t *ip,
                                size_t len);
/* Frees the security contexts. */
void ue_nas_reset(struct enbsim_ue *ue, bool keep_guti);

#endif
