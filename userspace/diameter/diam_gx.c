/* Gx (TS 29.212): CCR/CCA (I/U/T), RAR, and what Gy shares with it
 * (subscriber AVPs). */
#include <errno.h>
#include <string.h>

#include "diameter/diam_int.h"

static size_t prefix_octets(unsigned len)
{
    return len > 128 ? 16 : (len + 7) / 8;
}

/* RFC 6733 4.3.1 Address: AddressType (IANA: 1 IPv4, 2 IPv6), then the
 * address. */
static int add_address(msg_or_avp *parent, enum da_id id, uint16_t family, const void *a,
                       size_t len)
{
    uint8_t v[18] = {(uint8_t)(family >> 8), (uint8_t)family};
    memcpy(v + 2, a, len);
    return da_add_os(parent, id, v, 2 + len);
}

/* TS 32.299 7.2.192 Service-Information / 7.2.158 PS-Information: the UE's
 * addresses in PDP-Address (7.2.137), an IPv4 one and/or the IPv6 prefix
 * with PDP-Address-Prefix-Length (7.2.137a). */
static int add_ps_information(struct msg *m, const struct diam_subscriber *s)
{
    struct avp *si, *ps;
    int r;
    if (!s->ue_ipv4 && !s->ue_prefix6_len)
        return 0;
    if ((r = da_add_grp(m, DA_SERVICE_INFORMATION, &si)) ||
        (r = da_add_grp(si, DA_PS_INFORMATION, &ps)))
        return r;
    if (s->ue_ipv4 && (r = add_address(ps, DA_PDP_ADDRESS, 1, &s->ue_ipv4, 4)))
        return r;
    if (s->ue_prefix6_len &&
        ((r = add_address(ps, DA_PDP_ADDRESS, 2, s->ue_prefix6, 16)) ||
         (r = da_add_u32(ps, DA_PDP_ADDRESS_PREFIX_LENGTH, s->ue_prefix6_len))))
        return r;
    return 0;
}

static int read_ps_information(struct avp *si, struct diam_subscriber *s)
{
    struct avp_hdr *h;
    size_t l;
    int r = 0;
    uint32_t plen = 0;
    bool have6 = false;
    for (struct avp *c = da_first(si); c && !r; c = da_next(c)) {
        if (da_which(c, &h) != DA_PS_INFORMATION)
            continue;
        for (struct avp *p = da_first(c); p && !r; p = da_next(p)) {
            uint8_t v[18];
            switch (da_which(p, &h)) {
            case DA_PDP_ADDRESS:
                if ((r = da_os(h, v, sizeof(v), &l)))
                    break;
                if (l == 6 && v[0] == 0 && v[1] == 1) {
                    memcpy(&s->ue_ipv4, v + 2, 4);
                } else if (l == 18 && v[0] == 0 && v[1] == 2) {
                    memcpy(s->ue_prefix6, v + 2, 16);
                    have6 = true;
                } else {
                    r = -EBADMSG;
                }
                break;
            case DA_PDP_ADDRESS_PREFIX_LENGTH:
                r = da_u32(h, &plen);
                if (!r && (plen == 0 || plen > 128))
                    r = -EBADMSG;
                break;
            default:
                break;
            }
        }
    }
    if (r)
        return r;
    /* 7.2.137a: absent, the prefix length is 64 */
    if (have6)
        s->ue_prefix6_len = (uint8_t)(plen ? plen : 64);
    return 1;
}

