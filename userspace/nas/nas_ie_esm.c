/* ESM IE codecs: TS 24.301 9.9.4 and the TS 24.008 10.5.6 elements they
 * refer to (QoS, APN, APN-AMBR, PDN address, PCO, TFT). */
#include <arpa/inet.h>
#include <string.h>

#include "nas/nas_internal.h"

#define INVALID (-NAS_ERR_MANDATORY_INVALID)
#define NOSPC (-NAS_ERR_NOSPC)

/* ---------------------------------------------------------- bit rates */

/* TS 24.301 9.9.4.3 / TS 24.008 10.5.6.5: the 8-bit bit rate octet */
static uint64_t rate_base(uint8_t v)
{
    if (v == 0xff || v == 0)
        return 0;
    if (v < 0x40)
        return v;
    if (v < 0x80)
        return 64 + (v - 0x40) * 8u;
    return 576 + (v - 0x80) * 64u;
}

/* the "extended" octet: 8700 kbps .. 256 Mbps */
static uint64_t rate_ext(uint8_t v)
{
    if (v <= 0x4a)
        return 8600 + v * 100u;
    if (v <= 0xba)
        return 16000 + (v - 0x4a) * 1000u;
    if (v > 0xfa)
        v = 0xfa;
    return 128000 + (v - 0xba) * 2000u;
}

/* the EPS QoS "extended-2" octet: 260 Mbps .. 10 Gbps */
static uint64_t rate_ext2(uint8_t v)
{
    if (v <= 0x3d)
        return 256000 + v * 4000u;
    if (v <= 0xa1)
        return 500000 + (v - 0x3d) * 10000u;
    if (v > 0xf6)
        v = 0xf6;
    return 1500000 + (v - 0xa1) * 100000u;
}

static uint64_t rate_get(uint8_t base, uint8_t ext, uint8_t ext2)
{
    if (ext2)
        return rate_ext2(ext2);
    if (ext)
        return rate_ext(ext);
    return rate_base(base);
}

/* Fills base/ext/ext2 for k kbps (rounded down); returns how many octets
 * are needed: 1, 2 or 3, or -1 above 10 Gbps. */
static int rate_put(uint64_t k, uint8_t *base, uint8_t *ext, uint8_t *ext2)
{
    *ext = 0;
    *ext2 = 0;
    if (k == 0) {
        *base = 0xff;
        return 1;
    }
    if (k <= 63) { *base = (uint8_t)k; return 1; }
    if (k <= 568) { *base = (uint8_t)(0x40 + (k - 64) / 8); return 1; }
    if (k <= 8640) { *base = (uint8_t)(0x80 + (k - 576) / 64); return 1; }
    *base = 0xfe;
    if (k < 8700) return 1;  /* rounds down to 8640 kbps */
    if (k <= 16000) { *ext = (uint8_t)((k - 8600) / 100); return 2; }
    if (k <= 128000) { *ext = (uint8_t)(0x4a + (k - 16000) / 1000); return 2; }
    if (k <= 256000) { *ext = (uint8_t)(0xba + (k - 128000) / 2000); return 2; }
    *ext = 0xfa;
    if (k < 260000) return 2;  /* rounds down to 256 Mbps */
    if (k <= 500000) { *ext2 = (uint8_t)((k - 256000) / 4000); return 3; }
    if (k <= 1500000) { *ext2 = (uint8_t)(0x3d + (k - 500000) / 10000); return 3; }
    if (k <= 10000000) { *ext2 = (uint8_t)(0xa1 + (k - 1500000) / 100000); return 3; }
    return -1;
}

int nas_eps_qos_set(struct nas_eps_qos *q, uint8_t qci, uint64_t mbr_ul_kbps,
                    uint64_t mbr_dl_kbps, uint64_t gbr_ul_kbps, uint64_t gbr_dl_kbps)
{
    const uint64_t k[4] = { mbr_ul_kbps, mbr_dl_kbps, gbr_ul_kbps, gbr_dl_kbps };
    int need = 0;

    memset(q, 0, sizeof(*q));
    q->qci = qci;
    q->len = 1;
    if (!(k[0] | k[1] | k[2] | k[3]))
        return 0;
    for (int i = 0; i < 4; i++) {
        int n = rate_put(k[i], &q->oct[1 + i], &q->oct[5 + i], &q->oct[9 + i]);

        if (n < 0)
            return -1;
        if (n > need)
            need = n;
    }
    q->len = (uint8_t)(1 + 4 * need);
    return 0;
}

