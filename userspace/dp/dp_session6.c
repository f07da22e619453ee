/* The IPv6 side of sessions (PDN type IPv6 and IPv4v6, docs/datapath.md
 * "IPv6 UEs"):
 *   xepc_sess6[sid]    -> the UE's /64, valid while its cookie is the
 *                         session's (so that one left by a deleted session
 *                         is never its successor's)
 *   xepc_ue6[/64]      -> sid, the IPv6 downlink key
 * and the unsolicited Router Advertisement sent into a session's tunnel
 * when its bearer comes up (RFC 4861 6.2.4, TS 29.061 11.2.1.3.4). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dp/dp_gtpu.h"
#include "dp/dp_int.h"
#include "dp/dp_nd.h"

static int maps_present(struct dp_ctx *ctx)
{
    if (ctx->ue6_fd < 0 || ctx->sess6_fd < 0)
        return dp_set_error(ctx, -EOPNOTSUPP, "this datapath has no %s/%s maps (pinned by an "
                            "earlier build); run 'xepcctl dp upgrade' first", XEPC_MAP_UE6,
                            XEPC_MAP_SESS6);
    return 0;
}

int dp_ue6_get(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, uint8_t prefix[8])
{
    struct xepc_session6 v;
    if (ctx->sess6_fd < 0 || bpf_map_lookup_elem(ctx->sess6_fd, &sid, &v))
        return 0;
    if (!(v.flags & XEPC_S6_VALID) || v.cookie != cookie)
        return 0;
    memcpy(prefix, v.prefix, 8);
    return 1;
}

/* The active session that owns the /64, or 0. */
uint32_t dp_ue6_owner(struct dp_ctx *ctx, const uint8_t prefix[8])
{
    uint64_t key;
    uint32_t sid;
    uint8_t have[8];
    struct xepc_session k;
    memcpy(&key, prefix, 8);
    if (bpf_map_lookup_elem(ctx->ue6_fd, &key, &sid))
        return 0;
    if (dp_session_read(ctx, sid, &k) || !(k.flags & XEPC_SF_ACTIVE))
        return 0;
    if (!dp_ue6_get(ctx, sid, k.cookie, have) || memcmp(have, prefix, 8))
        return 0;
    return sid;
}

int dp_sess6_write(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, const uint8_t prefix[8])
{
    int rc = maps_present(ctx);
    if (rc)
        return rc;
    struct xepc_session6 v = {.cookie = cookie, .flags = XEPC_S6_VALID};
    memcpy(v.prefix, prefix, 8);
    if (bpf_map_update_elem(ctx->sess6_fd, &sid, &v, 0))
        return dp_set_error(ctx, -errno, "cannot write %s %u: %s", XEPC_MAP_SESS6, sid,
                            strerror(errno));
    return 0;
}

int dp_ue6_link(struct dp_ctx *ctx, const uint8_t prefix[8], uint32_t sid, uint32_t cookie)
{
    char b[INET6_ADDRSTRLEN + 4];
    int rc = maps_present(ctx);
    if (rc)
        return rc;
    uint32_t other = dp_ue6_owner(ctx, prefix);
    if (other && other != sid)
        return dp_set_error(ctx, -EEXIST, "IPv6 prefix %s already belongs to session %u",
                            dp_prefix6_str(prefix, b, sizeof(b)), other);
    /* the prefix first: until the session is published with this cookie
     * neither the uplink nor the downlink takes it */
    rc = dp_sess6_write(ctx, sid, cookie, prefix);
    if (rc)
        return rc;
    uint64_t key;
    memcpy(&key, prefix, 8);
    if (bpf_map_update_elem(ctx->ue6_fd, &key, &sid, BPF_ANY)) {
        rc = dp_set_error(ctx, -errno, "cannot add IPv6 prefix %s: %s%s",
                          dp_prefix6_str(prefix, b, sizeof(b)), strerror(errno),
                          errno == E2BIG ? " (max sessions reached)" : "");
        struct xepc_session6 zero = {0};
        bpf_map_update_elem(ctx->sess6_fd, &sid, &zero, 0);
        return rc;
    }
    return 0;
}

