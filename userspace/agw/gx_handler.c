/* Gx messages received: CCA and RAR (TS 29.212 4.5), and the failure
 * handling of a CCR without a usable answer.  The PCC rules and the
 * authorised APN-AMBR of a CCA-I or an RAR are enforced in the datapath
 * (gx_policy.c); a PDN connection's activation waits for its CCA-I. */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_ccr.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

/* A CCR-U's answer or timeout for the session of uplink TEID teid: its
 * usage reports settled or not (gx_monitor.c). */
static void update_answered(struct agw_ctx *ctx, uint32_t teid, bool ok)
{
    struct gx_sess *s = gx_sess_find(ctx, teid);
    if (s && gx_sess_monitors(s)->busy)
        gx_monitors_answered(ctx, s, ok);
}

/* The PDN connection of uplink TEID teid, if a UE still has it */
static struct agw_pdn *pdn_of(struct agw_ctx *ctx, uint32_t teid, struct agw_ue **ue)
{
    *ue = pgw_ue_by_session(ctx, teid & 0xffffff);
    for (unsigned i = 0; *ue && i < AGW_MAX_PDN; i++)
        if ((*ue)->pdn[i].state != PDN_FREE && (*ue)->pdn[i].ul_teid == teid)
            return &(*ue)->pdn[i];
    return NULL;
}

/* A PDN connection the gateway ends for its Gx session (TS 29.212 4.5.6
 * PCRF-initiated IP-CAN session termination, or a CCR-U without an answer
 * and TERMINATE): the UE's last one detaches the UE (TS 23.401 5.4.4.1:
 * the MME initiates the detach for the last one); another one is
 * deactivated (TS 24.301 6.4.4.2, DEACTIVATE EPS BEARER CONTEXT REQUEST
 * with esm_cause in an E-RAB Release Command), and goes when the UE
 * accepts.  The release sends the CCR-T (gx_session_stop). */
void gx_pdn_end(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t esm_cause,
                const char *why, const char *detail)
{
    char b[20];
    unsigned active = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        active += ue->pdn[i].state != PDN_FREE;
    LOG_INFO(ctx, "gx", "ue %s: %s of EBI %u%s: %s", ue_imsi_log(ctx, ue, b), why, p->ebi, detail,
             active <= 1 ? "detach (last PDN connection)" : "PDN connection deactivated");
    if (active <= 1) {
        emm_detach_ue(ctx, ue, false);
    } else if (ue->s1 && p->state == PDN_ACTIVE) {
        if (esm_deactivate_pdn(ctx, ue, p, 0, esm_cause) < 0) {
            pgw_pdn_release(ctx, ue, p);
            ue_store_mark(ctx, ue);
        }
    } else {
        /* idle (or the bearer not set up yet): released here; the UE
         * learns it from the EPS bearer context status of its next TAU or
         * service request (TS 24.301 5.5.3.2.4) */
        pgw_pdn_release(ctx, ue, p);
        ue_store_mark(ctx, ue);
    }
}

/* TS 29.212 4.5.6 PCRF-initiated IP-CAN session termination, after the
 * RAA */
static void session_release(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t cause)
{
    struct gx_sess *s = gx_sess_find(ctx, ul_teid);
    char why[80];
    if (!s)
        return;
    struct agw_ue *ue = ue_find_imsi(ctx, gx_sess_imsi(s));
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, gx_sess_ebi(s)) : NULL;
    if (!p || p->ul_teid != ul_teid)
        return;
    snprintf(why, sizeof(why), " (Session-Release-Cause %u)", cause);
    /* 5.3.33: INSUFFICIENT_SERVER_RESOURCES (2) -> #26 insufficient
     * resources; the others -> #36 regular deactivation */
    gx_pdn_end(ctx, ue, p, cause == 2 ? 26 : 36, "the PCRF releases the session", why);
}

/* The ESM cause of a PDN connection whose CCA-I carries a failure: the
 * PCRF's refusal of the IP-CAN session (TS 29.212 4.5.1) becomes the
 * refusal of the PDN connection, with a cause of TS 24.301 6.5.1.4. */
