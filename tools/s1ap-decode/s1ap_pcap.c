/* Classic pcap -> SCTP DATA chunks with PPID 18: see s1ap_pcap.h.
 * Formats: pcap(5) / draft-ietf-opsawg-pcap; SCTP common header and DATA
 * chunk: RFC 9260 3.1 and 3.3.1. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "s1ap_pcap.h"

#define LINKTYPE_ETHERNET  1
#define LINKTYPE_RAW       101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4      228
#define LINKTYPE_IPV6      229
#define LINKTYPE_LINUX_SLL2 276
#define DLT_RAW_BSD        12   /* some systems write raw IP as 12 or 14 */
#define DLT_RAW_OLD        14

#define MAX_SNAP (256u * 1024u)

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t get32(const uint8_t *p, bool swap)
{
    return swap ? be32(p) : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

struct walk {
    s1ap_pcap_cb cb;
    void *arg;
    FILE *notes;
    unsigned long *skipped;
    unsigned long frame;
};

static void note(struct walk *w, const char *what)
{
    if (w->skipped)
        (*w->skipped)++;
    if (w->notes)
        fprintf(w->notes, "frame %lu: %s, skipped\n", w->frame, what);
}

static void sctp(struct walk *w, const uint8_t *p, size_t len)
{
    unsigned n = 0;

    if (len < 12) {
        note(w, "SCTP common header truncated");
        return;
    }
    size_t off = 12;
    while (off + 4 <= len) {
        uint8_t type = p[off], flags = p[off + 1];
        uint16_t clen = be16(p + off + 2);
        if (clen < 4 || off + clen > len) {
            note(w, "SCTP chunk length beyond the packet");
            return;
        }
        if (type == 0) {                          /* DATA */
            if (clen < 16) {
                note(w, "SCTP DATA chunk shorter than its header");
                return;
            }
            uint32_t ppid = be32(p + off + 12);
            if (ppid == S1AP_SCTP_PPID) {
                if ((flags & 3) != 3)
                    note(w, "fragmented SCTP user message (not reassembled)");
                else {
                    struct s1ap_pcap_msg m = {
                        .frame = w->frame, .chunk = ++n, .stream = be16(p + off + 8),
                        .data = p + off + 16, .len = (size_t)clen - 16,
                    };
                    w->cb(&m, w->arg);
                }
            }
        }
        off += ((size_t)clen + 3) & ~(size_t)3;
    }
}

static void ip(struct walk *w, const uint8_t *p, size_t len)
{
    if (len < 1)
        return;
    if (p[0] >> 4 == 4) {
        if (len < 20 || (p[0] & 15) < 5 || (size_t)(p[0] & 15) * 4 > len) {
            note(w, "IPv4 header truncated");
            return;
        }
        size_t hl = (size_t)(p[0] & 15) * 4, tot = be16(p + 2);
        if (p[9] != 132)
            return;
        if (be16(p + 6) & 0x3fff) {               /* MF or fragment offset */
            note(w, "fragmented IPv4 packet (not reassembled)");
            return;
        }
        if (tot < hl || tot > len) {
            note(w, "IPv4 total length beyond the capture");
            return;
        }
        sctp(w, p + hl, tot - hl);
        return;
    }
    if (p[0] >> 4 == 6) {
        if (len < 40) {
            note(w, "IPv6 header truncated");
            return;
        }
        size_t plen = be16(p + 4), off = 40;
        uint8_t nh = p[6];
        if (40 + plen > len) {
            note(w, "IPv6 payload length beyond the capture");
            return;
        }
        /* hop-by-hop, routing, destination options: skip; fragment: report */
        while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
            if (nh == 44) {
                note(w, "fragmented IPv6 packet (not reassembled)");
                return;
            }
            if (off + 8 > 40 + plen) {
                note(w, "IPv6 extension header truncated");
                return;
            }
            nh = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
        }
        if (nh == 132 && off <= 40 + plen)
            sctp(w, p + off, 40 + plen - off);
    }
}

static void ethertype(struct walk *w, uint16_t et, const uint8_t *p, size_t len)
{
    while ((et == 0x8100 || et == 0x88a8) && len >= 4) {   /* VLAN tags */
        et = be16(p + 2);
        p += 4;
        len -= 4;
    }
    if (et == 0x0800 || et == 0x86dd)
        ip(w, p, len);
}

static void frame(struct walk *w, uint32_t linktype, const uint8_t *p, size_t len)
{
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        if (len >= 14)
            ethertype(w, be16(p + 12), p + 14, len - 14);
        return;
    case LINKTYPE_LINUX_SLL:
        if (len >= 16)
            ethertype(w, be16(p + 14), p + 16, len - 16);
        return;
    case LINKTYPE_LINUX_SLL2:
        if (len >= 20)
            ethertype(w, be16(p), p + 20, len - 20);
        return;
    default:                                        /* raw IP */
        ip(w, p, len);
        return;
    }
}

static bool linktype_ok(uint32_t lt)
{
    return lt == LINKTYPE_ETHERNET || lt == LINKTYPE_RAW || lt == LINKTYPE_LINUX_SLL ||
           lt == LINKTYPE_LINUX_SLL2 || lt == LINKTYPE_IPV4 || lt == LINKTYPE_IPV6 ||
           lt == DLT_RAW_BSD || lt == DLT_RAW_OLD;
}

/* pcapng (draft-ietf-opsawg-pcapng): section header, interface
 * description, enhanced and simple packet blocks; others are skipped. */
