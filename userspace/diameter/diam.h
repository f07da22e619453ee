/* userspace/diameter: one Diameter node per process on freeDiameter
 * (libfdcore/libfdproto from Debian), and typed encoders/decoders for the
 * S6a (TS 29.272), Gx (TS 29.212) and Gy (RFC 4006, TS 32.299) messages the
 * access gateway and diamsim exchange.
 *
 * Threads: freeDiameter runs its own threads (peers, routing, dispatch,
 * timeouts).  None of them calls the owner: everything they deliver (a
 * request received, an answer, a Tx timeout) is queued and an eventfd
 * (diam_node_fd) becomes readable; the owner's event loop then drains the
 * queue with diam_node_next() in its own thread.  So the owner never blocks
 * on Diameter and needs no locks.
 *
 * Messages are freeDiameter's `struct msg` (opaque here).  The owner
 * builds a request with diam_*_encode(), sends it with diam_send() and gets
 * its answer (or DIAM_EV_TIMEOUT) back with the cookie it chose; it decodes
 * answers and requests with diam_*_decode() and answers a request with
 * diam_answer_*().  Decoders treat the message as untrusted peer input: a
 * missing or malformed AVP is a negative errno, never an abort.
 */
#ifndef XEPC_DIAM_H
#define XEPC_DIAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msg;                     /* freeDiameter's message */

/* --------------------------------------------------------- node ---- */

#define DIAM_ID_MAX      128    /* Diameter identity / realm, with NUL */
#define DIAM_MAX_PEERS   6      /* PCRF, HSS, OCS and the alternate PCRF and OCS */
#define DIAM_PATH_MAX    256

/* Applications this node advertises in CER/CEA and dispatches. */
enum diam_app {
    DIAM_APP_S6A = 1u << 0,     /* TS 29.272 5.1: 16777251, vendor 10415 */
    DIAM_APP_GX  = 1u << 1,     /* TS 29.212 5.1: 16777238, vendor 10415 */
    DIAM_APP_GY  = 1u << 2,     /* RFC 4006 (DCCA): 4 */
};
#define DIAM_APPID_S6A   16777251u
#define DIAM_APPID_GX    16777238u
#define DIAM_APPID_GY    4u
#define DIAM_VENDOR_3GPP 10415u

enum diam_transport {
    DIAM_TCP = 0,
    DIAM_SCTP,                  /* only when the kernel has SCTP */
};

struct diam_peer_cfg {
    char identity[DIAM_ID_MAX]; /* its Origin-Host */
    char realm[DIAM_ID_MAX];    /* "" = not checked */
    char addr[64];              /* IPv4/IPv6 literal */
    uint16_t port;              /* 0 = 3868 (TCP) or 5658 (TLS) */
    bool tls;                   /* RFC 6733 13: TLS from connection start */
    enum diam_transport transport;
};

struct diam_cfg {
    char identity[DIAM_ID_MAX]; /* our Origin-Host (required) */
    char realm[DIAM_ID_MAX];    /* our Origin-Realm (required) */
    char listen_addr[64];       /* "" = 127.0.0.1 */
    uint16_t port;              /* 0 = 3868 */
    uint16_t tls_port;          /* 0 = no TLS listener */
    bool sctp;                  /* also listen/connect over SCTP */
    /* TLS credentials (PEM).  freeDiameter needs a certificate even when
     * no peer uses TLS: when these are empty, a self-signed one is made
     * in a private temporary directory (TLS with peers then impossible). */
    char tls_cert[DIAM_PATH_MAX];
    char tls_key[DIAM_PATH_MAX];
    char tls_ca[DIAM_PATH_MAX];
    unsigned apps;              /* enum diam_app bits */
    struct diam_peer_cfg peers[DIAM_MAX_PEERS];
    unsigned n_peers;
    bool accept_any;            /* accept connections from unknown peers
                                   (a simulator); else only cfg'd peers */
    unsigned tc_timer_s;        /* reconnect timer, 0 = 30 s (RFC 6733 2.1) */
    unsigned tw_timer_s;        /* watchdog, 0 = 30 s (RFC 3539 3.4.1) */
    char dict_dir[DIAM_PATH_MAX]; /* "" = /usr/lib/freeDiameter */
    int log_level;              /* freeDiameter's: 0 debug .. 6 fatal;
                                   0 here means 4 (errors only) */
};

