/* NAS transport procedures of xepc-agwd:
 *
 *  - generic NAS transport (TS 24.301 5.6.4): DOWNLINK GENERIC NAS
 *    TRANSPORT sent on request (xepcctl ue generic-nas), UPLINK GENERIC NAS
 *    TRANSPORT received, counted and logged (no LPP or LCS server sits
 *    behind this MME to forward its container to, 5.6.4.3);
 *  - NAS Non Delivery Indication (TS 36.413 8.6.2.3): the eNB did not
 *    deliver a Downlink NAS Transport's NAS PDU.  During a handover
 *    (TS 23.401 5.5.1.1.2 / 5.5.1.2.2 notes: the source may reject NAS
 *    messages while it hands the UE over, and the MME re-sends them once the
 *    handover is over) the PDU is held and re-sent, unchanged, to the eNB
 *    that has the UE when the handover ends (Handover Notify, Cancel,
 *    failure, the guard's expiry, or an X2 Path Switch).  Otherwise it is
 *    re-sent at once (TS 24.301 5.4.1.6 c), 5.6.4.4: "up to the MME
 *    implementation"), once: a second non-delivery of the same PDU gives it
 *    up.  Held PDUs are given up (counted) when the S1 connection goes, or
 *    after mme.ts1relocoverall without a handover ending.  Procedures with
 *    their own timer (T3450, T3460, T3485 ...) retransmit on their own
 *    anyway; a DOWNLINK GENERIC NAS TRANSPORT, which has none, ends there.
 *
 * The re-sent PDU is the protected one as it was first sent (same NAS
 * COUNT): the UE never received it, so it is not a replay. */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"

#define HELD_MAX 4          /* undelivered PDUs kept per UE */

enum held_state { HELD_WAIT = 1, HELD_RESENT };

