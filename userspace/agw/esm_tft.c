/* Packet filters of dedicated bearers (TS 24.008 10.5.6.12): the
 * IPFilterRule text that xepcctl and a PCRF's Flow-Description write
 * (RFC 6733 4.3, TS 29.212 5.4.2), and the filters' NAS form both ways
 * (the network's TFTs, a UE's bearer resource requests).  Pure functions
 * (test_esm_bearer). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"

/* ------------------------------------------------ packet filter text -- */

static int pf_err(char *err, size_t errlen, const char *fmt, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, what);
    return -EINVAL;
}

static bool parse_prefix(const char *t, struct in_addr *a, uint8_t *plen)
{
    char buf[32];
    if (!strcmp(t, "any")) {
        a->s_addr = 0;
        *plen = 0;
        return true;
    }
    if (strlen(t) >= sizeof(buf))
        return false;
    snprintf(buf, sizeof(buf), "%s", t);
    char *slash = strchr(buf, '/');
    unsigned long l = 32;
    if (slash) {
        char *end;
        *slash = 0;
        l = strtoul(slash + 1, &end, 10);
        if (*end || !slash[1] || l > 32)
            return false;
    }
    if (inet_pton(AF_INET, buf, a) != 1)
        return false;
    uint32_t mask = l ? htonl(~0u << (32 - l)) : 0;
    if (a->s_addr & ~mask)
        return false;       /* host bits set */
    *plen = (uint8_t)l;
    return true;
}

static bool parse_ports(const char *t, uint16_t *lo, uint16_t *hi)
{
    char *end;
    unsigned long a = strtoul(t, &end, 10), b = a;
    if (end == t)
        return false;
    if (*end == '-') {
        const char *s = end + 1;
        b = strtoul(s, &end, 10);
        if (end == s)
            return false;
    }
    if (*end || a > 65535 || b > 65535 || a > b)
        return false;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return true;
}

static bool is_ports(const char *t)
{
    return t && isdigit((unsigned char)t[0]);
}

/*
 * "permit out PROTO from SRC [PORTS] to DST [PORTS] [tos V[/M]]": the
 * IPFilterRule of RFC 6733 4.3 as a PCRF writes a Flow-Description (TS
 * 29.212 5.4.2): "out" is the downlink direction, SRC the remote (network)
 * side and DST the UE side; "in" is the uplink, SRC the UE and DST the
 * remote.  PROTO is ip (any), tcp, udp, icmp or a number; addresses are
 * "any", A.B.C.D or A.B.C.D/N; PORTS a port or LO-HI.  The optional "tos"
 * (not in RFC 6733) is the TFT's type-of-service component.  The filter
 * applies in both directions (TS 24.008 10.5.6.12: bidirectional).
 */
