/* gtpu_ue_lib — the UE side of a GTP-U user plane on TUN devices; see
 * gtpu_ue_lib.h.  Shared by gtpu-ue and enbsim. */
#include "gtpu_ue_lib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *lname(const struct gtpu_ep *ep)
{
    return ep->log_name ? ep->log_name : "gtpu";
}

int gtpu_parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    if (!s)
        return -EINVAL;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v > UINT32_MAX)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int gtpu_ue_parse_spec(const char *spec, struct gtpu_ue *ue)
{
    char tmp[128];
    char *fields[4];
    int n = 0;

    if (strlen(spec) >= sizeof(tmp))
        return -EINVAL;
    strcpy(tmp, spec);
    for (char *save = NULL, *tok = strtok_r(tmp, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == 4)
            return -EINVAL;
        fields[n++] = tok;
    }
    if (n != 4 || strlen(fields[0]) >= IFNAMSIZ || !fields[0][0])
        return -EINVAL;
    memset(ue, 0, sizeof(*ue));
    strcpy(ue->ifname, fields[0]);
    if (inet_pton(AF_INET, fields[1], &ue->addr) != 1)
        return -EINVAL;
    if (gtpu_parse_u32(fields[2], &ue->ul_teid) || gtpu_parse_u32(fields[3], &ue->dl_teid))
        return -EINVAL;
    ue->tun_fd = -1;
    return 0;
}

static int add_addr6(const struct gtpu_ue *ue, const uint8_t prefix[8]);

int gtpu_ue_tun_open(struct gtpu_ue *ue, int mtu)
{
    struct ifreq ifr;
    int err;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    memcpy(ifr.ifr_name, ue->ifname, IFNAMSIZ); /* NUL-terminated, IFNAMSIZ */
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        goto fail;

    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        goto fail;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    memset(&ifr.ifr_addr, 0, sizeof(ifr.ifr_addr));
    sin->sin_family = AF_INET;
    sin->sin_addr = ue->addr;
    int rc = 0;
    if (ue->addr.s_addr) {              /* PDN type IPv6: no IPv4 address */
        rc = ioctl(s, SIOCSIFADDR, &ifr);
        if (!rc) {
            sin->sin_addr.s_addr = htonl(0xffffffff);
            rc = ioctl(s, SIOCSIFNETMASK, &ifr);
        }
    }
    if (!rc) {
        ifr.ifr_mtu = mtu;
        rc = ioctl(s, SIOCSIFMTU, &ifr);
    }
    if (!rc)
        rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (!rc) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    err = errno;
    close(s);
    if (rc) {
        errno = err;
        goto fail;
    }
    ue->tun_fd = fd;
    if (ue->has6) {
        /* RFC 4862 5.3: the link-local address from the PDN Address's
         * interface identifier (TS 23.401 5.3.1.2.2) */
        static const uint8_t ll[8] = {0xfe, 0x80};
        rc = add_addr6(ue, ll);
        if (!rc && ue->have_prefix6)    /* a device opened again */
            rc = add_addr6(ue, ue->prefix6);
        if (rc) {
            ue->tun_fd = -1;
            errno = -rc;
            goto fail;
        }
    }
    return 0;
fail:
    err = errno;
    close(fd);
    return -err;
}

void gtpu_ue_tun_close(struct gtpu_ue *ue)
{
    if (ue->tun_fd >= 0)
        close(ue->tun_fd);
    ue->tun_fd = -1;
}

