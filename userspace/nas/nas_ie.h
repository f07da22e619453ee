/* EPS NAS information elements (TS 24.301 9.9, TS 24.008 10.5): the plain C
 * structs that the message structs of nas_msg.h are made of, and helpers
 * to fill and read them.
 *
 * Bounds: every variable-length IE is held in a fixed-size array whose
 * bound is the spec's maximum unless a NAS_*_MAX constant below says
 * otherwise; the decoder never allocates. */
#ifndef XEPC_NAS_IE_H
#define XEPC_NAS_IE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TS 24.007 11.2.3.1.1 protocol discriminators */
#define NAS_PD_ESM 0x2
#define NAS_PD_EMM 0x7

/* TS 24.301 9.3.1 security header types */
enum nas_sht {
    NAS_SHT_PLAIN = 0,
    NAS_SHT_INTEGRITY = 1,
    NAS_SHT_INTEGRITY_CIPHERED = 2,
    NAS_SHT_INTEGRITY_NEW_CTX = 3,
    NAS_SHT_INTEGRITY_CIPHERED_NEW_CTX = 4,
    NAS_SHT_SERVICE_REQUEST = 12,
};

/* Opaque octet strings: `len` valid octets in v[].  All share one layout
 * (len first, v at offset 2) so that one codec fills any of them. */
struct nas_oct2 { uint16_t len; uint8_t v[2]; };
struct nas_oct4 { uint16_t len; uint8_t v[4]; };
struct nas_oct8 { uint16_t len; uint8_t v[8]; };
struct nas_oct16 { uint16_t len; uint8_t v[16]; };
struct nas_oct32 { uint16_t len; uint8_t v[32]; };
struct nas_oct64 { uint16_t len; uint8_t v[64]; };
struct nas_oct256 { uint16_t len; uint8_t v[256]; };

/* ESM message container (TS 24.301 9.9.3.15), replayed NAS message
 * container, and other TLV-E payloads we keep as bytes.  The spec allows up
 * to 65535 octets; xepc bounds them (decode fails with NAS_ERR_IE_TOO_LONG
 * for a mandatory one, an optional one is skipped). */
#define NAS_CONTAINER_MAX 2048
struct nas_container { uint16_t len; uint8_t v[NAS_CONTAINER_MAX]; };

typedef uint8_t nas_bytes3[3];
typedef uint8_t nas_bytes4[4];
typedef uint8_t nas_bytes8[8];
typedef uint8_t nas_bytes14[14];
typedef uint8_t nas_bytes16[16];

/* TS 24.008 10.5.1.3: MCC 3 digits, MNC 2 or 3 digits */
struct nas_plmn {
    uint16_t mcc;
    uint16_t mnc;
    uint8_t mnc_digits;  /* 2 or 3 */
};

/* TS 24.301 9.9.3.32 */
struct nas_tai {
    struct nas_plmn plmn;
    uint16_t tac;
};

/* TS 24.008 10.5.1.3 location area identification */
struct nas_lai {
    struct nas_plmn plmn;
    uint16_t lac;
};

/* TS 24.301 9.9.3.33: up to 16 TAIs in up to 16 partial lists.
 *   type 0: tai[0..n) share tai[0].plmn, TACs listed one by one
 *   type 1: n consecutive TACs starting at tai[0] (only tai[0] is stored)
 *   type 2: n independent TAIs */
#define NAS_TAI_LIST_MAX 16
enum nas_tai_list_type { NAS_TAI_LIST_TACS = 0, NAS_TAI_LIST_CONSECUTIVE = 1, NAS_TAI_LIST_TAIS = 2 };
struct nas_partial_tai_list {
    uint8_t type;
    uint8_t n;  /* 1..16 */
    struct nas_tai tai[NAS_TAI_LIST_MAX];
};
struct nas_tai_list {
    uint8_t n;  /* partial lists */
    struct nas_partial_tai_list list[NAS_TAI_LIST_MAX];
};

/* TS 24.301 9.9.2.8 PLMN list (equivalent PLMNs): 1..15 */
#define NAS_PLMN_LIST_MAX 15
struct nas_plmn_list {
    uint8_t n;
    struct nas_plmn plmn[NAS_PLMN_LIST_MAX];
};

/* TS 24.301 9.9.3.12 EPS mobile identity / TS 24.008 10.5.1.4 mobile
 * identity, both held in this struct.  `type` uses the codes of the IE the
 * struct came from (NAS_EPS_ID_* or NAS_ID_*). */
