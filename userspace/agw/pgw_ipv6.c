/* The IPv6 side of a PDN connection in xepc-agwd (PDN types IPv6 and
 * IPv4v6, TS 23.401 5.3.1.2.2): which PDN type is granted, the UE's /64
 * and interface identifier, and the unsolicited Router Advertisement once
 * its bearer is up.  The datapath side is userspace/dp/dp_session6.c.
 *
 * The /64 of a session is the one of its session id (the low 24 bits of
 * its uplink TEID) in the APN's pool6: no allocation state of its own, so
 * that it comes back with the TEID after a restart, and two sessions never
 * share one (agw_config.c checks that pool6 holds max_sessions /64s). */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"
#include "dp/dp.h"

int pgw_pdn_type_grant(enum agw_pdn_type allowed, uint8_t requested, uint8_t *granted,
                       uint8_t *cause)
{
    *cause = 0;
    switch (requested) {
    case NAS_PDN_IPV4:
        /* TS 24.301 6.5.1.4: #51 when the APN allows IPv6 only */
        if (allowed == AGW_PDN_IPV6)
            return 51;
        *granted = NAS_PDN_IPV4;
        return 0;
    case NAS_PDN_IPV6:
        /* TS 24.301 6.5.1.4: #50 when the APN allows IPv4 only */
        if (allowed == AGW_PDN_IPV4)
            return 50;
        *granted = NAS_PDN_IPV6;
        return 0;
    case NAS_PDN_IPV4V6:
        /* TS 24.301 6.5.1.3 / TS 23.401 5.3.1.1: a single-family APN
         * grants its family, and the ACTIVATE DEFAULT EPS BEARER CONTEXT
         * REQUEST says why (#50 IPv4 only, #51 IPv6 only allowed) */
        if (allowed == AGW_PDN_IPV4) {
            *granted = NAS_PDN_IPV4;
            *cause = 50;
        } else if (allowed == AGW_PDN_IPV6) {
            *granted = NAS_PDN_IPV6;
            *cause = 51;
        } else {
            *granted = NAS_PDN_IPV4V6;
        }
        return 0;
    default:
        return 28;                          /* #28 unknown PDN type */
    }
}

bool pgw_pdn_has_v4(const struct agw_pdn *p)
{
    /* 0: a PDN connection stored before PDN types (IPv4) */
    return p->pdn_type != NAS_PDN_IPV6;
}

bool pgw_pdn_has_v6(const struct agw_pdn *p)
{
    return p->pdn_type == NAS_PDN_IPV6 || p->pdn_type == NAS_PDN_IPV4V6;
}

void pgw_prefix6(const struct agw_apn *apn, uint32_t ul_teid, uint8_t prefix[8])
{
    uint64_t base = 0, sid = ul_teid & 0xffffff;
    for (int i = 0; i < 8; i++)
        base = base << 8 | apn->pool6[i];
    /* the session id in the bits between the pool's length and 64: the
     * config check guarantees they hold it */
    uint64_t v = base | sid;
    for (int i = 7; i >= 0; i--, v >>= 8)
        prefix[i] = (uint8_t)v;
}

void pgw_iid6(uint32_t ul_teid, uint8_t iid[8])
{
    /* TS 23.401 5.3.1.2.2: the interface identifier the UE builds its
     * link-local address from; it only has to differ from the gateway's
     * (fe80::1, docs/datapath.md), which 0:1:TEID never is */
    static const uint8_t hi[4] = {0, 0, 0, 1};
    memcpy(iid, hi, 4);
    iid[4] = (uint8_t)(ul_teid >> 24);
    iid[5] = (uint8_t)(ul_teid >> 16);
    iid[6] = (uint8_t)(ul_teid >> 8);
    iid[7] = (uint8_t)ul_teid;
}

void pgw_pdn_set_v6(struct agw_ctx *ctx, struct agw_pdn *p)
{
    if (pgw_pdn_has_v6(p) && p->apn_idx < ctx->cfg->n_apns &&
        ctx->cfg->apns[p->apn_idx].pool6_prefix)
        pgw_prefix6(&ctx->cfg->apns[p->apn_idx], p->ul_teid, p->ue6_prefix);
    else
        memset(p->ue6_prefix, 0, sizeof(p->ue6_prefix));
}

