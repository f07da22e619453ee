/* S6a requests of the MME (TS 29.272 5.2): AIR for a vector (or a
 * resynchronisation), ULR when the UE is authenticated, PUR when it
 * detaches.  Every request gets its own Session-Id (7.1: S6a sessions are
 * one request and its answer, Auth-Session-State NO_STATE_MAINTAINED). */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_s6a.h"
#include "diameter/diam.h"

/* cookie: MME UE S1AP ID (32) | the UE's request tag (16) | flags (8) |
 * kind (8) */
uint64_t s6a_cookie(struct agw_ue *ue, enum s6a_wait what, unsigned flags)
{
    ue->s6a_seq++;
    ue->s6a_wait = (uint8_t)what;
    return (uint64_t)ue->id << 32 | (uint64_t)ue->s6a_seq << 16 | (uint64_t)(flags & 0xff) << 8 |
           (uint64_t)what;
}

static void header(struct agw_ctx *ctx, struct diam_header_info *h)
{
    memset(h, 0, sizeof(*h));
    diam_session_id_new(ctx->cfg->diameter.identity, h->session_id, sizeof(h->session_id));
    snprintf(h->dest_realm, sizeof(h->dest_realm), "%s", ctx->cfg->diameter.realm);
    snprintf(h->dest_host, sizeof(h->dest_host), "%s", ctx->cfg->diameter.s6a.peer);
}

static int send_req(struct agw_ctx *ctx, struct msg **m, uint64_t cookie)
{
    struct diam_node *node = gx_node(ctx);
    if (!node) {
        diam_msg_free(*m);
        *m = NULL;
        return -ENOTCONN;
    }
    return diam_send(node, m, ctx->cfg->diameter.s6a.tx_timeout_ms, cookie);
}

int s6a_send_air(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *rand,
                 const uint8_t *auts)
{
    struct diam_s6a_air air;
    struct msg *m = NULL;
    memset(&air, 0, sizeof(air));
    header(ctx, &air.h);
    snprintf(air.imsi, sizeof(air.imsi), "%s", ue->imsi);
    /* 7.3.9: the serving PLMN, ours (TS 29.272 5.2.3.1.2) */
    agw_plmn_encode(&ctx->cfg->mme.gummei.plmn, air.visited_plmn);
    air.n_vectors = 1;
    air.immediate_response = true;
    if (rand && auts) {
        /* 7.3.15: Re-Synchronization-Info is RAND || AUTS (TS 33.102 6.3.5) */
        air.resync = true;
        memcpy(air.resync_info, rand, 16);
        memcpy(air.resync_info + 16, auts, 14);
    }
    int rc = diam_s6a_air_encode(&air, &m);
    if (!rc)
        rc = send_req(ctx, &m, s6a_cookie(ue, S6A_WAIT_AIA, air.resync ? S6A_F_RESYNC : 0));
    if (rc < 0) {
        ue->s6a_wait = S6A_WAIT_NONE;
        return rc;
    }
    s6a_stats_mut(ctx)->air++;
    return 0;
}

int s6a_send_ulr(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct diam_s6a_ulr ulr;
    struct msg *m = NULL;
    memset(&ulr, 0, sizeof(ulr));
    header(ctx, &ulr.h);
    snprintf(ulr.imsi, sizeof(ulr.imsi), "%s", ue->imsi);
    agw_plmn_encode(&ctx->cfg->mme.gummei.plmn, ulr.visited_plmn);
    ulr.rat_type = 1004;                    /* TS 29.212 5.3.31: EUTRAN */
    /* 7.3.7: bit 1 S6a/S6d-Indicator (an MME), bit 5 Initial-Attach-Indicator */
    ulr.ulr_flags = 1u << 1 | 1u << 5;
    int rc = diam_s6a_ulr_encode(&ulr, &m);
    if (!rc)
        rc = send_req(ctx, &m, s6a_cookie(ue, S6A_WAIT_ULA, 0));
    if (rc < 0) {
        ue->s6a_wait = S6A_WAIT_NONE;
        return rc;
    }
    s6a_stats_mut(ctx)->ulr++;
    return 0;
}

int s6a_send_pur(struct agw_ctx *ctx, const char *imsi)
{
    struct diam_s6a_pur pur;
    struct msg *m = NULL;
    memset(&pur, 0, sizeof(pur));
    header(ctx, &pur.h);
    snprintf(pur.imsi, sizeof(pur.imsi), "%s", imsi);
    pur.pur_flags = 0;                      /* 7.3.149: no UE-purged-in-SGSN */
    int rc = diam_s6a_pur_encode(&pur, &m);
    if (!rc)
        rc = send_req(ctx, &m, 0);          /* no UE waits for the PUA */
    if (rc < 0)
        return rc;
    s6a_stats_mut(ctx)->pur++;
    return 0;
}