void dp_ue6_unlink(struct dp_ctx *ctx, uint32_t sid)
{
    struct xepc_session6 v, zero = {0};
    uint32_t cur;
    uint64_t key;
    if (ctx->sess6_fd < 0 || bpf_map_lookup_elem(ctx->sess6_fd, &sid, &v) ||
        !(v.flags & XEPC_S6_VALID))
        return;
    memcpy(&key, v.prefix, 8);
    /* never another session's entry */
    if (ctx->ue6_fd >= 0 && !bpf_map_lookup_elem(ctx->ue6_fd, &key, &cur) && cur == sid)
        bpf_map_delete_elem(ctx->ue6_fd, &key);
    bpf_map_update_elem(ctx->sess6_fd, &sid, &zero, 0);
}

int dp_ra_send(struct dp_ctx *ctx, uint32_t ul_teid)
{
    struct xepc_session k;
    struct xepc_config cfg;
    uint8_t prefix[8], ra[DP_ND_RA_LEN];
    uint32_t sid = XEPC_TEID_SID(ul_teid);
    int rc = dp_session_read(ctx, sid, &k);
    if (rc)
        return dp_set_error(ctx, rc, "cannot read session %u: %s", sid, strerror(-rc));
    if (!(k.flags & XEPC_SF_ACTIVE) || k.teid_local != ul_teid)
        return dp_set_error(ctx, -ENOENT, "no session with TEID 0x%08x", ul_teid);
    if (!dp_ue6_get(ctx, sid, k.cookie, prefix))
        return dp_set_error(ctx, -EINVAL, "session 0x%08x has no IPv6 prefix", ul_teid);
    if (!(k.flags & XEPC_SF_TUNNEL))
        return dp_set_error(ctx, -ENOTCONN, "session 0x%08x has no tunnel (idle UE)", ul_teid);
    rc = dp_config_read(ctx, &cfg);
    if (rc)
        return rc;
    int n = dp_nd_build_ra(ra, sizeof(ra), prefix, cfg.s1u_mtu);
    if (n < 0)
        return dp_set_error(ctx, n, "cannot build the Router Advertisement");
    /* from the follower's GTP-U socket, else from one of our own on the
     * S1-U address, over IPv4 or IPv6 as the eNB is (dp_s1u6.c) */
    return dp_tunnel_send(ctx, sid, &k, ra, (uint32_t)n);
}

/* ------------------------------------------------------ bulk install -- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int dp_bulk6_check(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n)
{
    enum { CHUNK = 4096 };
    size_t n6 = 0, have = 0, cap;
    bool enb6 = false;
    for (size_t i = 0; i < n; i++) {
        n6 += s[i].has_ue6;
        enb6 |= s[i].has_tunnel && s[i].enb_is6;
    }
    if (enb6 && ctx->s1u6_fd < 0)
        return dp_set_error(ctx, -EOPNOTSUPP, "this datapath has no %s map (pinned by an "
                            "earlier build); run 'xepcctl dp upgrade' first", XEPC_MAP_S1U6);
    if (!n6)
        return 0;
    int rc = maps_present(ctx);
    if (rc)
        return rc;
    /* the /64s in use, read with batched lookups (as ue_conflicts() reads
     * the IPv4 UE map), against the batch's, sorted */
    cap = ctx->max_sessions + 1;
    uint64_t *old = malloc(cap * sizeof(*old));
    uint32_t *vals = malloc(CHUNK * sizeof(*vals));
    uint64_t *new_ = malloc(n6 * sizeof(*new_));
    char b[INET6_ADDRSTRLEN + 4];
    if (!old || !vals || !new_) {
        rc = dp_set_error(ctx, -ENOMEM, "out of memory");
        goto out;
    }
    LIBBPF_OPTS(bpf_map_batch_opts, o);
    uint64_t in = 0, out_b = 0;
    for (bool first = true;; first = false) {
        uint32_t count = (uint32_t)(cap - have < CHUNK ? cap - have : CHUNK);
        int r = bpf_map_lookup_batch(ctx->ue6_fd, first ? NULL : &in, &out_b, old + have, vals,
                                     &count, &o);
        if (r && errno != ENOENT) {
            rc = dp_set_error(ctx, -errno, "cannot read %s: %s", XEPC_MAP_UE6, strerror(errno));
            goto out;
        }
        have += count;
        if (r || have >= cap)
            break;
        in = out_b;
    }
    n6 = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].has_ue6)
            memcpy(&new_[n6++], s[i].ue6_prefix, 8);
    qsort(old, have, sizeof(*old), cmp_u64);
    qsort(new_, n6, sizeof(*new_), cmp_u64);
    for (size_t i = 0, j = 0; i < n6; i++) {
        if (i && new_[i] == new_[i - 1]) {
            rc = dp_set_error(ctx, -EINVAL, "IPv6 prefix %s appears twice; nothing was "
                              "installed", dp_prefix6_str((uint8_t *)&new_[i], b, sizeof(b)));
            goto out;
        }
        while (j < have && old[j] < new_[i])
            j++;
        /* an entry whose session is not active (a killed add) is taken
         * over by the batch update, as dp_ue6_link() takes it over */
        uint32_t other;
        if (j < have && old[j] == new_[i] && (other = dp_ue6_owner(ctx, (uint8_t *)&new_[i]))) {
            rc = dp_set_error(ctx, -EEXIST, "IPv6 prefix %s already belongs to session %u; "
                              "nothing was installed",
                              dp_prefix6_str((uint8_t *)&new_[i], b, sizeof(b)), other);
            goto out;
        }
    }
