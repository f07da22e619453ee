/* Gy (RFC 4006, TS 32.299): CCR/CCA with Multiple-Services-Credit-Control,
 * and RAR. */
#include <errno.h>
#include <string.h>

#include "diameter/diam_int.h"

/* TS 32.299 7.1.12 / 32.251 Annex: the PS charging Service-Context-Id */
#define GY_SERVICE_CONTEXT "32251@3gpp.org"

void diam_mscc_init(struct diam_mscc *m)
{
    memset(m, 0, sizeof(*m));
    m->fui.action = DIAM_FUA_NONE;
}

static int add_fui(struct avp *parent, const struct diam_fui *f)
{
    struct avp *g, *rs;
    int r;
    if (f->action == DIAM_FUA_NONE)
        return 0;
    if (f->action < DIAM_FUA_TERMINATE || f->action > DIAM_FUA_RESTRICT_ACCESS ||
        f->n_filter_ids > DIAM_MAX_FILTERS || f->n_restrict > DIAM_MAX_FILTERS)
        return -EINVAL;
    /* RFC 4006 8.34 */
    if ((r = da_add_grp(parent, DA_FUI, &g)) ||
        (r = da_add_i32(g, DA_FUA, f->action)))
        return r;
    for (unsigned i = 0; i < f->n_restrict; i++)
        if ((r = da_add_str(g, DA_RESTRICTION_FILTER_RULE, f->restrict_rules[i])))
            return r;
    for (unsigned i = 0; i < f->n_filter_ids; i++)
        if ((r = da_add_str(g, DA_FILTER_ID, f->filter_ids[i])))
            return r;
    if (f->action == DIAM_FUA_REDIRECT) {
        /* 8.37: Redirect-Server { Redirect-Address-Type } { ...-Address } */
        if ((r = da_add_grp(g, DA_REDIRECT_SERVER, &rs)) ||
            (r = da_add_i32(rs, DA_REDIRECT_ADDRESS_TYPE, (int32_t)f->redirect_addr_type)) ||
            (r = da_add_str(rs, DA_REDIRECT_SERVER_ADDRESS, f->redirect_addr)))
            return r;
    }
    return 0;
}

static int read_fui(struct avp *grp, struct diam_fui *f)
{
    struct avp_hdr *h;
    uint32_t v;
    int r = 0;
    bool have_action = false;
    memset(f, 0, sizeof(*f));
    f->action = DIAM_FUA_NONE;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_FUA:
            if ((r = da_i32u(h, &v)))
                break;
            if (v > DIAM_FUA_RESTRICT_ACCESS)
                return -ERANGE;
            have_action = true;
            f->action = (int)v;
            break;
        case DA_RESTRICTION_FILTER_RULE:
            if (f->n_restrict >= DIAM_MAX_FILTERS)
                return -E2BIG;
            r = da_str(h, f->restrict_rules[f->n_restrict++], DIAM_FLOW_MAX);
            break;
        case DA_FILTER_ID:
            if (f->n_filter_ids >= DIAM_MAX_FILTERS)
                return -E2BIG;
            r = da_str(h, f->filter_ids[f->n_filter_ids++], DIAM_STR_MAX);
            break;
        case DA_REDIRECT_SERVER:
            for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
                switch (da_which(c, &h)) {
                case DA_REDIRECT_ADDRESS_TYPE: r = da_i32u(h, &f->redirect_addr_type); break;
                case DA_REDIRECT_SERVER_ADDRESS:
                    r = da_str(h, f->redirect_addr, sizeof(f->redirect_addr));
                    break;
                default: break;
                }
            }
            break;
        default: break;
        }
    }
    if (!r && !have_action)
        r = -EBADMSG;   /* 8.34: { Final-Unit-Action } */
    return r;
}