static uint8_t refused_cause(uint32_t code)
{
    switch (code) {
    case 5003:      /* DIAMETER_AUTHORIZATION_REJECTED (RFC 6733 7.1.5) */
    case 5030:      /* DIAMETER_USER_UNKNOWN (RFC 4006 9.1) */
    case 5140:      /* DIAMETER_ERROR_INITIAL_PARAMETERS (TS 29.212 5.5.3) */
        return 29;  /* #29 user authentication or authorization failed */
    }
    if (code >= 4000 && code < 5000)
        return 26;  /* transient (4xxx): #26 insufficient resources */
    return 31;      /* #31 request rejected, unspecified */
}

/* No usable answer to the CCR-I and TERMINATE: #34 service option
 * temporarily out of order */
#define GX_NO_PCRF_CAUSE 34

/* The CCR-I of the session of teid is answered with a failure, or the
 * failure handling ends it: the Gx session goes without a CCR-T (the PCRF
 * has no IP-CAN session, 4.5.1) and the PDN connection is refused. */
static void initial_refused(struct agw_ctx *ctx, uint32_t teid, uint8_t esm_cause)
{
    struct agw_ue *ue;
    struct agw_pdn *p = pdn_of(ctx, teid, &ue);
    struct gx_sess *s = gx_sess_find(ctx, teid);
    if (s)
        gx_sess_free(ctx, s);
    if (!p)
        return;
    gx_stats_mut(ctx)->pdn_refused++;
    if (p->gx_wait)
        esm_gx_answered(ctx, ue, p, esm_cause);
    else
        gx_pdn_end(ctx, ue, p, esm_cause, "the PCRF refused the session", "");
}

/* RFC 4006 5.7 with TS 29.212 5.6.3: a CCR without a usable answer (the
 * Tx timer ran out, a 3xxx such as 3002 DIAMETER_UNABLE_TO_DELIVER with
 * the PCRF down, an undecodable answer) follows the session's
 * Credit-Control-Failure-Handling.  RETRY_AND_TERMINATE: freeDiameter has
 * already routed the request to another open peer if there was one, so
 * what is left is TERMINATE.  A CCR-T needs nothing more: the session is
 * gone (one with usage reports is journalled and sent again, agw_ccr.h). */
static void no_answer(struct agw_ctx *ctx, uint32_t teid, char type, const char *what)
{
    struct gx_sess *s = gx_sess_find(ctx, teid);
    uint32_t ccfh = gx_sess_ccfh(ctx, s);
    struct agw_ue *ue;
    struct agw_pdn *p = pdn_of(ctx, teid, &ue);
    char why[160];
    /* RETRY_AND_TERMINATE: first the alternate PCRF, if there is one;
     * its answer, or its failure, comes as this one's would */
    if (s && p && type != 'T' && ccfh == 2) {
        LOG_WARN(ctx, "gx", "session 0x%08x: CCR-%c %s: RETRY_AND_TERMINATE", teid, type, what);
        if (gx_send_retry(ctx, s, type == 'I' ? DIAM_CC_INITIAL : DIAM_CC_UPDATE) > 0)
            return;
    }
    if (type == 'U')
        update_answered(ctx, teid, false);
    if (type == 'T' || !p || !s)
        return;
    if (ccfh == 1) {
        /* CONTINUE: a CCR-I's PDN connection goes on with the local
         * policy (policy.static), a CCR-U's keeps the rules in force */
        gx_stats_mut(ctx)->ccfh_continue++;
        LOG_WARN(ctx, "gx", "session 0x%08x: CCR-%c %s: CONTINUE%s", teid, type, what,
                 type == 'I' ? " with the local policy" : ", the rules in force stay");
        if (type != 'I')
            return;
        if (gx_policy_local(ctx, s, why, sizeof(why)) < 0)
            LOG_WARN(ctx, "gx", "session 0x%08x: local policy not applied: %s", teid, why);
        if (p->gx_wait)
            esm_gx_answered(ctx, ue, p, 0);
        return;
    }
    gx_stats_mut(ctx)->ccfh_terminate++;
    LOG_WARN(ctx, "gx", "session 0x%08x: CCR-%c %s: %s", teid, type, what,
             ccfh != 2 ? "TERMINATE"
             : ctx->cfg->diameter.gx.alt.enabled ? "RETRY_AND_TERMINATE, the alternate PCRF failed too"
                                                 : "RETRY_AND_TERMINATE, no alternate PCRF");
    if (type == 'I') {
        initial_refused(ctx, teid, GX_NO_PCRF_CAUSE);
        return;
    }
    /* CCR-U: the PDN connection is released as the PCRF would (#36
     * regular deactivation); the CCR-T goes out */
    gx_pdn_end(ctx, ue, p, 36, "no answer to a CCR-U, TERMINATE: the PCRF's session ends", "");
}

