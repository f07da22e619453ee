/* UE and eNB objects of xepc-agwd and the tables that find them by the
 * identifiers peers send: MME UE S1AP ID, IMSI, M-TMSI, and (association,
 * eNB UE S1AP ID). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "agw/agw.h"

uint64_t agw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t imsi_key(const char *imsi)
{
    /* 15 digits fit in 50 bits; a leading 1 keeps "001..." and "01..." apart */
    uint64_t k = 1;
    for (const char *p = imsi; *p; p++)
        k = k * 10 + (uint64_t)(*p - '0');
    return k;
}

static uint64_t enb_ue_key(uint32_t assoc_id, uint32_t enb_ue_id)
{
    return (uint64_t)assoc_id << 32 | enb_ue_id;
}

uint64_t agw_enb_global_key(const uint8_t plmn[3], uint8_t type, uint32_t enb_id)
{
    return (uint64_t)plmn[0] << 56 | (uint64_t)plmn[1] << 48 | (uint64_t)plmn[2] << 40 |
           (uint64_t)type << 32 | enb_id;
}

const char *emm_state_str(enum emm_state s)
{
    switch (s) {
    case EMM_DEREGISTERED: return "deregistered";
    case EMM_COMMON_PROC_INIT: return "common-procedure";
    case EMM_REGISTERED_INIT: return "registered-initiated";
    case EMM_REGISTERED: return "registered";
    case EMM_DEREGISTERED_INIT: return "deregistered-initiated";
    }
    return "?";
}

/* Issue 9's budget is 4 KiB of resident memory per attached UE, with its
 * PDN sessions, hash nodes, allocator overhead and SQLite's page cache
 * share (tools/bench/agw_bench.sh measures it): the context itself must
 * stay well inside it (dedicated bearers live outside, esm_bearer.c). */
_Static_assert(sizeof(struct agw_ue) <= 2048, "struct agw_ue outgrew its share of 4 KiB per UE");

struct agw_ue *ue_new(struct agw_ctx *ctx)
{
    struct agw_ue *ue = calloc(1, sizeof(*ue));
    if (!ue)
        return NULL;
    /* MME UE S1AP ID: 32 bits, never 0 here, skipping ids still in use
     * after a wrap */
    for (;;) {
        uint32_t id = ++ctx->next_ue_id;
        if (id == 0)
            continue;
        if (!agw_hash_find(&ctx->ue_by_id, id)) {
            ue->id = id;
            break;
        }
    }
    if (agw_hash_add(&ctx->ue_by_id, &ue->by_id, ue->id) < 0) {
        free(ue);
        return NULL;
    }
    ue->ksi = NAS_KSI_NONE;
    esm_bearer_ue_init(ue);
    ev_init(&ue->timer, emm_timer_cb);
    ue->timer.data = ctx;
    emm_idle_ue_init(ctx, ue);
    return ue;
}

void ue_free(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_timer_stop(ctx->loop, &ue->timer);
    emm_idle_ue_free(ctx, ue);
    ev_timer_stop(ctx->loop, &ue->s1ho.timer);  /* s1ap_handover.c */
    esm_bearer_ue_free(ctx, ue);
    esm_dqos_ue_free(ctx, ue);      /* esm_dqos.c */
    emm_nas_held_free(ctx, ue);     /* emm_transport.c */
    ue_s1_unbind(ctx, ue);
    agw_hash_del(&ctx->ue_by_id, &ue->by_id);
    agw_hash_del(&ctx->ue_by_imsi, &ue->by_imsi);
    agw_hash_del(&ctx->ue_by_tmsi, &ue->by_tmsi);
    if (ue->sec_valid && !ue->sec_lazy)
        nas_sec_ctx_free(&ue->sec);
    /* keys: KASME, the pending vector */
    explicit_bzero(ue, sizeof(*ue));
    free(ue);
}

struct agw_ue *ue_find_id(struct agw_ctx *ctx, uint32_t id)
{
    struct agw_hnode *n = agw_hash_find(&ctx->ue_by_id, id);
    return n ? agw_container_of(n, struct agw_ue, by_id) : NULL;
}

struct agw_ue *ue_find_imsi(struct agw_ctx *ctx, const char *imsi)
{
    struct agw_hnode *n = agw_hash_find(&ctx->ue_by_imsi, imsi_key(imsi));
    return n ? agw_container_of(n, struct agw_ue, by_imsi) : NULL;
}

struct agw_ue *ue_find_tmsi(struct agw_ctx *ctx, uint32_t m_tmsi)
{
    struct agw_hnode *n = agw_hash_find(&ctx->ue_by_tmsi, m_tmsi);
    return n ? agw_container_of(n, struct agw_ue, by_tmsi) : NULL;
}