int agw_pf_parse(const char *text, struct agw_pf *pf, char *err, size_t errlen)
{
    char buf[256], *save = NULL, *tok[16];
    unsigned n = 0;
    if (strlen(text) >= sizeof(buf))
        return pf_err(err, errlen, "%s", "packet filter too long");
    snprintf(buf, sizeof(buf), "%s", text);
    for (char *t = strtok_r(buf, " \t", &save); t && n < 16; t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    memset(pf, 0, sizeof(*pf));
    pf->dir = NAS_PF_DIR_BOTH;
    pf->rport_hi = pf->lport_hi = 65535;
    unsigned i = 0;
    if (n < 6 || strcmp(tok[i++], "permit"))
        return pf_err(err, errlen, "%s", "a filter reads 'permit out PROTO from SRC [PORTS] to DST "
                      "[PORTS]'");
    bool out;
    if (!strcmp(tok[i], "out"))
        out = true;
    else if (!strcmp(tok[i], "in"))
        out = false;
    else
        return pf_err(err, errlen, "direction '%s' is neither out nor in", tok[i]);
    i++;
    const char *p = tok[i++];
    if (!strcmp(p, "ip"))
        pf->proto = 0;
    else if (!strcmp(p, "tcp"))
        pf->proto = 6;
    else if (!strcmp(p, "udp"))
        pf->proto = 17;
    else if (!strcmp(p, "icmp"))
        pf->proto = 1;
    else {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (*end || !*p || v > 255)
            return pf_err(err, errlen, "protocol '%s' is not ip, tcp, udp, icmp or 0..255", p);
        pf->proto = (uint8_t)v;
    }
    struct in_addr a[2];
    uint8_t pl[2];
    uint16_t lo[2] = {0, 0}, hi[2] = {65535, 65535};
    for (int side = 0; side < 2; side++) {
        if (i >= n || strcmp(tok[i], side ? "to" : "from"))
            return pf_err(err, errlen, "expected '%s'", side ? "to" : "from");
        i++;
        if (i >= n || !parse_prefix(tok[i], &a[side], &pl[side]))
            return pf_err(err, errlen, "'%s' is not any, an IPv4 address or a prefix",
                          i < n ? tok[i] : "");
        i++;
        if (i < n && is_ports(tok[i])) {
            if (!parse_ports(tok[i], &lo[side], &hi[side]))
                return pf_err(err, errlen, "'%s' is not a port or LO-HI", tok[i]);
            if (pf->proto != 6 && pf->proto != 17 && pf->proto != 132)
                return pf_err(err, errlen, "%s", "ports need tcp, udp or sctp");
            i++;
        }
    }
    if (i + 1 < n && !strcmp(tok[i], "tos")) {
        char tv[16], *slash, *end;
        snprintf(tv, sizeof(tv), "%s", tok[i + 1]);
        unsigned long m = 0xff, v;
        if ((slash = strchr(tv, '/'))) {
            *slash = 0;
            m = strtoul(slash + 1, &end, 0);
            if (*end || !slash[1] || m > 255 || !m)
                return pf_err(err, errlen, "tos mask '%s' is not 1..255", slash + 1);
        }
        v = strtoul(tv, &end, 0);
        if (*end || !tv[0] || v > 255 || (v & ~m))
            return pf_err(err, errlen, "tos '%s' is not 0..255 within its mask", tok[i + 1]);
        pf->tos = (uint8_t)v;
        pf->tos_mask = (uint8_t)m;
        i += 2;
    }
    if (i != n)
        return pf_err(err, errlen, "unexpected '%s'", tok[i]);
    int r = out ? 0 : 1, l = out ? 1 : 0;   /* which side is remote, which the UE */
    pf->raddr = a[r];
    pf->rplen = pl[r];
    pf->rport_lo = lo[r];
    pf->rport_hi = hi[r];
    pf->laddr = a[l];
    pf->lplen = pl[l];
    pf->lport_lo = lo[l];
    pf->lport_hi = hi[l];
    return 0;
}

static void prefix_str(struct in_addr a, uint8_t plen, char *out, size_t cap)
{
    char s[INET_ADDRSTRLEN];
    if (!plen) {
        snprintf(out, cap, "any");
        return;
    }
    inet_ntop(AF_INET, &a, s, sizeof(s));
    if (plen == 32)
        snprintf(out, cap, "%s", s);
    else
        snprintf(out, cap, "%s/%u", s, plen);
}

static void ports_str(uint16_t lo, uint16_t hi, char *out, size_t cap)
{
    if (lo == 0 && hi == 65535)
        out[0] = 0;
    else if (lo == hi)
        snprintf(out, cap, " %u", lo);
    else
        snprintf(out, cap, " %u-%u", lo, hi);
}

/* The filter in the syntax agw_pf_parse() reads ("permit out"). */
int agw_pf_format(const struct agw_pf *pf, char *out, size_t cap)
{
    char proto[8], r[24], l[24], rp[16], lp[16], tos[16] = "";
    if (pf->proto == 0)
        snprintf(proto, sizeof(proto), "ip");
    else if (pf->proto == 6)
        snprintf(proto, sizeof(proto), "tcp");
    else if (pf->proto == 17)
        snprintf(proto, sizeof(proto), "udp");
    else if (pf->proto == 1)
        snprintf(proto, sizeof(proto), "icmp");
    else
        snprintf(proto, sizeof(proto), "%u", pf->proto);
    prefix_str(pf->raddr, pf->rplen, r, sizeof(r));
    prefix_str(pf->laddr, pf->lplen, l, sizeof(l));
    ports_str(pf->rport_lo, pf->rport_hi, rp, sizeof(rp));
    ports_str(pf->lport_lo, pf->lport_hi, lp, sizeof(lp));
    if (pf->tos_mask)
        snprintf(tos, sizeof(tos), " tos 0x%02x/0x%02x", pf->tos, pf->tos_mask);
    int k = snprintf(out, cap, "permit out %s from %s%s to %s%s%s", proto, r, rp, l, lp, tos);
    return k < 0 || (size_t)k >= cap ? -ENOSPC : 0;
}

/* ------------------------------------------------ TFT <-> NAS (24.008) -- */

static void put_ipv4_comp(struct nas_pf_component *c, uint8_t type, struct in_addr a,
                          uint8_t plen)
{
    uint32_t mask = plen ? htonl(~0u << (32 - plen)) : 0;
    c->type = type;
    memcpy(c->u.ipv4.addr, &a.s_addr, 4);
    memcpy(c->u.ipv4.mask, &mask, 4);
}

static void put_ports_comp(struct nas_pf_component *c, uint8_t single, uint8_t range,
                           uint16_t lo, uint16_t hi)
{
    if (lo == hi) {
        c->type = single;
        c->u.port = lo;
    } else {
        c->type = range;
        c->u.port_range.lo = lo;
        c->u.port_range.hi = hi;
    }
}

/* TS 24.008 10.5.6.12: a packet filter as its components.  A filter
 * without any component would match everything; TS 24.008 wants at least
 * one, so "any" gets the match-all remote address 0.0.0.0/0. */
void agw_pf_to_nas(const struct agw_pf *pf, struct nas_packet_filter *o)
{
    memset(o, 0, sizeof(*o));
    o->id = pf->id;
    o->dir = pf->dir;
    o->precedence = pf->prec;
    if (pf->rplen || (!pf->lplen && !pf->proto && pf->rport_lo == 0 && pf->rport_hi == 65535 &&
                      pf->lport_lo == 0 && pf->lport_hi == 65535 && !pf->tos_mask))
        put_ipv4_comp(&o->c[o->n++], NAS_PF_IPV4_REMOTE, pf->raddr, pf->rplen);
    if (pf->lplen)
        put_ipv4_comp(&o->c[o->n++], NAS_PF_IPV4_LOCAL, pf->laddr, pf->lplen);
    if (pf->proto) {
        o->c[o->n].type = NAS_PF_PROTOCOL;
        o->c[o->n++].u.protocol = pf->proto;
    }
    if (pf->lport_lo != 0 || pf->lport_hi != 65535)
        put_ports_comp(&o->c[o->n++], NAS_PF_LOCAL_PORT, NAS_PF_LOCAL_PORT_RANGE, pf->lport_lo,
                       pf->lport_hi);
    if (pf->rport_lo != 0 || pf->rport_hi != 65535)
        put_ports_comp(&o->c[o->n++], NAS_PF_REMOTE_PORT, NAS_PF_REMOTE_PORT_RANGE,
                       pf->rport_lo, pf->rport_hi);
    if (pf->tos_mask) {
        o->c[o->n].type = NAS_PF_TOS;
        o->c[o->n].u.tos.tos = pf->tos;
        o->c[o->n++].u.tos.mask = pf->tos_mask;
    }
}

static uint8_t mask_plen(const uint8_t m[4])
{
    uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    uint8_t n = 0;
    while (v & 0x80000000u) {
        n++;
        v <<= 1;
    }
    return v ? 0xff : n;    /* 0xff: not a contiguous mask */
}

/* A UE's packet filter (bearer resource requests): 0, or the ESM cause:
 * #44 semantic error in the packet filter (a component we cannot enforce
 * in the datapath: IPv6, SPI, flow label, Ethernet; a non-contiguous
 * mask). */
int agw_pf_from_nas(const struct nas_packet_filter *in, struct agw_pf *pf)
{
    memset(pf, 0, sizeof(*pf));
    pf->id = in->id & 15;
    pf->dir = in->dir;
    pf->prec = in->precedence;
    pf->rport_hi = pf->lport_hi = 65535;
    for (unsigned i = 0; i < in->n && i < NAS_PF_COMPONENTS_MAX; i++) {
        const struct nas_pf_component *c = &in->c[i];
        uint8_t plen;
        switch (c->type) {
        case NAS_PF_IPV4_REMOTE:
        case NAS_PF_IPV4_LOCAL:
            if ((plen = mask_plen(c->u.ipv4.mask)) > 32)
                return 44;
            if (c->type == NAS_PF_IPV4_REMOTE) {
                memcpy(&pf->raddr.s_addr, c->u.ipv4.addr, 4);
                pf->rplen = plen;
                pf->raddr.s_addr &= plen ? htonl(~0u << (32 - plen)) : 0;
            } else {
                memcpy(&pf->laddr.s_addr, c->u.ipv4.addr, 4);
                pf->lplen = plen;
                pf->laddr.s_addr &= plen ? htonl(~0u << (32 - plen)) : 0;
            }
            break;
        case NAS_PF_PROTOCOL:
            pf->proto = c->u.protocol;
            break;
        case NAS_PF_LOCAL_PORT:
            pf->lport_lo = pf->lport_hi = c->u.port;
            break;
        case NAS_PF_LOCAL_PORT_RANGE:
            if (c->u.port_range.lo > c->u.port_range.hi)
                return 44;
            pf->lport_lo = c->u.port_range.lo;
            pf->lport_hi = c->u.port_range.hi;
            break;
        case NAS_PF_REMOTE_PORT:
            pf->rport_lo = pf->rport_hi = c->u.port;
            break;
        case NAS_PF_REMOTE_PORT_RANGE:
            if (c->u.port_range.lo > c->u.port_range.hi)
                return 44;
            pf->rport_lo = c->u.port_range.lo;
            pf->rport_hi = c->u.port_range.hi;
            break;
        case NAS_PF_TOS:
            pf->tos_mask = c->u.tos.mask;
            pf->tos = c->u.tos.tos & c->u.tos.mask;
            break;
        default:
            return 44;
        }
    }
    return 0;
}
