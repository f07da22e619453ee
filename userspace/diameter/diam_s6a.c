/* S6a (TS 29.272): AIR/AIA, ULR/ULA, PUR/PUA, CLR/CLA, IDR/IDA. */
#include <errno.h>
#include <string.h>

#include "diameter/diam_int.h"

/* TS 29.272 7.3.1: every S6a request carries Vendor-Specific-Application-Id
 * and Auth-Session-State NO_STATE_MAINTAINED (1). */
static int s6a_request(uint32_t cmd, const struct diam_header_info *h,
                       const char *imsi, struct msg **out)
{
    int r;
    if (!imsi[0] || strlen(imsi) > 15)
        return -EINVAL;
    if ((r = da_request_new(DIAM_APPID_S6A, cmd, h, out)))
        return r;
    if ((r = da_add_vsai(*out, DIAM_APPID_S6A)) ||
        (r = da_add_i32(*out, DA_AUTH_SESSION_STATE, 1)) ||
        (r = da_add_str(*out, DA_USER_NAME, imsi))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

static int s6a_answer(struct msg **req, const struct diam_header_info *h, struct msg **out)
{
    int r = da_answer_new(req, h, out);
    if (r)
        return r;
    if ((r = da_add_vsai(*out, DIAM_APPID_S6A)) ||
        (r = da_add_i32(*out, DA_AUTH_SESSION_STATE, 1))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

/* MSISDN (TS 29.329 6.3.2): E.164 digits as a TBCD string (TS 29.002). */
static int msisdn_encode(const char *digits, uint8_t *out, size_t *len)
{
    size_t n = strlen(digits);
    if (n == 0 || n > 15)
        return -EINVAL;
    memset(out, 0xff, (n + 1) / 2);
    for (size_t i = 0; i < n; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return -EINVAL;
        uint8_t d = (uint8_t)(digits[i] - '0');
        if (i & 1)
            out[i / 2] = (uint8_t)((out[i / 2] & 0x0f) | (d << 4));
        else
            out[i / 2] = (uint8_t)((out[i / 2] & 0xf0) | d);
    }
    *len = (n + 1) / 2;
    return 0;
}

static int msisdn_decode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < len * 2; i++) {
        uint8_t d = (i & 1) ? in[i / 2] >> 4 : in[i / 2] & 0x0f;
        if (d == 0xf && i == len * 2 - 1)
            break;
        if (d > 9 || k + 1 >= cap)
            return -EBADMSG;
        out[k++] = (char)('0' + d);
    }
    out[k] = 0;
    return 0;
}

static int add_ambr(msg_or_avp *parent, uint32_t ul, uint32_t dl)
{
    struct avp *g;
    int r;
    if (!ul && !dl)
        return 0;
    /* TS 29.272 7.3.41 */
    if ((r = da_add_grp(parent, DA_AMBR, &g)) ||
        (r = da_add_u32(g, DA_MBR_UL, ul)) ||
        (r = da_add_u32(g, DA_MBR_DL, dl)))
        return r;
    return 0;
}

static int read_ambr(struct avp *grp, uint32_t *ul, uint32_t *dl)
{
    struct avp_hdr *h;
    int r = 0;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_MBR_UL: r = da_u32(h, ul); break;
        case DA_MBR_DL: r = da_u32(h, dl); break;
        default: break;
        }
    }
    return r;
}

