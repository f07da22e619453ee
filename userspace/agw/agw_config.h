/* xepc-agwd configuration: the YAML file (/etc/xepc/agw.yaml by default)
 * parsed strictly into struct agw_config.  The keys, defaults, ranges and
 * units are those of docs/agw.md, "Configuration reference".
 *
 * Strict means: unknown keys, duplicate keys, wrong types, out-of-range
 * values, bad PLMN digits, bad addresses or CIDRs and empty required lists
 * are errors.  Every error is reported (not only the first), one line each:
 *
 *     FILE:LINE:COL: key.path: reason
 *
 * Units in the structure: durations in milliseconds, bit rates in bit/s,
 * IPv4 addresses as struct in_addr (network byte order). */
#ifndef XEPC_AGW_CONFIG_H
#define XEPC_AGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>
#include <netinet/in.h>

#include "agw/agw_policy.h"

#define AGW_CONFIG_DEFAULT_PATH "/etc/xepc/agw.yaml"

#define AGW_MME_NAME_MAX 150   /* TS 36.413 MMEname: PrintableString (1..150) */
#define AGW_NETWORK_NAME_MAX 100
#define AGW_APN_NAME_MAX 100   /* TS 23.003 9.1: APN up to 100 octets */
#define AGW_PATH_MAX 256
#define AGW_MAX_TACS 256       /* per TAI entry */
#define AGW_MAX_TAIS 16        /* TS 24.301 9.9.3.33: a TAI list holds 16 */
#define AGW_MAX_APNS 64
#define AGW_MAX_DNS 4
#define AGW_MAX_PCSCF 4
#define AGW_MAX_ALGS 4
#define AGW_ORC_URL_MAX 256
#define AGW_ORC_ID_MAX 64      /* orcd's ids: 1..64 of [A-Za-z0-9_.-] */
#define AGW_ORC_HWID_MAX 128

/* A PLMN as its digits (MCC 3, MNC 2 or 3), NUL-terminated. */
struct agw_plmn {
    char mcc[4];
    char mnc[4];
};

/* "001"/"01" -> plmn; -EINVAL unless MCC is 3 digits and MNC 2 or 3. */
int agw_plmn_parse(const char *mcc, const char *mnc, struct agw_plmn *p);
/* The 3-octet TBCD form of TS 24.008 10.5.1.3 (used by S1AP PLMNidentity
 * and the NAS TAI/GUTI): MCC2|MCC1, MNC3|MCC3 (MNC3 = F for a 2-digit
 * MNC), MNC2|MNC1. */
void agw_plmn_encode(const struct agw_plmn *p, uint8_t out[3]);
/* The reverse; -EINVAL on a non-digit nibble (other than the MNC3 filler). */
int agw_plmn_decode(const uint8_t in[3], struct agw_plmn *p);
bool agw_plmn_equal(const struct agw_plmn *a, const struct agw_plmn *b);

struct agw_ambr {
    uint64_t ul_bps;
    uint64_t dl_bps;
};

struct agw_arp {
    uint8_t priority;   /* 1..15, 1 highest (TS 23.401 4.7.3) */
    bool capability;    /* pre-emption capability */
    bool vulnerability; /* pre-emption vulnerability */
};

struct agw_tai {
    struct agw_plmn plmn;
    uint16_t tacs[AGW_MAX_TACS];
    size_t n_tacs;
};

enum agw_log_level { AGW_LOG_ERROR, AGW_LOG_WARN, AGW_LOG_INFO, AGW_LOG_DEBUG };
enum agw_s1ap_backend { AGW_S1AP_KERNEL, AGW_S1AP_USRSCTP_RAW, AGW_S1AP_USRSCTP_UDP };
enum agw_tz_mode { AGW_TZ_AUTO, AGW_TZ_NONE, AGW_TZ_FIXED };
enum agw_dp_mode { AGW_DP_NAT, AGW_DP_ROUTED };
enum agw_xdp_mode { AGW_XDP_NATIVE, AGW_XDP_GENERIC };
/* The PDN types an APN allows (TS 23.401 5.3.1.1, TS 24.301 9.9.4.10):
 * its address families. */
enum agw_pdn_type { AGW_PDN_IPV4, AGW_PDN_IPV6, AGW_PDN_IPV4V6 };