enum nas_eps_id_type { NAS_EPS_ID_IMSI = 1, NAS_EPS_ID_IMEI = 3, NAS_EPS_ID_GUTI = 6 };
enum nas_id_type {
    NAS_ID_NONE = 0, NAS_ID_IMSI = 1, NAS_ID_IMEI = 2, NAS_ID_IMEISV = 3, NAS_ID_TMSI = 4,
};
struct nas_guti {
    struct nas_plmn plmn;
    uint16_t mmegi;
    uint8_t mmec;
    uint32_t m_tmsi;
};
struct nas_mobile_id {
    uint8_t type;
    char digits[17];    /* IMSI/IMEI (15) or IMEISV (16), NUL-terminated */
    uint32_t tmsi;      /* NAS_ID_TMSI (also the M-TMSI of an extended service request) */
    struct nas_guti guti;
};

/* TS 24.301 9.9.3.21 NAS key set identifier */
#define NAS_KSI_NONE 7
struct nas_ksi {
    uint8_t tsc;  /* 0 native, 1 mapped */
    uint8_t ksi;  /* 0..6, 7 = no key available */
};

/* TS 24.301 9.9.3.7 detach type */
enum nas_detach_kind {
    NAS_DETACH_EPS = 1, NAS_DETACH_IMSI = 2, NAS_DETACH_COMBINED = 3,  /* UE originating */
    NAS_DETACH_REATTACH = 1, NAS_DETACH_NO_REATTACH = 2,              /* network */
};
struct nas_detach_type {
    bool switch_off;  /* UE originating only; spare in network detach */
    uint8_t type;
};

/* TS 24.301 9.9.3.14 EPS update type */
struct nas_update_type {
    bool active;  /* active flag: bearer establishment requested */
    uint8_t type; /* 0 TA updating, 1 combined, 2 combined with IMSI attach, 3 periodic */
};

/* TS 24.301 9.9.3.34 UE network capability: octets 3..15 of the IE.
 * eea/eia bit 8 = algorithm 0, bit 7 = algorithm 1, ... */
struct nas_ue_net_cap {
    uint8_t len;  /* 2..13 */
    union {
        uint8_t oct[13];
        struct { uint8_t eea, eia, uea, uia; };
    };
};

/* TS 24.301 9.9.3.36 UE security capability (and the replayed one) */
struct nas_ue_sec_cap {
    uint8_t len;  /* 2..5 */
    union {
        uint8_t oct[5];
        struct { uint8_t eea, eia, uea, uia, gea; };
    };
};

/* TS 24.301 9.9.3.23 NAS security algorithms */
struct nas_sec_algs {
    uint8_t eea;  /* type of ciphering algorithm, 0..7 */
    uint8_t eia;  /* type of integrity algorithm, 0..7 */
};

/* TS 24.008 10.5.5.6 DRX parameter */
struct nas_drx {
    uint8_t split_pg_cycle;
    uint8_t cn_coeff_s1;   /* bits 8-5 of octet 3 */
    bool split_on_ccch;
    uint8_t non_drx_timer; /* bits 3-1 */
};

/* TS 24.008 10.5.7.3 GPRS timer, 10.5.7.4 GPRS timer 2 (same octet, in
 * TLV), 10.5.7.4a GPRS timer 3 (other units). */
struct nas_gprs_timer {
    uint8_t unit;   /* bits 8-6 */
    uint8_t value;  /* bits 5-1 */
};
/* Seconds, or -1 when the timer is deactivated. */
long nas_gprs_timer_seconds(const struct nas_gprs_timer *t);
long nas_gprs_timer3_seconds(const struct nas_gprs_timer *t);

/* TS 24.008 10.5.3.5a network name.  text holds the coded octets (GSM 7-bit
 * packed or UCS2); use the helpers to go from and to ASCII. */
#define NAS_NETWORK_NAME_MAX 128
struct nas_network_name {
    uint8_t coding;      /* 0 GSM default alphabet, 1 UCS2 */
    bool add_ci;         /* add the country initials */
    uint8_t spare_bits;  /* spare bits in the last octet */
    uint8_t len;
    uint8_t text[NAS_NETWORK_NAME_MAX];
};
int nas_network_name_set_ascii(struct nas_network_name *nn, const char *s);
/* Writes the name as a NUL-terminated string (non-ASCII as '?'). */
void nas_network_name_to_ascii(const struct nas_network_name *nn, char *out, size_t cap);