int da_add_subscriber(struct msg *m, const struct diam_subscriber *s, bool gx)
{
    struct avp *g;
    int r;
    /* RFC 4006 8.46-8.48: Subscription-Id-Type 1 END_USER_IMSI, 0 E164 */
    if (s->imsi[0] &&
        ((r = da_add_grp(m, DA_SUBSCRIPTION_ID, &g)) ||
         (r = da_add_i32(g, DA_SUBSCRIPTION_ID_TYPE, 1)) ||
         (r = da_add_str(g, DA_SUBSCRIPTION_ID_DATA, s->imsi))))
        return r;
    if (s->msisdn[0] &&
        ((r = da_add_grp(m, DA_SUBSCRIPTION_ID, &g)) ||
         (r = da_add_i32(g, DA_SUBSCRIPTION_ID_TYPE, 0)) ||
         (r = da_add_str(g, DA_SUBSCRIPTION_ID_DATA, s->msisdn))))
        return r;
    if (!gx)
        return add_ps_information(m, s);
    /* TS 29.212 5.6.2: Framed-IP-Address (RFC 7155 4.4.10.5.1, 4 octets) */
    if (s->ue_ipv4 && (r = da_add_os(m, DA_FRAMED_IP_ADDRESS, &s->ue_ipv4, 4)))
        return r;
    /* and Framed-IPv6-Prefix (RFC 7155 4.4.10.5.3, encoded as RFC 3162
     * 2.3: reserved 0, Prefix-Length, the prefix's octets) */
    if (s->ue_prefix6_len) {
        uint8_t v[18] = {0, s->ue_prefix6_len};
        size_t n = prefix_octets(s->ue_prefix6_len);
        memcpy(v + 2, s->ue_prefix6, n);
        if ((r = da_add_os(m, DA_FRAMED_IPV6_PREFIX, v, 2 + n)))
            return r;
    }
    if (s->rat_type && (r = da_add_i32(m, DA_RAT_TYPE, (int32_t)s->rat_type)))
        return r;
    if (s->user_location_len &&
        (r = da_add_os(m, DA_TGPP_USER_LOCATION_INFO, s->user_location,
                       s->user_location_len)))
        return r;
    if (s->apn[0] && (r = da_add_str(m, DA_CALLED_STATION_ID, s->apn)))
        return r;
    return 0;
}