void pgw_pdn_ra(struct agw_ctx *ctx, struct agw_ue *ue, const struct agw_pdn *p)
{
    char b[20];
    /* TS 29.061 11.2.1.3.4: an unsolicited RA once the bearer of an IPv6
     * PDN connection is up (and again when its tunnel moves), so that the
     * UE need not wait for its Router Solicitation to be answered */
    if (!ctx->dp || !p->dp_installed || !pgw_pdn_has_v6(p) || !p->dl_teid ||
        p->state != PDN_ACTIVE)
        return;
    if (dp_ra_send(ctx->dp, p->ul_teid) < 0) {
        ctx->stats.dp_errors++;
        LOG_WARN(ctx, "pgw", "ue %s: Router Advertisement on 0x%08x: %s",
                 ue_imsi_log(ctx, ue, b), p->ul_teid, dp_ctx_error(ctx->dp));
    }
}

/* ------------------------------------------------- eNBs on IPv6 ---- */

/* TS 36.414 5.1 / 36.413 9.2.2.1: IPv4 (32 bits), IPv6 (128 bits), or
 * IPv4 then IPv6 (160 bits), of which the IPv4 address is taken (the
 * tunnel an IPv4-only gateway would use too).  IPv6 alone goes into *v6
 * with *v4 0.0.0.0, when the gateway has an IPv6 S1-U address.  Used for
 * every E-RAB an eNB sets up or takes over: Initial Context Setup, E-RAB
 * Setup (default and dedicated bearers), Path Switch, Handover Request
 * Acknowledge. */
bool pgw_enb_tla(const struct agw_ctx *ctx, const s1ap_TransportLayerAddress *tla,
                 struct in_addr *v4, struct in6_addr *v6)
{
    memset(v6, 0, sizeof(*v6));
    v4->s_addr = 0;
    if (!tla->buf)
        return false;
    if (tla->nbits == 32 || tla->nbits == 160) {
        memcpy(&v4->s_addr, tla->buf, 4);
        return v4->s_addr != 0;
    }
    if (tla->nbits != 128 || IN6_IS_ADDR_UNSPECIFIED(&ctx->cfg->gtpu.address6))
        return false;
    memcpy(v6->s6_addr, tla->buf, 16);
    /* not an address a tunnel can go to (dp_s1u6_addr_check()) */
    return !IN6_IS_ADDR_UNSPECIFIED(v6) && !IN6_IS_ADDR_MULTICAST(v6) &&
           !IN6_IS_ADDR_LINKLOCAL(v6) && !IN6_IS_ADDR_LOOPBACK(v6) && !IN6_IS_ADDR_V4MAPPED(v6);
}

void pgw_end_marker(struct agw_ctx *ctx, struct in_addr old4, const struct in6_addr *old6,
                    uint32_t old_teid, struct in_addr new4, const struct in6_addr *new6,
                    uint32_t new_teid)
{
    static const struct in6_addr none;
    bool was6 = !old4.s_addr && old6 && !IN6_IS_ADDR_UNSPECIFIED(old6);
    if (!ctx->dp || !old_teid || (!old4.s_addr && !was6))
        return;
    if (old_teid == new_teid && old4.s_addr == new4.s_addr &&
        (!was6 || IN6_ARE_ADDR_EQUAL(old6, new6 ? new6 : &none)))
        return;                     /* the same tunnel */
    /* TS 29.281 7.3.2: to the old eNB with its old TEID, over the family
     * of that tunnel (an IPv4 source, an IPv6 target, or the reverse) */
    int rc = was6 ? dp_end_marker_send6(ctx->dp, old6, old_teid)
                  : dp_end_marker_send(ctx->dp, old4, old_teid);
    if (rc == 0)
        ctx->stats.gtpu_end_marker_tx++;
}

const char *pgw_enb_str(struct in_addr v4, const struct in6_addr *v6, char *buf, size_t cap)
{
    if (!v4.s_addr && v6 && !IN6_IS_ADDR_UNSPECIFIED(v6))
        inet_ntop(AF_INET6, v6, buf, (socklen_t)cap);
    else
        inet_ntop(AF_INET, &v4, buf, (socklen_t)cap);
    return buf;
}

void pgw_enb_parse(const char *s, struct in_addr *v4, struct in6_addr *v6)
{
    v4->s_addr = 0;
    memset(v6, 0, sizeof(*v6));
    if (s && inet_pton(AF_INET, s, v4) != 1) {
        v4->s_addr = 0;
        if (inet_pton(AF_INET6, s, v6) != 1)
            memset(v6, 0, sizeof(*v6));
    }
}