static int add_mscc(struct msg *m, const struct diam_mscc *c, bool answer)
{
    struct avp *g, *usu;
    int r;
    /* RFC 4006 8.16, TS 32.299 7.1.9 */
    if ((r = da_add_grp(m, DA_MSCC, &g)))
        return r;
    if (c->granted.present && (r = da_add_units(g, DA_GSU, &c->granted)))
        return r;
    if (!answer && c->requested.present) {
        /* 8.18: an empty RSU asks the server to choose the amount */
        struct avp *rsu;
        if ((r = da_add_grp(g, DA_RSU, &rsu)))
            return r;
        const struct diam_units *u = &c->requested;
        if ((u->has_time && (r = da_add_u32(rsu, DA_CC_TIME, u->time))) ||
            (u->has_total && (r = da_add_u64(rsu, DA_CC_TOTAL_OCTETS, u->total))) ||
            (u->has_input && (r = da_add_u64(rsu, DA_CC_INPUT_OCTETS, u->input))) ||
            (u->has_output && (r = da_add_u64(rsu, DA_CC_OUTPUT_OCTETS, u->output))))
            return r;
    }
    if (!answer && c->used.present) {
        if ((r = da_add_units(g, DA_USU, &c->used)))
            return r;
        /* TS 32.299 7.2.175: Reporting-Reason in the USU it explains */
        if (c->has_reporting_reason) {
            usu = NULL;
            fd_msg_browse(g, MSG_BRW_LAST_CHILD, &usu, NULL);
            if (!usu || (r = da_add_i32(usu, DA_REPORTING_REASON,
                                        (int32_t)c->reporting_reason)))
                return usu ? r : -EINVAL;
        }
    }
    if (c->has_service_id && (r = da_add_u32(g, DA_SERVICE_IDENTIFIER, c->service_id)))
        return r;
    if (c->has_rating_group && (r = da_add_u32(g, DA_RATING_GROUP, c->rating_group)))
        return r;
    if (answer) {
        if (c->validity_time && (r = da_add_u32(g, DA_VALIDITY_TIME, c->validity_time)))
            return r;
        if (c->result_code && (r = da_add_u32(g, DA_RESULT_CODE, c->result_code)))
            return r;
        if ((r = add_fui(g, &c->fui)))
            return r;
        if (c->has_time_threshold &&
            (r = da_add_u32(g, DA_TIME_QUOTA_THRESHOLD, c->time_threshold)))
            return r;
        if (c->has_volume_threshold &&
            (r = da_add_u32(g, DA_VOLUME_QUOTA_THRESHOLD, c->volume_threshold)))
            return r;
    }
    return 0;
}

static int read_mscc(struct avp *grp, struct diam_mscc *c)
{
    struct avp_hdr *h;
    int r = 0;
    diam_mscc_init(c);
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_GSU: r = da_units(a, &c->granted); break;
        case DA_RSU: r = da_units(a, &c->requested); break;
        case DA_USU:
            /* 8.16 allows several USUs (tariff change): they are summed */
            if (c->used.present) {
                struct diam_units more;
                if ((r = da_units(a, &more)))
                    break;
                c->used.time += more.time;
                c->used.total += more.total;
                c->used.input += more.input;
                c->used.output += more.output;
                c->used.has_time |= more.has_time;
                c->used.has_total |= more.has_total;
                c->used.has_input |= more.has_input;
                c->used.has_output |= more.has_output;
            } else if ((r = da_units(a, &c->used))) {
                break;
            }
            for (struct avp *u = da_first(a); u && !r; u = da_next(u))
                if (da_which(u, &h) == DA_REPORTING_REASON) {
                    c->has_reporting_reason = true;
                    r = da_i32u(h, &c->reporting_reason);
                }
            break;
        case DA_REPORTING_REASON:
            c->has_reporting_reason = true;
            r = da_i32u(h, &c->reporting_reason);
            break;
        case DA_SERVICE_IDENTIFIER:
            c->has_service_id = true;
            r = da_u32(h, &c->service_id);
            break;
        case DA_RATING_GROUP:
            c->has_rating_group = true;
            r = da_u32(h, &c->rating_group);
            break;
        case DA_VALIDITY_TIME: r = da_u32(h, &c->validity_time); break;
        case DA_RESULT_CODE: r = da_u32(h, &c->result_code); break;
        case DA_FUI: r = read_fui(a, &c->fui); break;
        case DA_TIME_QUOTA_THRESHOLD:
            c->has_time_threshold = true;
            r = da_u32(h, &c->time_threshold);
            break;
        case DA_VOLUME_QUOTA_THRESHOLD:
            c->has_volume_threshold = true;
            r = da_u32(h, &c->volume_threshold);
            break;
        default: break;
        }
    }
    return r;
}

int diam_gy_ccr_encode(const struct diam_gy_ccr *m, struct msg **out)
{
    struct msg *q;
    int r;
    if (m->cc_request_type < DIAM_CC_INITIAL || m->cc_request_type > DIAM_CC_EVENT ||
        m->n_mscc > DIAM_MAX_MSCC)
        return -EINVAL;
    if ((r = da_request_new(DIAM_APPID_GY, DIAM_CMD_CCR, &m->h, &q)))
        return r;
    /* RFC 4006 3.1 */
    if ((r = da_add_u32(q, DA_AUTH_APP_ID, DIAM_APPID_GY)) ||
        (r = da_add_str(q, DA_SERVICE_CONTEXT_ID, GY_SERVICE_CONTEXT)) ||
        (r = da_add_i32(q, DA_CC_REQUEST_TYPE, (int32_t)m->cc_request_type)) ||
        (r = da_add_u32(q, DA_CC_REQUEST_NUMBER, m->cc_request_number)) ||
        (r = da_add_subscriber(q, &m->sub, false)))
        goto fail;
    if (m->termination_cause &&
        (r = da_add_i32(q, DA_TERMINATION_CAUSE, (int32_t)m->termination_cause)))
        goto fail;
    /* 8.40: MULTIPLE_SERVICES_SUPPORTED (1) */
    if ((r = da_add_i32(q, DA_MSI, 1)))
        goto fail;
    for (unsigned i = 0; i < m->n_mscc; i++)
        if ((r = add_mscc(q, &m->mscc[i], false)))
            goto fail;
    *out = q;
    return 0;
fail:
    fd_msg_free(q);
    return r;
}