uint64_t nas_eps_qos_kbps(const struct nas_eps_qos *q, enum nas_qos_rate r)
{
    if (q->len < 5)
        return 0;
    return rate_get(q->oct[1 + r], q->len >= 9 ? q->oct[5 + r] : 0, q->len >= 13 ? q->oct[9 + r] : 0);
}

/* TS 24.301 9.9.4.3 EPS quality of service: 1, 5, 9 or 13 octets */
static int qos_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_eps_qos *q = field;

    (void)d;
    if (len > 13)
        len = 13;  /* TS 24.007 11.2.1.1.4: ignore octets beyond the known ones */
    q->len = (uint8_t)len;
    memcpy(q->oct, p, len);
    return 0;
}

static int qos_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_eps_qos *q = field;

    (void)d;
    if (q->len < 1 || q->len > 13)
        return -NAS_ERR_INVALID;
    if (cap < q->len)
        return NOSPC;
    memcpy(p, q->oct, q->len);
    return q->len;
}

static void qos_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_eps_qos *q = field;

    (void)d; (void)indent;
    fprintf(f, "QCI %u", q->qci);
    if (q->len >= 5)
        fprintf(f, ", MBR UL %llu DL %llu kbps, GBR UL %llu DL %llu kbps",
                (unsigned long long)nas_eps_qos_kbps(q, NAS_QOS_MBR_UL),
                (unsigned long long)nas_eps_qos_kbps(q, NAS_QOS_MBR_DL),
                (unsigned long long)nas_eps_qos_kbps(q, NAS_QOS_GBR_UL),
                (unsigned long long)nas_eps_qos_kbps(q, NAS_QOS_GBR_DL));
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_qos = { qos_dec, qos_enc, qos_print, sizeof(struct nas_eps_qos) };

/* TS 24.301 9.9.4.2 APN-AMBR.  Extended-2 counts whole 256 Mbps on top of
 * the rate of the octets before it. */
int nas_apn_ambr_set(struct nas_apn_ambr *a, uint64_t dl_kbps, uint64_t ul_kbps)
{
    const uint64_t k[2] = { dl_kbps, ul_kbps };
    int need = 1;

    memset(a, 0, sizeof(*a));
    for (int i = 0; i < 2; i++) {
        uint64_t hi = k[i] > 256000 ? k[i] / 256000 : 0, lo = k[i] - hi * 256000;
        uint8_t ext2;
        int n;

        if (hi > 254)
            return -1;
        n = rate_put(lo, &a->oct[i], &a->oct[2 + i], &ext2);
        if (hi) {
            a->oct[4 + i] = (uint8_t)hi;
            n = 3;
        }
        if (n > need)
            need = n;
    }
    a->len = (uint8_t)(2 * need);
    return 0;
}

uint64_t nas_apn_ambr_kbps(const struct nas_apn_ambr *a, bool uplink)
{
    int i = uplink ? 1 : 0;
    uint8_t ext = a->len >= 4 ? a->oct[2 + i] : 0, ext2 = a->len >= 6 ? a->oct[4 + i] : 0;

    return (uint64_t)ext2 * 256000 + (ext ? rate_ext(ext) : rate_base(a->oct[i]));
}

static int ambr_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_apn_ambr *a = field;

    (void)d;
    if (len > 6)
        len = 6;
    a->len = (uint8_t)len;
    memcpy(a->oct, p, len);
    return 0;
}

static int ambr_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_apn_ambr *a = field;

    (void)d;
    if (a->len < 2 || a->len > 6)
        return -NAS_ERR_INVALID;
    if (cap < a->len)
        return NOSPC;
    memcpy(p, a->oct, a->len);
    return a->len;
}

static void ambr_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_apn_ambr *a = field;

    (void)d; (void)indent;
    fprintf(f, "DL %llu kbps, UL %llu kbps\n", (unsigned long long)nas_apn_ambr_kbps(a, false),
            (unsigned long long)nas_apn_ambr_kbps(a, true));
}

const struct nas_codec_ops nas_ops_ambr = { ambr_dec, ambr_enc, ambr_print, sizeof(struct nas_apn_ambr) };

/* ---------------------------------------------------------------- APN */