/* A CCA-U with a failure result (our mapping, docs/charging.md "Failure
 * handling for Gx"; RFC 4006 7: a failed CCA ends the end user's service,
 * a temporary error follows the CCFH):
 *   4xxx             transient: the failure handling, as for no answer
 *   5143, 5144, 5147 (Experimental-Result, TS 29.212 5.5.3) the request's
 *                    asks refused, not the session: logged
 *   5002             DIAMETER_UNKNOWN_SESSION_ID: the PCRF has no IP-CAN
 *                    session: the PDN connection is released, no CCR-T
 *   other 5xxx       permanent: the PDN connection is released (the CCR-T
 *                    ends what the PCRF may still hold) */
static void update_failed(struct agw_ctx *ctx, uint32_t teid, uint32_t code, bool exp)
{
    char why[80];
    if (code >= 4000 && code < 5000) {
        snprintf(why, sizeof(why), "answered %u", code);
        no_answer(ctx, teid, 'U', why);
        return;
    }
    update_answered(ctx, teid, false);  /* the reports go in the CCR-T or nowhere */
    if (exp && (code == 5143 || code == 5144 || code == 5147))
        return;
    struct agw_ue *ue;
    struct agw_pdn *p = pdn_of(ctx, teid, &ue);
    struct gx_sess *s = gx_sess_find(ctx, teid);
    if (!p || !s)
        return;
    if (code == 5002)
        gx_sess_free(ctx, s);           /* gone at the PCRF: no CCR-T */
    gx_stats_mut(ctx)->pdn_released++;
    snprintf(why, sizeof(why), " (%s %u)", exp ? "Experimental-Result" : "Result-Code", code);
    gx_pdn_end(ctx, ue, p, 36, "the PCRF failed a CCR-U", why);
}