int da_read_subscriber(struct avp *a, enum da_id id, struct avp_hdr *h,
                       struct diam_subscriber *s)
{
    size_t l;
    int r = 0;
    switch (id) {
    case DA_SUBSCRIPTION_ID: {
        uint32_t type = 99;
        char data[DIAM_STR_MAX] = "";
        for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
            switch (da_which(c, &h)) {
            case DA_SUBSCRIPTION_ID_TYPE: r = da_i32u(h, &type); break;
            case DA_SUBSCRIPTION_ID_DATA: r = da_str(h, data, sizeof(data)); break;
            default: break;
            }
        }
        if (r)
            return r;
        if (strlen(data) > 15)
            return -EBADMSG;
        if (type == 1)
            memcpy(s->imsi, data, strlen(data) + 1);
        else if (type == 0)
            memcpy(s->msisdn, data, strlen(data) + 1);
        return 1;
    }
    case DA_FRAMED_IP_ADDRESS:
        if ((r = da_os(h, (uint8_t *)&s->ue_ipv4, 4, &l)))
            return r;
        return l == 4 ? 1 : -EBADMSG;
    case DA_FRAMED_IPV6_PREFIX: {
        uint8_t v[18];
        if ((r = da_os(h, v, sizeof(v), &l)))
            return r;
        /* RFC 3162 2.3: at least the octets the length covers */
        if (l < 2 || v[1] == 0 || v[1] > 128 || l - 2 < prefix_octets(v[1]))
            return -EBADMSG;
        memset(s->ue_prefix6, 0, sizeof(s->ue_prefix6));
        memcpy(s->ue_prefix6, v + 2, prefix_octets(v[1]));
        s->ue_prefix6_len = v[1];
        return 1;
    }
    case DA_SERVICE_INFORMATION:
        return read_ps_information(a, s);
    case DA_RAT_TYPE:
        return (r = da_i32u(h, &s->rat_type)) ? r : 1;
    case DA_TGPP_USER_LOCATION_INFO:
        if ((r = da_os(h, s->user_location, sizeof(s->user_location), &l)))
            return r;
        s->user_location_len = (uint8_t)l;
        return 1;
    case DA_CALLED_STATION_ID:
        return (r = da_str(h, s->apn, sizeof(s->apn))) ? r : 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------ rules, UMI --- */

static int add_rule_def(msg_or_avp *parent, const struct diam_rule_def *d)
{
    struct avp *g, *f;
    int r;
    if (!d->name[0] || d->n_flows > DIAM_MAX_FLOWS)
        return -EINVAL;
    /* 5.3.4 Charging-Rule-Definition */
    if ((r = da_add_grp(parent, DA_CR_DEFINITION, &g)) ||
        (r = da_add_str(g, DA_CR_NAME, d->name)))
        return r;
    if (d->has_service_id && (r = da_add_u32(g, DA_SERVICE_IDENTIFIER, d->service_id)))
        return r;
    if (d->has_rating_group && (r = da_add_u32(g, DA_RATING_GROUP, d->rating_group)))
        return r;
    for (unsigned i = 0; i < d->n_flows; i++) {
        /* 5.3.53 Flow-Information */
        if ((r = da_add_grp(g, DA_FLOW_INFORMATION, &f)) ||
            (r = da_add_str(f, DA_FLOW_DESCRIPTION, d->flows[i].description)) ||
            (r = da_add_i32(f, DA_FLOW_DIRECTION, (int32_t)d->flows[i].direction)))
            return r;
    }
    if (d->has_flow_status && (r = da_add_i32(g, DA_FLOW_STATUS, (int32_t)d->flow_status)))
        return r;
    if ((r = da_add_qos(g, DA_QOS_INFORMATION, &d->qos)))
        return r;
    if (d->has_online && (r = da_add_i32(g, DA_ONLINE, (int32_t)d->online)))
        return r;
    if (d->has_offline && (r = da_add_i32(g, DA_OFFLINE, (int32_t)d->offline)))
        return r;
    if (d->has_metering && (r = da_add_i32(g, DA_METERING_METHOD, (int32_t)d->metering_method)))
        return r;
    if (d->precedence && (r = da_add_u32(g, DA_PRECEDENCE, d->precedence)))
        return r;
    if (d->monitoring_key[0] && (r = da_add_str(g, DA_MONITORING_KEY, d->monitoring_key)))
        return r;
    return 0;
}

static int read_rule_def(struct avp *grp, struct diam_rule_def *d)
{
    struct avp_hdr *h;
    int r = 0;
    memset(d, 0, sizeof(*d));
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CR_NAME: r = da_str(h, d->name, sizeof(d->name)); break;
        case DA_SERVICE_IDENTIFIER:
            d->has_service_id = true;
            r = da_u32(h, &d->service_id);
            break;
        case DA_RATING_GROUP:
            d->has_rating_group = true;
            r = da_u32(h, &d->rating_group);
            break;
        case DA_FLOW_INFORMATION: {
            if (d->n_flows >= DIAM_MAX_FLOWS)
                return -E2BIG;
            struct diam_flow *f = &d->flows[d->n_flows++];
            for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
                switch (da_which(c, &h)) {
                case DA_FLOW_DESCRIPTION:
                    r = da_str(h, f->description, sizeof(f->description));
                    break;
                case DA_FLOW_DIRECTION: r = da_i32u(h, &f->direction); break;
                default: break;
                }
            }
            break;
        }
        case DA_FLOW_STATUS:
            d->has_flow_status = true;
            r = da_i32u(h, &d->flow_status);
            break;
        case DA_QOS_INFORMATION: r = da_qos(a, &d->qos); break;
        case DA_ONLINE:
            d->has_online = true;
            r = da_i32u(h, &d->online);
            break;
        case DA_OFFLINE:
            d->has_offline = true;
            r = da_i32u(h, &d->offline);
            break;
        case DA_METERING_METHOD:
            d->has_metering = true;
            r = da_i32u(h, &d->metering_method);
            break;
        case DA_PRECEDENCE: r = da_u32(h, &d->precedence); break;
        case DA_MONITORING_KEY:
            r = da_str(h, d->monitoring_key, sizeof(d->monitoring_key));
            break;
        default: break;
        }
    }
    if (!r && !d->name[0])
        r = -EBADMSG;   /* 5.3.4: { Charging-Rule-Name } */
    return r;
}

