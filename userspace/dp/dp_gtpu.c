/* GTP-U message building (TS 29.281). */
#include <errno.h>
#include <string.h>

#include "dp/dp_gtpu.h"

/* TS 29.281 5.1: version 1, protocol type GTP (PT=1), optional flags. */
#define GTPU_V1_PT 0x30
#define GTPU_FLAG_E 0x04
#define GTPU_FLAG_S 0x02

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* alen: 4 (IPv4) or 16 (IPv6) octets of own address. */
static int build_error_indication(uint8_t *buf, size_t cap, uint32_t teid, const void *own,
                                  size_t alen, uint16_t src_port, uint16_t seq)
{
    size_t len = 12 + (src_port ? 4 : 0) + 5 + 3 + alen;
    if (cap < len)
        return -ENOSPC;
    memset(buf, 0, len);
    /* TS 29.281 5.1: S=1 for Error Indication; the header TEID is 0
     * (7.3.1: the message is not sent on a tunnel). */
    buf[0] = GTPU_V1_PT | GTPU_FLAG_S | (src_port ? GTPU_FLAG_E : 0);
    buf[1] = DP_GTPU_ERROR_INDICATION;
    put16(buf + 2, (uint16_t)(len - 8));
    put32(buf + 4, 0);
    put16(buf + 8, seq);
    buf[10] = 0; /* N-PDU number */
    size_t off = 12;
    if (src_port) {
        /* TS 29.281 5.2.2.1: UDP Port extension header, length 1 (x4),
         * the source port of the G-PDU that triggered this message. */
        buf[11] = DP_GTPU_EXT_UDP_PORT;
        buf[off] = 1;
        put16(buf + off + 1, src_port);
        buf[off + 3] = 0; /* no next extension header */
        off += 4;
    }
    /* TS 29.281 8.3: Tunnel Endpoint Identifier Data I (TV). */
    buf[off] = DP_GTPU_IE_TEID_DATA_I;
    put32(buf + off + 1, teid);
    off += 5;
    /* TS 29.281 8.4: GTP-U Peer Address (TLV, IPv4 = 4 octets, IPv6 =
     * 16). */
    buf[off] = DP_GTPU_IE_PEER_ADDRESS;
    put16(buf + off + 1, (uint16_t)alen);
    memcpy(buf + off + 3, own, alen);
    off += 3 + alen;
    return (int)off;
}

int dp_gtpu_build_error_indication(uint8_t *buf, size_t cap, uint32_t teid,
                                   struct in_addr own_addr, uint16_t src_port,
                                   uint16_t seq)
{
    return build_error_indication(buf, cap, teid, &own_addr.s_addr, 4, src_port, seq);
}

int dp_gtpu_build_error_indication6(uint8_t *buf, size_t cap, uint32_t teid,
                                    const struct in6_addr *own_addr, uint16_t src_port,
                                    uint16_t seq)
{
    return build_error_indication(buf, cap, teid, own_addr->s6_addr, 16, src_port, seq);
}

int dp_gtpu_build_gpdu_header(uint8_t *buf, size_t cap, uint32_t teid, size_t payload_len)
{
    if (cap < 8)
        return -ENOSPC;
    if (payload_len > 0xffff)
        return -EINVAL;
    buf[0] = GTPU_V1_PT;
    buf[1] = DP_GTPU_GPDU;
    put16(buf + 2, (uint16_t)payload_len);
    put32(buf + 4, teid);
    return 8;
}

int dp_gtpu_build_end_marker(uint8_t *buf, size_t cap, uint32_t teid)
{
    if (cap < 8)
        return -ENOSPC;
    buf[0] = GTPU_V1_PT;
    buf[1] = DP_GTPU_END_MARKER;
    put16(buf + 2, 0);
    put32(buf + 4, teid);
    return 8;
}

int dp_gtpu_build_echo_request(uint8_t *buf, size_t cap, uint16_t seq)
{
    if (cap < 12)
        return -ENOSPC;
    buf[0] = GTPU_V1_PT | GTPU_FLAG_S;
    buf[1] = DP_GTPU_ECHO_REQUEST;
    put16(buf + 2, 4);
    put32(buf + 4, 0);
    put16(buf + 8, seq);
    buf[10] = 0;
    buf[11] = 0;
    return 12;
}

int dp_gtpu_parse_echo_response(const uint8_t *buf, size_t n, uint16_t *seq, int *recovery)
{
    *recovery = -1;
    /* TS 29.281 5.1: 8 octets, then the optional fields (4) when any of
     * E, S, PN is set; Echo messages always carry S (7.2). */
    if (n < 12 || (buf[0] & 0xf0) != GTPU_V1_PT || buf[1] != DP_GTPU_ECHO_RESPONSE ||
        !(buf[0] & GTPU_FLAG_S))
        return -EBADMSG;
    size_t len = (size_t)buf[2] << 8 | buf[3];
    if (8 + len > n || len < 4)
        return -EBADMSG;
    n = 8 + len; /* what follows the message in the datagram is not read */
    *seq = (uint16_t)(buf[8] << 8 | buf[9]);
    size_t off = 12;
    if (buf[0] & GTPU_FLAG_E) {
        /* 5.2.1: next extension header type in octet 12 of the header */
        uint8_t next = buf[11];
        for (int k = 0; next; k++) {
            if (k >= 16 || off + 4 > n || !buf[off])
                return -EBADMSG;
            size_t elen = (size_t)buf[off] * 4;
            if (off + elen > n)
                return -EBADMSG;
            next = buf[off + elen - 1];
            off += elen;
        }
    }
    /* 8.1: IEs in ascending type order; types below 128 are TV of a fixed
     * length (only Recovery, 1 octet, may appear here), 128 and above TLV
     * with a 2-octet length (Private Extension, 8.6). */
    while (off < n) {
        uint8_t type = buf[off];
        if (type == DP_GTPU_IE_RECOVERY) {
            if (off + 2 > n)
                return -EBADMSG;
            *recovery = buf[off + 1];
            off += 2;
        } else if (type >= 128) {
            if (off + 3 > n)
                return -EBADMSG;
            size_t l = (size_t)buf[off + 1] << 8 | buf[off + 2];
            if (off + 3 + l > n)
                return -EBADMSG;
            off += 3 + l;
        } else {
            return -EBADMSG; /* a TV IE whose length we do not know */
        }
    }
    return 0;
}