const char *agw_log_level_str(enum agw_log_level l);
const char *agw_s1ap_backend_str(enum agw_s1ap_backend b);

#define AGW_MAX_BEARER_QCIS 16

struct agw_apn {
    char name[AGW_APN_NAME_MAX + 1]; /* as written; compared case-insensitively */
    enum agw_pdn_type pdn_type;
    struct in_addr pool;             /* network address of the UE pool */
    uint8_t pool_prefix;             /* its prefix length, 8..30; 0 for an
                                      * ipv6 APN (no IPv4 pool) */
    uint8_t pool6[8];                /* IPv6: the /64s of the UEs come from
                                      * this prefix, the session id's /64 in
                                      * it (pgw_session.c) */
    uint8_t pool6_prefix;            /* its length, 16..63; 0 = no IPv6 */
    struct in_addr dns[AGW_MAX_DNS];
    size_t n_dns;
    uint16_t mtu;                    /* IPv4 link MTU in PCO */
    struct agw_ambr ambr;            /* APN-AMBR default */
    uint8_t qci;                     /* 1..9 or 65..86 */
    struct agw_arp arp;
    bool ims;
    struct in_addr pcscf[AGW_MAX_PCSCF];
    size_t n_pcscf;
    struct in6_addr dns6[AGW_MAX_DNS];  /* PCO 0x0003, to a UE that asks
                                         * (IPv6, IPv4v6 PDN types) */
    size_t n_dns6;
    struct in6_addr pcscf6[AGW_MAX_PCSCF]; /* PCO 0x0001, ims: true */
    size_t n_pcscf6;
    uint8_t bearer_qcis[AGW_MAX_BEARER_QCIS]; /* QCIs a UE may ask for in a
                                               * bearer resource request */
    size_t n_bearer_qcis;
    bool orc_only;                   /* defined by the orchestrator alone (orc_apn.c) */
    bool removed;                    /* removed there: no new session (#27), the
                                      * running ones stay on it */
};

/* How a Diameter peer is reached (diameter.gx/s6a/gy.tls, .transport). */
struct agw_diam_link {
    bool tls;                       /* TLS from the connection start (RFC 6733 13) */
    bool sctp;                      /* SCTP instead of TCP (the kernel's) */
};

/* An alternate server of a credit-control application (diameter.gx.alternate,
 * diameter.gy.alternate): reached as the first (its tls, transport), for
 * RETRY_AND_TERMINATE (RFC 4006 5.7) */
struct agw_diam_alt {
    bool enabled;
    char peer[128];
    struct in_addr address;
    uint16_t port;                  /* default 3868 (5658 with tls) */
};

struct agw_config {
    struct {
        enum agw_log_level level;
        bool mask_imsi;
        char file[AGW_PATH_MAX]; /* "": stderr */
    } logger;

    struct {
        char name[AGW_MME_NAME_MAX + 1];
        uint8_t relative_capacity;
        struct {
            struct agw_plmn plmn;
            uint16_t mme_gid;
            uint8_t mme_code;
        } gummei;
        struct agw_tai tai[AGW_MAX_TAIS];
        size_t n_tai;
        struct {
            enum agw_s1ap_backend backend;
            struct in_addr address;
            uint16_t port;
            uint16_t udp_port;
            uint16_t streams;
            uint32_t heartbeat_ms;
        } s1ap;
        struct {
            /* Algorithm numbers (EIAn / EEAn -> n), in preference order. */
            uint8_t integrity[AGW_MAX_ALGS];
            size_t n_integrity;
            uint8_t ciphering[AGW_MAX_ALGS];
            size_t n_ciphering;
        } security;
        struct {
            char full[AGW_NETWORK_NAME_MAX + 1];  /* "": not sent */
            char short_[AGW_NETWORK_NAME_MAX + 1];
        } network_name;
        enum agw_tz_mode time_zone;
        int16_t tz_offset_min; /* AGW_TZ_FIXED: minutes east of UTC */
        uint32_t t3412_ms, t3402_ms, t3450_ms, t3460_ms, t3470_ms;
        /* idle mode (emm_paging.c): T3413 and the paging attempts after the
         * first; mobile reachable (0: T3412 + 4 min, TS 24.301 5.3.5) and
         * implicit detach timers */
        uint32_t t3413_ms, paging_retries, mobile_reachable_ms, implicit_detach_ms;
        /* S1 handover guards (s1ap_handover.c), after the eNB's
         * TS1RELOCprep and TS1RELOCoverall (TS 36.413 8.4.1.2, 8.4.2.2) */
        uint32_t ts1relocprep_ms, ts1relocoverall_ms;
        uint32_t t3485_ms, t3486_ms, t3495_ms;  /* ESM, TS 24.301 10.3 */
        struct agw_ambr ue_ambr;
    } mme;