/* Subscription-Data (TS 29.272 7.3.2), the parts an EPS-only MME uses. */
static int add_subscription(msg_or_avp *parent, const struct diam_s6a_subscription *s)
{
    struct avp *sd, *prof, *apn, *qos;
    uint8_t tbcd[8];
    size_t tl;
    int r;

    if (!s->present)
        return 0;
    if ((r = da_add_grp(parent, DA_SUBSCRIPTION_DATA, &sd)) ||
        (r = da_add_i32(sd, DA_SUBSCRIBER_STATUS, (int32_t)s->subscriber_status)))
        return r;
    if (s->msisdn[0]) {
        if ((r = msisdn_encode(s->msisdn, tbcd, &tl)) ||
            (r = da_add_os(sd, DA_MSISDN, tbcd, tl)))
            return r;
    }
    if ((r = da_add_i32(sd, DA_NETWORK_ACCESS_MODE, (int32_t)s->network_access_mode)) ||
        (r = add_ambr(sd, s->ambr_ul, s->ambr_dl)))
        return r;
    if (!s->n_apn)
        return 0;
    if (s->n_apn > DIAM_MAX_APNS)
        return -EINVAL;
    /* 7.3.34 APN-Configuration-Profile */
    if ((r = da_add_grp(sd, DA_APN_CONFIG_PROFILE, &prof)) ||
        (r = da_add_u32(prof, DA_CONTEXT_IDENTIFIER, s->default_context_id)) ||
        (r = da_add_i32(prof, DA_ALL_APN_INCLUDED, s->all_apn_included ? 0 : 1)))
        return r;
    for (unsigned i = 0; i < s->n_apn; i++) {
        const struct diam_apn_config *c = &s->apn[i];
        /* 7.3.35 APN-Configuration */
        if ((r = da_add_grp(prof, DA_APN_CONFIG, &apn)) ||
            (r = da_add_u32(apn, DA_CONTEXT_IDENTIFIER, c->context_id)) ||
            (r = da_add_i32(apn, DA_PDN_TYPE, (int32_t)c->pdn_type)) ||
            (r = da_add_str(apn, DA_SERVICE_SELECTION, c->apn)) ||
            (r = da_add_grp(apn, DA_EPS_SUBSCRIBED_QOS, &qos)) ||
            (r = da_add_i32(qos, DA_QCI, (int32_t)c->qci)) ||
            (r = da_add_arp(qos, &c->arp)) ||
            (r = add_ambr(apn, c->ambr_ul, c->ambr_dl)))
            return r;
    }
    return 0;
}

static int read_apn(struct avp *grp, struct diam_apn_config *c)
{
    struct avp_hdr *h;
    int r = 0;
    memset(c, 0, sizeof(*c));
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CONTEXT_IDENTIFIER: r = da_u32(h, &c->context_id); break;
        case DA_PDN_TYPE: r = da_i32u(h, &c->pdn_type); break;
        case DA_SERVICE_SELECTION: r = da_str(h, c->apn, sizeof(c->apn)); break;
        case DA_AMBR: r = read_ambr(a, &c->ambr_ul, &c->ambr_dl); break;
        case DA_EPS_SUBSCRIBED_QOS:
            for (struct avp *q = da_first(a); q && !r; q = da_next(q)) {
                switch (da_which(q, &h)) {
                case DA_QCI: r = da_i32u(h, &c->qci); break;
                case DA_ARP: r = da_arp(q, &c->arp); break;
                default: break;
                }
            }
            break;
        default: break;
        }
    }
    return r;
}

static int read_subscription(struct avp *grp, struct diam_s6a_subscription *s)
{
    struct avp_hdr *h;
    uint8_t tbcd[9];
    size_t tl;
    int r = 0;
    memset(s, 0, sizeof(*s));
    s->present = true;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_SUBSCRIBER_STATUS: r = da_i32u(h, &s->subscriber_status); break;
        case DA_NETWORK_ACCESS_MODE: r = da_i32u(h, &s->network_access_mode); break;
        case DA_MSISDN:
            if (!(r = da_os(h, tbcd, sizeof(tbcd), &tl)))
                r = msisdn_decode(tbcd, tl, s->msisdn, sizeof(s->msisdn));
            break;
        case DA_AMBR: r = read_ambr(a, &s->ambr_ul, &s->ambr_dl); break;
        case DA_APN_CONFIG_PROFILE:
            for (struct avp *p = da_first(a); p && !r; p = da_next(p)) {
                uint32_t v;
                switch (da_which(p, &h)) {
                case DA_CONTEXT_IDENTIFIER: r = da_u32(h, &s->default_context_id); break;
                case DA_ALL_APN_INCLUDED:
                    if (!(r = da_i32u(h, &v)))
                        s->all_apn_included = v == 0;   /* 0 All_APN_CONFIGURATIONS_INCLUDED */
                    break;
                case DA_APN_CONFIG:
                    if (s->n_apn >= DIAM_MAX_APNS)
                        return -E2BIG;
                    r = read_apn(p, &s->apn[s->n_apn++]);
                    break;
                default: break;
                }
            }
            break;
        default: break;
        }
    }
    return r;
}