static int add_rules(struct msg *m, const struct diam_rules *rl)
{
    struct avp *g;
    int r;
    if (rl->n_install_names > DIAM_MAX_RULES || rl->n_install_bases > DIAM_MAX_RULES ||
        rl->n_defs > DIAM_MAX_RULES || rl->n_remove_names > DIAM_MAX_RULES ||
        rl->n_remove_bases > DIAM_MAX_RULES)
        return -EINVAL;
    /* 5.3.3 Charging-Rule-Remove before 5.3.2 Charging-Rule-Install: 5.6.3
     * lists them in this order, and a PCEF removes before it installs
     * (TS 29.212 4.5.2.0). */
    if (rl->n_remove_names + rl->n_remove_bases) {
        if ((r = da_add_grp(m, DA_CR_REMOVE, &g)))
            return r;
        for (unsigned i = 0; i < rl->n_remove_names; i++)
            if ((r = da_add_str(g, DA_CR_NAME, rl->remove_names[i])))
                return r;
        for (unsigned i = 0; i < rl->n_remove_bases; i++)
            if ((r = da_add_str(g, DA_CR_BASE_NAME, rl->remove_bases[i])))
                return r;
    }
    if (rl->n_install_names + rl->n_install_bases + rl->n_defs) {
        if ((r = da_add_grp(m, DA_CR_INSTALL, &g)))
            return r;
        for (unsigned i = 0; i < rl->n_defs; i++)
            if ((r = add_rule_def(g, &rl->defs[i])))
                return r;
        for (unsigned i = 0; i < rl->n_install_names; i++)
            if ((r = da_add_str(g, DA_CR_NAME, rl->install_names[i])))
                return r;
        for (unsigned i = 0; i < rl->n_install_bases; i++)
            if ((r = da_add_str(g, DA_CR_BASE_NAME, rl->install_bases[i])))
                return r;
    }
    return 0;
}

static int push_name(char (*arr)[DIAM_STR_MAX], unsigned *n, struct avp_hdr *h)
{
    if (*n >= DIAM_MAX_RULES)
        return -E2BIG;
    return da_str(h, arr[(*n)++], DIAM_STR_MAX);
}

/* One top-level Charging-Rule-Install/Remove into rl: 1 if it was one. */
static int read_rules(struct avp *a, enum da_id id, struct diam_rules *rl)
{
    struct avp_hdr *h;
    int r = 0;
    if (id != DA_CR_INSTALL && id != DA_CR_REMOVE)
        return 0;
    for (struct avp *c = da_first(a); c && !r; c = da_next(c)) {
        enum da_id cid = da_which(c, &h);
        if (id == DA_CR_INSTALL) {
            if (cid == DA_CR_NAME)
                r = push_name(rl->install_names, &rl->n_install_names, h);
            else if (cid == DA_CR_BASE_NAME)
                r = push_name(rl->install_bases, &rl->n_install_bases, h);
            else if (cid == DA_CR_DEFINITION) {
                if (rl->n_defs >= DIAM_MAX_RULES)
                    return -E2BIG;
                r = read_rule_def(c, &rl->defs[rl->n_defs++]);
            }
        } else {
            if (cid == DA_CR_NAME)
                r = push_name(rl->remove_names, &rl->n_remove_names, h);
            else if (cid == DA_CR_BASE_NAME)
                r = push_name(rl->remove_bases, &rl->n_remove_bases, h);
        }
    }
    return r ? r : 1;
}