int diam_gy_ccr_decode(struct msg *msg, struct diam_gy_ccr *m)
{
    struct avp_hdr *h;
    int r;
    bool have_type = false;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_CCR, true)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && r >= 0; a = da_next(a)) {
        enum da_id id = da_which(a, &h);
        if ((r = da_read_subscriber(a, id, h, &m->sub)))
            continue;
        switch (id) {
        case DA_CC_REQUEST_TYPE:
            have_type = true;
            r = da_i32u(h, &m->cc_request_type);
            break;
        case DA_CC_REQUEST_NUMBER: r = da_u32(h, &m->cc_request_number); break;
        case DA_TERMINATION_CAUSE: r = da_i32u(h, &m->termination_cause); break;
        case DA_MSCC:
            if (m->n_mscc >= DIAM_MAX_MSCC)
                return -E2BIG;
            r = read_mscc(a, &m->mscc[m->n_mscc++]);
            break;
        default: break;
        }
    }
    if (r < 0)
        return r;
    return have_type ? 0 : -EBADMSG;
}

int diam_gy_cca_answer(struct msg **req, const struct diam_gy_cca *m)
{
    struct msg *a;
    int r;
    if (m->n_mscc > DIAM_MAX_MSCC)
        return -EINVAL;
    if ((r = da_answer_new(req, &m->h, &a)))
        return r;
    if ((r = da_add_u32(a, DA_AUTH_APP_ID, DIAM_APPID_GY)) ||
        (r = da_add_i32(a, DA_CC_REQUEST_TYPE, (int32_t)m->cc_request_type)) ||
        (r = da_add_u32(a, DA_CC_REQUEST_NUMBER, m->cc_request_number)))
        goto fail;
    for (unsigned i = 0; i < m->n_mscc; i++)
        if ((r = add_mscc(a, &m->mscc[i], true)))
            goto fail;
    if (m->has_ccfh && (r = da_add_i32(a, DA_CCFH, (int32_t)m->ccfh)))
        goto fail;
    *req = a;
    return 0;
fail:
    fd_msg_free(a);
    return r;
}

int diam_gy_cca_decode(struct msg *msg, struct diam_gy_cca *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_CCR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CC_REQUEST_TYPE: r = da_i32u(h, &m->cc_request_type); break;
        case DA_CC_REQUEST_NUMBER: r = da_u32(h, &m->cc_request_number); break;
        case DA_CCFH:
            m->has_ccfh = true;
            r = da_i32u(h, &m->ccfh);
            break;
        case DA_MSCC:
            if (m->n_mscc >= DIAM_MAX_MSCC)
                return -E2BIG;
            r = read_mscc(a, &m->mscc[m->n_mscc++]);
            break;
        default: break;
        }
    }
    return r;
}

int diam_gy_rar_encode(const struct diam_gy_rar *m, struct msg **out)
{
    struct msg *q;
    int r;
    if ((r = da_request_new(DIAM_APPID_GY, DIAM_CMD_RAR, &m->h, &q)))
        return r;
    /* RFC 4006 3.3 (RAR for credit control), 5.5 */
    if ((r = da_add_u32(q, DA_AUTH_APP_ID, DIAM_APPID_GY)) ||
        (r = da_add_i32(q, DA_RE_AUTH_REQUEST_TYPE, (int32_t)m->re_auth_request_type)) ||
        (m->has_rating_group && (r = da_add_u32(q, DA_RATING_GROUP, m->rating_group)))) {
        fd_msg_free(q);
        return r;
    }
    *out = q;
    return 0;
}

int diam_gy_rar_decode(struct msg *msg, struct diam_gy_rar *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_RAR, true)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_RE_AUTH_REQUEST_TYPE: r = da_i32u(h, &m->re_auth_request_type); break;
        case DA_RATING_GROUP:
            m->has_rating_group = true;
            r = da_u32(h, &m->rating_group);
            break;
        default: break;
        }
    }
    return r;
}
