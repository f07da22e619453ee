/* Adding and reading AVPs for the typed codecs.  Reading is defensive: a
 * received message was parsed by freeDiameter against the dictionary, but
 * an AVP whose value it could not understand has no value (avp_value NULL),
 * and lengths and counts are the peer's. */
#include <errno.h>
#include <string.h>

#include "diameter/diam_int.h"

static int add_avp(msg_or_avp *parent, enum da_id id, union avp_value *v, struct avp **out)
{
    struct avp *a = NULL;
    if (!diam_avp_obj[id])
        return -ENOENT;
    if (fd_msg_avp_new(diam_avp_obj[id], 0, &a))
        return -ENOMEM;
    if (v && fd_msg_avp_setvalue(a, v)) {
        fd_msg_free((msg_or_avp *)a);
        return -EINVAL;
    }
    if (fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a)) {
        fd_msg_free((msg_or_avp *)a);
        return -EINVAL;
    }
    if (out)
        *out = a;
    return 0;
}

int da_add_u32(msg_or_avp *parent, enum da_id id, uint32_t u)
{
    union avp_value v = { .u32 = u };
    return add_avp(parent, id, &v, NULL);
}

int da_add_u64(msg_or_avp *parent, enum da_id id, uint64_t u)
{
    union avp_value v = { .u64 = u };
    return add_avp(parent, id, &v, NULL);
}

int da_add_i32(msg_or_avp *parent, enum da_id id, int32_t i)
{
    union avp_value v = { .i32 = i };
    return add_avp(parent, id, &v, NULL);
}

int da_add_os(msg_or_avp *parent, enum da_id id, const void *p, size_t len)
{
    union avp_value v;
    v.os.data = (uint8_t *)p;   /* copied by fd_msg_avp_setvalue */
    v.os.len = len;
    return add_avp(parent, id, &v, NULL);
}

int da_add_str(msg_or_avp *parent, enum da_id id, const char *s)
{
    return da_add_os(parent, id, s, strlen(s));
}

int da_add_grp(msg_or_avp *parent, enum da_id id, struct avp **out)
{
    return add_avp(parent, id, NULL, out);
}

/* Granted/Requested/Used-Service-Unit (RFC 4006 8.17, 8.18, 8.19). */
int da_add_units(msg_or_avp *parent, enum da_id id, const struct diam_units *u)
{
    struct avp *g;
    int r;
    if (!u->present)
        return 0;
    if ((r = da_add_grp(parent, id, &g)))
        return r;
    if (u->has_time && (r = da_add_u32(g, DA_CC_TIME, u->time)))
        return r;
    if (u->has_total && (r = da_add_u64(g, DA_CC_TOTAL_OCTETS, u->total)))
        return r;
    if (u->has_input && (r = da_add_u64(g, DA_CC_INPUT_OCTETS, u->input)))
        return r;
    if (u->has_output && (r = da_add_u64(g, DA_CC_OUTPUT_OCTETS, u->output)))
        return r;
    return 0;
}

/* Allocation-Retention-Priority (TS 29.212 5.3.32). */
int da_add_arp(msg_or_avp *parent, const struct diam_arp *a)
{
    struct avp *g;
    int r;
    if ((r = da_add_grp(parent, DA_ARP, &g)) ||
        (r = da_add_u32(g, DA_PRIORITY_LEVEL, a->priority)) ||
        (r = da_add_i32(g, DA_PEC, (int32_t)a->pre_emption_capability)) ||
        (r = da_add_i32(g, DA_PEV, (int32_t)a->pre_emption_vulnerability)))
        return r;
    return 0;
}

/* QoS-Information (5.3.16) or Default-EPS-Bearer-QoS (5.3.48: QCI and ARP
 * only; the APN-AMBR of a CCR-I goes in QoS-Information, see the Gx
 * codec). */
int da_add_qos(msg_or_avp *parent, enum da_id id, const struct diam_qos *q)
{
    struct avp *g;
    int r;
    if (!q->present)
        return 0;
    if ((r = da_add_grp(parent, id, &g)))
        return r;
    if (q->qci && (r = da_add_i32(g, DA_QCI, (int32_t)q->qci)))
        return r;
    if (id == DA_QOS_INFORMATION) {
        if (q->mbr_ul && (r = da_add_u32(g, DA_MBR_UL, q->mbr_ul)))
            return r;
        if (q->mbr_dl && (r = da_add_u32(g, DA_MBR_DL, q->mbr_dl)))
            return r;
        if (q->gbr_ul && (r = da_add_u32(g, DA_GBR_UL, q->gbr_ul)))
            return r;
        if (q->gbr_dl && (r = da_add_u32(g, DA_GBR_DL, q->gbr_dl)))
            return r;
    }
    if (q->has_arp && (r = da_add_arp(g, &q->arp)))
        return r;
    if (id == DA_QOS_INFORMATION) {
        if (q->apn_ambr_ul && (r = da_add_u32(g, DA_APN_AMBR_UL, q->apn_ambr_ul)))
            return r;
        if (q->apn_ambr_dl && (r = da_add_u32(g, DA_APN_AMBR_DL, q->apn_ambr_dl)))
            return r;
    }
    return 0;
}