    struct {
        struct in_addr address;
        struct in6_addr address6;   /* :: = none: no GTP-U over IPv6 */
        /* what the gateway sends as its Transport Layer Address (TS
         * 36.413 9.2.2.1, TS 36.414 5.1): IPv4 (32 bits), or IPv4 then
         * IPv6 (160 bits) with address6, so that an eNB on either picks
         * its own; filled by the parser */
        uint8_t tla[20];
        uint16_t tla_bits;
        /* path management toward the eNBs (TS 29.281 7.2.1, pgw_session.c):
         * an Echo Request every echo_interval_ms, a path down after
         * echo_misses unanswered in a row */
        uint32_t echo_interval_ms;
        uint8_t echo_misses;
    } gtpu;

    struct {
        char s1u[IF_NAMESIZE];
        char sgi[IF_NAMESIZE];
        enum agw_dp_mode mode;
        char ue_dev[IF_NAMESIZE];
        char pin_dir[AGW_PATH_MAX];
        char bpf_dir[AGW_PATH_MAX];
        uint32_t max_sessions;
        uint32_t max_charging;  /* xepc_charging slots; 0 = 2 x max_sessions
                                 * (agw_config_max_charging()) */
        enum agw_xdp_mode xdp_mode;
    } datapath;

    struct agw_apn *apns; /* apns[0] is the default APN */
    size_t n_apns;

    struct {
        char path[AGW_PATH_MAX];
    } database;

    struct {
        char socket[AGW_PATH_MAX];
        char group[64];
    } control;

    struct {
        struct in_addr address;
        uint16_t port; /* 0: disabled */
    } metrics;

    /* Diameter (docs/charging.md); enabled when the section is present. */
    struct {
        bool enabled;
        char identity[128];         /* our Origin-Host */
        char realm[128];
        struct in_addr address;     /* listen; default 127.0.0.1 */
        uint16_t port;              /* default 3868 */
        uint32_t reconnect_ms;      /* Tc (RFC 6733 2.1): a lost peer
                                     * connection tried again after it;
                                     * default 5 s */
        /* TLS (RFC 6733 13): our certificate, key and the CA that signs
         * the peers'; `port` our TLS listener (0: none) */
        struct {
            char cert[AGW_PATH_MAX], key[AGW_PATH_MAX], ca[AGW_PATH_MAX];
            uint16_t port;
        } tls;
        struct {
            bool enabled;
            char peer[128];         /* the PCRF's identity */
            struct in_addr address;
            uint16_t port;          /* default 3868 */
            uint32_t tx_timeout_ms; /* Tx timer (RFC 4006 13), default 2 s */
            struct agw_diam_link link;
            uint32_t ccfh;          /* Credit-Control-Failure-Handling of a
                                       CCR without a usable answer (RFC 4006
                                       8.14, TS 29.212 5.6.3): 0 TERMINATE
                                       (default), 1 CONTINUE,
                                       2 RETRY_AND_TERMINATE; a CCA's CCFH
                                       replaces it for its session */
            /* an alternate PCRF (diameter.gx.alternate): with it every Gx
             * CCR names its server (Destination-Host), and with
             * RETRY_AND_TERMINATE a CCR-I/U without a usable answer is
             * sent again to it (RFC 4006 5.7, gx_handler.c) */
            struct agw_diam_alt alt;
        } gx;
        /* S6a toward an HSS (TS 29.272), instead of the local HSS */
        struct {
            bool enabled;
            char peer[128];         /* the HSS's identity */
            struct in_addr address;
            uint16_t port;          /* default 3868 */
            uint32_t tx_timeout_ms; /* answer timer of AIR/ULR/PUR, default 2 s */
            struct agw_diam_link link;
        } s6a;
        struct {                    /* Gy toward an OCS (agw_gy.h) */
            bool enabled;
            char peer[128];         /* the OCS's identity */
            struct in_addr address;
            uint16_t port;          /* default 3868 */
            uint32_t tx_timeout_ms; /* Tx timer (RFC 4006 13), default 2 s */
            uint32_t ccfh;          /* Credit-Control-Failure-Handling (RFC
                                       4006 8.14): 0 TERMINATE (default),
                                       1 CONTINUE, 2 RETRY_AND_TERMINATE */
            uint32_t rating_group;  /* of all the session's traffic, default 1 */
            char apn[101];          /* the APN it applies to; "" = all */
            struct in_addr portal;  /* the datapath's redirect portal when
                                       the OCS's Redirect-Server is a URL */
            struct agw_diam_link link;
            /* an alternate OCS (diameter.gy.alternate): with it every Gy
             * CCR names its server (Destination-Host), and with
             * RETRY_AND_TERMINATE a CCR-I/U/T without a usable answer is
             * sent again to it (RFC 4006 5.7, gy_handler.c) */
            struct agw_diam_alt alt;
        } gy;
    } diameter;