/* TS 23.003 9.1: length-prefixed labels */
static int apn_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_apn *a = field;
    size_t pos = 0, o = 0;

    (void)d;
    if (len > NAS_APN_MAX)
        return INVALID;
    while (pos < len) {
        uint8_t l = p[pos++];

        if (l == 0 || l > len - pos)
            return INVALID;
        if (o)
            a->name[o++] = '.';
        for (unsigned i = 0; i < l; i++) {
            uint8_t c = p[pos + i];

            if (c == '.' || c < 0x21 || c > 0x7e)
                return INVALID;
            a->name[o++] = (char)c;
        }
        pos += l;
    }
    a->name[o] = '\0';
    return 0;
}

static int apn_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_apn *a = field;
    size_t n = strnlen(a->name, sizeof(a->name)), o = 0, start = 0;

    (void)d;
    if (n == 0 || n >= sizeof(a->name))
        return -NAS_ERR_INVALID;
    if (cap < n + 1)
        return NOSPC;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || a->name[i] == '.') {
            size_t l = i - start;

            if (l == 0 || l > 63)
                return -NAS_ERR_INVALID;
            p[o++] = (uint8_t)l;
            memcpy(p + o, a->name + start, l);
            o += l;
            start = i + 1;
        }
    }
    return (int)o;
}

static void apn_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    (void)d; (void)indent;
    fprintf(f, "\"%s\"\n", ((const struct nas_apn *)field)->name);
}

const struct nas_codec_ops nas_ops_apn = { apn_dec, apn_enc, apn_print, sizeof(struct nas_apn) };

/* -------------------------------------------------------- PDN address */

/* TS 24.301 9.9.4.9 */
static int pdn_addr_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_pdn_addr *a = field;

    (void)d;
    a->type = p[0] & 7;
    switch (a->type) {
    case NAS_PDN_IPV4:
        if (len < 5)
            return INVALID;
        memcpy(a->ipv4, p + 1, 4);
        return 0;
    case NAS_PDN_IPV6:
        if (len < 9)
            return INVALID;
        memcpy(a->ipv6_iid, p + 1, 8);
        return 0;
    case NAS_PDN_IPV4V6:
        if (len < 13)
            return INVALID;
        memcpy(a->ipv6_iid, p + 1, 8);
        memcpy(a->ipv4, p + 9, 4);
        return 0;
    default:
        return INVALID;
    }
}

static int pdn_addr_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_pdn_addr *a = field;
    size_t n = a->type == NAS_PDN_IPV4 ? 5 : a->type == NAS_PDN_IPV6 ? 9 : 13;

    (void)d;
    if (a->type < NAS_PDN_IPV4 || a->type > NAS_PDN_IPV4V6)
        return -NAS_ERR_INVALID;
    if (cap < n)
        return NOSPC;
    p[0] = a->type;
    if (a->type == NAS_PDN_IPV4) {
        memcpy(p + 1, a->ipv4, 4);
    } else {
        memcpy(p + 1, a->ipv6_iid, 8);
        if (a->type == NAS_PDN_IPV4V6)
            memcpy(p + 9, a->ipv4, 4);
    }
    return (int)n;
}

static void pdn_addr_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_pdn_addr *a = field;
    char v4[INET_ADDRSTRLEN];

    (void)d; (void)indent;
    inet_ntop(AF_INET, a->ipv4, v4, sizeof(v4));
    if (a->type != NAS_PDN_IPV6)
        fprintf(f, "IPv4 %s%s", v4, a->type == NAS_PDN_IPV4V6 ? ", " : "");
    if (a->type != NAS_PDN_IPV4)
        fprintf(f, "IPv6 interface id %02x%02x:%02x%02x:%02x%02x:%02x%02x", a->ipv6_iid[0],
                a->ipv6_iid[1], a->ipv6_iid[2], a->ipv6_iid[3], a->ipv6_iid[4], a->ipv6_iid[5],
                a->ipv6_iid[6], a->ipv6_iid[7]);
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_pdn_addr = {
    pdn_addr_dec, pdn_addr_enc, pdn_addr_print, sizeof(struct nas_pdn_addr)
};

/* ---------------------------------------------------------------- PCO */

void nas_pco_init(struct nas_pco *pco)
{
    memset(pco, 0, sizeof(*pco));
}

int nas_pco_add(struct nas_pco *pco, uint16_t id, const void *data, uint8_t len)
{
    if (pco->n >= NAS_PCO_ITEMS_MAX || NAS_PCO_DATA_MAX - pco->used < len)
        return -1;
    pco->item[pco->n].id = id;
    pco->item[pco->n].len = len;
    pco->item[pco->n].off = pco->used;
    if (len)
        memcpy(pco->data + pco->used, data, len);
    pco->used = (uint16_t)(pco->used + len);
    pco->n++;
    return 0;
}