enum diam_ev_type {
    DIAM_EV_REQUEST = 1,        /* msg: a request; answer it or free it */
    DIAM_EV_ANSWER,             /* msg: the answer to `cookie` */
    DIAM_EV_TIMEOUT,            /* no answer to `cookie` within its timeout */
};

struct diam_event {
    enum diam_ev_type type;
    uint32_t app_id;            /* application id of the message */
    uint32_t cmd_code;
    uint64_t cookie;            /* as given to diam_send */
    struct msg *msg;            /* owned by the receiver of the event */
};

struct diam_node;

/* Parse the configuration, load the dictionaries (Debian's dict_nasreq,
 * dict_dcca, dict_dcca_3gpp and ours, diam_dict.c) and start the node
 * (listeners, peer connections).  One per process (freeDiameter's state
 * is global).  Returns 0 or a negative errno. */
int diam_node_start(const struct diam_cfg *cfg, struct diam_node **out);
/* Only the dictionaries, no network: for codecs, tests and fuzzers. */
int diam_dict_only_init(void);
void diam_node_stop(struct diam_node *n);
int diam_node_fd(const struct diam_node *n);    /* eventfd: readable when
                                                   events are queued */
/* 1 and *ev filled, 0 when the queue is empty. */
int diam_node_next(struct diam_node *n, struct diam_event *ev);
/* Free an event's message (if still owned). */
void diam_event_done(struct diam_event *ev);
/* Number of peers in state OPEN. */
int diam_node_peers_open(const struct diam_node *n);
/* True when the peer `id` is connected (state OPEN). */
bool diam_node_peer_open(const struct diam_node *n, const char *id);
/* True when the peer `id` (NULL: every open peer) is open and settled: a
 * server that had seen our previous connection fail keeps the new one in
 * REOPEN for three watchdog exchanges (RFC 3539 3.4.1) and drops the
 * answers of what it gets meanwhile; settled = three DWRs came from it
 * since the CEA (and 200 ms for our DWA), or none within 1 s of it, or
 * 10 s passed. */
bool diam_node_peer_ready(const struct diam_node *n, const char *id);
/* Wait (blocking, for tests and tools) until `id` is OPEN; 0 or -ETIMEDOUT. */
int diam_node_wait_peer(const struct diam_node *n, const char *id, unsigned ms);
const char *diam_node_identity(const struct diam_node *n);

/* Send a request built by an encoder; *req is consumed (NULL on return,
 * even on error).  timeout_ms = 0 waits forever (not recommended: the Tx
 * timer of RFC 4006 13 is the owner's choice).  The answer comes back as
 * DIAM_EV_ANSWER with `cookie`, or DIAM_EV_TIMEOUT. */
int diam_send(struct diam_node *n, struct msg **req, unsigned timeout_ms,
              uint64_t cookie);
/* Send an answer built from a received request by diam_answer_new(). */
int diam_send_answer(struct diam_node *n, struct msg **ans);

void diam_msg_free(struct msg *m);
/* Serialise / parse raw bytes (tests, fuzzers, records). */
int diam_msg_to_bytes(struct msg *m, uint8_t **buf, size_t *len);
int diam_msg_from_bytes(const uint8_t *buf, size_t len, struct msg **out);
/* Header fields. */
int diam_msg_info(struct msg *m, uint32_t *app, uint32_t *cmd, bool *request);
/* The End-to-End Identifier and the T (potentially retransmitted) flag
 * (RFC 6733 3); either pointer may be NULL. */