static void on_cca(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct diam_gx_cca *cca = calloc(1, sizeof(*cca));
    uint32_t teid = (uint32_t)(ev->cookie >> 8);
    uint32_t t = (uint32_t)(ev->cookie & 0xff);
    char type = t == DIAM_CC_INITIAL ? 'I' : t == DIAM_CC_UPDATE ? 'U' : 'T';
    char why[160];
    if (!cca)
        return;
    int rc = diam_gx_cca_decode(ev->msg, cca);
    if (rc < 0) {
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c undecodable: %s", teid, type, strerror(-rc));
        no_answer(ctx, teid, type, "answer undecodable");
        goto out;
    }
    uint32_t code = cca->h.result_code ? cca->h.result_code : cca->h.exp_result_code;
    /* RFC 4006 8.14: a CCA's CCFH holds for the rest of the session */
    struct gx_sess *own = gx_sess_find(ctx, teid);
    if (own && (code < 3000 || code >= 4000)) {
        /* the server's word on the request: nothing to send again */
        struct gx_retry *r = gx_sess_retry(own);
        free(r->req);
        r->req = NULL;
    }
    if (own && cca->has_ccfh && gx_sess_set_ccfh(own, cca->ccfh))
        gx_sess_save(ctx, own);     /* kept across a restart (0014) */
    if (code != DIAM_SUCCESS) {
        gx_stats_mut(ctx)->cca_failed++;
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c result %u from %s", teid, type, code,
                 cca->h.origin_host);
        if (code >= 3000 && code < 4000) {
            /* a protocol error (3002 with the PCRF unreachable) is no
             * answer of the PCRF's (RFC 4006 5.7) */
            snprintf(why, sizeof(why), "answered %u", code);
            no_answer(ctx, teid, type, why);
        } else if (type == 'I') {
            /* TS 29.212 4.5.1: the PCRF refuses the IP-CAN session */
            initial_refused(ctx, teid, refused_cause(code));
        } else if (type == 'U') {
            update_failed(ctx, teid, code, !cca->h.result_code);
        }
        goto out;
    }
    gx_stats_mut(ctx)->cca_ok++;
    LOG_INFO(ctx, "gx", "session 0x%08x: CCA-%c ok: %u+%u+%u rules to install, %u to remove",
             teid, type, cca->rules.n_install_names, cca->rules.n_install_bases,
             cca->rules.n_defs, cca->rules.n_remove_names + cca->rules.n_remove_bases);
    if (type == 'T')
        goto out;
    struct gx_sess *s = gx_sess_by_sid(ctx, cca->h.session_id);
    if (!s) {
        LOG_INFO(ctx, "gx", "session 0x%08x: CCA-%c for a session that is gone", teid, type);
        goto out;
    }
    /* 4.5.17: the reports are settled before the answer's new grants */
    if (type == 'U' && gx_sess_monitors(s)->busy)
        gx_monitors_answered(ctx, s, true);
    /* TS 29.212 4.5.1: the rules and QoS of the CCA-I apply to the
     * IP-CAN session (those of a CCA-U as well, 4.5.2) */
    struct diam_rules *rl = &cca->rules;
    /* 4.5.5.0a: the default bearer's QCI/ARP the PCRF authorises, before
     * the rules, whose bearer binding compares with them (4.5.2); with
     * the APN-AMBR (4.5.5.7), signalled to a UE that has the bearer.  A
     * CCA-I's are taken as they are: the activation waited for them and
     * carries them. */
    static const struct diam_qos none;
    bool signalled = gx_dqos_signal(ctx, s, &cca->default_qos, &cca->qos);
    if (cca->default_qos.present && !signalled)
        gx_default_qos_apply(ctx, s, &cca->default_qos);
    if ((type == 'I' || rl->n_install_names || rl->n_install_bases || rl->n_defs ||
         rl->n_remove_names || rl->n_remove_bases || (cca->qos.present && !signalled)) &&
        gx_policy_apply(ctx, s, rl, signalled ? &none : &cca->qos, why, sizeof(why)) < 0)
        LOG_WARN(ctx, "gx", "session 0x%08x: CCA-%c policy not applied: %s", teid, type, why);
    /* 4.5.17: the grants of the usage monitoring keys */
    gx_monitors_apply(ctx, s, cca->monitors, cca->n_monitors);
    /* 4.5.3: the event triggers armed from now on */
    gx_events_arm(gx_sess_events(s), cca->triggers, cca->n_triggers);
    gx_sess_save(ctx, s);
    if (type == 'I') {
        /* TS 23.401 5.3.2.1 step 14: the default bearer's activation,
         * with what the CCA-I authorised */
        struct agw_ue *ue;
        struct agw_pdn *p = pdn_of(ctx, teid, &ue);
        if (p && p->gx_wait)
            esm_gx_answered(ctx, ue, p, 0);
    }
out:
    free(cca);
}

/* TS 29.212 4.5.2, 5.6.4: RAR from the PCRF; *release gets the uplink TEID
 * of a session the PCRF terminates (4.5.6), released after the RAA. */