static int add_monitors(struct msg *m, unsigned n, const struct diam_usage_monitor *mon)
{
    struct avp *g;
    int r;
    if (n > DIAM_MAX_MONITORS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        /* 5.3.60 Usage-Monitoring-Information */
        if ((r = da_add_grp(m, DA_UMI, &g)) ||
            (r = da_add_str(g, DA_MONITORING_KEY, mon[i].key)) ||
            (r = da_add_units(g, DA_GSU, &mon[i].granted)) ||
            (r = da_add_units(g, DA_USU, &mon[i].used)))
            return r;
        if (mon[i].has_level &&
            (r = da_add_i32(g, DA_USAGE_MONITORING_LEVEL, (int32_t)mon[i].level)))
            return r;
        if (mon[i].has_report &&
            (r = da_add_i32(g, DA_USAGE_MONITORING_REPORT, (int32_t)mon[i].report)))
            return r;
    }
    return 0;
}

static int read_monitor(struct avp *grp, struct diam_usage_monitor *u)
{
    struct avp_hdr *h;
    int r = 0;
    memset(u, 0, sizeof(*u));
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_MONITORING_KEY: r = da_str(h, u->key, sizeof(u->key)); break;
        case DA_GSU: r = da_units(a, &u->granted); break;
        case DA_USU: r = da_units(a, &u->used); break;
        case DA_USAGE_MONITORING_LEVEL:
            u->has_level = true;
            r = da_i32u(h, &u->level);
            break;
        case DA_USAGE_MONITORING_REPORT:
            u->has_report = true;
            r = da_i32u(h, &u->report);
            break;
        default: break;
        }
    }
    return r;
}

static int add_triggers(struct msg *m, unsigned n, const uint32_t *t)
{
    int r;
    if (n > DIAM_MAX_TRIGGERS)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if ((r = da_add_i32(m, DA_EVENT_TRIGGER, (int32_t)t[i])))
            return r;
    return 0;
}

static int push_u32(uint32_t *arr, unsigned *n, unsigned max, struct avp_hdr *h)
{
    if (*n >= max)
        return -E2BIG;
    return da_i32u(h, &arr[(*n)++]);
}

/* 5.3.18 Charging-Rule-Report: a rule's PCC-Rule-Status (5.3.19) and, for
 * a rule that failed, its Rule-Failure-Code (5.3.38) */
static int add_reports(struct msg *m, unsigned n, const struct diam_rule_report *rep)
{
    struct avp *g;
    int r;
    if (n > DIAM_MAX_RULES)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        if ((r = da_add_grp(m, DA_CR_REPORT, &g)) ||
            (r = da_add_str(g, rep[i].base ? DA_CR_BASE_NAME : DA_CR_NAME, rep[i].name)) ||
            (r = da_add_i32(g, DA_PCC_RULE_STATUS, (int32_t)rep[i].status)))
            return r;
        if (rep[i].failure_code &&
            (r = da_add_i32(g, DA_RULE_FAILURE_CODE, (int32_t)rep[i].failure_code)))
            return r;
    }
    return 0;
}

static int read_report(struct avp *grp, struct diam_rule_report *rep)
{
    struct avp_hdr *h;
    int r = 0;
    memset(rep, 0, sizeof(*rep));
    for (struct avp *a = da_first(grp); a && !r; a = da_next(a)) {
        switch (da_which(a, &h)) {
        case DA_CR_NAME: r = da_str(h, rep->name, sizeof(rep->name)); break;
        case DA_CR_BASE_NAME:
            rep->base = true;
            r = da_str(h, rep->name, sizeof(rep->name));
            break;
        case DA_PCC_RULE_STATUS: r = da_i32u(h, &rep->status); break;
        case DA_RULE_FAILURE_CODE: r = da_i32u(h, &rep->failure_code); break;
        default: break;
        }
    }
    return r;
}

/* -------------------------------------------------------------- CCR --- */