int diam_msg_ids(struct msg *m, uint32_t *end_to_end, bool *retransmit);
/* Sets the T flag of a request sent again (RFC 6733 3: "set when resending
 * requests not yet acknowledged, as an indication of a possible duplicate";
 * RFC 4006 5.1: the server detects it by Session-Id and CC-Request-Number
 * or End-to-End Identifier). */
int diam_msg_set_retransmit(struct msg *m);
/* Replaces (or adds) a request's Destination-Host (RFC 6733 6.5): the
 * same request sent to another server (RFC 4006 5.7's failover). */
int diam_msg_set_dest_host(struct msg *m, const char *host);
/* A request's Destination-Host into buf: 0 (buf "" when it has none) or a
 * negative errno. */
int diam_msg_dest_host(struct msg *m, char *buf, size_t len);
/* Queues DIAM_EV_TIMEOUT for `cookie` as if the request's timer had run
 * out: what the owner does with a request that could not be handed to
 * freeDiameter, on its loop like any other event. */
void diam_node_post_timeout(struct diam_node *n, uint32_t app, uint32_t cmd, uint64_t cookie);
/* A printable one-line summary (command name, Session-Id, Result-Code). */
int diam_msg_session_id(struct msg *m, char *buf, size_t len);
/* A new Session-Id "<identity>;<hi>;<lo>" (RFC 6733 8.8). */
void diam_session_id_new(const char *identity, char *buf, size_t len);

/* --------------------------------------------------- common types ---- */

/* Result codes used here (RFC 6733 7.1, RFC 4006 9, TS 29.272 7.4). */
enum {
    DIAM_SUCCESS                 = 2001,
    DIAM_LIMITED_SUCCESS         = 2002,
    DIAM_UNABLE_TO_DELIVER       = 3002,
    DIAM_TOO_BUSY                = 3004,
    DIAM_AUTHENTICATION_REJECTED = 4001,
    DIAM_END_USER_SERVICE_DENIED = 4010,
    DIAM_CREDIT_CONTROL_NOT_APPLICABLE = 4011,
    DIAM_CREDIT_LIMIT_REACHED    = 4012,
    DIAM_AUTHORIZATION_REJECTED  = 5003,
    DIAM_UNABLE_TO_COMPLY        = 5012,
    DIAM_USER_UNKNOWN            = 5030,
    DIAM_RATING_FAILED           = 5031,
    /* Experimental-Result-Code (vendor 10415), TS 29.272 7.4.3 */
    DIAM_ERROR_USER_UNKNOWN      = 5001,
    DIAM_ERROR_UNKNOWN_EPS_SUBSCRIPTION = 5420,
    DIAM_ERROR_RAT_NOT_ALLOWED   = 5421,
    DIAM_AUTHENTICATION_DATA_UNAVAILABLE = 4181,
};

#define DIAM_STR_MAX     64
#define DIAM_FLOW_MAX    128

struct diam_header_info {
    char session_id[DIAM_ID_MAX + 64];
    char dest_realm[DIAM_ID_MAX];
    char dest_host[DIAM_ID_MAX];        /* "" = absent */
    char origin_host[DIAM_ID_MAX];      /* filled by decoders */
    uint32_t result_code;               /* answers: Result-Code, or */
    uint32_t exp_result_code;           /* Experimental-Result-Code */
};

/* Allocation-Retention-Priority (TS 29.212 5.3.32). */
struct diam_arp {
    uint32_t priority;                  /* 1..15 */
    uint32_t pre_emption_capability;    /* 0 ENABLED, 1 DISABLED */
    uint32_t pre_emption_vulnerability; /* 0 ENABLED, 1 DISABLED */
};

/* QoS-Information (TS 29.212 5.3.16); rates in bits per second. */
struct diam_qos {
    bool present;
    uint32_t qci;
    struct diam_arp arp;
    bool has_arp;
    uint32_t mbr_ul, mbr_dl, gbr_ul, gbr_dl;
    uint32_t apn_ambr_ul, apn_ambr_dl;
};

