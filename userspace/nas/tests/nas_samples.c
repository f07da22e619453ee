/* Sample values for every IE codec; see nas_samples.h. */
#include <stdlib.h>
#include <string.h>

#include "nas/nas_internal.h"
#include "nas/tests/nas_samples.h"

/* Opaque IEs with an inner structure get bytes that follow it, so that
 * tshark dissects them without complaint. */
static const struct {
    const char *name;
    uint8_t len;
    uint8_t v[24];
} opaque[] = {
    { "ms_net_cap", 3, { 0xe5, 0xe0, 0x34 } },
    { "ms_classmark2", 3, { 0x57, 0x58, 0xa6 } },
    { "ms_classmark3", 2, { 0x60, 0x14 } },
    { "supported_codecs", 8, { 0x04, 0x02, 0x60, 0x04, 0x1f, 0x02, 0x1f, 0x07 } },
    { "emergency_numbers", 4, { 0x03, 0x01, 0x19, 0xf1 } },
    { "ext_emergency_numbers", 5, { 0x00, 0x02, 0x19, 0xf1, 0x00 } },
    { "eps_nfs", 1, { 0x01 } },
    { "edrx", 1, { 0x05 } },
    { "dcn_id", 2, { 0x00, 0x01 } },
    { "tmsi_nri_container", 2, { 0x12, 0x34 } },
    { "ue_add_sec_cap", 4, { 0xf0, 0x00, 0xf0, 0x00 } },
    { "replayed_ue_add_sec_cap", 4, { 0xf0, 0x00, 0xf0, 0x00 } },
    { "n1_ue_net_cap", 1, { 0xb0 } },
    { "transaction_id", 1, { 0x80 } },
    { "serving_plmn_rate_control", 2, { 0x00, 0x0a } },
    { "ext_apn_ambr", 6, { 0x03, 0x00, 0x01, 0x03, 0x00, 0x02 } },
    { "ext_eps_qos", 10, { 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01 } },
    { "hc_config_status", 2, { 0x00, 0x00 } },
    { "hc_config", 3, { 0x00, 0x00, 0x0f } },
    { "nbifom", 3, { 0x01, 0x01, 0x00 } },
    { "negotiated_qos", 14, { 0x0b, 0x92, 0x1f, 0x92, 0x96, 0xfe, 0xfe, 0x74, 0x72, 0x11,
                              0x40, 0x00, 0x00, 0x00 } },
    { "new_qos", 14, { 0x0b, 0x92, 0x1f, 0x92, 0x96, 0xfe, 0xfe, 0x74, 0x72, 0x11,
                       0x40, 0x00, 0x00, 0x00 } },
    { "ciphering_key_data", 0, { 0 } },
    { "res", 8, { 0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf } },
    { "nas_container", 2, { 0x09, 0x04 } },  /* SMS CP-ACK */
    /* an LPP-Message (TS 36.355) with endTransaction TRUE alone, and the
     * 4-octet routing/correlation identifier that tshark reads for LPP */
    { "generic_msg_container", 1, { 0x08 } },
    { "additional_info", 4, { 0x00, 0x00, 0x00, 0x01 } },
};

static void fill_oct(const struct nas_ie_desc *d, uint8_t *field)
{
    uint16_t n = d->min ? d->min : 1;

    for (size_t i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++) {
        if (strcmp(opaque[i].name, d->name))
            continue;
        if (opaque[i].len) {
            n = opaque[i].len;
            memcpy(field, &n, 2);
            memcpy(field + 2, opaque[i].v, n);
            return;
        }
        if (!strcmp(d->name, "ciphering_key_data")) {
            /* TS 24.301 9.9.3.56: one ciphering data set: id, key, c0,
             * SIB flags, validity start time and duration, no TAIs */
            static const uint8_t set[] = { 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0xaa, 0x00, 0x00,
                0x00, 0x00, 0x62, 0x11, 0x72, 0x90, 0x00, 0x00, 0x3c, 0x00 };

            n = sizeof(set);
            memcpy(field, &n, 2);
            memcpy(field + 2, set, n);
            return;
        }
    }
    memcpy(field, &n, 2);
    for (unsigned i = 0; i < n; i++)
        field[2 + i] = (uint8_t)(0x10 + i);
}