struct agw_ue *ue_find_enb(struct agw_ctx *ctx, uint32_t assoc_id, uint32_t enb_ue_id)
{
    struct agw_hnode *n = agw_hash_find(&ctx->ue_by_enb, enb_ue_key(assoc_id, enb_ue_id));
    return n ? agw_container_of(n, struct agw_ue, by_enb) : NULL;
}

/* A restart brings back every UE's security context, most of which will
 * not be used for a while: the NAS keys and their OpenSSL contexts are
 * made when the UE next talks (two KDFs), not for 100k UEs at start. */
int ue_sec_ready(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->sec_valid || !ue->sec_lazy)
        return 0;
    uint32_t ul = ue->sec.ul_count, dl = ue->sec.dl_count;
    uint8_t eea = ue->sec.eea, eia = ue->sec.eia;
    if (nas_sec_ctx_init_kasme(&ue->sec, NAS_SEC_ROLE_NETWORK, ue->ksi, eea, eia, ue->kasme) !=
        NAS_SEC_OK) {
        ue->sec_valid = false;
        ue->sec_lazy = false;
        char b[20];
        LOG_ERR(ctx, "emm", "ue %s: stored security context unusable", ue_imsi_log(ctx, ue, b));
        return -EINVAL;
    }
    ue->sec.ul_count = ul;
    ue->sec.dl_count = dl;
    ue->sec_lazy = false;
    return 0;
}

int ue_set_imsi(struct agw_ctx *ctx, struct agw_ue *ue, const char *imsi)
{
    agw_hash_del(&ctx->ue_by_imsi, &ue->by_imsi);
    snprintf(ue->imsi, sizeof(ue->imsi), "%s", imsi);
    return agw_hash_add(&ctx->ue_by_imsi, &ue->by_imsi, imsi_key(imsi));
}

/* TS 23.003 2.8: a new M-TMSI, unpredictable (TS 33.401 does not want
 * GUTIs that can be followed) and unique among our UEs. */
int ue_new_guti(struct agw_ctx *ctx, struct agw_ue *ue)
{
    agw_hash_del(&ctx->ue_by_tmsi, &ue->by_tmsi);
    for (int tries = 0; tries < 64; tries++) {
        uint32_t t;
        if (getrandom(&t, sizeof(t), 0) != sizeof(t))
            return -EIO;
        if (t == 0 || t == 0xffffffffu || agw_hash_find(&ctx->ue_by_tmsi, t))
            continue;
        ue->m_tmsi = t;
        ue->guti_sent = false;
        return agw_hash_add(&ctx->ue_by_tmsi, &ue->by_tmsi, t);
    }
    return -EAGAIN;
}

int ue_s1_bind(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_enb *enb, uint32_t enb_ue_id)
{
    ue_s1_unbind(ctx, ue);
    int rc = agw_hash_add(&ctx->ue_by_enb, &ue->by_enb, enb_ue_key(enb->assoc_id, enb_ue_id));
    if (rc < 0)
        return rc;
    ue->s1 = true;
    emm_idle_leave(ctx, ue);        /* paging answered, reachability timers stop */
    ue->assoc_id = enb->assoc_id;
    ue->enb_ue_id = enb_ue_id;
    /* TS 36.412 7: UE-associated signalling off stream 0, spread over the
     * others so that one UE's messages stay in order on one stream */
    if (enb->ostreams > 1) {
        ue->stream = (uint16_t)(1 + enb->next_stream % (enb->ostreams - 1));
        enb->next_stream++;
    } else {
        ue->stream = 0;
    }
    enb->n_ues++;
    return 0;
}

void ue_s1_unbind(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->s1)
        return;
    agw_hash_del(&ctx->ue_by_enb, &ue->by_enb);
    ue->nh_valid = false;   /* the NH chain is the connection's AS context's */
    struct agw_enb *enb = enb_find_assoc(ctx, ue->assoc_id);
    if (enb && enb->n_ues)
        enb->n_ues--;
    ue->s1 = false;
}

const char *ue_imsi_log(const struct agw_ctx *ctx, const struct agw_ue *ue, char buf[20])
{
    if (!ue->imsi[0]) {
        snprintf(buf, 20, "tmsi:%08x", ue->m_tmsi);
        return buf;
    }
    return agw_log_imsi(&ctx->log, ue->imsi, buf);
}

struct agw_enb *enb_find_assoc(struct agw_ctx *ctx, uint32_t assoc_id)
{
    struct agw_hnode *n = agw_hash_find(&ctx->enb_by_assoc, assoc_id);
    return n ? agw_container_of(n, struct agw_enb, by_assoc) : NULL;
}

void ue_foreach(struct agw_ctx *ctx, void (*fn)(struct agw_ctx *, struct agw_ue *, void *),
                void *arg)
{
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; i <= h->mask; i++) {
        struct agw_hnode *n = h->buckets[i];
        while (n) {
            struct agw_hnode *next = n->next;
            fn(ctx, agw_container_of(n, struct agw_ue, by_id), arg);
            n = next;
        }
    }
}