/* --------------------------------------------------------- S6a ---- */

#define DIAM_MAX_VECTORS 5
#define DIAM_MAX_APNS    8

struct diam_eutran_vector {             /* TS 29.272 7.3.18 */
    uint8_t rand[16];
    uint8_t xres[16];
    uint8_t xres_len;                   /* 4..16 */
    uint8_t autn[16];
    uint8_t kasme[32];
};

struct diam_s6a_air {                   /* TS 29.272 7.2.5 */
    struct diam_header_info h;
    char imsi[16];
    uint8_t visited_plmn[3];
    uint32_t n_vectors;                 /* Number-Of-Requested-Vectors */
    bool immediate_response;
    bool resync;
    uint8_t resync_info[30];            /* RAND || AUTS (7.3.15) */
};

struct diam_s6a_aia {                   /* TS 29.272 7.2.6 */
    struct diam_header_info h;
    unsigned n_vectors;
    struct diam_eutran_vector v[DIAM_MAX_VECTORS];
};

struct diam_apn_config {                /* TS 29.272 7.3.35 */
    uint32_t context_id;
    char apn[DIAM_STR_MAX];             /* Service-Selection */
    uint32_t pdn_type;                  /* 0 IPv4, 1 IPv6, 2 IPv4v6 */
    uint32_t qci;
    struct diam_arp arp;
    uint32_t ambr_ul, ambr_dl;          /* 0 = absent */
};

struct diam_s6a_subscription {          /* Subscription-Data, 7.3.2 */
    bool present;
    char msisdn[16];                    /* digits, "" = absent */
    uint32_t subscriber_status;         /* 0 SERVICE_GRANTED */
    uint32_t network_access_mode;       /* 2 ONLY_PACKET */
    uint32_t ambr_ul, ambr_dl;          /* UE-AMBR */
    uint32_t default_context_id;
    bool all_apn_included;
    unsigned n_apn;
    struct diam_apn_config apn[DIAM_MAX_APNS];
};

struct diam_s6a_ulr {                   /* TS 29.272 7.2.3 */
    struct diam_header_info h;
    char imsi[16];
    uint8_t visited_plmn[3];
    uint32_t rat_type;                  /* 1004 EUTRAN */
    uint32_t ulr_flags;                 /* 7.3.7 */
};

struct diam_s6a_ula {                   /* TS 29.272 7.2.4 */
    struct diam_header_info h;
    uint32_t ula_flags;
    struct diam_s6a_subscription sub;
};

struct diam_s6a_pur {                   /* TS 29.272 7.2.13 */
    struct diam_header_info h;
    char imsi[16];
    uint32_t pur_flags;
};

struct diam_s6a_pua {
    struct diam_header_info h;
    uint32_t pua_flags;
};

struct diam_s6a_clr {                   /* TS 29.272 7.2.7 */
    struct diam_header_info h;
    char imsi[16];
    uint32_t cancellation_type;         /* 0 MME_UPDATE_PROCEDURE,
                                           2 SUBSCRIPTION_WITHDRAWAL */
    uint32_t clr_flags;
};

struct diam_s6a_idr {                   /* TS 29.272 7.2.9 */
    struct diam_header_info h;
    char imsi[16];
    uint32_t idr_flags;
    struct diam_s6a_subscription sub;
};

struct diam_s6a_simple_answer {         /* CLA, IDA */
    struct diam_header_info h;
    uint32_t flags;                     /* IDA-Flags; 0 for CLA */
};

/* --------------------------------------------------------- Gx/Gy ---- */

enum diam_cc_request_type {             /* RFC 4006 8.3 */
    DIAM_CC_INITIAL = 1,
    DIAM_CC_UPDATE = 2,
    DIAM_CC_TERMINATION = 3,
    DIAM_CC_EVENT = 4,
};

#define DIAM_MAX_RULES     8
#define DIAM_MAX_FLOWS     4
#define DIAM_MAX_TRIGGERS  8
#define DIAM_MAX_MONITORS  4
#define DIAM_MAX_MSCC      8
#define DIAM_MAX_FILTERS   4