static void fill_tft(struct nas_tft *t)
{
    static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    struct nas_packet_filter *pf;
    struct nas_pf_component *c;

    t->op = NAS_TFT_OP_CREATE;
    t->n = 4;
    /* filter 1: IPv4 5-tuple-ish */
    pf = &t->pf[0];
    pf->id = 1; pf->dir = NAS_PF_DIR_UL; pf->precedence = 10; pf->n = 7;
    c = pf->c;
    c[0].type = NAS_PF_IPV4_REMOTE;
    memcpy(c[0].u.ipv4.addr, (uint8_t[]){ 10, 45, 0, 1 }, 4);
    memcpy(c[0].u.ipv4.mask, (uint8_t[]){ 255, 255, 255, 0 }, 4);
    c[1].type = NAS_PF_IPV4_LOCAL;
    memcpy(c[1].u.ipv4.addr, (uint8_t[]){ 192, 168, 7, 2 }, 4);
    memcpy(c[1].u.ipv4.mask, (uint8_t[]){ 255, 255, 255, 255 }, 4);
    c[2].type = NAS_PF_PROTOCOL; c[2].u.protocol = 17;
    c[3].type = NAS_PF_LOCAL_PORT; c[3].u.port = 5060;
    c[4].type = NAS_PF_REMOTE_PORT_RANGE; c[4].u.port_range.lo = 10000; c[4].u.port_range.hi = 20000;
    c[5].type = NAS_PF_TOS; c[5].u.tos.tos = 0xb8; c[5].u.tos.mask = 0xfc;
    c[6].type = NAS_PF_SPI; c[6].u.spi = 0x01020304;
    /* filter 2: IPv6 */
    pf = &t->pf[1];
    pf->id = 2; pf->dir = NAS_PF_DIR_DL; pf->precedence = 11; pf->n = 5;
    c = pf->c;
    c[0].type = NAS_PF_IPV6_REMOTE;
    memcpy(c[0].u.ipv6.addr, v6a, 16);
    memset(c[0].u.ipv6.mask, 0xff, 16);
    c[1].type = NAS_PF_IPV6_LOCAL_PREFIX;
    memcpy(c[1].u.ipv6_prefix.addr, v6a, 16);
    c[1].u.ipv6_prefix.prefix_len = 64;
    c[2].type = NAS_PF_LOCAL_PORT_RANGE; c[2].u.port_range.lo = 1000; c[2].u.port_range.hi = 2000;
    c[3].type = NAS_PF_REMOTE_PORT; c[3].u.port = 443;
    c[4].type = NAS_PF_FLOW_LABEL; c[4].u.flow_label = 0xabcde;
    /* filter 3: IPv6 prefix */
    pf = &t->pf[2];
    pf->id = 3; pf->dir = NAS_PF_DIR_BOTH; pf->precedence = 12; pf->n = 2;
    c = pf->c;
    c[0].type = NAS_PF_IPV6_REMOTE_PREFIX;
    memcpy(c[0].u.ipv6_prefix.addr, v6a, 16);
    c[0].u.ipv6_prefix.prefix_len = 48;
    c[1].type = NAS_PF_PROTOCOL; c[1].u.protocol = 6;
    /* filter 4: Ethernet */
    pf = &t->pf[3];
    pf->id = 4; pf->dir = NAS_PF_DIR_BOTH; pf->precedence = 13; pf->n = 7;
    c = pf->c;
    c[0].type = NAS_PF_DST_MAC; memcpy(c[0].u.mac, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
    c[1].type = NAS_PF_SRC_MAC; memcpy(c[1].u.mac, (uint8_t[]){ 2, 0, 0, 0, 0, 2 }, 6);
    c[2].type = NAS_PF_CTAG_VID; c[2].u.vid = 100;
    c[3].type = NAS_PF_STAG_VID; c[3].u.vid = 200;
    c[4].type = NAS_PF_CTAG_PCP_DEI; c[4].u.pcp_dei = 5;
    c[5].type = NAS_PF_STAG_PCP_DEI; c[5].u.pcp_dei = 3;
    c[6].type = NAS_PF_ETHERTYPE; c[6].u.ethertype = 0x0800;
    /* parameters list: authorization token (TS 24.008 10.5.6.12) */
    t->has_params = true;
    t->params_len = 4;
    memcpy(t->params, (uint8_t[]){ 0x01, 0x02, 0xaa, 0xbb }, 4);
}

static void fill_plmn(struct nas_plmn *p)
{
    p->mcc = 1;
    p->mnc = 1;
    p->mnc_digits = 2;
}

static void fill_esm(struct nas_container *c, bool rich)
{
    struct nas_message *esm = calloc(1, sizeof(*esm));
    int n;

    nas_message_init(esm, NAS_MSG_PDN_CONN_REQUEST);
    esm->pti = 1;
    esm->pdn_conn_request.request_type = 1;
    esm->pdn_conn_request.pdn_type = NAS_PDN_IPV4;
    esm->pdn_conn_request.has_esm_info_transfer_flag = true;
    esm->pdn_conn_request.esm_info_transfer_flag = 1;
    if (rich) {
        esm->pdn_conn_request.has_apn = true;
        strcpy(esm->pdn_conn_request.apn.name, "internet");
        esm->pdn_conn_request.has_pco = true;
        nas_pco_add(&esm->pdn_conn_request.pco, NAS_PCO_DNS_IPV4, NULL, 0);
        nas_pco_add(&esm->pdn_conn_request.pco, NAS_PCO_DNS_IPV6, NULL, 0);
        nas_pco_add(&esm->pdn_conn_request.pco, NAS_PCO_IPV4_LINK_MTU, NULL, 0);
        nas_pco_add(&esm->pdn_conn_request.pco, NAS_PCO_IP_ALLOC_VIA_NAS, NULL, 0);
    }
    n = nas_encode_plain(esm, c->v, sizeof(c->v));
    c->len = n > 0 ? (uint16_t)n : 0;
    free(esm);
}

static void fill_ie(const struct nas_ie_desc *d, uint8_t *field)
{
    switch (d->codec) {
    case NAS_C_U8:
        *field = d->fmt == NAS_F_VH || d->fmt == NAS_F_TV1 ? 1 : 0x2a;
        if (!strcmp(d->name, "emm_cause"))
            *field = 17;
        if (!strcmp(d->name, "esm_cause"))
            *field = 31;
        if (!strcmp(d->name, "pdn_type"))
            *field = NAS_PDN_IPV4V6;
        if (!strcmp(d->name, "linked_ebi") || !strcmp(d->name, "ebi_for_pf"))
            *field = 5;
        if (!strcmp(d->name, "identity_type"))
            *field = NAS_ID_IMSI;
        if (!strcmp(d->name, "generic_msg_container_type"))
            *field = 1;  /* LPP */
        if (!strcmp(d->name, "local_tz"))
            *field = nas_tz_from_quarters(8);
        break;
    case NAS_C_SPARE:
        break;
    case NAS_C_KSI:
        ((struct nas_ksi *)field)->ksi = 3;
        break;
    case NAS_C_DETACH:
    case NAS_C_DETACH_NW:
        ((struct nas_detach_type *)field)->type = 1;
        break;
    case NAS_C_UPDATE:
        ((struct nas_update_type *)field)->active = true;
        break;
    case NAS_C_KSI_SEQ:
        ((struct nas_ksi_seq *)field)->ksi = 2;
        ((struct nas_ksi_seq *)field)->seq = 17;
        break;
    case NAS_C_BYTES:
        for (unsigned i = 0; i < d->max; i++)
            field[i] = (uint8_t)(0xa0 + i);
        break;
    case NAS_C_OCT:
        fill_oct(d, field);
        break;
    case NAS_C_CONT:
        if (!strcmp(d->name, "esm_container")) {
            fill_esm((struct nas_container *)field, false);
        } else if (!strcmp(d->name, "replayed_nas_msg")) {
            struct nas_message *m = calloc(1, sizeof(*m));
            struct nas_container *c = (struct nas_container *)field;
            int n;

            nas_sample_attach_request(m);
            n = nas_encode_plain(m, c->v, sizeof(c->v));
            c->len = n > 0 ? (uint16_t)n : 0;
            free(m);
        } else {
            fill_oct(d, field);
        }
        break;
    case NAS_C_EPS_ID: {
        struct nas_mobile_id *id = (struct nas_mobile_id *)field;

        if (d->min == 11) {
            id->type = NAS_EPS_ID_GUTI;
            fill_plmn(&id->guti.plmn);
            id->guti.mmegi = 2;
            id->guti.mmec = 1;
            id->guti.m_tmsi = 0x030003e6;
        } else {
            id->type = NAS_EPS_ID_IMSI;
            strcpy(id->digits, NAS_SAMPLE_IMSI);
        }
        break;
    }
    case NAS_C_MOBILE_ID: {
        struct nas_mobile_id *id = (struct nas_mobile_id *)field;

        if (d->max == 5) {
            id->type = NAS_ID_TMSI;
            id->tmsi = 0xc0ffee01;
        } else if (d->min == 9) {
            id->type = NAS_ID_IMEISV;
            strcpy(id->digits, NAS_SAMPLE_IMEISV);
        } else {
            id->type = NAS_ID_IMSI;
            strcpy(id->digits, NAS_SAMPLE_IMSI);
        }
        break;
    }
    case NAS_C_TAI:
    case NAS_C_LAI:
        fill_plmn(&((struct nas_tai *)field)->plmn);
        ((struct nas_tai *)field)->tac = 12345;
        break;
    case NAS_C_TAI_LIST: {
        struct nas_tai_list *l = (struct nas_tai_list *)field;

        l->n = 3;
        l->list[0].type = NAS_TAI_LIST_TACS;
        l->list[0].n = 2;
        for (int i = 0; i < 2; i++) {
            fill_plmn(&l->list[0].tai[i].plmn);
            l->list[0].tai[i].tac = (uint16_t)(12345 + i);
        }
        l->list[1].type = NAS_TAI_LIST_CONSECUTIVE;
        l->list[1].n = 4;
        fill_plmn(&l->list[1].tai[0].plmn);
        l->list[1].tai[0].tac = 100;
        l->list[2].type = NAS_TAI_LIST_TAIS;
        l->list[2].n = 2;
        for (int i = 0; i < 2; i++) {
            l->list[2].tai[i].plmn.mcc = 310;
            l->list[2].tai[i].plmn.mnc = 410 + i;
            l->list[2].tai[i].plmn.mnc_digits = 3;
            l->list[2].tai[i].tac = (uint16_t)(7 + i);
        }
        break;
    }
    case NAS_C_PLMN_LIST: {
        struct nas_plmn_list *l = (struct nas_plmn_list *)field;

        l->n = 2;
        fill_plmn(&l->plmn[0]);
        l->plmn[1].mcc = 310;
        l->plmn[1].mnc = 410;
        l->plmn[1].mnc_digits = 3;
        break;
    }
    case NAS_C_UENC: {
        struct nas_ue_net_cap *c = (struct nas_ue_net_cap *)field;

        c->len = 5;
        c->eea = 0xf0;
        c->eia = 0x70;
        c->oct[4] = 0x10;
        break;
    }
    case NAS_C_UESC: {
        struct nas_ue_sec_cap *c = (struct nas_ue_sec_cap *)field;

        c->len = 2;
        c->eea = 0xf0;
        c->eia = 0x70;
        break;
    }
    case NAS_C_ALGS:
        ((struct nas_sec_algs *)field)->eea = 2;
        ((struct nas_sec_algs *)field)->eia = 2;
        break;
    case NAS_C_DRX:
        ((struct nas_drx *)field)->split_pg_cycle = 10;
        ((struct nas_drx *)field)->non_drx_timer = 0;
        break;
    case NAS_C_TIMER:
    case NAS_C_TIMER3:
        ((struct nas_gprs_timer *)field)->unit = 1;
        ((struct nas_gprs_timer *)field)->value = 9;
        break;
    case NAS_C_NETNAME:
        nas_network_name_set_ascii((struct nas_network_name *)field,
                                   !strcmp(d->name, "full_name") ? "xepc test network" : "xepc");
        break;
    case NAS_C_TZTIME: {
        struct nas_tz_time *t = (struct nas_tz_time *)field;

        t->year = 26; t->month = 11; t->day = 27;
        t->hour = 9; t->minute = 52; t->second = 30;
        t->tz = nas_tz_from_quarters(8);
        break;
    }
    case NAS_C_EBCS:
        *(uint16_t *)(void *)field = 0x0060;
        break;
    case NAS_C_QOS:
        nas_eps_qos_set((struct nas_eps_qos *)field, 1, 1000, 2000000, 500, 1000000);
        break;
    case NAS_C_APN:
        strcpy(((struct nas_apn *)field)->name, NAS_SAMPLE_APN);
        break;
    case NAS_C_AMBR:
        nas_apn_ambr_set((struct nas_apn_ambr *)field, 300000, 50000);
        break;
    case NAS_C_PDN_ADDR: {
        struct nas_pdn_addr *a = (struct nas_pdn_addr *)field;

        a->type = NAS_PDN_IPV4V6;
        memcpy(a->ipv4, (uint8_t[]){ 192, 168, 7, 2 }, 4);
        memcpy(a->ipv6_iid, (uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 2 }, 8);
        break;
    }
    case NAS_C_PCO: {
        struct nas_pco *p = (struct nas_pco *)field;
        static const uint8_t dns4[4] = { 8, 8, 8, 8 }, mtu[2] = { 0x05, 0x78 };
        static const uint8_t dns6[16] = { 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0x88, 0x88 };
        static const uint8_t ipcp[16] = { 0x03, 0x00, 0x00, 0x10, 0x81, 0x06, 0x08, 0x08, 0x08,
                                          0x08, 0x83, 0x06, 0x08, 0x08, 0x04, 0x04 };

        nas_pco_init(p);
        nas_pco_add(p, NAS_PCO_IPCP, ipcp, sizeof(ipcp));
        nas_pco_add(p, NAS_PCO_DNS_IPV4, dns4, 4);
        nas_pco_add(p, NAS_PCO_DNS_IPV6, dns6, 16);
        nas_pco_add(p, NAS_PCO_IPV4_LINK_MTU, mtu, 2);
        nas_pco_add(p, NAS_PCO_DNS_IPV4, NULL, 0);
        break;
    }
    case NAS_C_TFT:
        fill_tft((struct nas_tft *)field);
        break;
    }
}

void nas_sample_fill(struct nas_message *m, enum nas_msg_id id, bool full)
{
    const struct nas_msg_spec *s = &nas_msg_specs[id];
    uint8_t *body = (uint8_t *)m + offsetof(struct nas_message, attach_request);

    nas_message_init(m, id);
    if (s->pd == NAS_PD_ESM) {
        m->ebi = 5;
        m->pti = 7;
    }
    for (unsigned i = 0; i < s->n_ies; i++) {
        const struct nas_ie_desc *d = &s->ies[i];

        if (d->has_off != NAS_NO_FLAG) {
            if (!full)
                continue;
            body[d->has_off] = 1;
        }
        fill_ie(d, body + d->off);
    }
    /* TS 24.301 8.2.5.2: AUTS only with cause #21 */
    if (id == NAS_MSG_AUTH_FAILURE && full)
        m->auth_failure.emm_cause = 21;
}

void nas_sample_attach_request(struct nas_message *m)
{
    struct nas_attach_request *a = &m->attach_request;

    nas_message_init(m, NAS_MSG_ATTACH_REQUEST);
    a->eps_attach_type = 1;
    a->nas_ksi.ksi = NAS_KSI_NONE;
    a->eps_mobile_id.type = NAS_EPS_ID_IMSI;
    strcpy(a->eps_mobile_id.digits, NAS_SAMPLE_IMSI);
    a->ue_net_cap.len = 5;
    a->ue_net_cap.eea = 0xf0;
    a->ue_net_cap.eia = 0x70;
    a->ue_net_cap.oct[4] = 0x10;
    fill_esm(&a->esm_container, true);
    a->has_drx = true;
    a->drx.split_pg_cycle = 10;
    a->has_ms_net_cap = true;
    a->ms_net_cap.len = 3;
    memcpy(a->ms_net_cap.v, (uint8_t[]){ 0xe5, 0xe0, 0x34 }, 3);
    a->has_tmsi_status = true;
    a->has_voice_domain_pref = true;
    a->voice_domain_pref = 0;
}