/* TS 24.008 10.5.3.9 time zone and time; tz is the raw time zone octet
 * (10.5.3.8), see nas_tz_quarters(). */
struct nas_tz_time {
    uint8_t year, month, day, hour, minute, second;  /* year: 0..99 */
    uint8_t tz;
};
/* Offset from UTC in quarter hours, from a raw time zone octet. */
int nas_tz_quarters(uint8_t tz);
uint8_t nas_tz_from_quarters(int quarters);

/* TS 24.301 9.9.4.3 EPS quality of service: octets 3..15 raw (QCI, then
 * MBR UL, MBR DL, GBR UL, GBR DL, then their extended and extended-2
 * octets).  Use nas_eps_qos_set()/nas_eps_qos_kbps() for bit rates. */
struct nas_eps_qos {
    uint8_t len;  /* 1, 5, 9 or 13 */
    union {
        uint8_t oct[13];
        struct {
            uint8_t qci;
            uint8_t mbr_ul, mbr_dl, gbr_ul, gbr_dl;
            uint8_t mbr_ul_ext, mbr_dl_ext, gbr_ul_ext, gbr_dl_ext;
            uint8_t mbr_ul_ext2, mbr_dl_ext2, gbr_ul_ext2, gbr_dl_ext2;
        };
    };
};
enum nas_qos_rate { NAS_QOS_MBR_UL, NAS_QOS_MBR_DL, NAS_QOS_GBR_UL, NAS_QOS_GBR_DL };
/* Sets QCI and (when any rate is non-zero) the four bit rates, choosing
 * the shortest encoding; rates are rounded down to an encodable value.
 * Returns 0 or -1 when a rate exceeds 10 Gbps. */
int nas_eps_qos_set(struct nas_eps_qos *q, uint8_t qci, uint64_t mbr_ul_kbps,
                    uint64_t mbr_dl_kbps, uint64_t gbr_ul_kbps, uint64_t gbr_dl_kbps);
uint64_t nas_eps_qos_kbps(const struct nas_eps_qos *q, enum nas_qos_rate r);

/* TS 24.301 9.9.4.2 APN aggregate maximum bit rate: octets 3..8 raw
 * (DL, UL, DL ext, UL ext, DL ext-2, UL ext-2). */
struct nas_apn_ambr {
    uint8_t len;  /* 2, 4 or 6 */
    union {
        uint8_t oct[6];
        struct { uint8_t dl, ul, dl_ext, ul_ext, dl_ext2, ul_ext2; };
    };
};
int nas_apn_ambr_set(struct nas_apn_ambr *a, uint64_t dl_kbps, uint64_t ul_kbps);
uint64_t nas_apn_ambr_kbps(const struct nas_apn_ambr *a, bool uplink);

/* TS 24.301 9.9.4.1 access point name, dotted ("internet.mnc001.mcc001.gprs") */
#define NAS_APN_MAX 100
struct nas_apn {
    char name[NAS_APN_MAX + 1];
};

/* TS 24.301 9.9.4.9 PDN address */
enum nas_pdn_type { NAS_PDN_IPV4 = 1, NAS_PDN_IPV6 = 2, NAS_PDN_IPV4V6 = 3 };
struct nas_pdn_addr {
    uint8_t type;
    uint8_t ipv4[4];
    uint8_t ipv6_iid[8];  /* interface identifier */
};

/* TS 24.008 10.5.6.3 protocol configuration options (also the extended
 * PCO of TS 24.301 9.9.4.26).  Containers keep their bytes in data[]; use
 * nas_pco_add()/nas_pco_find(). */
