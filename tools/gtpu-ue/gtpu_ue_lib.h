/* gtpu_ue_lib — the UE side of a GTP-U user plane on TUN devices.
 *
 * A small library shared by `gtpu-ue` (static UEs from the command line)
 * and `enbsim` (UEs that attach over S1AP): a TUN device per UE holding the
 * UE's IPv4 address, and a UDP socket on port 2152 per local (eNB)
 * address.  Packets the kernel routes into a UE's TUN device leave as
 * G-PDUs (TS 29.281 5.1) with the UE's uplink TEID; G-PDUs that arrive with
 * a UE's downlink TEID are written back into its TUN device.  Echo Requests
 * are answered (TS 29.281 7.2.2).  The library owns no loop: the caller
 * polls the descriptors and calls gtpu_ep_uplink()/gtpu_ep_downlink().
 */
#ifndef GTPU_UE_LIB_H
#define GTPU_UE_LIB_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GTPU_PORT 2152
#define GTPU_HDR_LEN 8
#define GTPU_OPT_LEN 4
#define GTPU_BUF 65600

/* TS 29.281 5.1: message types used here. */
enum {
    GTPU_ECHO_REQ = 1,
    GTPU_ECHO_RSP = 2,
    GTPU_ERR_IND = 26,
    GTPU_END_MARKER = 254,
    GTPU_GPDU = 255,
};

/* TS 29.281 5.2.1: flag bits of the first octet. */
#define GTPU_F_VER1 0x20
#define GTPU_F_PT 0x10
#define GTPU_F_E 0x04
#define GTPU_F_S 0x02
#define GTPU_F_PN 0x01

/* TS 29.281 5.2.2.7 / TS 38.415: PDU Session Container extension type. */
#define GTPU_EXT_PDU_SESSION 0x85

/* One UE's tunnel. */
struct gtpu_ue {
    char ifname[IFNAMSIZ];
    struct in_addr addr;
    uint32_t ul_teid;        /* TEID the gateway allocated (we send with it) */
    uint32_t dl_teid;        /* TEID we allocated (the gateway sends with it) */
    struct sockaddr_in peer; /* the gateway's S1-U address, port 2152 */
    struct sockaddr_in6 peer6; /* instead, when its family is AF_INET6: over
                                * an IPv6 endpoint (gtpu_ep_open6()) */
    int tun_fd;              /* -1 when no TUN device is open */
    uint64_t ul_pkts, dl_pkts;
    /* IPv6 (PDN type IPv6/IPv4v6, TS 23.401 5.3.1.2.2): the interface
     * identifier from the PDN Address gives the link-local fe80::IID; the
     * first Router Advertisement's /64 gives the global PREFIX::IID
     * (stateless autoconfiguration, RFC 4862 5.5.3, done here because the
     * kernel builds no interface identifier for a TUN device) */
    bool has6;
    uint8_t iid6[8];
    bool have_prefix6;
    uint8_t prefix6[8];
    uint64_t ra_rx;
};

/* One local GTP-U endpoint (one eNB address). */
struct gtpu_ep {
    int udp_fd;
    struct sockaddr_in local;
    bool ext_hdr;            /* add a PDU Session Container to uplink G-PDUs */
    bool verbose;            /* log unexpected messages to stderr */
    const char *log_name;    /* prefix of log lines ("gtpu-ue") */
    uint16_t seq;
    uint64_t err_ind, malformed, unknown_teid;
    uint8_t buf[GTPU_BUF];
};

/* Returns the UE whose downlink TEID is `teid`, or NULL. */
typedef struct gtpu_ue *(*gtpu_ue_lookup_fn)(void *arg, uint32_t dl_teid);

/* "IFNAME,UE_ADDR,UL_TEID,DL_TEID" (TEIDs decimal or 0x..); -EINVAL. */
int gtpu_ue_parse_spec(const char *spec, struct gtpu_ue *ue);
/* Strict unsigned 32-bit number, decimal or 0x..; -EINVAL. */
int gtpu_parse_u32(const char *s, uint32_t *out);

/* Creates the TUN device ue->ifname with ue->addr/32 (none when 0.0.0.0)
 * and, with has6, fe80::IID/64, and `mtu`, brings it up and stores its
 * descriptor (non-blocking) in ue->tun_fd; -errno. */
int gtpu_ue_tun_open(struct gtpu_ue *ue, int mtu);
void gtpu_ue_tun_close(struct gtpu_ue *ue);

/* Binds UDP `local` (port 2152 when 0) non-blocking; -errno. */
int gtpu_ep_open(struct gtpu_ep *ep, const struct sockaddr_in *local);
/* The same on an IPv6 address: GTP-U over IPv6 (TS 29.281 4.4.1). */
int gtpu_ep_open6(struct gtpu_ep *ep, const struct sockaddr_in6 *local);
void gtpu_ep_close(struct gtpu_ep *ep);

/* Reads up to 64 packets from the UE's TUN device and sends them to
 * ue->peer as G-PDUs. */
void gtpu_ep_uplink(struct gtpu_ep *ep, struct gtpu_ue *ue);
/* Sends one T-PDU (an IP packet) of the UE as a G-PDU; 0 or -errno. */
int gtpu_ep_send_tpdu(struct gtpu_ep *ep, struct gtpu_ue *ue, const void *pkt, size_t len);
/* Receives up to 64 datagrams: answers echoes, writes G-PDUs to the TUN
 * device of the UE `lookup` finds. */
void gtpu_ep_downlink(struct gtpu_ep *ep, gtpu_ue_lookup_fn lookup, void *arg);

/* Builds the GTP-U header of a G-PDU with `len` payload octets into hdr
 * (room for 16 octets); returns the header length. */
size_t gtpu_push(struct gtpu_ep *ep, uint8_t *hdr, uint32_t teid, size_t len);
/* The /64 of the first Prefix Information option with the autonomous
 * flag of an ICMPv6 Router Advertisement (RFC 4861 4.2, 4.6.2) in the IPv6
 * packet pkt: 1 and prefix, or 0 (not an RA, none, or malformed). */
int gtpu_ra_prefix(const uint8_t *pkt, size_t len, uint8_t prefix[8]);
/* Adds PREFIX::IID/64 to the UE's TUN device (once); 0 or -errno. */
int gtpu_ue_set_prefix6(struct gtpu_ue *ue, const uint8_t prefix[8]);

/* Offset of the T-PDU in a G-PDU of `len` octets, or -1 if malformed. */
int gtpu_payload_offset(const uint8_t *p, size_t len);

#endif
