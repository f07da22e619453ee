/* The MME's view of the local HSS (hss.h): subscription data and vectors
 * for one IMSI.  The HSS reads SQLite at every call, so xepcctl's changes
 * take effect at the next attach. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_s6a.h"
#include "agw/hss.h"

static int hss_errno(enum hss_err e)
{
    switch (e) {
    case HSS_OK: return 0;
    case HSS_ERR_NOT_FOUND: return -ENOENT;
    case HSS_ERR_MAC_S: return -EBADMSG;
    case HSS_ERR_BUSY: return -EBUSY;
    case HSS_ERR_NOMEM: return -ENOMEM;
    case HSS_ERR_SEQ_EXHAUSTED: return -EOVERFLOW;
    case HSS_ERR_INACTIVE:
    case HSS_ERR_BARRED: return -EACCES;
    default: return -EIO;
    }
}

int agw_hss_lookup(struct agw_ctx *ctx, const char *imsi, struct agw_sub *sub)
{
    struct hss h;
    struct hss_subscriber s;
    if (s6a_enabled(ctx))
        return s6a_sub_lookup(ctx, imsi, sub);
    hss_init(&h, ctx->db);
    enum hss_err e = hss_get(&h, imsi, &s, false);
    if (e != HSS_OK)
        return hss_errno(e);
    memset(sub, 0, sizeof(*sub));
    sub->state = s.state == HSS_STATE_ACTIVE     ? AGW_SUB_ACTIVE
                 : s.state == HSS_STATE_INACTIVE ? AGW_SUB_INACTIVE
                                                 : AGW_SUB_BARRED;
    snprintf(sub->msisdn, sizeof(sub->msisdn), "%s", s.msisdn);
    sub->ue_ambr_ul_bps = s.ue_ambr_ul_bps;
    sub->ue_ambr_dl_bps = s.ue_ambr_dl_bps;
    for (size_t i = 0; i < s.n_apns && sub->n_apns < AGW_SUB_MAX_APNS; i++) {
        struct agw_sub_apn *a = &sub->apns[sub->n_apns++];
        const struct hss_apn *src = &s.apns[i];
        snprintf(a->name, sizeof(a->name), "%s", src->name);
        a->has_ambr = src->ambr_ul_bps || src->ambr_dl_bps;
        a->ambr_ul_bps = src->ambr_ul_bps;
        a->ambr_dl_bps = src->ambr_dl_bps;
        a->has_qci = src->qci != 0;
        a->qci = src->qci;
        a->has_static_ip = src->static_ipv4.s_addr != INADDR_ANY;
        a->static_ip = src->static_ipv4;
    }
    hss_subscriber_wipe(&s);
    return 0;
}

int agw_hss_vector(struct agw_ctx *ctx, const char *imsi, struct sec_eps_vector *v)
{
    struct hss h;
    uint8_t plmn[3];
    hss_init(&h, ctx->db);
    agw_plmn_encode(&ctx->cfg->mme.gummei.plmn, plmn);
    /* the SQN update joins the iteration's transaction: it is durable
     * before the AUTHENTICATION REQUEST leaves, with one fsync for all the
     * attaches of the iteration */
    int rc = agw_txn_open(ctx);
    if (rc < 0)
        return rc;
    return hss_errno(hss_auth_vector(&h, imsi, plmn, v));
}

int agw_hss_resync(struct agw_ctx *ctx, const char *imsi, const uint8_t rand[16],
                   const uint8_t auts[14])
{
    struct hss h;
    hss_init(&h, ctx->db);
    int rc = agw_txn_open(ctx);
    if (rc < 0)
        return rc;
    return hss_errno(hss_resync(&h, imsi, rand, auts, NULL));
}