struct emm_nas_held {
    ev_timer guard;         /* gives the held PDUs up */
    uint32_t ue_id;         /* owner, for the timer */
    bool flush;             /* the guard runs as "re-send now" */
    unsigned n;
    struct {
        uint8_t state;      /* enum held_state */
        uint16_t len;
        uint8_t pdu[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    } e[HELD_MAX];
};

static void held_drop_entry(struct agw_ctx *ctx, struct emm_nas_held *h, unsigned i)
{
    if (h->e[i].state == HELD_WAIT)
        ctx->stats.nas_non_delivery_dropped++;
    memmove(&h->e[i], &h->e[i + 1], (h->n - i - 1) * sizeof(h->e[0]));
    h->n--;
}

void emm_nas_held_free(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct emm_nas_held *h = ue->nas_held;
    if (!h)
        return;
    ev_timer_stop(ctx->loop, &h->guard);
    while (h->n)
        held_drop_entry(ctx, h, h->n - 1);
    free(h);
    ue->nas_held = NULL;
}

ev_timer *emm_nas_held_guard(struct agw_ue *ue)
{
    return ue->nas_held ? &ue->nas_held->guard : NULL;
}

static int resend(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len)
{
    char b[20];
    int rc = s1ap_send_dl_nas(ctx, ue, pdu, len);
    if (rc < 0)
        return rc;
    ctx->stats.nas_non_delivery_resent++;
    LOG_INFO(ctx, "emm", "ue %s: undelivered NAS PDU (%zu octets) re-sent to eNB assoc %u",
             ue_imsi_log(ctx, ue, b), len, ue->assoc_id);
    return 0;
}

/* Re-sends the waiting PDUs to the eNB that has the UE now; without an S1
 * connection they are given up. */
static void held_flush(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct emm_nas_held *h = ue->nas_held;
    for (unsigned i = 0; i < h->n; i++) {
        if (h->e[i].state != HELD_WAIT)
            continue;
        if (ue->s1 && resend(ctx, ue, h->e[i].pdu, h->e[i].len) == 0)
            h->e[i].state = HELD_RESENT;
        else
            held_drop_entry(ctx, h, i--);
    }
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct emm_nas_held *h = agw_container_of(w, struct emm_nas_held, guard);
    struct agw_ue *ue = ue_find_id(ctx, h->ue_id);
    (void)loop;
    (void)revents;
    if (!ue || ue->nas_held != h)
        return;     /* cannot happen: the UE frees its holder */
    if (h->flush) {
        /* a handover ended: re-send, and remember what was re-sent for
         * one more guard period (a second non-delivery gives it up) */
        h->flush = false;
        held_flush(ctx, ue);
        if (h->n) {
            ev_timer_set(&h->guard, ctx->cfg->mme.ts1relocoverall_ms / 1000.0, 0);
            ev_timer_start(ctx->loop, &h->guard);
            return;
        }
    } else if (ue->s1ho.state != 0) {
        /* an S1 handover still runs: its own end flushes */
        ev_timer_set(&h->guard, ctx->cfg->mme.ts1relocoverall_ms / 1000.0, 0);
        ev_timer_start(ctx->loop, &h->guard);
        return;
    }
    emm_nas_held_free(ctx, ue);
    agw_commit_request(ctx);
}

static void guard_start(struct agw_ctx *ctx, struct emm_nas_held *h, double s)
{
    ev_timer_stop(ctx->loop, &h->guard);
    ev_timer_set(&h->guard, s, 0);
    ev_timer_start(ctx->loop, &h->guard);
}

void emm_nas_handover_end(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct emm_nas_held *h = ue->nas_held;
    if (!h)
        return;
    /* after this event: the handler that ended the handover binds the UE
     * to the target (Notify, Path Switch) before the loop comes back */
    h->flush = true;
    guard_start(ctx, h, 0);
}

/* TS 36.413 9.2.1.3: the causes an eNB gives when it does not deliver
 * because it is handing the UE over */
static bool cause_is_handover(const s1ap_Cause *c)
{
    if (c->present != S1AP_Cause_PR_radioNetwork)
        return false;
    switch (c->u.radioNetwork) {
    case S1AP_CauseRadioNetwork_handover_desirable_for_radio_reason:
    case S1AP_CauseRadioNetwork_time_critical_handover:
    case S1AP_CauseRadioNetwork_resource_optimisation_handover:
    case S1AP_CauseRadioNetwork_reduce_load_in_serving_cell:
    case S1AP_CauseRadioNetwork_s1_intra_system_handover_triggered:
    case S1AP_CauseRadioNetwork_s1_inter_system_handover_triggered:
    case S1AP_CauseRadioNetwork_x2_handover_triggered:
        return true;
    default:
        return false;
    }
}

/* TS 36.413 8.6.2.3 NAS NON DELIVERY INDICATION for ue (its IDs checked) */
void emm_nas_non_delivery(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t *pdu, size_t len,
                          const s1ap_Cause *cause)
{
    char b[20];
    ctx->stats.nas_non_delivery_rx++;
    if (!len || len > AGW_NAS_MAX + NAS_SEC_HDR_LEN) {
        ctx->stats.nas_non_delivery_dropped++;
        return;
    }
    struct emm_nas_held *h = ue->nas_held;
    if (!h) {
        h = calloc(1, sizeof(*h));
        if (!h) {
            ctx->stats.nas_non_delivery_dropped++;
            return;
        }
        ev_init(&h->guard, guard_cb);
        h->guard.data = ctx;
        h->ue_id = ue->id;
        ue->nas_held = h;
    }
    for (unsigned i = 0; i < h->n; i++) {
        if (h->e[i].len != len || memcmp(h->e[i].pdu, pdu, len))
            continue;
        if (h->e[i].state == HELD_WAIT)
            return;     /* told twice: it still waits */
        /* not delivered after its re-send either: the procedure that sent
         * it fails (or retransmits with its own timer) */
        h->e[i].state = HELD_WAIT;
        held_drop_entry(ctx, h, i);
        LOG_WARN(ctx, "emm", "ue %s: NAS PDU (%zu octets) not delivered again: given up",
                 ue_imsi_log(ctx, ue, b), len);
        return;
    }
    if (h->n == HELD_MAX)
        held_drop_entry(ctx, h, 0);
    unsigned i = h->n++;
    h->e[i].state = HELD_WAIT;
    h->e[i].len = (uint16_t)len;
    memcpy(h->e[i].pdu, pdu, len);
    bool ho = ue->s1ho.state != 0 || cause_is_handover(cause);
    LOG_INFO(ctx, "emm", "ue %s: NAS Non Delivery Indication (%zu octets)%s",
             ue_imsi_log(ctx, ue, b), len,
             ho ? ": held until the handover ends" : ": re-sent");
    if (ho) {
        if (!h->flush)
            guard_start(ctx, h, ctx->cfg->mme.ts1relocoverall_ms / 1000.0);
        return;
    }
    if (resend(ctx, ue, pdu, len) == 0)
        h->e[i].state = HELD_RESENT;
    else
        held_drop_entry(ctx, h, i);
    if (!h->flush)
        guard_start(ctx, h, ctx->cfg->mme.ts1relocoverall_ms / 1000.0);
}

/* The UE's S1 connection is gone: what waits for it is given up. */
void emm_nas_held_s1_lost(struct agw_ctx *ctx, struct agw_ue *ue)
{
    emm_nas_held_free(ctx, ue);
}

/* ------------------------------------------- generic NAS transport -- */

/* TS 24.301 5.6.4.2, 8.2.31: the network sends a generic container to a
 * UE in EMM-CONNECTED mode (EMM-REGISTERED with an S1 connection). */
int emm_send_dl_generic(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t type,
                        const uint8_t *container, size_t len, const uint8_t *info,
                        size_t info_len)
{
    if (!type || !len || len > NAS_CONTAINER_MAX - 64 || info_len > 255)
        return -EINVAL;
    if (ue->emm != EMM_REGISTERED || ue->attach_pending || !ue->sec_valid)
        return -EAGAIN;
    if (!ue->s1)
        return -ENOTCONN;
    struct nas_message *m = malloc(sizeof(*m));
    if (!m)
        return -ENOMEM;
    nas_message_init(m, NAS_MSG_DL_GENERIC_NAS_TRANSPORT);
    struct nas_dl_generic_nas_transport *g = &m->dl_generic_nas_transport;
    g->generic_msg_container_type = type;
    g->generic_msg_container.len = (uint16_t)len;
    memcpy(g->generic_msg_container.v, container, len);
    if (info_len) {
        g->has_additional_info = true;
        g->additional_info.len = (uint16_t)info_len;
        memcpy(g->additional_info.v, info, info_len);
    }
    int rc = nas_send(ctx, ue, m);
    free(m);
    if (rc == 0)
        ctx->stats.nas_generic_dl_tx++;
    return rc;
}

/* TS 24.301 9.9.3.42 */
static const char *container_type_str(uint8_t t)
{
    switch (t) {
    case 1: return "LPP";
    case 2: return "location services";
    default: return "reserved";
    }
}

/* TS 24.301 5.6.4.3: UPLINK GENERIC NAS TRANSPORT.  Its container goes to
 * the entity of its type; none is connected to xepc-agwd, so it is counted
 * and logged (type, length, the first octets) and goes no further. */
void emm_handle_ul_generic(struct agw_ctx *ctx, struct agw_ue *ue,
                           const struct nas_ul_generic_nas_transport *m)
{
    char b[20], hex[2 * 32 + 1];
    size_t n = m->generic_msg_container.len < 32 ? m->generic_msg_container.len : 32;
    if (ue->emm != EMM_REGISTERED) {
        /* TS 24.301 7.4: not compatible with the state */
        ctx->stats.nas_unexpected++;
        emm_send_status(ctx, ue, 98);
        return;
    }
    ctx->stats.nas_generic_ul_rx++;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", m->generic_msg_container.v[i]);
    hex[2 * n] = 0;
    LOG_INFO(ctx, "emm", "ue %s: uplink generic NAS transport, container type %u (%s), "
             "%u octets: %s%s; no %s server behind this MME", ue_imsi_log(ctx, ue, b),
             m->generic_msg_container_type, container_type_str(m->generic_msg_container_type),
             m->generic_msg_container.len, hex, m->generic_msg_container.len > 32 ? "..." : "",
             container_type_str(m->generic_msg_container_type));
}