static uint32_t on_rar(struct agw_ctx *ctx, struct msg *m, uint32_t *release, uint32_t *cause,
                       struct diam_raa *raa)
{
    struct diam_gx_rar *rar = calloc(1, sizeof(*rar));
    char why[160];
    uint32_t code = DIAM_UNABLE_TO_COMPLY;
    if (!rar)
        return DIAM_TOO_BUSY;
    int rc = diam_gx_rar_decode(m, rar);
    if (rc < 0) {
        code = rc == -EBADMSG ? 5005 : 5004;    /* MISSING_AVP / INVALID_AVP_VALUE */
        goto out;
    }
    struct gx_sess *s = gx_sess_by_sid(ctx, rar->h.session_id);
    if (!s) {
        code = 5002;                            /* DIAMETER_UNKNOWN_SESSION_ID */
        LOG_INFO(ctx, "gx", "RAR for an unknown session %s", rar->h.session_id);
        goto out;
    }
    if (rar->session_release_cause) {
        /* 4.5.6: answered, then the session is terminated */
        *release = gx_sess_teid(s);
        *cause = rar->session_release_cause - 1;
        code = DIAM_SUCCESS;
        goto out;
    }
    /* 4.5.5.0a, 4.5.5.7: Default-EPS-Bearer-QoS and APN-AMBR, to the UE */
    static const struct diam_qos none;
    bool signalled = gx_dqos_signal(ctx, s, &rar->default_qos, &rar->qos);
    if (rar->default_qos.present && !signalled)
        gx_default_qos_apply(ctx, s, &rar->default_qos);
    int rc_apply = gx_policy_apply(ctx, s, &rar->rules, signalled ? &none : &rar->qos, why,
                                   sizeof(why));
    /* 4.5.12: the rules it named that are not predefined here go back in
     * the RAA's Charging-Rule-Report.  Not with Experimental-Result
     * DIAMETER_PCC_RULE_EVENT: RFC 6733 makes the RAA's Result-Code
     * required and freeDiameter-based PCRFs reject an RAA without it
     * (DIAMETER_MISSING_AVP); so 2001 when the rest applied, 5012 when
     * nothing did */
    struct gx_events *e = gx_sess_events(s);
    for (unsigned i = 0; i < e->n_unknown && raa->n_reports < DIAM_MAX_RULES; i++) {
        struct diam_rule_report *r = &raa->reports[raa->n_reports++];
        snprintf(r->name, sizeof(r->name), "%s", e->unknown[i].name);
        r->base = e->unknown[i].base;
        r->status = 1;                  /* INACTIVE */
        r->failure_code = e->unknown[i].code;   /* UNKNOWN_RULE_NAME, ... */
    }
    e->n_unknown = 0;
    if (rc_apply < 0) {
        LOG_WARN(ctx, "gx", "RAR not applied: %s", why);
        if (rc_apply != -ENOENT)
            raa->n_reports = 0;
        goto out;
    }
    gx_monitors_apply(ctx, s, rar->monitors, rar->n_monitors);
    gx_events_arm(gx_sess_events(s), rar->triggers, rar->n_triggers);
    gx_sess_save(ctx, s);
    code = DIAM_SUCCESS;
out:
    free(rar);
    return code;
}

static void on_request(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    uint32_t release = 0, cause = 0;
    if (ev->cmd_code == 258) {
        gx_stats_mut(ctx)->rar++;
        struct diam_raa raa;
        memset(&raa, 0, sizeof(raa));
        uint32_t code = on_rar(ctx, m, &release, &cause, &raa);
        if (code == DIAM_SUCCESS || raa.n_reports) {
            raa.h.result_code = code;
            if (code == DIAM_SUCCESS)
                gx_stats_mut(ctx)->rar_ok++;
            diam_raa_answer(&m, &raa);
        } else {
            diam_answer_result(&m, code);
        }
    } else {
        diam_answer_result(&m, 3001);   /* DIAMETER_COMMAND_UNSUPPORTED */
    }
    /* the RAA leaves once what the RAR changed is committed (agw_ccr.h):
     * a 2001 the PCRF gets is never lost to a crash */
    if (m && ccr_answer(ctx, &m) < 0)
        LOG_WARN(ctx, "gx", "RAA not sent");
    if (release)
        session_release(ctx, release, cause);
}

void gx_handle_event(struct agw_ctx *ctx, struct diam_event *ev)
{
    /* a journalled request (a CCR-T) the journal sent to the alternate
     * PCRF (RETRY_AND_TERMINATE, ccr_journal.c): a retry as gx_send_retry's */
    if (ev->type != DIAM_EV_REQUEST && ccr_failed_over(ctx))
        gx_stats_mut(ctx)->retries++;
    switch (ev->type) {
    case DIAM_EV_ANSWER:
        on_cca(ctx, ev);
        break;
    case DIAM_EV_TIMEOUT: {
        /* RFC 4006 13: Tx expired, the failure handling applies */
        uint32_t t = (uint32_t)(ev->cookie & 0xff);
        gx_stats_mut(ctx)->timeouts++;
        no_answer(ctx, (uint32_t)(ev->cookie >> 8),
                  t == DIAM_CC_INITIAL ? 'I' : t == DIAM_CC_UPDATE ? 'U' : 'T',
                  "unanswered within the Tx timer");
        break;
    }
    case DIAM_EV_REQUEST:
        on_request(ctx, ev);
        break;
    }
}
