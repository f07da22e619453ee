/* Neighbor Discovery messages for IPv6 UEs (RFC 4861), dp_nd.c. */
#ifndef XEPC_DP_ND_H
#define XEPC_DP_ND_H

#include <stddef.h>
#include <stdint.h>

#define DP_IP6_HLEN 40
#define DP_ND_RA_LEN (DP_IP6_HLEN + 56) /* IPv6 + RA + Prefix Information + MTU */

/* An IPv6 packet fe80::1 -> ff02::1 carrying a Router Advertisement with
 * prefix (the UE's /64) and the link MTU that fits s1u_mtu (0 = 1500) once
 * encapsulated; returns DP_ND_RA_LEN or -ENOSPC. */
int dp_nd_build_ra(uint8_t *buf, size_t cap, const uint8_t prefix[8], uint32_t s1u_mtu);

#endif