struct diam_flow {                      /* Flow-Information, 29.212 5.3.53 */
    char description[DIAM_FLOW_MAX];    /* IPFilterRule (RFC 6733 4.3) */
    uint32_t direction;                 /* 0 UNSPEC 1 DL 2 UL 3 BIDIR */
};

struct diam_rule_def {                  /* Charging-Rule-Definition 5.3.4 */
    char name[DIAM_STR_MAX];
    unsigned n_flows;
    struct diam_flow flows[DIAM_MAX_FLOWS];
    uint32_t precedence;                /* 0 = absent */
    bool has_flow_status;
    uint32_t flow_status;               /* 0 EN_UL 1 EN_DL 2 ENABLED 3 DISABLED */
    struct diam_qos qos;
    bool has_rating_group;
    uint32_t rating_group;
    bool has_service_id;
    uint32_t service_id;
    char monitoring_key[DIAM_STR_MAX];  /* "" = absent */
    bool has_online, has_offline;
    uint32_t online, offline;           /* 0 DISABLE 1 ENABLE */
    bool has_metering;
    uint32_t metering_method;           /* 0 DURATION 1 VOLUME 2 BOTH */
    bool redirect;                      /* the gateway's own rule (not an AVP):
                                         * uplink to the portal (gx_rules_to_dp) */
};

struct diam_rules {
    unsigned n_install_names;           /* Charging-Rule-Install */
    char install_names[DIAM_MAX_RULES][DIAM_STR_MAX];
    unsigned n_install_bases;
    char install_bases[DIAM_MAX_RULES][DIAM_STR_MAX];
    unsigned n_defs;
    struct diam_rule_def defs[DIAM_MAX_RULES];
    unsigned n_remove_names;            /* Charging-Rule-Remove */
    char remove_names[DIAM_MAX_RULES][DIAM_STR_MAX];
    unsigned n_remove_bases;
    char remove_bases[DIAM_MAX_RULES][DIAM_STR_MAX];
};

/* Units (RFC 4006 8.17-8.19); has_* says which sub-AVPs are present. */
struct diam_units {
    bool present;
    bool has_time, has_total, has_input, has_output;
    uint32_t time;                      /* CC-Time, seconds */
    uint64_t total, input, output;      /* CC-*-Octets */
};

struct diam_usage_monitor {             /* Usage-Monitoring-Information 5.3.60 */
    char key[DIAM_STR_MAX];             /* Monitoring-Key */
    struct diam_units granted;          /* Granted-Service-Unit */
    struct diam_units used;             /* Used-Service-Unit */
    bool has_level;
    uint32_t level;                     /* 0 SESSION 1 PCC_RULE */
    bool has_report;
    uint32_t report;                    /* 0 USAGE_MONITORING_REPORT_REQUIRED */
};

/* Event-Trigger values used (TS 29.212 5.3.7). */
enum {
    DIAM_ET_QOS_CHANGE = 1,
    DIAM_ET_RAT_CHANGE = 2,
    DIAM_ET_TFT_CHANGE = 3,
    DIAM_ET_USER_LOCATION_CHANGE = 13,
    DIAM_ET_NO_EVENT_TRIGGERS = 14,
    DIAM_ET_REVALIDATION_TIMEOUT = 17,
    DIAM_ET_UE_IP_ADDRESS_ALLOCATE = 18,
    DIAM_ET_UE_IP_ADDRESS_RELEASE = 19,
    DIAM_ET_DEFAULT_EPS_BEARER_QOS_CHANGE = 20,
    DIAM_ET_SUCCESSFUL_RESOURCE_ALLOCATION = 22,
    DIAM_ET_UE_TIME_ZONE_CHANGE = 25,
    DIAM_ET_TAI_CHANGE = 26,
    DIAM_ET_ECGI_CHANGE = 27,
    DIAM_ET_APN_AMBR_MODIFICATION_FAILURE = 29,
    DIAM_ET_USAGE_REPORT = 33,
    DIAM_ET_DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE = 34,
};

