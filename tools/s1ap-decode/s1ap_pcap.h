/* s1ap-decode: the S1AP messages of a pcap or pcapng file.
 *
 * Reads the classic libpcap format (either byte order, micro- or
 * nanosecond magic) and pcapng (section, interface, enhanced and simple
 * packet blocks), link types Ethernet (with 802.1Q tags),
 * Linux cooked capture v1 and v2, and raw IP; walks IPv4/IPv6 to SCTP
 * (protocol 132) and calls back for each complete DATA chunk whose payload
 * protocol identifier is 18 (S1AP, TS 36.412).  Fragmented IP packets and
 * fragmented SCTP user messages are reported, not reassembled. */
#ifndef XEPC_TOOLS_S1AP_PCAP_H
#define XEPC_TOOLS_S1AP_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define S1AP_SCTP_PPID 18

struct s1ap_pcap_msg {
    unsigned long frame;        /* 1-based, like Wireshark */
    unsigned chunk;             /* 1-based among the S1AP chunks of the frame */
    uint16_t stream;
    const uint8_t *data;
    size_t len;
};

typedef void (*s1ap_pcap_cb)(const struct s1ap_pcap_msg *m, void *arg);

/* Calls cb for every S1AP message.  Returns 0, or -1 with a message in
 * err (not a pcap file, truncated record, unsupported link type).  Frames
 * that are not S1AP are skipped; *skipped (if not NULL) counts frames that
 * looked like SCTP but could not be used (fragments, bad lengths), with a
 * note for each written to `notes` (may be NULL). */
int s1ap_pcap_read(FILE *in, s1ap_pcap_cb cb, void *arg, FILE *notes, unsigned long *skipped,
                   char *err, size_t err_len);

#endif