int diam_gx_ccr_encode(const struct diam_gx_ccr *m, struct msg **out)
{
    struct msg *q;
    struct avp *g;
    int r;
    if (m->cc_request_type < DIAM_CC_INITIAL || m->cc_request_type > DIAM_CC_EVENT)
        return -EINVAL;
    if ((r = da_request_new(DIAM_APPID_GX, DIAM_CMD_CCR, &m->h, &q)))
        return r;
    if ((r = da_add_u32(q, DA_AUTH_APP_ID, DIAM_APPID_GX)) ||
        (r = da_add_i32(q, DA_CC_REQUEST_TYPE, (int32_t)m->cc_request_type)) ||
        (r = da_add_u32(q, DA_CC_REQUEST_NUMBER, m->cc_request_number)) ||
        (r = da_add_subscriber(q, &m->sub, true)))
        goto fail;
    /* 5.4.1: Supported-Features in CCR-I */
    if (m->supported_features &&
        ((r = da_add_grp(q, DA_SUPPORTED_FEATURES, &g)) ||
         (r = da_add_u32(g, DA_VENDOR_ID, DIAM_VENDOR_3GPP)) ||
         (r = da_add_u32(g, DA_FEATURE_LIST_ID, 1)) ||
         (r = da_add_u32(g, DA_FEATURE_LIST, m->supported_features))))
        goto fail;
    if (m->ip_can_type && (r = da_add_i32(q, DA_IP_CAN_TYPE, (int32_t)m->ip_can_type)))
        goto fail;
    if (m->default_qos.present) {
        /* 4.5.1: the APN-AMBR in QoS-Information, the default bearer's
         * QCI/ARP in Default-EPS-Bearer-QoS */
        struct diam_qos ambr = { .present = m->default_qos.apn_ambr_ul ||
                                            m->default_qos.apn_ambr_dl,
                                 .apn_ambr_ul = m->default_qos.apn_ambr_ul,
                                 .apn_ambr_dl = m->default_qos.apn_ambr_dl };
        if ((r = da_add_qos(q, DA_QOS_INFORMATION, &ambr)) ||
            (r = da_add_qos(q, DA_DEFAULT_EPS_BEARER_QOS, &m->default_qos)))
            goto fail;
    }
    if ((r = add_triggers(q, m->n_triggers, m->triggers)) ||
        (r = add_monitors(q, m->n_monitors, m->monitors)) ||
        (r = add_reports(q, m->n_reports, m->reports)))
        goto fail;
    if (m->termination_cause &&
        (r = da_add_i32(q, DA_TERMINATION_CAUSE, (int32_t)m->termination_cause)))
        goto fail;
    *out = q;
    return 0;
fail:
    fd_msg_free(q);
    return r;
}

int diam_gx_ccr_decode(struct msg *msg, struct diam_gx_ccr *m)
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
        case DA_IP_CAN_TYPE: r = da_i32u(h, &m->ip_can_type); break;
        case DA_QOS_INFORMATION: {
            struct diam_qos q;
            if (!(r = da_qos(a, &q))) {
                m->default_qos.present = true;
                m->default_qos.apn_ambr_ul = q.apn_ambr_ul;
                m->default_qos.apn_ambr_dl = q.apn_ambr_dl;
            }
            break;
        }
        case DA_DEFAULT_EPS_BEARER_QOS: {
            struct diam_qos q;
            if (!(r = da_qos(a, &q))) {
                m->default_qos.present = true;
                m->default_qos.qci = q.qci;
                m->default_qos.has_arp = q.has_arp;
                m->default_qos.arp = q.arp;
            }
            break;
        }
        case DA_SUPPORTED_FEATURES:
            for (struct avp *c = da_first(a); c && !r; c = da_next(c))
                if (da_which(c, &h) == DA_FEATURE_LIST)
                    r = da_u32(h, &m->supported_features);
            break;
        case DA_EVENT_TRIGGER:
            r = push_u32(m->triggers, &m->n_triggers, DIAM_MAX_TRIGGERS, h);
            break;
        case DA_UMI:
            if (m->n_monitors >= DIAM_MAX_MONITORS)
                return -E2BIG;
            r = read_monitor(a, &m->monitors[m->n_monitors++]);
            break;
        case DA_CR_REPORT:
            if (m->n_reports >= DIAM_MAX_RULES)
                return -E2BIG;
            r = read_report(a, &m->reports[m->n_reports++]);
            break;
        case DA_TERMINATION_CAUSE: r = da_i32u(h, &m->termination_cause); break;
        default: break;
        }
    }
    if (r < 0)
        return r;
    if (!have_type)
        return -EBADMSG;        /* 5.6.2: { CC-Request-Type } */
    return 0;
}