/* Charging-Rule-Report (5.3.18): the state of a PCC rule in a CCR. */
struct diam_rule_report {
    char name[DIAM_STR_MAX];            /* Charging-Rule-Name, or */
    bool base;                          /* Charging-Rule-Base-Name */
    uint32_t status;                    /* PCC-Rule-Status 5.3.19: 0 ACTIVE 1 INACTIVE */
    uint32_t failure_code;              /* Rule-Failure-Code 5.3.38; 0 = absent
                                         * (1 UNKNOWN_RULE_NAME,
                                         * 10 RESOURCE_ALLOCATION_FAILURE) */
};

struct diam_subscriber {                /* common Gx/Gy request fields */
    char imsi[16];                      /* Subscription-Id END_USER_IMSI */
    char msisdn[16];                    /* Subscription-Id END_USER_E164 */
    uint32_t ue_ipv4;                   /* network order; 0 = absent */
    uint8_t ue_prefix6[16];             /* the UE's IPv6 prefix (Gx
                                         * Framed-IPv6-Prefix, Gy PDP-Address) */
    uint8_t ue_prefix6_len;             /* its length, 1..128; 0 = absent */
    char apn[101];                      /* Called-Station-Id (TS 23.003 9.1: up to 100) */
    uint32_t rat_type;                  /* TS 29.212 5.3.31: 1004 EUTRAN; 0 = absent */
    uint8_t user_location[13];          /* 3GPP-User-Location-Info: TAI+ECGI */
    uint8_t user_location_len;          /* 0 = absent */
};

struct diam_gx_ccr {                    /* TS 29.212 5.6.2 */
    struct diam_header_info h;
    uint32_t cc_request_type;
    uint32_t cc_request_number;
    struct diam_subscriber sub;
    uint32_t ip_can_type;               /* 5 3GPP-EPS */
    struct diam_qos default_qos;        /* Default-EPS-Bearer-QoS + APN-AMBR */
    uint32_t supported_features;        /* Feature-List (id 1), 0 = absent */
    unsigned n_triggers;                /* Event-Trigger (CCR-U) */
    uint32_t triggers[DIAM_MAX_TRIGGERS];
    unsigned n_monitors;                /* Usage-Monitoring-Information */
    struct diam_usage_monitor monitors[DIAM_MAX_MONITORS];
    unsigned n_reports;                 /* Charging-Rule-Report */
    struct diam_rule_report reports[DIAM_MAX_RULES];
    uint32_t termination_cause;         /* CCR-T: 1 LOGOUT; 0 = absent */
};

struct diam_gx_cca {                    /* TS 29.212 5.6.3 */
    struct diam_header_info h;
    uint32_t cc_request_type;
    uint32_t cc_request_number;
    struct diam_rules rules;
    struct diam_qos qos;                /* QoS-Information (APN-AMBR ...) */
    struct diam_qos default_qos;        /* Default-EPS-Bearer-QoS */
    unsigned n_triggers;
    uint32_t triggers[DIAM_MAX_TRIGGERS];
    unsigned n_monitors;
    struct diam_usage_monitor monitors[DIAM_MAX_MONITORS];
    bool has_ccfh;                      /* Credit-Control-Failure-Handling
                                           (5.6.3, RFC 4006 8.14): 0
                                           TERMINATE 1 CONTINUE
                                           2 RETRY_AND_TERMINATE */
    uint32_t ccfh;
};

struct diam_gx_rar {                    /* TS 29.212 5.6.4 */
    struct diam_header_info h;
    uint32_t re_auth_request_type;      /* 0 AUTHORIZE_ONLY */
    struct diam_rules rules;
    struct diam_qos qos;
    struct diam_qos default_qos;        /* Default-EPS-Bearer-QoS (5.6.4) */
    unsigned n_triggers;
    uint32_t triggers[DIAM_MAX_TRIGGERS];
    unsigned n_monitors;
    struct diam_usage_monitor monitors[DIAM_MAX_MONITORS];
    uint32_t session_release_cause;     /* 0 = absent, else value + 1 */
};

