/* An APN's UE IPv4 pool changed while the gateway runs (docs/orchestrator.md
 * "APNs and pools from the orchestrator").
 *
 * ctx->pools[i] is the head of APN i's list of prefixes (pgw_session.c
 * allocates from them in order).  pgw_init() makes the YAML file's one
 * prefix; the orchestrator's pools (orc_apn.c) replace the list here.
 *
 * A new list is built from scratch: the network, first host (the PDN side's
 * gateway address) and broadcast of each prefix are reserved as at start,
 * and the address of every running session that falls inside it is taken,
 * whatever APN the session is on.  So a prefix that shrinks, grows, moves
 * or comes back never gives out an address a UE holds; an address outside
 * the new list stays the UE's until its session ends, and is then nobody's
 * (pool_release finds no prefix for it). */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"

#define BIT_GET(b, i) ((b)[(i) >> 3] & (1u << ((i) & 7)))
#define BIT_SET(b, i) ((b)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))

struct agw_pool *pgw_pool_of(struct agw_pool *head, struct in_addr a)
{
    uint32_t h = ntohl(a.s_addr);
    for (struct agw_pool *pl = head; pl; pl = pl->next)
        if (pl->size && h - pl->base < pl->size)
            return pl;
    return NULL;
}

void pgw_pool_free(struct agw_pool *head)
{
    struct agw_pool *pl = head->next;
    while (pl) {
        struct agw_pool *n = pl->next;
        free(pl->bits);
        free(pl);
        pl = n;
    }
    free(head->bits);
    memset(head, 0, sizeof(*head));
}

bool pgw_pool_same(const struct agw_ctx *ctx, size_t apn_idx, const struct pgw_prefix *pf,
                   size_t n)
{
    const struct agw_pool *pl = &ctx->pools[apn_idx];
    size_t i = 0;
    if (!pl->size)
        return n == 0;
    for (; pl && i < n; pl = pl->next, i++)
        if (pl->base != pf[i].base || pl->size != 1u << (32 - pf[i].len))
            return false;
    return !pl && i == n;
}

static int prefix_init(struct agw_pool *pl, const struct pgw_prefix *pf)
{
    memset(pl, 0, sizeof(*pl));
    pl->base = pf->base;
    pl->size = 1u << (32 - pf->len);
    pl->bits = calloc((pl->size + 7) / 8, 1);
    if (!pl->bits)
        return -ENOMEM;
    /* as pgw_init(): network, first host and broadcast never given out */
    BIT_SET(pl->bits, 0);
    BIT_SET(pl->bits, 1);
    BIT_SET(pl->bits, pl->size - 1);
    pl->used = 3;
    pl->next_off = 2;
    return 0;
}

/* The running sessions' addresses inside the new list, taken. */
static void take_running(struct agw_ctx *ctx, struct agw_pool *head)
{
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *hn = h->buckets[i]; hn; hn = hn->next) {
            struct agw_ue *ue = agw_container_of(hn, struct agw_ue, by_id);
            for (unsigned k = 0; k < AGW_MAX_PDN; k++) {
                const struct agw_pdn *p = &ue->pdn[k];
                if (p->state == PDN_FREE || !pgw_pdn_has_v4(p) || !p->ue_ip.s_addr)
                    continue;
                struct agw_pool *pl = pgw_pool_of(head, p->ue_ip);
                uint32_t off = pl ? ntohl(p->ue_ip.s_addr) - pl->base : 0;
                if (pl && !BIT_GET(pl->bits, off)) {
                    BIT_SET(pl->bits, off);
                    pl->used++;
                }
            }
        }
}

int pgw_pool_set(struct agw_ctx *ctx, size_t apn_idx, const struct pgw_prefix *pf, size_t n)
{
    struct agw_pool head;
    memset(&head, 0, sizeof(head));
    struct agw_pool **tail = NULL;
    for (size_t i = 0; i < n; i++) {
        struct agw_pool *pl = i ? calloc(1, sizeof(*pl)) : &head;
        if (!pl || prefix_init(pl, &pf[i]) < 0) {
            if (pl && pl != &head)
                free(pl);
            pgw_pool_free(&head);
            return -ENOMEM;
        }
        if (tail)
            *tail = pl;
        tail = &pl->next;
    }
    take_running(ctx, &head);
    pgw_pool_free(&ctx->pools[apn_idx]);
    ctx->pools[apn_idx] = head;
    return 0;
}

int pgw_pools_grow(struct agw_ctx *ctx, size_t n)
{
    size_t have = ctx->cfg->n_apns;
    if (n <= have)
        return 0;
    struct agw_pool *p = realloc(ctx->pools, n * sizeof(*p));
    if (!p)
        return -ENOMEM;
    memset(p + have, 0, (n - have) * sizeof(*p));
    ctx->pools = p;
    return 0;
}