    /* the gateway's own PCC rules, base names, rating groups and static
     * policy (agw_policy.h, docs/charging.md "Local policy") */
    struct agw_policy policy;
    /* The orchestrator xepc-orcd (orc_client.c, docs/orchestrator.md
     * "The gateway's side"); enabled when the section is present. */
    struct agw_orc_config {
        bool enabled;
        char url[AGW_ORC_URL_MAX];        /* https://host[:port] */
        char ca[AGW_PATH_MAX];            /* CA bundle for orcd's server certificate; "": system */
        char dir[AGW_PATH_MAX];           /* the gateway's key and client certificate */
        char network[AGW_ORC_ID_MAX + 1]; /* ids as orcd knows them */
        char gateway[AGW_ORC_ID_MAX + 1];
        char hardware_id[AGW_ORC_HWID_MAX + 1]; /* "": /etc/machine-id */
        uint32_t checkin_interval_ms, sync_interval_ms;
        uint32_t connect_timeout_ms, timeout_ms, backoff_max_ms;
    } orchestrator;
};

/* Every default of docs/agw.md; the required keys (mme.tai, gtpu.address,
 * datapath.s1u, datapath.sgi, apns) are left empty. */
void agw_config_defaults(struct agw_config *cfg);

/* Parses the file at path into *cfg (defaults first, then the file).
 * Returns 0, or a negative errno: -EINVAL when the file has errors (each
 * written to errbuf as a "FILE:LINE:COL: key.path: reason" line; when
 * errbuf is too small the last line says how many more there were), -ENOENT
 * and other open errors (one line in errbuf), -ENOMEM.  *cfg must be freed
 * with agw_config_free() whatever the result. */
int agw_config_load(const char *path, struct agw_config *cfg, char *errbuf, size_t errlen);
/* The same on text in memory; name is what the error lines call the file. */
int agw_config_load_string(const char *name, const char *text, size_t len,
                           struct agw_config *cfg, char *errbuf, size_t errlen);
void agw_config_free(struct agw_config *cfg);

/* An APN's defaults (docs/agw.md "apns"), name empty. */
void agw_apn_defaults(struct agw_apn *a);
/* The APN of that name, compared case-insensitively (TS 23.003 9.1); NULL
 * or "" gives the default APN (the first).  NULL if not configured (or
 * removed by the orchestrator). */
const struct agw_apn *agw_config_apn(const struct agw_config *cfg, const char *name);
/* Whether the TAI (PLMN in TBCD form, TAC) is one this MME serves. */
bool agw_config_tai_served(const struct agw_config *cfg, const uint8_t plmn[3], uint16_t tac);
/* Whether the PLMN (TBCD) appears in any served TAI. */
bool agw_config_plmn_served(const struct agw_config *cfg, const uint8_t plmn[3]);

/* The size of the datapath's charging map: datapath.max_charging, or
 * 2 x datapath.max_sessions (docs/agw.md). */
uint32_t agw_config_max_charging(const struct agw_config *cfg);

#endif