#define NAS_PCO_ITEMS_MAX 32
#define NAS_PCO_DATA_MAX 512
enum nas_pco_id {
    NAS_PCO_P_CSCF_IPV6 = 0x0001,
    NAS_PCO_DNS_IPV6 = 0x0003,
    NAS_PCO_IP_ALLOC_VIA_NAS = 0x000a,
    NAS_PCO_P_CSCF_IPV4 = 0x000c,
    NAS_PCO_DNS_IPV4 = 0x000d,
    NAS_PCO_IPV4_LINK_MTU = 0x0010,
    NAS_PCO_LCP = 0xc021,
    NAS_PCO_PAP = 0xc023,
    NAS_PCO_CHAP = 0xc223,
    NAS_PCO_IPCP = 0x8021,
};
struct nas_pco_item {
    uint16_t id;
    uint8_t len;
    uint16_t off;  /* into nas_pco.data */
};
struct nas_pco {
    uint8_t cfg_proto;  /* configuration protocol (octet 3 bits 3-1), 0 = PPP */
    uint8_t n;
    uint16_t used;
    struct nas_pco_item item[NAS_PCO_ITEMS_MAX];
    uint8_t data[NAS_PCO_DATA_MAX];
};
void nas_pco_init(struct nas_pco *pco);
int nas_pco_add(struct nas_pco *pco, uint16_t id, const void *data, uint8_t len);
/* The idx-th container with this id (0 = first), or NULL. */
const uint8_t *nas_pco_find(const struct nas_pco *pco, uint16_t id, unsigned idx, uint8_t *len);

/* TS 24.008 10.5.6.12 traffic flow template */
enum nas_tft_op {
    NAS_TFT_OP_CREATE = 1, NAS_TFT_OP_DELETE = 2, NAS_TFT_OP_ADD = 3,
    NAS_TFT_OP_REPLACE = 4, NAS_TFT_OP_DELETE_FILTERS = 5, NAS_TFT_OP_NOOP = 6,
};
enum nas_pf_comp_type {
    NAS_PF_IPV4_REMOTE = 0x10, NAS_PF_IPV4_LOCAL = 0x11,
    NAS_PF_IPV6_REMOTE = 0x20, NAS_PF_IPV6_REMOTE_PREFIX = 0x21, NAS_PF_IPV6_LOCAL_PREFIX = 0x23,
    NAS_PF_PROTOCOL = 0x30,
    NAS_PF_LOCAL_PORT = 0x40, NAS_PF_LOCAL_PORT_RANGE = 0x41,
    NAS_PF_REMOTE_PORT = 0x50, NAS_PF_REMOTE_PORT_RANGE = 0x51,
    NAS_PF_SPI = 0x60, NAS_PF_TOS = 0x70, NAS_PF_FLOW_LABEL = 0x80,
    NAS_PF_DST_MAC = 0x81, NAS_PF_SRC_MAC = 0x82,
    NAS_PF_CTAG_VID = 0x83, NAS_PF_STAG_VID = 0x84,
    NAS_PF_CTAG_PCP_DEI = 0x85, NAS_PF_STAG_PCP_DEI = 0x86,
    NAS_PF_ETHERTYPE = 0x87,
};
struct nas_pf_component {
    uint8_t type;
    union {
        struct { uint8_t addr[4], mask[4]; } ipv4;
        struct { uint8_t addr[16], mask[16]; } ipv6;
        struct { uint8_t addr[16]; uint8_t prefix_len; } ipv6_prefix;
        uint8_t protocol;
        uint16_t port;
        struct { uint16_t lo, hi; } port_range;
        uint32_t spi;
        struct { uint8_t tos, mask; } tos;
        uint32_t flow_label;  /* 20 bits */
        uint8_t mac[6];
        uint16_t vid;         /* 12 bits */
        uint8_t pcp_dei;      /* 4 bits */
        uint16_t ethertype;
    } u;
};
#define NAS_PF_COMPONENTS_MAX 8
#define NAS_TFT_FILTERS_MAX 15  /* the 4-bit "number of packet filters" */
#define NAS_TFT_PARAMS_MAX 64
enum nas_pf_dir { NAS_PF_DIR_PRE_REL7 = 0, NAS_PF_DIR_DL = 1, NAS_PF_DIR_UL = 2, NAS_PF_DIR_BOTH = 3 };
struct nas_packet_filter {
    uint8_t id;          /* 0..15 */
    uint8_t dir;         /* enum nas_pf_dir; 0 in delete lists */
    uint8_t precedence;  /* absent in delete lists */
    uint8_t n;
    struct nas_pf_component c[NAS_PF_COMPONENTS_MAX];
};
struct nas_tft {
    uint8_t op;
    uint8_t n;  /* packet filters (only ids for NAS_TFT_OP_DELETE_FILTERS) */
    struct nas_packet_filter pf[NAS_TFT_FILTERS_MAX];
    bool has_params;  /* E bit */
    uint8_t params_len;
    uint8_t params[NAS_TFT_PARAMS_MAX];  /* parameters list, as coded */
};

#endif