const uint8_t *nas_pco_find(const struct nas_pco *pco, uint16_t id, unsigned idx, uint8_t *len)
{
    for (unsigned i = 0; i < pco->n; i++) {
        if (pco->item[i].id != id || idx--)
            continue;
        if (len)
            *len = pco->item[i].len;
        return pco->data + pco->item[i].off;
    }
    return NULL;
}

/* TS 24.008 10.5.6.3 (and TS 24.301 9.9.4.26 for the extended PCO) */
static int pco_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_pco *pco = field;
    size_t pos = 1;

    (void)d;
    nas_pco_init(pco);
    /* octet 3: bit 8 extension (1), bits 3-1 configuration protocol */
    pco->cfg_proto = p[0] & 7;
    while (pos < len) {
        uint8_t l;

        if (len - pos < 3)
            return INVALID;
        l = p[pos + 2];
        if (len - pos - 3 < l)
            return INVALID;
        if (nas_pco_add(pco, nas_get16(p + pos), p + pos + 3, l) < 0)
            return -NAS_ERR_IE_TOO_LONG;
        pos += 3u + l;
    }
    return 0;
}

static int pco_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_pco *pco = field;
    size_t pos = 1;

    if (pco->cfg_proto > 7 || pco->n > NAS_PCO_ITEMS_MAX)
        return -NAS_ERR_INVALID;
    if (cap < 1)
        return NOSPC;
    p[0] = (uint8_t)(0x80 | pco->cfg_proto);
    for (unsigned i = 0; i < pco->n; i++) {
        const struct nas_pco_item *it = &pco->item[i];

        if ((size_t)it->off + it->len > NAS_PCO_DATA_MAX)
            return -NAS_ERR_INVALID;
        if (cap - pos < 3u + it->len)
            return NOSPC;
        nas_put16(p + pos, it->id);
        p[pos + 2] = it->len;
        memcpy(p + pos + 3, pco->data + it->off, it->len);
        pos += 3u + it->len;
    }
    if (pos > d->max)
        return -NAS_ERR_INVALID;
    return (int)pos;
}

static void pco_item_print(FILE *f, const struct nas_pco_item *it, const uint8_t *v)
{
    char a[INET6_ADDRSTRLEN];

    switch (it->id) {
    case NAS_PCO_DNS_IPV4:
    case NAS_PCO_P_CSCF_IPV4:
        fputs(it->id == NAS_PCO_DNS_IPV4 ? "DNS server IPv4" : "P-CSCF IPv4", f);
        if (it->len == 4)
            fprintf(f, " %s\n", inet_ntop(AF_INET, v, a, sizeof(a)));
        else
            fputs(it->len ? " (bad length)\n" : " address request\n", f);
        return;
    case NAS_PCO_DNS_IPV6:
    case NAS_PCO_P_CSCF_IPV6:
        fputs(it->id == NAS_PCO_DNS_IPV6 ? "DNS server IPv6" : "P-CSCF IPv6", f);
        if (it->len == 16)
            fprintf(f, " %s\n", inet_ntop(AF_INET6, v, a, sizeof(a)));
        else
            fputs(it->len ? " (bad length)\n" : " address request\n", f);
        return;
    case NAS_PCO_IPV4_LINK_MTU:
        if (it->len == 2)
            fprintf(f, "IPv4 link MTU %u\n", nas_get16(v));
        else
            fputs(it->len ? "IPv4 link MTU (bad length)\n" : "IPv4 link MTU request\n", f);
        return;
    case NAS_PCO_IP_ALLOC_VIA_NAS:
        fputs("IP address allocation via NAS signalling\n", f);
        return;
    default:
        fprintf(f, "container 0x%04x [%u] ", it->id, it->len);
        nas_print_hex(f, v, it->len);
        fputc('\n', f);
    }
}

static void pco_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_pco *pco = field;

    (void)d;
    fprintf(f, "configuration protocol %u, %u container(s)\n", pco->cfg_proto, pco->n);
    for (unsigned i = 0; i < pco->n; i++) {
        nas_indent(f, indent + 4);
        pco_item_print(f, &pco->item[i], pco->data + pco->item[i].off);
    }
}

const struct nas_codec_ops nas_ops_pco = { pco_dec, pco_enc, pco_print, sizeof(struct nas_pco) };

/* ---------------------------------------------------------------- TFT */