/* Visited-PLMN-Id (7.3.9): MCC/MNC in the 3 octets of TS 24.008 10.5.1.13 */
static int read_imsi_plmn(struct msg *msg, char *imsi, uint8_t plmn[3])
{
    struct avp_hdr *h;
    size_t l;
    int r = 0;
    bool have = false;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_USER_NAME:
            have = true;
            r = da_str(h, imsi, 16);
            break;
        case DA_VISITED_PLMN_ID:
            if (plmn && !(r = da_os(h, plmn, 3, &l)) && l != 3)
                r = -EBADMSG;
            break;
        default: break;
        }
    }
    if (!r && !have)
        r = -EBADMSG;
    return r;
}

/* ------------------------------------------------------------ AIR --- */

int diam_s6a_air_encode(const struct diam_s6a_air *m, struct msg **out)
{
    struct avp *g;
    int r;
    if ((r = s6a_request(DIAM_CMD_AIR, &m->h, m->imsi, out)))
        return r;
    /* 7.3.11 Requested-EUTRAN-Authentication-Info */
    if ((r = da_add_grp(*out, DA_REQ_EUTRAN_AUTH_INFO, &g)) ||
        (r = da_add_u32(g, DA_NUM_REQ_VECTORS, m->n_vectors ? m->n_vectors : 1)) ||
        (m->immediate_response && (r = da_add_u32(g, DA_IMMEDIATE_RESPONSE_PREF, 1))) ||
        (m->resync && (r = da_add_os(g, DA_RESYNC_INFO, m->resync_info, 30))) ||
        (r = da_add_os(*out, DA_VISITED_PLMN_ID, m->visited_plmn, 3))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

int diam_s6a_air_decode(struct msg *msg, struct diam_s6a_air *m)
{
    struct avp_hdr *h;
    size_t l;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_AIR, true)) || (r = da_header(msg, &m->h)) ||
        (r = read_imsi_plmn(msg, m->imsi, m->visited_plmn)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        if (da_which(a, &h) != DA_REQ_EUTRAN_AUTH_INFO)
            continue;
        for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
            uint32_t v;
            switch (da_which(c, &h)) {
            case DA_NUM_REQ_VECTORS: r = da_u32(h, &m->n_vectors); break;
            case DA_IMMEDIATE_RESPONSE_PREF:
                if (!(r = da_u32(h, &v)))
                    m->immediate_response = v != 0;
                break;
            case DA_RESYNC_INFO:
                m->resync = true;
                if (!(r = da_os(h, m->resync_info, sizeof(m->resync_info), &l)) && l != 30)
                    r = -EBADMSG;
                break;
            default: break;
            }
        }
    }
    return r;
}

int diam_s6a_aia_answer(struct msg **req, const struct diam_s6a_aia *m)
{
    struct msg *a;
    struct avp *ai, *v;
    int r;
    if (m->n_vectors > DIAM_MAX_VECTORS)
        return -EINVAL;
    if ((r = s6a_answer(req, &m->h, &a)))
        return r;
    if (m->n_vectors) {
        /* 7.3.17 Authentication-Info, 7.3.18 E-UTRAN-Vector */
        if ((r = da_add_grp(a, DA_AUTH_INFO, &ai)))
            goto fail;
        for (unsigned i = 0; i < m->n_vectors; i++) {
            const struct diam_eutran_vector *e = &m->v[i];
            if (e->xres_len < 4 || e->xres_len > 16) {
                r = -EINVAL;
                goto fail;
            }
            if ((r = da_add_grp(ai, DA_EUTRAN_VECTOR, &v)) ||
                (r = da_add_u32(v, DA_ITEM_NUMBER, i + 1)) ||
                (r = da_add_os(v, DA_RAND, e->rand, 16)) ||
                (r = da_add_os(v, DA_XRES, e->xres, e->xres_len)) ||
                (r = da_add_os(v, DA_AUTN, e->autn, 16)) ||
                (r = da_add_os(v, DA_KASME, e->kasme, 32)))
                goto fail;
        }
    }
    *req = a;
    return 0;
fail:
    fd_msg_free(a);
    return r;
}