/* -------------------------------------------------------------- CCA --- */

int diam_gx_cca_answer(struct msg **req, const struct diam_gx_cca *m)
{
    struct msg *a;
    int r;
    if ((r = da_answer_new(req, &m->h, &a)))
        return r;
    if ((r = da_add_u32(a, DA_AUTH_APP_ID, DIAM_APPID_GX)) ||
        (r = da_add_i32(a, DA_CC_REQUEST_TYPE, (int32_t)m->cc_request_type)) ||
        (r = da_add_u32(a, DA_CC_REQUEST_NUMBER, m->cc_request_number)) ||
        (r = add_triggers(a, m->n_triggers, m->triggers)) ||
        (r = add_rules(a, &m->rules)) ||
        (r = da_add_qos(a, DA_QOS_INFORMATION, &m->qos)) ||
        (r = da_add_qos(a, DA_DEFAULT_EPS_BEARER_QOS, &m->default_qos)) ||
        (r = add_monitors(a, m->n_monitors, m->monitors)) ||
        (m->has_ccfh && (r = da_add_i32(a, DA_CCFH, (int32_t)m->ccfh)))) {
        fd_msg_free(a);
        return r;
    }
    *req = a;
    return 0;
}

int diam_gx_cca_decode(struct msg *msg, struct diam_gx_cca *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_CCR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && r >= 0; a = da_next(a)) {
        enum da_id id = da_which(a, &h);
        if ((r = read_rules(a, id, &m->rules)))
            continue;
        switch (id) {
        case DA_CC_REQUEST_TYPE: r = da_i32u(h, &m->cc_request_type); break;
        case DA_CC_REQUEST_NUMBER: r = da_u32(h, &m->cc_request_number); break;
        case DA_EVENT_TRIGGER:
            r = push_u32(m->triggers, &m->n_triggers, DIAM_MAX_TRIGGERS, h);
            break;
        case DA_QOS_INFORMATION: r = da_qos(a, &m->qos); break;
        case DA_DEFAULT_EPS_BEARER_QOS: r = da_qos(a, &m->default_qos); break;
        case DA_UMI:
            if (m->n_monitors >= DIAM_MAX_MONITORS)
                return -E2BIG;
            r = read_monitor(a, &m->monitors[m->n_monitors++]);
            break;
        case DA_CCFH:
            m->has_ccfh = true;
            r = da_i32u(h, &m->ccfh);
            break;
        default: break;
        }
    }
    return r < 0 ? r : 0;
}

/* -------------------------------------------------------------- RAR --- */