/* TS 24.008 10.5.6.12 table 10.5.162: component contents length by type */
static int pf_comp_len(uint8_t type)
{
    switch (type) {
    case NAS_PF_IPV4_REMOTE: case NAS_PF_IPV4_LOCAL: return 8;
    case NAS_PF_IPV6_REMOTE: return 32;
    case NAS_PF_IPV6_REMOTE_PREFIX: case NAS_PF_IPV6_LOCAL_PREFIX: return 17;
    case NAS_PF_PROTOCOL: case NAS_PF_CTAG_PCP_DEI: case NAS_PF_STAG_PCP_DEI: return 1;
    case NAS_PF_LOCAL_PORT: case NAS_PF_REMOTE_PORT: case NAS_PF_TOS:
    case NAS_PF_CTAG_VID: case NAS_PF_STAG_VID: case NAS_PF_ETHERTYPE: return 2;
    case NAS_PF_FLOW_LABEL: return 3;
    case NAS_PF_LOCAL_PORT_RANGE: case NAS_PF_REMOTE_PORT_RANGE: case NAS_PF_SPI: return 4;
    case NAS_PF_DST_MAC: case NAS_PF_SRC_MAC: return 6;
    default: return -1;
    }
}

static void pf_comp_dec(struct nas_pf_component *c, const uint8_t *v)
{
    switch (c->type) {
    case NAS_PF_IPV4_REMOTE: case NAS_PF_IPV4_LOCAL:
        memcpy(c->u.ipv4.addr, v, 4);
        memcpy(c->u.ipv4.mask, v + 4, 4);
        break;
    case NAS_PF_IPV6_REMOTE:
        memcpy(c->u.ipv6.addr, v, 16);
        memcpy(c->u.ipv6.mask, v + 16, 16);
        break;
    case NAS_PF_IPV6_REMOTE_PREFIX: case NAS_PF_IPV6_LOCAL_PREFIX:
        memcpy(c->u.ipv6_prefix.addr, v, 16);
        c->u.ipv6_prefix.prefix_len = v[16];
        break;
    case NAS_PF_PROTOCOL: c->u.protocol = v[0]; break;
    case NAS_PF_LOCAL_PORT: case NAS_PF_REMOTE_PORT: c->u.port = nas_get16(v); break;
    case NAS_PF_LOCAL_PORT_RANGE: case NAS_PF_REMOTE_PORT_RANGE:
        c->u.port_range.lo = nas_get16(v);
        c->u.port_range.hi = nas_get16(v + 2);
        break;
    case NAS_PF_SPI: c->u.spi = nas_get32(v); break;
    case NAS_PF_TOS: c->u.tos.tos = v[0]; c->u.tos.mask = v[1]; break;
    case NAS_PF_FLOW_LABEL: c->u.flow_label = (uint32_t)(v[0] & 0xf) << 16 | nas_get16(v + 1); break;
    case NAS_PF_DST_MAC: case NAS_PF_SRC_MAC: memcpy(c->u.mac, v, 6); break;
    case NAS_PF_CTAG_VID: case NAS_PF_STAG_VID: c->u.vid = nas_get16(v) & 0x0fff; break;
    case NAS_PF_CTAG_PCP_DEI: case NAS_PF_STAG_PCP_DEI: c->u.pcp_dei = v[0] & 0xf; break;
    case NAS_PF_ETHERTYPE: c->u.ethertype = nas_get16(v); break;
    }
}

static void pf_comp_enc(const struct nas_pf_component *c, uint8_t *v)
{
    switch (c->type) {
    case NAS_PF_IPV4_REMOTE: case NAS_PF_IPV4_LOCAL:
        memcpy(v, c->u.ipv4.addr, 4);
        memcpy(v + 4, c->u.ipv4.mask, 4);
        break;
    case NAS_PF_IPV6_REMOTE:
        memcpy(v, c->u.ipv6.addr, 16);
        memcpy(v + 16, c->u.ipv6.mask, 16);
        break;
    case NAS_PF_IPV6_REMOTE_PREFIX: case NAS_PF_IPV6_LOCAL_PREFIX:
        memcpy(v, c->u.ipv6_prefix.addr, 16);
        v[16] = c->u.ipv6_prefix.prefix_len;
        break;
    case NAS_PF_PROTOCOL: v[0] = c->u.protocol; break;
    case NAS_PF_LOCAL_PORT: case NAS_PF_REMOTE_PORT: nas_put16(v, c->u.port); break;
    case NAS_PF_LOCAL_PORT_RANGE: case NAS_PF_REMOTE_PORT_RANGE:
        nas_put16(v, c->u.port_range.lo);
        nas_put16(v + 2, c->u.port_range.hi);
        break;
    case NAS_PF_SPI: nas_put32(v, c->u.spi); break;
    case NAS_PF_TOS: v[0] = c->u.tos.tos; v[1] = c->u.tos.mask; break;
    case NAS_PF_FLOW_LABEL:
        v[0] = (c->u.flow_label >> 16) & 0xf;
        nas_put16(v + 1, c->u.flow_label & 0xffff);
        break;
    case NAS_PF_DST_MAC: case NAS_PF_SRC_MAC: memcpy(v, c->u.mac, 6); break;
    case NAS_PF_CTAG_VID: case NAS_PF_STAG_VID: nas_put16(v, c->u.vid & 0x0fff); break;
    case NAS_PF_CTAG_PCP_DEI: case NAS_PF_STAG_PCP_DEI: v[0] = c->u.pcp_dei & 0xf; break;
    case NAS_PF_ETHERTYPE: nas_put16(v, c->u.ethertype); break;
    }
}