static int read_vector(struct avp *grp, struct diam_eutran_vector *e)
{
    struct avp_hdr *h;
    size_t l;
    unsigned seen = 0;
    int r = 0;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_RAND:
            seen |= 1;
            if (!(r = da_os(h, e->rand, 16, &l)) && l != 16)
                r = -EBADMSG;
            break;
        case DA_XRES:
            seen |= 2;
            if (!(r = da_os(h, e->xres, 16, &l))) {
                if (l < 4)
                    r = -EBADMSG;
                e->xres_len = (uint8_t)l;
            }
            break;
        case DA_AUTN:
            seen |= 4;
            if (!(r = da_os(h, e->autn, 16, &l)) && l != 16)
                r = -EBADMSG;
            break;
        case DA_KASME:
            seen |= 8;
            if (!(r = da_os(h, e->kasme, 32, &l)) && l != 32)
                r = -EBADMSG;
            break;
        default: break;
        }
    }
    if (!r && seen != 15)
        r = -EBADMSG;   /* 7.3.18: RAND, XRES, AUTN, KASME are mandatory */
    return r;
}

int diam_s6a_aia_decode(struct msg *msg, struct diam_s6a_aia *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_AIR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        if (da_which(a, &h) != DA_AUTH_INFO)
            continue;
        for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
            if (da_which(c, &h) != DA_EUTRAN_VECTOR)
                continue;
            if (m->n_vectors >= DIAM_MAX_VECTORS)
                return -E2BIG;
            r = read_vector(c, &m->v[m->n_vectors++]);
        }
    }
    return r;
}

/* ------------------------------------------------------------ ULR --- */

int diam_s6a_ulr_encode(const struct diam_s6a_ulr *m, struct msg **out)
{
    int r;
    if ((r = s6a_request(DIAM_CMD_ULR, &m->h, m->imsi, out)))
        return r;
    if ((r = da_add_i32(*out, DA_RAT_TYPE, (int32_t)(m->rat_type ? m->rat_type : 1004))) ||
        (r = da_add_u32(*out, DA_ULR_FLAGS, m->ulr_flags)) ||
        (r = da_add_os(*out, DA_VISITED_PLMN_ID, m->visited_plmn, 3))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

int diam_s6a_ulr_decode(struct msg *msg, struct diam_s6a_ulr *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_ULR, true)) || (r = da_header(msg, &m->h)) ||
        (r = read_imsi_plmn(msg, m->imsi, m->visited_plmn)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_RAT_TYPE: r = da_i32u(h, &m->rat_type); break;
        case DA_ULR_FLAGS: r = da_u32(h, &m->ulr_flags); break;
        default: break;
        }
    }
    return r;
}

int diam_s6a_ula_answer(struct msg **req, const struct diam_s6a_ula *m)
{
    struct msg *a;
    int r;
    if ((r = s6a_answer(req, &m->h, &a)))
        return r;
    if ((m->h.result_code == DIAM_SUCCESS &&
         (r = da_add_u32(a, DA_ULA_FLAGS, m->ula_flags))) ||
        (r = add_subscription(a, &m->sub))) {
        fd_msg_free(a);
        return r;
    }
    *req = a;
    return 0;
}

int diam_s6a_ula_decode(struct msg *msg, struct diam_s6a_ula *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_ULR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_ULA_FLAGS: r = da_u32(h, &m->ula_flags); break;
        case DA_SUBSCRIPTION_DATA: r = read_subscription(a, &m->sub); break;
        default: break;
        }
    }
    return r;
}

/* ------------------------------------------------------- PUR, CLR, IDR */

int diam_s6a_pur_encode(const struct diam_s6a_pur *m, struct msg **out)
{
    int r;
    if ((r = s6a_request(DIAM_CMD_PUR, &m->h, m->imsi, out)))
        return r;
    if ((r = da_add_u32(*out, DA_PUR_FLAGS, m->pur_flags))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

int diam_s6a_pur_decode(struct msg *msg, struct diam_s6a_pur *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_PUR, true)) || (r = da_header(msg, &m->h)) ||
        (r = read_imsi_plmn(msg, m->imsi, NULL)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a))
        if (da_which(a, &h) == DA_PUR_FLAGS)
            r = da_u32(h, &m->pur_flags);
    return r;
}