int gtpu_ep_open(struct gtpu_ep *ep, const struct sockaddr_in *local)
{
    ep->local = *local;
    ep->local.sin_family = AF_INET;
    if (!ep->local.sin_port)
        ep->local.sin_port = htons(GTPU_PORT);
    ep->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (ep->udp_fd < 0)
        return -errno;
    if (bind(ep->udp_fd, (struct sockaddr *)&ep->local, sizeof(ep->local)) < 0) {
        int err = errno;
        close(ep->udp_fd);
        ep->udp_fd = -1;
        return -err;
    }
    int bufsz = 4 << 20;
    setsockopt(ep->udp_fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    setsockopt(ep->udp_fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    return 0;
}

int gtpu_ep_open6(struct gtpu_ep *ep, const struct sockaddr_in6 *local)
{
    struct sockaddr_in6 sa = *local;
    int on = 1;
    sa.sin6_family = AF_INET6;
    if (!sa.sin6_port)
        sa.sin6_port = htons(GTPU_PORT);
    memset(&ep->local, 0, sizeof(ep->local));
    ep->udp_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (ep->udp_fd < 0)
        return -errno;
    setsockopt(ep->udp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (bind(ep->udp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;
        close(ep->udp_fd);
        ep->udp_fd = -1;
        return -err;
    }
    int bufsz = 4 << 20;
    setsockopt(ep->udp_fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    setsockopt(ep->udp_fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    return 0;
}

void gtpu_ep_close(struct gtpu_ep *ep)
{
    if (ep->udp_fd >= 0)
        close(ep->udp_fd);
    ep->udp_fd = -1;
}

size_t gtpu_push(struct gtpu_ep *ep, uint8_t *hdr, uint32_t teid, size_t len)
{
    size_t hl = GTPU_HDR_LEN;
    uint8_t flags = GTPU_F_VER1 | GTPU_F_PT;

    if (ep->ext_hdr) {
        /* Optional fields (seq, N-PDU, next ext type) then one PDU Session
         * Container: length 1 (4 octets), PDU type 1 (UL), QFI 9, next 0. */
        flags |= GTPU_F_E | GTPU_F_S;
        uint16_t seq = ep->seq++;
        hdr[8] = seq >> 8;
        hdr[9] = seq & 0xff;
        hdr[10] = 0;
        hdr[11] = GTPU_EXT_PDU_SESSION;
        hdr[12] = 1;
        hdr[13] = 0x10;
        hdr[14] = 9;
        hdr[15] = 0;
        hl += GTPU_OPT_LEN + 4;
    }
    hdr[0] = flags;
    hdr[1] = GTPU_GPDU;
    uint16_t glen = (uint16_t)(len + hl - GTPU_HDR_LEN);
    hdr[2] = glen >> 8;
    hdr[3] = glen & 0xff;
    hdr[4] = teid >> 24;
    hdr[5] = teid >> 16;
    hdr[6] = teid >> 8;
    hdr[7] = teid;
    return hl;
}

enum { ROOM = 16 };

static int send_gpdu(struct gtpu_ep *ep, struct gtpu_ue *ue, size_t n)
{
    uint8_t hdr[ROOM];
    size_t hl = gtpu_push(ep, hdr, ue->ul_teid, n);
    memcpy(ep->buf + ROOM - hl, hdr, hl);
    bool v6 = ue->peer6.sin6_family == AF_INET6;
    if (sendto(ep->udp_fd, ep->buf + ROOM - hl, hl + n, 0,
               v6 ? (struct sockaddr *)&ue->peer6 : (struct sockaddr *)&ue->peer,
               v6 ? sizeof(ue->peer6) : sizeof(ue->peer)) >= 0) {
        ue->ul_pkts++;
        return 0;
    }
    int err = errno;
    if (ep->verbose)
        fprintf(stderr, "%s: sendto: %s\n", lname(ep), strerror(err));
    return -err;
}

void gtpu_ep_uplink(struct gtpu_ep *ep, struct gtpu_ue *ue)
{
    if (ue->tun_fd < 0)
        return;
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(ue->tun_fd, ep->buf + ROOM, sizeof(ep->buf) - ROOM);
        if (n <= 0)
            return;
        send_gpdu(ep, ue, (size_t)n);
    }
}

int gtpu_ep_send_tpdu(struct gtpu_ep *ep, struct gtpu_ue *ue, const void *pkt, size_t len)
{
    if (len > sizeof(ep->buf) - ROOM)
        return -EMSGSIZE;
    memcpy(ep->buf + ROOM, pkt, len);
    return send_gpdu(ep, ue, len);
}

static void answer_echo(struct gtpu_ep *ep, const uint8_t *req, size_t len,
                        const struct sockaddr *from, socklen_t fl)
{
    /* TS 29.281 7.2.2: Echo Response carries the sequence number of the
     * request and a Recovery IE (type 14, restart counter 0). */
    uint8_t rsp[14] = {GTPU_F_VER1 | GTPU_F_PT | GTPU_F_S, GTPU_ECHO_RSP, 0, 6,
                       0, 0, 0, 0, 0, 0, 0, 0, 14, 0};
    if (len >= 12 && (req[0] & GTPU_F_S)) {
        rsp[8] = req[8];
        rsp[9] = req[9];
    }
    sendto(ep->udp_fd, rsp, sizeof(rsp), 0, from, fl);
}

int gtpu_payload_offset(const uint8_t *p, size_t len)
{
    if (len < GTPU_HDR_LEN || (p[0] >> 5) != 1 || !(p[0] & GTPU_F_PT))
        return -1;
    size_t glen = ((size_t)p[2] << 8) | p[3];
    if (glen + GTPU_HDR_LEN != len)
        return -1;
    size_t off = GTPU_HDR_LEN;
    if (!(p[0] & (GTPU_F_E | GTPU_F_S | GTPU_F_PN)))
        return (int)off;
    if (len < off + GTPU_OPT_LEN)
        return -1;
    /* TS 29.281 5.1: with E clear the Next Extension Header Type octet is
     * present (S or PN set) but shall not be interpreted */
    uint8_t next = (p[0] & GTPU_F_E) ? p[off + 3] : 0;
    off += GTPU_OPT_LEN;
    /* TS 29.281 5.2.1: each extension header is 4*n octets, the last octet
     * being the next extension type; bounded walk. */
    for (int i = 0; next && i < 16; i++) {
        if (off + 1 > len || !p[off])
            return -1;
        size_t elen = (size_t)p[off] * 4;
        if (off + elen > len)
            return -1;
        next = p[off + elen - 1];
        off += elen;
    }
    return next ? -1 : (int)off;
}

void gtpu_ep_downlink(struct gtpu_ep *ep, gtpu_ue_lookup_fn lookup, void *arg)
{
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(ep->udp_fd, ep->buf, sizeof(ep->buf), 0,
                             (struct sockaddr *)&from, &fl);
        if (n <= 0)
            return;
        const uint8_t *p = ep->buf;
        if ((size_t)n < GTPU_HDR_LEN)
            continue;
        uint32_t teid = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) |
                        ((uint32_t)p[6] << 8) | p[7];
        switch (p[1]) {
        case GTPU_ECHO_REQ:
            answer_echo(ep, p, (size_t)n, (struct sockaddr *)&from, fl);
            continue;
        case GTPU_ERR_IND:
            ep->err_ind++;
            {
                char a[INET6_ADDRSTRLEN] = "?";
                if (from.ss_family == AF_INET6)
                    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, a, sizeof(a));
                else
                    inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, a, sizeof(a));
                fprintf(stderr, "%s: Error Indication from %s\n", lname(ep), a);
            }
            continue;
        case GTPU_GPDU:
            break;
        default:
            if (ep->verbose)
                fprintf(stderr, "%s: ignored message type %u\n", lname(ep), p[1]);
            continue;
        }
        int off = gtpu_payload_offset(p, (size_t)n);
        if (off < 0) {
            ep->malformed++;
            if (ep->verbose)
                fprintf(stderr, "%s: malformed G-PDU\n", lname(ep));
            continue;
        }
        struct gtpu_ue *ue = lookup(arg, teid);
        if (!ue) {
            ep->unknown_teid++;
            if (ep->verbose)
                fprintf(stderr, "%s: G-PDU for unknown TEID 0x%x\n", lname(ep), teid);
            continue;
        }
        if (ue->tun_fd < 0) {
            ue->dl_pkts++; /* no TUN (load runs): counted, dropped */
            continue;
        }
        uint8_t pfx[8];
        if (ue->has6 && gtpu_ra_prefix(p + off, (size_t)n - (size_t)off, pfx)) {
            ue->ra_rx++;
            int rc = gtpu_ue_set_prefix6(ue, pfx);
            if (rc && ep->verbose)
                fprintf(stderr, "%s: %s: IPv6 address from the RA: %s\n", lname(ep), ue->ifname,
                        strerror(-rc));
        }
        if (write(ue->tun_fd, p + off, (size_t)n - (size_t)off) > 0)
            ue->dl_pkts++;
    }
}

int gtpu_ra_prefix(const uint8_t *pkt, size_t len, uint8_t prefix[8])
{
    /* IPv6 header (RFC 8200 3), next header ICMPv6 directly (an RA has no
     * extension headers, RFC 4861 6.1.2: hop limit 255) */
    if (len < 40 + 16 || (pkt[0] >> 4) != 6 || pkt[6] != 58 || pkt[7] != 255)
        return 0;
    size_t plen = (size_t)pkt[4] << 8 | pkt[5];
    if (40 + plen > len || plen < 16)
        return 0;
    const uint8_t *icmp = pkt + 40;
    if (icmp[0] != 134 || icmp[1] != 0)
        return 0;
    /* options after the 16-octet RA body, each 8*len octets */
    for (size_t off = 16; off + 2 <= plen;) {
        size_t olen = (size_t)icmp[off + 1] * 8;
        if (!olen || off + olen > plen)
            return 0;
        /* RFC 4861 4.6.2: type 3, length 4, prefix length 64, A flag */
        if (icmp[off] == 3 && olen == 32 && icmp[off + 2] == 64 && (icmp[off + 3] & 0x40)) {
            memcpy(prefix, icmp + off + 16, 8);
            return 1;
        }
        off += olen;
    }
    return 0;
}

/* PREFIX::IID/64 on the UE's device; 0 or -errno. */
static int add_addr6(const struct gtpu_ue *ue, const uint8_t prefix[8])
{
    int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    struct in6_ifreq r;
    memset(&r, 0, sizeof(r));
    memcpy(r.ifr6_addr.s6_addr, prefix, 8);
    memcpy(r.ifr6_addr.s6_addr + 8, ue->iid6, 8);
    r.ifr6_prefixlen = 64;
    r.ifr6_ifindex = (int)if_nametoindex(ue->ifname);
    int rc = r.ifr6_ifindex ? ioctl(s, SIOCSIFADDR, &r) : -1;
    int err = rc ? (errno ? errno : ENODEV) : 0;
    close(s);
    return rc && err != EEXIST ? -err : 0;
}

int gtpu_ue_set_prefix6(struct gtpu_ue *ue, const uint8_t prefix[8])
{
    if (ue->have_prefix6 && !memcmp(ue->prefix6, prefix, 8))
        return 0;
    int rc = ue->tun_fd >= 0 ? add_addr6(ue, prefix) : 0;
    if (rc)
        return rc;
    memcpy(ue->prefix6, prefix, 8);
    ue->have_prefix6 = true;
    return 0;
}