out:
    free(old);
    free(vals);
    free(new_);
    return rc;
}

int dp_bulk6_link(struct dp_ctx *ctx, const struct dp_session_spec *s, const uint32_t *sids,
                  const uint32_t *cookies, uint32_t cnt)
{
    uint32_t *keys = malloc(cnt * sizeof(*keys)), *ksids = malloc(cnt * sizeof(*ksids));
    struct xepc_session6 *v6 = calloc(cnt, sizeof(*v6));
    struct xepc_s1u6 *e6 = calloc(cnt, sizeof(*e6));
    uint64_t *pfx = malloc(cnt * sizeof(*pfx));
    int rc = 0;
    if (!keys || !ksids || !v6 || !e6 || !pfx) {
        rc = dp_set_error(ctx, -ENOMEM, "out of memory");
        goto out;
    }
    LIBBPF_OPTS(bpf_map_batch_opts, o);
    uint32_t m = 0, c;
    /* the prefixes first (xepc_sess6, then xepc_ue6 -> sid), as
     * dp_ue6_link() writes one: neither direction takes them until the
     * session is published with this cookie */
    for (uint32_t i = 0; i < cnt; i++) {
        if (!s[i].has_ue6 || s[i].bearer)
            continue;
        keys[m] = sids[i];
        ksids[m] = sids[i];
        v6[m].cookie = cookies[i];
        v6[m].flags = XEPC_S6_VALID;
        memcpy(v6[m].prefix, s[i].ue6_prefix, 8);
        memcpy(&pfx[m], s[i].ue6_prefix, 8);
        m++;
    }
    c = m;
    if (m && bpf_map_update_batch(ctx->sess6_fd, keys, v6, &c, &o)) {
        rc = dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_SESS6, strerror(errno));
        goto out;
    }
    c = m;
    if (m && bpf_map_update_batch(ctx->ue6_fd, pfx, ksids, &c, &o)) {
        rc = dp_set_error(ctx, -errno, "cannot add IPv6 prefixes: %s%s", strerror(errno),
                          errno == E2BIG ? " (max sessions reached)" : "");
        goto out;
    }
    /* the eNBs on IPv6 (xepc_s1u6[sid], dp_enb6_link()) */
    m = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        if (!s[i].has_tunnel || !s[i].enb_is6)
            continue;
        keys[m] = sids[i];
        e6[m].cookie = cookies[i];
        e6[m].flags = XEPC_S1U6_VALID;
        memcpy(e6[m].addr, s[i].enb6_addr.s6_addr, 16);
        m++;
    }
    c = m;
    if (m && bpf_map_update_batch(ctx->s1u6_fd, keys, e6, &c, &o))
        rc = dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_S1U6, strerror(errno));
out:
    free(keys);
    free(ksids);
    free(v6);
    free(e6);
    free(pfx);
    return rc;
}

void dp_bulk6_unlink(struct dp_ctx *ctx, const struct dp_session_spec *s, const uint32_t *sids,
                     uint32_t cnt)
{
    for (uint32_t i = 0; i < cnt; i++) {
        if (s[i].has_ue6 && !s[i].bearer)
            dp_ue6_unlink(ctx, sids[i]);
        if (s[i].has_tunnel && s[i].enb_is6)
            dp_enb6_unlink(ctx, sids[i]);
    }
}