int diam_s6a_pua_answer(struct msg **req, const struct diam_s6a_pua *m)
{
    struct msg *a;
    int r;
    if ((r = s6a_answer(req, &m->h, &a)))
        return r;
    if ((r = da_add_u32(a, DA_PUA_FLAGS, m->pua_flags))) {
        fd_msg_free(a);
        return r;
    }
    *req = a;
    return 0;
}

int diam_s6a_pua_decode(struct msg *msg, struct diam_s6a_pua *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_PUR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a))
        if (da_which(a, &h) == DA_PUA_FLAGS)
            r = da_u32(h, &m->pua_flags);
    return r;
}

int diam_s6a_clr_encode(const struct diam_s6a_clr *m, struct msg **out)
{
    int r;
    if ((r = s6a_request(DIAM_CMD_CLR, &m->h, m->imsi, out)))
        return r;
    if ((r = da_add_i32(*out, DA_CANCELLATION_TYPE, (int32_t)m->cancellation_type)) ||
        (m->clr_flags && (r = da_add_u32(*out, DA_CLR_FLAGS, m->clr_flags)))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

int diam_s6a_clr_decode(struct msg *msg, struct diam_s6a_clr *m)
{
    struct avp_hdr *h;
    int r;
    bool have_type = false;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_CLR, true)) || (r = da_header(msg, &m->h)) ||
        (r = read_imsi_plmn(msg, m->imsi, NULL)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CANCELLATION_TYPE:
            have_type = true;
            r = da_i32u(h, &m->cancellation_type);
            break;
        case DA_CLR_FLAGS: r = da_u32(h, &m->clr_flags); break;
        default: break;
        }
    }
    if (!r && !have_type)
        r = -EBADMSG;   /* 7.2.7: { Cancellation-Type } is mandatory */
    return r;
}

int diam_s6a_idr_encode(const struct diam_s6a_idr *m, struct msg **out)
{
    int r;
    if ((r = s6a_request(DIAM_CMD_IDR, &m->h, m->imsi, out)))
        return r;
    if (!m->sub.present)
        r = -EINVAL;    /* 7.2.9: { Subscription-Data } is mandatory */
    if (r || (r = add_subscription(*out, &m->sub)) ||
        (m->idr_flags && (r = da_add_u32(*out, DA_IDR_FLAGS, m->idr_flags)))) {
        fd_msg_free(*out);
        *out = NULL;
    }
    return r;
}

int diam_s6a_idr_decode(struct msg *msg, struct diam_s6a_idr *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_IDR, true)) || (r = da_header(msg, &m->h)) ||
        (r = read_imsi_plmn(msg, m->imsi, NULL)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_SUBSCRIPTION_DATA: r = read_subscription(a, &m->sub); break;
        case DA_IDR_FLAGS: r = da_u32(h, &m->idr_flags); break;
        default: break;
        }
    }
    if (!r && !m->sub.present)
        r = -EBADMSG;
    return r;
}

int diam_s6a_simple_answer(struct msg **req, const struct diam_s6a_simple_answer *m)
{
    struct msg *a;
    struct msg_hdr *hdr;
    int r;
    if (!req || !*req || fd_msg_hdr(*req, &hdr))
        return -EINVAL;
    bool ida = hdr->msg_code == DIAM_CMD_IDR;
    if ((r = s6a_answer(req, &m->h, &a)))
        return r;
    if (ida && (r = da_add_u32(a, DA_IDA_FLAGS, m->flags))) {
        fd_msg_free(a);
        return r;
    }
    *req = a;
    return 0;
}

int diam_s6a_simple_answer_decode(struct msg *msg, struct diam_s6a_simple_answer *m)
{
    struct avp_hdr *h;
    struct msg_hdr *hdr;
    int r;
    memset(m, 0, sizeof(*m));
    if (!msg || fd_msg_hdr(msg, &hdr) || (hdr->msg_flags & CMD_FLAG_REQUEST) ||
        (hdr->msg_code != DIAM_CMD_CLR && hdr->msg_code != DIAM_CMD_IDR))
        return -EPROTO;
    if ((r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a))
        if (da_which(a, &h) == DA_IDA_FLAGS)
            r = da_u32(h, &m->flags);
    return r;
}