struct diam_raa {                       /* RAA (Gx 5.6.5, Gy RFC 4006 via 6733) */
    struct diam_header_info h;
    unsigned n_reports;                 /* Gx: Charging-Rule-Report (4.5.12) */
    struct diam_rule_report reports[DIAM_MAX_RULES];
};

/* Final-Unit-Indication (RFC 4006 8.34) */
enum diam_fua {
    DIAM_FUA_NONE = -1,
    DIAM_FUA_TERMINATE = 0,
    DIAM_FUA_REDIRECT = 1,
    DIAM_FUA_RESTRICT_ACCESS = 2,
};

struct diam_fui {
    int action;                         /* enum diam_fua */
    uint32_t redirect_addr_type;        /* 0 IPv4 1 IPv6 2 URL 3 SIP URI */
    char redirect_addr[DIAM_FLOW_MAX];  /* Redirect-Server-Address */
    unsigned n_filter_ids;
    char filter_ids[DIAM_MAX_FILTERS][DIAM_STR_MAX];
    unsigned n_restrict;
    char restrict_rules[DIAM_MAX_FILTERS][DIAM_FLOW_MAX];
};

/* Reporting-Reason (TS 32.299 7.2.175) */
enum {
    DIAM_RR_THRESHOLD = 0,
    DIAM_RR_QHT = 1,
    DIAM_RR_FINAL = 2,
    DIAM_RR_QUOTA_EXHAUSTED = 3,
    DIAM_RR_VALIDITY_TIME = 4,
    DIAM_RR_OTHER_QUOTA_TYPE = 5,
    DIAM_RR_RATING_CONDITION_CHANGE = 6,
    DIAM_RR_FORCED_REAUTHORISATION = 7,
};

struct diam_mscc {                      /* RFC 4006 8.16, TS 32.299 7.1.9 */
    bool has_rating_group;
    uint32_t rating_group;
    bool has_service_id;
    uint32_t service_id;
    struct diam_units requested;        /* RSU (may be empty: present only) */
    struct diam_units granted;          /* GSU */
    struct diam_units used;             /* USU */
    bool has_reporting_reason;
    uint32_t reporting_reason;          /* in the USU (32.299 7.1.9) */
    uint32_t validity_time;             /* s; 0 = absent */
    bool has_volume_threshold;
    uint32_t volume_threshold;          /* bytes, 3GPP 869 */
    bool has_time_threshold;
    uint32_t time_threshold;            /* s, 3GPP 868 */
    struct diam_fui fui;                /* action DIAM_FUA_NONE = absent */
    uint32_t result_code;               /* per-MSCC; 0 = absent */
};

struct diam_gy_ccr {                    /* RFC 4006 3.1, TS 32.299 6.4.2 */
    struct diam_header_info h;
    uint32_t cc_request_type;
    uint32_t cc_request_number;
    struct diam_subscriber sub;
    unsigned n_mscc;
    struct diam_mscc mscc[DIAM_MAX_MSCC];
    uint32_t termination_cause;         /* CCR-T; 0 = absent */
};

struct diam_gy_cca {                    /* RFC 4006 3.2, TS 32.299 6.4.3 */
    struct diam_header_info h;
    uint32_t cc_request_type;
    uint32_t cc_request_number;
    bool has_ccfh;
    uint32_t ccfh;                      /* Credit-Control-Failure-Handling:
                                           0 TERMINATE 1 CONTINUE
                                           2 RETRY_AND_TERMINATE */
    unsigned n_mscc;
    struct diam_mscc mscc[DIAM_MAX_MSCC];
};

struct diam_gy_rar {                    /* RFC 4006 5.5 */
    struct diam_header_info h;
    uint32_t re_auth_request_type;
    bool has_rating_group;
    uint32_t rating_group;
};