#define PCAPNG_MAX_IF 64
static int read_pcapng(FILE *in, struct walk *w, char *err, size_t err_len)
{
    uint32_t linktypes[PCAPNG_MAX_IF];
    unsigned n_if = 0;
    bool swap = false;
    long off = 0;
    uint8_t hdr[12];
    uint8_t *buf = malloc(MAX_SNAP + 64);

    if (!buf) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (;;) {
        size_t got = fread(hdr, 1, 8, in);
        if (got == 0)
            break;
        if (got != 8) {
            snprintf(err, err_len, "pcapng block header truncated at offset %ld", off);
            goto fail;
        }
        uint32_t type = get32(hdr, swap);
        if (type == 0x0a0d0d0a) {               /* section header: byte order */
            if (fread(hdr + 8, 1, 4, in) != 4) {
                snprintf(err, err_len, "pcapng section header truncated at offset %ld", off);
                goto fail;
            }
            if (be32(hdr + 8) == 0x1a2b3c4d)
                swap = true;
            else if (be32(hdr + 8) == 0x4d3c2b1a)
                swap = false;
            else {
                snprintf(err, err_len, "pcapng byte-order magic wrong at offset %ld", off + 8);
                goto fail;
            }
            n_if = 0;
        }
        uint32_t blen = get32(hdr + 4, swap);
        size_t have = type == 0x0a0d0d0a ? 12 : 8;
        if (blen < 12 || blen % 4 || blen - have > MAX_SNAP + 64 - have) {
            snprintf(err, err_len, "pcapng block length %u at offset %ld invalid", blen, off);
            goto fail;
        }
        memcpy(buf, hdr, have);
        if (fread(buf + have, 1, blen - have, in) != blen - have) {
            snprintf(err, err_len, "pcapng block at offset %ld truncated (%u bytes announced)",
                     off, blen);
            goto fail;
        }
        off += blen;
        size_t body = blen - 12;                 /* between length fields */
        const uint8_t *b = buf + 8;
        if (type == 1) {                        /* interface description */
            if (body < 8) {
                snprintf(err, err_len, "pcapng interface block too short at offset %ld", off - blen);
                goto fail;
            }
            if (n_if < PCAPNG_MAX_IF)
                linktypes[n_if++] = swap ? be16(b) : (uint32_t)(b[1] << 8 | b[0]);
        } else if (type == 6 || type == 3) {    /* enhanced / simple packet */
            uint32_t ifc = 0, caplen;
            const uint8_t *data;
            if (type == 6) {
                if (body < 20)
                    continue;
                ifc = get32(b, swap);
                caplen = get32(b + 12, swap);
                data = b + 20;
                if (caplen > body - 20)
                    caplen = (uint32_t)(body - 20);
            } else {
                if (body < 4)
                    continue;
                caplen = (uint32_t)(body - 4);
                data = b + 4;
            }
            w->frame++;
            if (ifc >= n_if) {
                snprintf(err, err_len, "frame %lu: interface %u not described", w->frame, ifc);
                goto fail;
            }
            if (linktype_ok(linktypes[ifc]))
                frame(w, linktypes[ifc], data, caplen);
            else
                note(w, "link type of the interface not supported");
        }
    }
    free(buf);
    return 0;
fail:
    free(buf);
    return -1;
}

int s1ap_pcap_read(FILE *in, s1ap_pcap_cb cb, void *arg, FILE *notes, unsigned long *skipped,
                   char *err, size_t err_len)
{
    uint8_t gh[24], rh[16];
    struct walk w = { .cb = cb, .arg = arg, .notes = notes, .skipped = skipped };
    bool swap;
    uint8_t *buf;

    int c = getc(in);
    if (c == 0x0a) {                             /* pcapng section header */
        ungetc(c, in);
        return read_pcapng(in, &w, err, err_len);
    }
    if (c != EOF)
        ungetc(c, in);
    if (fread(gh, 1, sizeof(gh), in) != sizeof(gh)) {
        snprintf(err, err_len, "file shorter than a pcap global header (24 bytes)");
        return -1;
    }
    uint32_t magic = be32(gh);
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
        swap = true;                 /* written big-endian */
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
        swap = false;
    else {
        snprintf(err, err_len, "not a pcap file (magic 0x%08x at offset 0)", magic);
        return -1;
    }
    uint32_t linktype = get32(gh + 20, swap) & 0x0fffffff;
    if (!linktype_ok(linktype)) {
        snprintf(err, err_len, "link type %u not supported (Ethernet 1, raw IP 101, "
                               "Linux SLL 113, SLL2 276)", linktype);
        return -1;
    }
    if (!(buf = malloc(MAX_SNAP))) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    long off = 24;
    for (;;) {
        size_t got = fread(rh, 1, sizeof(rh), in);
        if (got == 0)
            break;
        if (got != sizeof(rh)) {
            snprintf(err, err_len, "record header of frame %lu truncated at offset %ld",
                     w.frame + 1, off);
            free(buf);
            return -1;
        }
        uint32_t incl = get32(rh + 8, swap);
        w.frame++;
        if (incl > MAX_SNAP) {
            snprintf(err, err_len, "frame %lu: captured length %u at offset %ld exceeds %u",
                     w.frame, incl, off, MAX_SNAP);
            free(buf);
            return -1;
        }
        if (fread(buf, 1, incl, in) != incl) {
            snprintf(err, err_len, "frame %lu truncated (%u bytes announced at offset %ld)",
                     w.frame, incl, off);
            free(buf);
            return -1;
        }
        off += 16 + (long)incl;
        frame(&w, linktype, buf, incl);
    }
    free(buf);
    return 0;
}
