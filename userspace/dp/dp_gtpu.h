/* GTP-U messages that userspace builds (TS 29.281): Error Indication for
 * unknown TEIDs, G-PDU headers for re-sending packets buffered for idle UEs,
 * Echo Requests for path management.  Pure functions over byte buffers. */
#ifndef XEPC_DP_GTPU_H
#define XEPC_DP_GTPU_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define DP_GTPU_PORT 2152

/* TS 29.281 6.1: message types. */
enum {
    DP_GTPU_ECHO_REQUEST = 1,
    DP_GTPU_ECHO_RESPONSE = 2,
    DP_GTPU_ERROR_INDICATION = 26,
    DP_GTPU_END_MARKER = 254,
    DP_GTPU_GPDU = 255,
};

/* TS 29.281 8: information element types. */
enum {
    DP_GTPU_IE_RECOVERY = 14,
    DP_GTPU_IE_TEID_DATA_I = 16,
    DP_GTPU_IE_PEER_ADDRESS = 133,
};

/* TS 29.281 5.2.2.1: UDP Port extension header. */
#define DP_GTPU_EXT_UDP_PORT 0x40

/* Builds an Error Indication (TS 29.281 7.3.1) for a G-PDU that arrived with
 * `teid` from UDP source port `src_port` (0 = unknown, the UDP Port extension
 * header is then left out); `own_addr` is the GTP-U Peer Address IE (the
 * address of the node that sends the Error Indication).  Returns the length
 * written (at most 32 bytes), or -ENOSPC. */
int dp_gtpu_build_error_indication(uint8_t *buf, size_t cap, uint32_t teid,
                                   struct in_addr own_addr, uint16_t src_port,
                                   uint16_t seq);
/* The same from an IPv6 S1-U address: the GTP-U Peer Address IE carries its
 * 16 octets (TS 29.281 8.4). */
int dp_gtpu_build_error_indication6(uint8_t *buf, size_t cap, uint32_t teid,
                                    const struct in6_addr *own_addr, uint16_t src_port,
                                    uint16_t seq);

/* Writes a minimal G-PDU header (8 bytes, no optional fields) for a T-PDU
 * of `payload_len` bytes.  Returns 8, or -EINVAL if the payload is too long
 * for the 16-bit length field. */
int dp_gtpu_build_gpdu_header(uint8_t *buf, size_t cap, uint32_t teid, size_t payload_len);

/* End Marker (TS 29.281 7.3.2): header only, no sequence number, the
 * TEID of the tunnel it ends (the old eNB's downlink TEID after a
 * handover, TS 23.401 5.5.1.1.2 step 5).  Returns 8 or -ENOSPC. */
int dp_gtpu_build_end_marker(uint8_t *buf, size_t cap, uint32_t teid);

/* Echo Request (TS 29.281 7.2.1) with sequence number `seq`.  Returns 12 or
 * -ENOSPC. */
int dp_gtpu_build_echo_request(uint8_t *buf, size_t cap, uint16_t seq);

/* Reads an Echo Response (TS 29.281 7.2.2): version 1, PT 1, type 2, the
 * S flag set (its sequence number in *seq), and its IEs, after the
 * extension-header chain when the E flag is set (5.2.1: each header's
 * length in 4-octet units, its last octet the next type, 0 ends the chain).
 * *recovery is the Recovery IE's restart counter (8.2), or -1 without one.
 * Returns 0, or -EBADMSG for anything else or malformed (truncated, a
 * length field beyond n, an extension header of length 0, an IE that runs
 * past the end).  Used by dp_path.c's receive path; fuzzed by fuzz_dp_gtpu. */
int dp_gtpu_parse_echo_response(const uint8_t *buf, size_t n, uint16_t *seq, int *recovery);

#endif