/* Encoders: *_encode makes a new request in *out; *_answer turns the
 * received request *req into its answer (on success *req is the answer,
 * which still holds the request; on failure both are freed and *req is
 * NULL, except -EINVAL on bad arguments).  Decoders fill the struct from a
 * received (or parsed) message.  All return 0 or a negative errno. */
int diam_s6a_air_encode(const struct diam_s6a_air *m, struct msg **out);
int diam_s6a_air_decode(struct msg *msg, struct diam_s6a_air *m);
int diam_s6a_aia_answer(struct msg **req, const struct diam_s6a_aia *m);
int diam_s6a_aia_decode(struct msg *msg, struct diam_s6a_aia *m);
int diam_s6a_ulr_encode(const struct diam_s6a_ulr *m, struct msg **out);
int diam_s6a_ulr_decode(struct msg *msg, struct diam_s6a_ulr *m);
int diam_s6a_ula_answer(struct msg **req, const struct diam_s6a_ula *m);
int diam_s6a_ula_decode(struct msg *msg, struct diam_s6a_ula *m);
int diam_s6a_pur_encode(const struct diam_s6a_pur *m, struct msg **out);
int diam_s6a_pur_decode(struct msg *msg, struct diam_s6a_pur *m);
int diam_s6a_pua_answer(struct msg **req, const struct diam_s6a_pua *m);
int diam_s6a_pua_decode(struct msg *msg, struct diam_s6a_pua *m);
int diam_s6a_clr_encode(const struct diam_s6a_clr *m, struct msg **out);
int diam_s6a_clr_decode(struct msg *msg, struct diam_s6a_clr *m);
int diam_s6a_idr_encode(const struct diam_s6a_idr *m, struct msg **out);
int diam_s6a_idr_decode(struct msg *msg, struct diam_s6a_idr *m);
/* CLA (flags ignored) and IDA. */
int diam_s6a_simple_answer(struct msg **req, const struct diam_s6a_simple_answer *m);
int diam_s6a_simple_answer_decode(struct msg *msg, struct diam_s6a_simple_answer *m);

int diam_gx_ccr_encode(const struct diam_gx_ccr *m, struct msg **out);
int diam_gx_ccr_decode(struct msg *msg, struct diam_gx_ccr *m);
int diam_gx_cca_answer(struct msg **req, const struct diam_gx_cca *m);
int diam_gx_cca_decode(struct msg *msg, struct diam_gx_cca *m);
int diam_gx_rar_encode(const struct diam_gx_rar *m, struct msg **out);
int diam_gx_rar_decode(struct msg *msg, struct diam_gx_rar *m);

int diam_gy_ccr_encode(const struct diam_gy_ccr *m, struct msg **out);
int diam_gy_ccr_decode(struct msg *msg, struct diam_gy_ccr *m);
int diam_gy_cca_answer(struct msg **req, const struct diam_gy_cca *m);
int diam_gy_cca_decode(struct msg *msg, struct diam_gy_cca *m);
int diam_gy_rar_encode(const struct diam_gy_rar *m, struct msg **out);
int diam_gy_rar_decode(struct msg *msg, struct diam_gy_rar *m);

/* RAA for Gx or Gy (the application of the request). */
int diam_raa_answer(struct msg **req, const struct diam_raa *m);
int diam_raa_decode(struct msg *msg, struct diam_raa *m);
/* A bare answer with a Result-Code (any application): errors, and
 * diamsim's "answer with code N". */
int diam_answer_result(struct msg **req, uint32_t result_code);
/* The common AVPs of any message (Session-Id, Origin-Host, Result-Code or
 * Experimental-Result-Code ...): 0, or -EBADMSG without a Session-Id. */
int diam_msg_header(struct msg *m, struct diam_header_info *h);

/* Initialise a diam_mscc / diam_fui to "nothing present". */
void diam_mscc_init(struct diam_mscc *m);

#endif