int diam_gx_rar_encode(const struct diam_gx_rar *m, struct msg **out)
{
    struct msg *q;
    int r;
    if ((r = da_request_new(DIAM_APPID_GX, DIAM_CMD_RAR, &m->h, &q)))
        return r;
    /* 5.6.4 */
    if ((r = da_add_u32(q, DA_AUTH_APP_ID, DIAM_APPID_GX)) ||
        (r = da_add_i32(q, DA_RE_AUTH_REQUEST_TYPE, (int32_t)m->re_auth_request_type)) ||
        (m->session_release_cause &&
         (r = da_add_i32(q, DA_SESSION_RELEASE_CAUSE, (int32_t)m->session_release_cause - 1))) ||
        (r = add_triggers(q, m->n_triggers, m->triggers)) ||
        (r = add_rules(q, &m->rules)) ||
        (r = da_add_qos(q, DA_QOS_INFORMATION, &m->qos)) ||
        (r = da_add_qos(q, DA_DEFAULT_EPS_BEARER_QOS, &m->default_qos)) ||
        (r = add_monitors(q, m->n_monitors, m->monitors))) {
        fd_msg_free(q);
        return r;
    }
    *out = q;
    return 0;
}

int diam_gx_rar_decode(struct msg *msg, struct diam_gx_rar *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_RAR, true)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && r >= 0; a = da_next(a)) {
        enum da_id id = da_which(a, &h);
        if ((r = read_rules(a, id, &m->rules)))
            continue;
        switch (id) {
        case DA_RE_AUTH_REQUEST_TYPE: r = da_i32u(h, &m->re_auth_request_type); break;
        case DA_SESSION_RELEASE_CAUSE:
            if (!(r = da_i32u(h, &m->session_release_cause)))
                m->session_release_cause++;
            break;
        case DA_EVENT_TRIGGER:
            r = push_u32(m->triggers, &m->n_triggers, DIAM_MAX_TRIGGERS, h);
            break;
        case DA_QOS_INFORMATION: r = da_qos(a, &m->qos); break;
        case DA_DEFAULT_EPS_BEARER_QOS: r = da_qos(a, &m->default_qos); break;
        case DA_UMI:
            if (m->n_monitors >= DIAM_MAX_MONITORS)
                return -E2BIG;
            r = read_monitor(a, &m->monitors[m->n_monitors++]);
            break;
        default: break;
        }
    }
    return r < 0 ? r : 0;
}

/* ------------------------------------------------- RAA, bare answers --- */

int diam_raa_answer(struct msg **req, const struct diam_raa *m)
{
    struct msg *a;
    struct msg_hdr *hdr;
    int r;
    if (!req || !*req || fd_msg_hdr(*req, &hdr) || hdr->msg_code != DIAM_CMD_RAR)
        return -EINVAL;
    if ((r = da_answer_new(req, &m->h, &a)))
        return r;
    if ((r = add_reports(a, m->n_reports, m->reports))) {
        fd_msg_free(a);
        *req = NULL;
        return r;
    }
    *req = a;
    return 0;
}

int diam_raa_decode(struct msg *msg, struct diam_raa *m)
{
    struct avp_hdr *h;
    int r;
    memset(m, 0, sizeof(*m));
    if ((r = da_check_cmd(msg, DIAM_CMD_RAR, false)) || (r = da_header(msg, &m->h)))
        return r;
    for (struct avp *a = da_first(msg); a && !r; a = da_next(a))
        if (da_which(a, &h) == DA_CR_REPORT && m->n_reports < DIAM_MAX_RULES)
            r = read_report(a, &m->reports[m->n_reports++]);
    return r;
}

int diam_answer_result(struct msg **req, uint32_t result_code)
{
    struct diam_header_info h = { .result_code = result_code };
    struct msg *a;
    struct msg_hdr *hdr;
    int r;
    if (!req || !*req || fd_msg_hdr(*req, &hdr))
        return -EINVAL;
    uint32_t app = hdr->msg_appl;
    if ((r = da_answer_new(req, &h, &a)))
        return r;
    if (app == DIAM_APPID_S6A) {
        r = da_add_vsai(a, app);
        if (!r)
            r = da_add_i32(a, DA_AUTH_SESSION_STATE, 1);
    } else if (app) {
        r = da_add_u32(a, DA_AUTH_APP_ID, app);
    }
    if (r) {
        fd_msg_free(a);
        return r;
    }
    *req = a;
    return 0;
}