/* TS 24.301 6.4.2.4 c) 1): components that no packet can match together */
static int pf_check_semantics(const struct nas_packet_filter *pf)
{
    bool v4 = false, v6 = false;
    uint32_t seen[8] = { 0 };

    for (unsigned i = 0; i < pf->n; i++) {
        uint8_t t = pf->c[i].type;

        if (seen[t >> 5] & (1u << (t & 31)))
            return -NAS_ERR_PF_SEMANTIC;  /* the same component twice */
        seen[t >> 5] |= 1u << (t & 31);
        if (t == NAS_PF_IPV4_REMOTE || t == NAS_PF_IPV4_LOCAL)
            v4 = true;
        if (t == NAS_PF_IPV6_REMOTE || t == NAS_PF_IPV6_REMOTE_PREFIX || t == NAS_PF_IPV6_LOCAL_PREFIX)
            v6 = true;
    }
#define HAS(t) (seen[(t) >> 5] & (1u << ((t) & 31)))
    if ((v4 && v6) || (HAS(NAS_PF_LOCAL_PORT) && HAS(NAS_PF_LOCAL_PORT_RANGE)) ||
        (HAS(NAS_PF_REMOTE_PORT) && HAS(NAS_PF_REMOTE_PORT_RANGE)) ||
        (HAS(NAS_PF_IPV6_REMOTE) && HAS(NAS_PF_IPV6_REMOTE_PREFIX)))
        return -NAS_ERR_PF_SEMANTIC;
#undef HAS
    return 0;
}

static bool tft_op_has_filters(uint8_t op)
{
    return op == NAS_TFT_OP_CREATE || op == NAS_TFT_OP_ADD || op == NAS_TFT_OP_REPLACE;
}

/* TS 24.301 6.4.2.4 b) 1), 2), 4): syntactical errors in TFT operations */
static int tft_check_op(uint8_t op, unsigned n, bool e)
{
    if (op == 7)
        return -NAS_ERR_TFT_OP_SYNTAX;  /* reserved */
    if ((tft_op_has_filters(op) || op == NAS_TFT_OP_DELETE_FILTERS) && n == 0)
        return -NAS_ERR_TFT_OP_SYNTAX;
    if ((op == NAS_TFT_OP_DELETE || op == NAS_TFT_OP_NOOP) && n != 0)
        return -NAS_ERR_TFT_OP_SYNTAX;
    if (op == NAS_TFT_OP_NOOP && !e)
        return -NAS_ERR_TFT_OP_SYNTAX;
    return 0;
}