int da_add_vsai(msg_or_avp *parent, uint32_t app)
{
    struct avp *g;
    int r;
    if ((r = da_add_grp(parent, DA_VSAI, &g)) ||
        (r = da_add_u32(g, DA_VENDOR_ID, DIAM_VENDOR_3GPP)) ||
        (r = da_add_u32(g, DA_AUTH_APP_ID, app)))
        return r;
    return 0;
}

int da_request_new(uint32_t app, uint32_t cmd, const struct diam_header_info *h,
                   struct msg **out)
{
    struct dict_object *model = diam_dict_cmd(cmd, true);
    struct msg *m = NULL;
    struct msg_hdr *hdr;
    int r;

    if (!model)
        return -ENOENT;
    if (!h->session_id[0] || !h->dest_realm[0])
        return -EINVAL;
    if (fd_msg_new(model, MSGFL_ALLOC_ETEID, &m))
        return -ENOMEM;
    fd_msg_hdr(m, &hdr);
    hdr->msg_appl = app;
    /* RFC 6733 8.8: the Session-Id SHOULD immediately follow the header */
    if ((r = da_add_str(m, DA_SESSION_ID, h->session_id)))
        goto fail;
    if (fd_msg_add_origin(m, 0)) {
        r = -EINVAL;
        goto fail;
    }
    if (h->dest_host[0] && (r = da_add_str(m, DA_DEST_HOST, h->dest_host)))
        goto fail;
    if ((r = da_add_str(m, DA_DEST_REALM, h->dest_realm)))
        goto fail;
    *out = m;
    return 0;
fail:
    fd_msg_free(m);
    return r;
}

int da_answer_new(struct msg **req, const struct diam_header_info *h, struct msg **out)
{
    struct msg_hdr *hdr;
    struct avp *g;
    int r;

    if (!req || !*req)
        return -EINVAL;
    if (fd_msg_new_answer_from_req(fd_g_config->cnf_dict, req, 0))
        return -ENOMEM;
    /* *req is now the answer, linked to its request */
    struct msg *a = *req;
    *req = NULL;
    if (fd_msg_add_origin(a, 0)) {
        r = -EINVAL;
        goto fail;
    }
    if (h->exp_result_code) {
        /* TS 29.272 7.4.1: 3GPP codes go in Experimental-Result */
        if ((r = da_add_grp(a, DA_EXP_RESULT, &g)) ||
            (r = da_add_u32(g, DA_VENDOR_ID, DIAM_VENDOR_3GPP)) ||
            (r = da_add_u32(g, DA_EXP_RESULT_CODE, h->exp_result_code)))
            goto fail;
    } else {
        if ((r = da_add_u32(a, DA_RESULT_CODE, h->result_code)))
            goto fail;
        /* RFC 6733 7.1.3: protocol errors are answered with the E bit */
        if (h->result_code >= 3000 && h->result_code < 4000) {
            fd_msg_hdr(a, &hdr);
            hdr->msg_flags |= CMD_FLAG_ERROR;
        }
    }
    *out = a;
    return 0;
fail:
    fd_msg_free(a);
    return r;
}

/* ------------------------------------------------------------ read --- */

struct avp *da_first(msg_or_avp *parent)
{
    struct avp *a = NULL;
    if (fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &a, NULL))
        return NULL;
    return a;
}

struct avp *da_next(struct avp *a)
{
    struct avp *n = NULL;
    if (fd_msg_browse(a, MSG_BRW_NEXT, &n, NULL))
        return NULL;
    return n;
}

enum da_id da_which(struct avp *a, struct avp_hdr **hdr)
{
    struct avp_hdr *h = NULL;
    if (fd_msg_avp_hdr(a, &h) || !h)
        return DA__COUNT;
    *hdr = h;
    uint32_t vendor = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
    for (int i = 0; i < DA__COUNT; i++)
        if (diam_avp_tab[i].code == h->avp_code && diam_avp_tab[i].vendor == vendor)
            return i;
    return DA__COUNT;
}

int da_u32(struct avp_hdr *h, uint32_t *v)
{
    if (!h->avp_value)
        return -EBADMSG;
    *v = h->avp_value->u32;
    return 0;
}

int da_u64(struct avp_hdr *h, uint64_t *v)
{
    if (!h->avp_value)
        return -EBADMSG;
    *v = h->avp_value->u64;
    return 0;
}

int da_i32(struct avp_hdr *h, int32_t *v)
{
    if (!h->avp_value)
        return -EBADMSG;
    *v = h->avp_value->i32;
    return 0;
}

