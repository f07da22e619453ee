/* Neighbor Discovery messages the gateway sends to an IPv6 UE (RFC 4861),
 * built in userspace: the unsolicited Router Advertisement after a bearer
 * comes up.  The same message as bpf/ipv6.h nd_ra() answers a Router
 * Solicitation with in the kernel. */
#include <errno.h>
#include <string.h>

#include "dp/dp_nd.h"

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* RFC 1071 sum of big-endian 16-bit words */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

int dp_nd_build_ra(uint8_t *buf, size_t cap, const uint8_t prefix[8], uint32_t s1u_mtu)
{
    const size_t icmp_len = DP_ND_RA_LEN - DP_IP6_HLEN;
    uint32_t mtu = (s1u_mtu ? s1u_mtu : 1500) - 36;
    if (cap < DP_ND_RA_LEN)
        return -ENOSPC;
    if (mtu < 1280)
        mtu = 1280;
    memset(buf, 0, DP_ND_RA_LEN);
    /* RFC 8200 3: version 6; RFC 4861 6.1.2: hop limit 255 */
    buf[0] = 0x60;
    buf[4] = 0;
    buf[5] = (uint8_t)icmp_len;
    buf[6] = 58; /* ICMPv6 */
    buf[7] = 255;
    /* source: the gateway's link-local fe80::1; RFC 4861 6.2.4: an
     * unsolicited advertisement goes to all-nodes ff02::1 */
    buf[8] = 0xfe;
    buf[9] = 0x80;
    buf[23] = 1;
    buf[24] = 0xff;
    buf[25] = 0x02;
    buf[39] = 1;
    uint8_t *o = buf + DP_IP6_HLEN;
    o[0] = 134; /* Router Advertisement, RFC 4861 4.2 */
    o[4] = 64;  /* Cur Hop Limit */
    o[6] = 9000 >> 8; /* Router Lifetime 9000 s, RFC 4861 6.2.1's most */
    o[7] = 9000 & 0xff;
    /* TS 29.061 11.2.1.3.4: Prefix Information with A set, L clear */
    o[16] = 3;
    o[17] = 4;
    o[18] = 64;
    o[19] = 0x40;
    memset(o + 20, 0xff, 8); /* valid and preferred lifetimes: infinity */
    memcpy(o + 32, prefix, 8);
    /* RFC 4861 4.6.4: MTU, what fits the S1-U path once encapsulated */
    o[48] = 5;
    o[49] = 1;
    o[52] = (uint8_t)(mtu >> 24);
    o[53] = (uint8_t)(mtu >> 16);
    o[54] = (uint8_t)(mtu >> 8);
    o[55] = (uint8_t)mtu;
    /* RFC 4443 2.3 over the RFC 8200 8.1 pseudo-header */
    uint32_t s = sum16(buf + 8, 32, 0);
    s += (uint32_t)icmp_len + 58;
    s = sum16(o, icmp_len, s);
    uint16_t c = csum_fold(s);
    o[2] = (uint8_t)(c >> 8);
    o[3] = (uint8_t)c;
    return DP_ND_RA_LEN;
}