static int tft_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_tft *t = field;
    size_t pos = 1;
    uint16_t ids = 0;
    int r;

    (void)d;
    t->op = p[0] >> 5;
    t->has_params = (p[0] >> 4) & 1;
    t->n = p[0] & 0xf;
    r = tft_check_op(t->op, t->n, t->has_params);
    if (r < 0)
        return r;
    for (unsigned i = 0; i < t->n; i++) {
        struct nas_packet_filter *pf = &t->pf[i];
        size_t end;

        /* 6.4.2.4 b) 3): fewer filters than the count says */
        if (pos >= len)
            return -NAS_ERR_TFT_OP_SYNTAX;
        pf->id = p[pos] & 0xf;
        /* 6.4.2.4 d) 1): two filters with one identifier */
        if (ids & (1u << pf->id))
            return -NAS_ERR_PF_SYNTAX;
        ids |= (uint16_t)(1u << pf->id);
        if (!tft_op_has_filters(t->op)) {
            pos++;  /* delete list: identifiers only (op checked above) */
            continue;
        }
        pf->dir = (p[pos] >> 4) & 3;
        if (len - pos < 3)
            return -NAS_ERR_TFT_OP_SYNTAX;
        pf->precedence = p[pos + 1];
        end = pos + 3 + p[pos + 2];
        if (end > len)
            return -NAS_ERR_TFT_OP_SYNTAX;
        pos += 3;
        if (pos == end)
            return -NAS_ERR_PF_SYNTAX;  /* a filter needs a component */
        while (pos < end) {
            struct nas_pf_component *c;
            int cl = pf_comp_len(p[pos]);

            /* 6.4.2.4 d) 3): reserved component type */
            if (cl < 0 || end - pos - 1 < (size_t)cl)
                return -NAS_ERR_PF_SYNTAX;
            if (pf->n == NAS_PF_COMPONENTS_MAX)
                return -NAS_ERR_IE_TOO_LONG;
            c = &pf->c[pf->n++];
            c->type = p[pos];
            pf_comp_dec(c, p + pos + 1);
            pos += 1u + (size_t)cl;
        }
        r = pf_check_semantics(pf);
        if (r < 0)
            return r;
    }
    if (t->has_params) {
        size_t start = pos;

        /* parameters list: identifier, length, contents */
        while (pos < len) {
            if (len - pos < 2 || len - pos - 2 < p[pos + 1])
                return -NAS_ERR_TFT_OP_SYNTAX;
            pos += 2u + p[pos + 1];
        }
        if (pos == start)
            return -NAS_ERR_TFT_OP_SYNTAX;
        if (pos - start > NAS_TFT_PARAMS_MAX)
            return -NAS_ERR_IE_TOO_LONG;
        t->params_len = (uint8_t)(pos - start);
        memcpy(t->params, p + start, t->params_len);
    } else if (pos != len) {
        return -NAS_ERR_TFT_OP_SYNTAX;  /* 6.4.2.4 b) 3) */
    }
    return 0;
}

static int tft_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_tft *t = field;
    size_t pos = 1;

    (void)d;
    if (t->n > NAS_TFT_FILTERS_MAX || t->op > 7 ||
        tft_check_op(t->op, t->n, t->has_params) < 0 || t->params_len > NAS_TFT_PARAMS_MAX)
        return -NAS_ERR_INVALID;
    if (cap < 1)
        return NOSPC;
    p[0] = (uint8_t)(t->op << 5 | (t->has_params ? 0x10 : 0) | t->n);
    for (unsigned i = 0; i < t->n; i++) {
        const struct nas_packet_filter *pf = &t->pf[i];
        size_t lpos;

        if (pf->id > 15 || pf->dir > 3 || pf->n > NAS_PF_COMPONENTS_MAX)
            return -NAS_ERR_INVALID;
        if (cap - pos < 1)
            return NOSPC;
        if (!tft_op_has_filters(t->op)) {
            p[pos++] = pf->id;
            continue;
        }
        if (cap - pos < 3)
            return NOSPC;
        p[pos] = (uint8_t)(pf->dir << 4 | pf->id);
        p[pos + 1] = pf->precedence;
        lpos = pos + 2;
        pos += 3;
        for (unsigned k = 0; k < pf->n; k++) {
            int cl = pf_comp_len(pf->c[k].type);

            if (cl < 0)
                return -NAS_ERR_INVALID;
            if (cap - pos < 1u + (size_t)cl)
                return NOSPC;
            p[pos] = pf->c[k].type;
            pf_comp_enc(&pf->c[k], p + pos + 1);
            pos += 1u + (size_t)cl;
        }
        if (pos - lpos - 1 > 255)
            return -NAS_ERR_INVALID;
        p[lpos] = (uint8_t)(pos - lpos - 1);
    }
    if (t->has_params) {
        if (cap - pos < t->params_len)
            return NOSPC;
        memcpy(p + pos, t->params, t->params_len);
        pos += t->params_len;
    }
    return (int)pos;
}