int da_i32u(struct avp_hdr *h, uint32_t *v)
{
    int32_t i;
    int r = da_i32(h, &i);
    if (r)
        return r;
    if (i < 0)
        return -ERANGE;
    *v = (uint32_t)i;
    return 0;
}

int da_str(struct avp_hdr *h, char *buf, size_t len)
{
    if (!h->avp_value || !len)
        return -EBADMSG;
    size_t n = h->avp_value->os.len;
    if (n >= len)
        return -ENAMETOOLONG;
    if (n)
        memcpy(buf, h->avp_value->os.data, n);
    buf[n] = 0;
    if (memchr(buf, 0, n))
        return -EBADMSG;        /* an embedded NUL is not text */
    return 0;
}

int da_os(struct avp_hdr *h, uint8_t *buf, size_t cap, size_t *len)
{
    if (!h->avp_value)
        return -EBADMSG;
    size_t n = h->avp_value->os.len;
    if (n > cap)
        return -EMSGSIZE;
    if (n)
        memcpy(buf, h->avp_value->os.data, n);
    *len = n;
    return 0;
}

int da_units(struct avp *grp, struct diam_units *u)
{
    struct avp_hdr *h;
    int r = 0;
    memset(u, 0, sizeof(*u));
    u->present = true;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CC_TIME:
            u->has_time = true;
            r = da_u32(h, &u->time);
            break;
        case DA_CC_TOTAL_OCTETS:
            u->has_total = true;
            r = da_u64(h, &u->total);
            break;
        case DA_CC_INPUT_OCTETS:
            u->has_input = true;
            r = da_u64(h, &u->input);
            break;
        case DA_CC_OUTPUT_OCTETS:
            u->has_output = true;
            r = da_u64(h, &u->output);
            break;
        default:
            break;
        }
    }
    return r;
}

int da_arp(struct avp *grp, struct diam_arp *p)
{
    struct avp_hdr *h;
    int r = 0;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_PRIORITY_LEVEL: r = da_u32(h, &p->priority); break;
        case DA_PEC: r = da_i32u(h, &p->pre_emption_capability); break;
        case DA_PEV: r = da_i32u(h, &p->pre_emption_vulnerability); break;
        default: break;
        }
    }
    return r;
}

int da_qos(struct avp *grp, struct diam_qos *q)
{
    struct avp_hdr *h;
    int r = 0;
    memset(q, 0, sizeof(*q));
    q->present = true;
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_QCI: r = da_i32u(h, &q->qci); break;
        case DA_MBR_UL: r = da_u32(h, &q->mbr_ul); break;
        case DA_MBR_DL: r = da_u32(h, &q->mbr_dl); break;
        case DA_GBR_UL: r = da_u32(h, &q->gbr_ul); break;
        case DA_GBR_DL: r = da_u32(h, &q->gbr_dl); break;
        case DA_APN_AMBR_UL: r = da_u32(h, &q->apn_ambr_ul); break;
        case DA_APN_AMBR_DL: r = da_u32(h, &q->apn_ambr_dl); break;
        case DA_ARP:
            q->has_arp = true;
            r = da_arp(a, &q->arp);
            break;
        default: break;
        }
    }
    return r;
}

int da_header(struct msg *m, struct diam_header_info *hi)
{
    struct avp_hdr *h;
    int r = 0;
    bool have_sid = false;
    memset(hi, 0, sizeof(*hi));
    for (struct avp *a = da_first(m); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_SESSION_ID:
            have_sid = true;
            r = da_str(h, hi->session_id, sizeof(hi->session_id));
            break;
        case DA_ORIGIN_HOST:
            r = da_str(h, hi->origin_host, sizeof(hi->origin_host));
            break;
        case DA_DEST_HOST:
            r = da_str(h, hi->dest_host, sizeof(hi->dest_host));
            break;
        case DA_DEST_REALM:
            r = da_str(h, hi->dest_realm, sizeof(hi->dest_realm));
            break;
        case DA_RESULT_CODE:
            r = da_u32(h, &hi->result_code);
            break;
        case DA_EXP_RESULT:
            for (struct avp *c = da_first(a); c && !r; c = da_next(c))
                if (da_which(c, &h) == DA_EXP_RESULT_CODE)
                    r = da_u32(h, &hi->exp_result_code);
            break;
        default:
            break;
        }
    }
    if (!r && !have_sid)
        r = -EBADMSG;   /* every message of these applications has one */
    return r;
}

int diam_msg_header(struct msg *m, struct diam_header_info *h)
{
    return m ? da_header(m, h) : -EINVAL;
}

int da_check_cmd(struct msg *m, uint32_t cmd, bool request)
{
    struct msg_hdr *hdr;
    if (!m || fd_msg_hdr(m, &hdr))
        return -EINVAL;
    if (hdr->msg_code != cmd || !!(hdr->msg_flags & CMD_FLAG_REQUEST) != request)
        return -EPROTO;
    return 0;
}