static void pf_comp_print(FILE *f, const struct nas_pf_component *c)
{
    char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];

    switch (c->type) {
    case NAS_PF_IPV4_REMOTE: case NAS_PF_IPV4_LOCAL:
        fprintf(f, "ipv4 %s %s/%s", c->type == NAS_PF_IPV4_REMOTE ? "remote" : "local",
                inet_ntop(AF_INET, c->u.ipv4.addr, a, sizeof(a)),
                inet_ntop(AF_INET, c->u.ipv4.mask, m, sizeof(m)));
        break;
    case NAS_PF_IPV6_REMOTE:
        fprintf(f, "ipv6 remote %s/%s", inet_ntop(AF_INET6, c->u.ipv6.addr, a, sizeof(a)),
                inet_ntop(AF_INET6, c->u.ipv6.mask, m, sizeof(m)));
        break;
    case NAS_PF_IPV6_REMOTE_PREFIX: case NAS_PF_IPV6_LOCAL_PREFIX:
        fprintf(f, "ipv6 %s %s/%u", c->type == NAS_PF_IPV6_REMOTE_PREFIX ? "remote" : "local",
                inet_ntop(AF_INET6, c->u.ipv6_prefix.addr, a, sizeof(a)), c->u.ipv6_prefix.prefix_len);
        break;
    case NAS_PF_PROTOCOL: fprintf(f, "protocol %u", c->u.protocol); break;
    case NAS_PF_LOCAL_PORT: fprintf(f, "local port %u", c->u.port); break;
    case NAS_PF_REMOTE_PORT: fprintf(f, "remote port %u", c->u.port); break;
    case NAS_PF_LOCAL_PORT_RANGE:
    case NAS_PF_REMOTE_PORT_RANGE:
        fprintf(f, "%s ports %u-%u", c->type == NAS_PF_LOCAL_PORT_RANGE ? "local" : "remote",
                c->u.port_range.lo, c->u.port_range.hi);
        break;
    case NAS_PF_SPI: fprintf(f, "spi 0x%08x", c->u.spi); break;
    case NAS_PF_TOS: fprintf(f, "tos 0x%02x/0x%02x", c->u.tos.tos, c->u.tos.mask); break;
    case NAS_PF_FLOW_LABEL: fprintf(f, "flow label 0x%05x", c->u.flow_label); break;
    case NAS_PF_DST_MAC: case NAS_PF_SRC_MAC:
        fprintf(f, "%s mac %02x:%02x:%02x:%02x:%02x:%02x", c->type == NAS_PF_DST_MAC ? "dst" : "src",
                c->u.mac[0], c->u.mac[1], c->u.mac[2], c->u.mac[3], c->u.mac[4], c->u.mac[5]);
        break;
    case NAS_PF_CTAG_VID: case NAS_PF_STAG_VID:
        fprintf(f, "%s vid %u", c->type == NAS_PF_CTAG_VID ? "c-tag" : "s-tag", c->u.vid);
        break;
    case NAS_PF_CTAG_PCP_DEI: case NAS_PF_STAG_PCP_DEI:
        fprintf(f, "%s pcp/dei %u", c->type == NAS_PF_CTAG_PCP_DEI ? "c-tag" : "s-tag", c->u.pcp_dei);
        break;
    case NAS_PF_ETHERTYPE: fprintf(f, "ethertype 0x%04x", c->u.ethertype); break;
    }
}

static void tft_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_tft *t = field;
    static const char *const ops[8] = { "ignore", "create new TFT", "delete existing TFT",
        "add packet filters", "replace packet filters", "delete packet filters",
        "no TFT operation", "reserved" };
    static const char *const dirs[4] = { "pre-rel-7", "downlink", "uplink", "bidirectional" };

    (void)d;
    fprintf(f, "%s, %u packet filter(s)\n", ops[t->op & 7], t->n);
    for (unsigned i = 0; i < t->n; i++) {
        const struct nas_packet_filter *pf = &t->pf[i];

        nas_indent(f, indent + 4);
        if (!tft_op_has_filters(t->op)) {
            fprintf(f, "filter %u\n", pf->id);
            continue;
        }
        fprintf(f, "filter %u %s precedence %u:", pf->id, dirs[pf->dir & 3], pf->precedence);
        for (unsigned k = 0; k < pf->n; k++) {
            fputc(' ', f);
            pf_comp_print(f, &pf->c[k]);
            if (k + 1 < pf->n)
                fputc(',', f);
        }
        fputc('\n', f);
    }
    if (t->has_params) {
        nas_indent(f, indent + 4);
        fputs("parameters ", f);
        nas_print_hex(f, t->params, t->params_len);
        fputc('\n', f);
    }
}

const struct nas_codec_ops nas_ops_tft = { tft_dec, tft_enc, tft_print, sizeof(struct nas_tft) };
