/* The typed codecs: every message is encoded, serialised to bytes, parsed
 * back by freeDiameter (as a peer's message would be) and decoded; the
 * decoded struct must equal what was encoded.  Answers are built from the
 * parsed request, as diamsim and the gateway do.  Also: the AVP table
 * against Debian's dictionaries, and decoders refusing bad input. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diameter/diam_int.h"

/* Serialise and parse back: what the peer's decoder sees. */
static struct msg *wire(struct msg *m)
{
    uint8_t *buf;
    size_t len;
    struct msg *out = NULL;
    assert_int_equal(diam_msg_to_bytes(m, &buf, &len), 0);
    assert_int_equal(diam_msg_from_bytes(buf, len, &out), 0);
    /* DIAM_CORPUS_DIR=dir: keep each message as a fuzzer seed */
    const char *dir = getenv("DIAM_CORPUS_DIR");
    if (dir) {
        static int n;
        char path[512];
        snprintf(path, sizeof(path), "%s/msg-%02d", dir, n++);
        FILE *f = fopen(path, "w");
        if (f) {
            fwrite(buf, 1, len, f);
            fclose(f);
        }
    }
    free(buf);
    diam_msg_free(m);
    return out;
}

static void hdr_init(struct diam_header_info *h)
{
    memset(h, 0, sizeof(*h));
    diam_session_id_new("agw.test", h->session_id, sizeof(h->session_id));
    strcpy(h->dest_realm, "test");
    strcpy(h->dest_host, "hss.test");
}

static void test_dict_table_matches_debian_dictionaries(void **state)
{
    (void)state;
    /* diam_dict_setup checked each entry; here every one has an object
     * whose code/vendor are the table's */
    for (int i = 0; i < DA__COUNT; i++) {
        struct dict_avp_data ad;
        assert_non_null(diam_avp_obj[i]);
        assert_int_equal(fd_dict_getval(diam_avp_obj[i], &ad), 0);
        assert_int_equal(ad.avp_code, diam_avp_tab[i].code);
        assert_int_equal(ad.avp_vendor, diam_avp_tab[i].vendor);
    }
    assert_non_null(diam_dict_app(DIAM_APPID_S6A));
    assert_non_null(diam_dict_app(DIAM_APPID_GX));
    assert_non_null(diam_dict_app(DIAM_APPID_GY));
    static const uint32_t cmds[] = { 258, 272, 316, 317, 318, 319, 321 };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        assert_non_null(diam_dict_cmd(cmds[i], true));
        assert_non_null(diam_dict_cmd(cmds[i], false));
    }
}

static void test_s6a_air_aia_round_trip(void **state)
{
    (void)state;
    struct diam_s6a_air air, air2;
    struct msg *m;
    memset(&air, 0, sizeof(air));
    hdr_init(&air.h);
    strcpy(air.imsi, "001010000000001");
    memcpy(air.visited_plmn, "\x00\xf1\x10", 3);
    air.n_vectors = 2;
    air.immediate_response = true;
    air.resync = true;
    for (int i = 0; i < 30; i++)
        air.resync_info[i] = (uint8_t)i;
    assert_int_equal(diam_s6a_air_encode(&air, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_air_decode(m, &air2), 0);
    assert_string_equal(air2.h.session_id, air.h.session_id);
    assert_string_equal(air2.h.dest_host, "hss.test");
    assert_string_equal(air2.h.origin_host, "codec.localdomain");
    assert_string_equal(air2.imsi, air.imsi);
    assert_memory_equal(air2.visited_plmn, air.visited_plmn, 3);
    assert_int_equal(air2.n_vectors, 2);
    assert_true(air2.immediate_response);
    assert_true(air2.resync);
    assert_memory_equal(air2.resync_info, air.resync_info, 30);

    struct diam_s6a_aia aia = { .h.result_code = DIAM_SUCCESS, .n_vectors = 2 }, aia2;
    for (int v = 0; v < 2; v++) {
        memset(aia.v[v].rand, 0x10 + v, 16);
        memset(aia.v[v].xres, 0x20 + v, 8);
        aia.v[v].xres_len = 8;
        memset(aia.v[v].autn, 0x30 + v, 16);
        memset(aia.v[v].kasme, 0x40 + v, 32);
    }
    assert_int_equal(diam_s6a_aia_answer(&m, &aia), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_aia_decode(m, &aia2), 0);
    assert_string_equal(aia2.h.session_id, air.h.session_id);
    assert_int_equal(aia2.h.result_code, DIAM_SUCCESS);
    assert_int_equal(aia2.n_vectors, 2);
    assert_memory_equal(&aia2.v[1], &aia.v[1], sizeof(aia.v[1]));
    assert_memory_equal(&aia2.v[0], &aia.v[0], sizeof(aia.v[0]));
    diam_msg_free(m);
}

static void test_s6a_aia_experimental_result_unknown_user(void **state)
{
    (void)state;
    struct diam_s6a_air air = { 0 };
    struct diam_s6a_aia aia = { .h.exp_result_code = DIAM_ERROR_USER_UNKNOWN }, aia2;
    struct msg *m;
    hdr_init(&air.h);
    strcpy(air.imsi, "001010000000099");
    assert_int_equal(diam_s6a_air_encode(&air, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_aia_answer(&m, &aia), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_aia_decode(m, &aia2), 0);
    assert_int_equal(aia2.h.result_code, 0);
    assert_int_equal(aia2.h.exp_result_code, DIAM_ERROR_USER_UNKNOWN);
    assert_int_equal(aia2.n_vectors, 0);
    diam_msg_free(m);
}

static void fill_sub(struct diam_s6a_subscription *s)
{
    memset(s, 0, sizeof(*s));
    s->present = true;
    strcpy(s->msisdn, "33612345678");
    s->network_access_mode = 2;
    s->ambr_ul = 50000000;
    s->ambr_dl = 100000000;
    s->default_context_id = 1;
    s->all_apn_included = true;
    s->n_apn = 2;
    for (unsigned i = 0; i < 2; i++) {
        s->apn[i].context_id = i + 1;
        strcpy(s->apn[i].apn, i ? "ims" : "internet");
        s->apn[i].pdn_type = i ? 2 : 0;
        s->apn[i].qci = i ? 5 : 9;
        s->apn[i].arp = (struct diam_arp){ .priority = 8 + i,
                                           .pre_emption_capability = 1,
                                           .pre_emption_vulnerability = i };
        s->apn[i].ambr_ul = 1000 * (i + 1);
        s->apn[i].ambr_dl = 2000 * (i + 1);
    }
}

static void test_s6a_ulr_ula_subscription_round_trip(void **state)
{
    (void)state;
    struct diam_s6a_ulr ulr = { .rat_type = 1004, .ulr_flags = 0x22 }, ulr2;
    struct msg *m;
    hdr_init(&ulr.h);
    strcpy(ulr.imsi, "001010000000001");
    memcpy(ulr.visited_plmn, "\x00\xf1\x10", 3);
    assert_int_equal(diam_s6a_ulr_encode(&ulr, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_ulr_decode(m, &ulr2), 0);
    assert_string_equal(ulr2.imsi, ulr.imsi);
    assert_int_equal(ulr2.rat_type, 1004);
    assert_int_equal(ulr2.ulr_flags, 0x22);

    struct diam_s6a_ula ula = { .h.result_code = DIAM_SUCCESS, .ula_flags = 1 }, ula2;
    fill_sub(&ula.sub);
    assert_int_equal(diam_s6a_ula_answer(&m, &ula), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_ula_decode(m, &ula2), 0);
    assert_int_equal(ula2.ula_flags, 1);
    assert_memory_equal(&ula2.sub, &ula.sub, sizeof(ula.sub));
    diam_msg_free(m);
}

static void test_s6a_pur_clr_idr_round_trip(void **state)
{
    (void)state;
    struct msg *m;
    struct diam_s6a_pur pur = { .pur_flags = 1 }, pur2;
    hdr_init(&pur.h);
    strcpy(pur.imsi, "001010000000001");
    assert_int_equal(diam_s6a_pur_encode(&pur, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_pur_decode(m, &pur2), 0);
    assert_int_equal(pur2.pur_flags, 1);
    struct diam_s6a_pua pua = { .h.result_code = DIAM_SUCCESS, .pua_flags = 1 }, pua2;
    assert_int_equal(diam_s6a_pua_answer(&m, &pua), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_pua_decode(m, &pua2), 0);
    assert_int_equal(pua2.pua_flags, 1);
    diam_msg_free(m);

    struct diam_s6a_clr clr = { .cancellation_type = 2, .clr_flags = 2 }, clr2;
    hdr_init(&clr.h);
    strcpy(clr.imsi, "001010000000002");
    assert_int_equal(diam_s6a_clr_encode(&clr, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_clr_decode(m, &clr2), 0);
    assert_string_equal(clr2.imsi, clr.imsi);
    assert_int_equal(clr2.cancellation_type, 2);
    assert_int_equal(clr2.clr_flags, 2);
    struct diam_s6a_simple_answer cla = { .h.result_code = DIAM_SUCCESS }, cla2;
    assert_int_equal(diam_s6a_simple_answer(&m, &cla), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_simple_answer_decode(m, &cla2), 0);
    assert_int_equal(cla2.h.result_code, DIAM_SUCCESS);
    diam_msg_free(m);

    struct diam_s6a_idr idr = { .idr_flags = 4 }, idr2;
    hdr_init(&idr.h);
    strcpy(idr.imsi, "001010000000003");
    fill_sub(&idr.sub);
    idr.sub.n_apn = 1;
    memset(&idr.sub.apn[1], 0, sizeof(idr.sub.apn[1]));
    assert_int_equal(diam_s6a_idr_encode(&idr, &m), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_idr_decode(m, &idr2), 0);
    assert_int_equal(idr2.idr_flags, 4);
    assert_memory_equal(&idr2.sub, &idr.sub, sizeof(idr.sub));
    struct diam_s6a_simple_answer ida = { .h.result_code = DIAM_SUCCESS, .flags = 1 }, ida2;
    assert_int_equal(diam_s6a_simple_answer(&m, &ida), 0);
    m = wire(m);
    assert_int_equal(diam_s6a_simple_answer_decode(m, &ida2), 0);
    assert_int_equal(ida2.flags, 1);
    diam_msg_free(m);
}

static void fill_rules(struct diam_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->n_install_names = 1;
    strcpy(r->install_names[0], "predef-video");
    r->n_install_bases = 1;
    strcpy(r->install_bases[0], "base-web");
    r->n_remove_names = 1;
    strcpy(r->remove_names[0], "old-rule");
    r->n_remove_bases = 1;
    strcpy(r->remove_bases[0], "old-base");
    r->n_defs = 2;
    struct diam_rule_def *d = &r->defs[0];
    strcpy(d->name, "block-dns");
    d->n_flows = 2;
    strcpy(d->flows[0].description, "permit out 17 from any to 10.45.0.0/16 53");
    d->flows[0].direction = 1;
    strcpy(d->flows[1].description, "permit out 17 from 10.45.0.0/16 53 to any");
    d->flows[1].direction = 2;
    d->precedence = 10;
    d->has_flow_status = true;
    d->flow_status = 3;
    d = &r->defs[1];
    strcpy(d->name, "metered-rg7");
    d->n_flows = 1;
    strcpy(d->flows[0].description, "permit out ip from any to assigned");
    d->flows[0].direction = 3;
    d->precedence = 100;
    d->has_rating_group = true;
    d->rating_group = 7;
    d->has_service_id = true;
    d->service_id = 70;
    strcpy(d->monitoring_key, "mk1");
    d->has_online = d->has_offline = d->has_metering = true;
    d->online = 1;
    d->offline = 0;
    d->metering_method = 1;
    d->qos = (struct diam_qos){ .present = true, .qci = 7, .has_arp = true,
                                .arp = { 9, 1, 0 }, .mbr_ul = 1000000,
                                .mbr_dl = 2000000, .gbr_ul = 0, .gbr_dl = 0 };
}

/* TS 29.212 5.3.7: the Event-Trigger numbers (USAGE_REPORT was 26, which is
 * TAI_CHANGE) */
static void test_gx_event_trigger_values(void **state)
{
    (void)state;
    assert_int_equal(DIAM_ET_QOS_CHANGE, 1);
    assert_int_equal(DIAM_ET_USER_LOCATION_CHANGE, 13);
    assert_int_equal(DIAM_ET_NO_EVENT_TRIGGERS, 14);
    assert_int_equal(DIAM_ET_DEFAULT_EPS_BEARER_QOS_CHANGE, 20);
    assert_int_equal(DIAM_ET_SUCCESSFUL_RESOURCE_ALLOCATION, 22);
    assert_int_equal(DIAM_ET_TAI_CHANGE, 26);
    assert_int_equal(DIAM_ET_ECGI_CHANGE, 27);
    assert_int_equal(DIAM_ET_APN_AMBR_MODIFICATION_FAILURE, 29);
    assert_int_equal(DIAM_ET_USAGE_REPORT, 33);
}

static void test_gx_ccr_cca_round_trip(void **state)
{
    (void)state;
    struct diam_gx_ccr ccr = { .cc_request_type = DIAM_CC_INITIAL, .cc_request_number = 0,
                               .ip_can_type = 5, .supported_features = 3 }, ccr2;
    struct msg *m;
    hdr_init(&ccr.h);
    ccr.h.dest_host[0] = 0;
    strcpy(ccr.sub.imsi, "001010000000001");
    strcpy(ccr.sub.msisdn, "33612345678");
    ccr.sub.ue_ipv4 = htonl(0x0a2d0001);
    strcpy(ccr.sub.apn, "internet");
    ccr.sub.rat_type = 1004;
    ccr.sub.user_location_len = 13;
    memcpy(ccr.sub.user_location, "\x82\x00\xf1\x10\x00\x01\x00\xf1\x10\x00\x00\x01\x01", 13);
    ccr.default_qos = (struct diam_qos){ .present = true, .qci = 9, .has_arp = true,
                                         .arp = { 15, 1, 1 }, .apn_ambr_ul = 50000000,
                                         .apn_ambr_dl = 100000000 };
    ccr.n_monitors = 1;
    strcpy(ccr.monitors[0].key, "mk1");
    ccr.monitors[0].used = (struct diam_units){ .present = true, .has_input = true,
                                                .has_output = true, .input = 1234,
                                                .output = 56789 };
    ccr.n_triggers = 1;
    ccr.triggers[0] = DIAM_ET_USAGE_REPORT;
    ccr.n_reports = 2;
    strcpy(ccr.reports[0].name, "video");
    ccr.reports[0].status = 0;                          /* ACTIVE */
    strcpy(ccr.reports[1].name, "voice");
    ccr.reports[1].status = 1;                          /* INACTIVE */
    ccr.reports[1].failure_code = 10;                   /* RESOURCE_ALLOCATION_FAILURE */
    assert_int_equal(diam_gx_ccr_encode(&ccr, &m), 0);
    uint32_t app;
    assert_int_equal(diam_msg_info(m, &app, NULL, NULL), 0);
    assert_int_equal(app, DIAM_APPID_GX);
    m = wire(m);
    assert_int_equal(diam_gx_ccr_decode(m, &ccr2), 0);
    assert_int_equal(ccr2.cc_request_type, DIAM_CC_INITIAL);
    assert_memory_equal(&ccr2.sub, &ccr.sub, sizeof(ccr.sub));
    assert_memory_equal(&ccr2.default_qos, &ccr.default_qos, sizeof(ccr.default_qos));
    assert_int_equal(ccr2.ip_can_type, 5);
    assert_int_equal(ccr2.supported_features, 3);
    assert_int_equal(ccr2.n_triggers, 1);
    assert_int_equal(ccr2.triggers[0], DIAM_ET_USAGE_REPORT);
    assert_int_equal(ccr2.n_monitors, 1);
    assert_memory_equal(&ccr2.monitors[0], &ccr.monitors[0], sizeof(ccr.monitors[0]));
    assert_int_equal(ccr2.n_reports, 2);
    assert_memory_equal(ccr2.reports, ccr.reports, sizeof(ccr.reports[0]) * 2);

    struct diam_gx_cca cca, cca2;
    memset(&cca, 0, sizeof(cca));
    cca.h.result_code = DIAM_SUCCESS;
    cca.cc_request_type = DIAM_CC_INITIAL;
    fill_rules(&cca.rules);
    cca.qos = (struct diam_qos){ .present = true, .apn_ambr_ul = 1000, .apn_ambr_dl = 2000 };
    cca.default_qos = (struct diam_qos){ .present = true, .qci = 8, .has_arp = true,
                                         .arp = { 2, 0, 1 } };
    cca.n_triggers = 2;
    cca.triggers[0] = DIAM_ET_RAT_CHANGE;
    cca.triggers[1] = DIAM_ET_USAGE_REPORT;
    cca.n_monitors = 1;
    strcpy(cca.monitors[0].key, "mk1");
    cca.monitors[0].granted = (struct diam_units){ .present = true, .has_total = true,
                                                   .total = 1ull << 33 };
    cca.monitors[0].has_level = true;
    cca.monitors[0].level = 1;
    cca.has_ccfh = true;                    /* TS 29.212 5.6.3: CONTINUE */
    cca.ccfh = 1;
    assert_int_equal(diam_gx_cca_answer(&m, &cca), 0);
    m = wire(m);
    assert_int_equal(diam_gx_cca_decode(m, &cca2), 0);
    assert_int_equal(cca2.h.result_code, DIAM_SUCCESS);
    assert_memory_equal(&cca2.rules, &cca.rules, sizeof(cca.rules));
    assert_memory_equal(&cca2.qos, &cca.qos, sizeof(cca.qos));
    assert_memory_equal(&cca2.default_qos, &cca.default_qos, sizeof(cca.default_qos));
    assert_int_equal(cca2.n_triggers, 2);
    assert_int_equal(cca2.triggers[1], DIAM_ET_USAGE_REPORT);
    assert_memory_equal(&cca2.monitors[0], &cca.monitors[0], sizeof(cca.monitors[0]));
    assert_true(cca2.has_ccfh);
    assert_int_equal(cca2.ccfh, 1);
    diam_msg_free(m);
}

static void test_gx_rar_raa_round_trip(void **state)
{
    (void)state;
    struct diam_gx_rar rar, rar2;
    struct msg *m;
    memset(&rar, 0, sizeof(rar));
    hdr_init(&rar.h);
    fill_rules(&rar.rules);
    rar.session_release_cause = 1 + 1;     /* value 1 */
    rar.n_triggers = 1;
    rar.triggers[0] = DIAM_ET_QOS_CHANGE;
    /* TS 29.212 5.6.4: an RAR may carry Default-EPS-Bearer-QoS and the
     * APN-AMBR (QoS-Information) */
    rar.default_qos = (struct diam_qos){ .present = true, .qci = 6, .has_arp = true,
                                         .arp = { .priority = 3, .pre_emption_capability = 1,
                                                  .pre_emption_vulnerability = 0 } };
    rar.qos = (struct diam_qos){ .present = true, .apn_ambr_ul = 1000000,
                                 .apn_ambr_dl = 2000000 };
    assert_int_equal(diam_gx_rar_encode(&rar, &m), 0);
    m = wire(m);
    assert_int_equal(diam_gx_rar_decode(m, &rar2), 0);
    assert_memory_equal(&rar2.rules, &rar.rules, sizeof(rar.rules));
    assert_int_equal(rar2.session_release_cause, 2);
    assert_int_equal(rar2.triggers[0], DIAM_ET_QOS_CHANGE);
    assert_true(rar2.default_qos.present);
    assert_int_equal(rar2.default_qos.qci, 6);
    assert_true(rar2.default_qos.has_arp);
    assert_int_equal(rar2.default_qos.arp.priority, 3);
    assert_int_equal(rar2.default_qos.arp.pre_emption_capability, 1);
    assert_int_equal(rar2.qos.apn_ambr_ul, 1000000);
    assert_int_equal(rar2.qos.apn_ambr_dl, 2000000);
    /* 4.5.12: the rules it could not install, by name and by base name */
    struct diam_raa raa = { .h.result_code = DIAM_UNABLE_TO_COMPLY, .n_reports = 2 }, raa2;
    strcpy(raa.reports[0].name, "r2");
    raa.reports[0].status = 1;
    raa.reports[0].failure_code = 1;                    /* UNKNOWN_RULE_NAME */
    strcpy(raa.reports[1].name, "gold");
    raa.reports[1].base = true;
    raa.reports[1].status = 1;
    raa.reports[1].failure_code = 1;
    assert_int_equal(diam_raa_answer(&m, &raa), 0);
    m = wire(m);
    assert_int_equal(diam_raa_decode(m, &raa2), 0);
    assert_string_equal(raa2.h.session_id, rar.h.session_id);
    assert_int_equal(raa2.h.result_code, DIAM_UNABLE_TO_COMPLY);
    assert_int_equal(raa2.n_reports, 2);
    assert_memory_equal(raa2.reports, raa.reports, sizeof(raa.reports[0]) * 2);
    diam_msg_free(m);
}

/* Destination-Host read and replaced (RFC 4006 5.7's failover: the same
 * request named for another server), also through the wire bytes. */
static void test_dest_host_read_and_replace(void **state)
{
    (void)state;
    struct diam_gy_ccr ccr;
    struct msg *m;
    char host[DIAM_ID_MAX];
    memset(&ccr, 0, sizeof(ccr));
    hdr_init(&ccr.h);
    ccr.cc_request_type = DIAM_CC_TERMINATION;
    ccr.cc_request_number = 2;
    assert_int_equal(diam_gy_ccr_encode(&ccr, &m), 0);
    assert_int_equal(diam_msg_dest_host(m, host, sizeof(host)), 0);
    assert_string_equal(host, "hss.test");
    assert_int_equal(diam_msg_set_dest_host(m, "ocs2.test"), 0);
    m = wire(m);
    assert_int_equal(diam_msg_dest_host(m, host, sizeof(host)), 0);
    assert_string_equal(host, "ocs2.test");
    diam_msg_free(m);
    /* none: "" */
    ccr.h.dest_host[0] = 0;
    assert_int_equal(diam_gy_ccr_encode(&ccr, &m), 0);
    strcpy(host, "x");
    assert_int_equal(diam_msg_dest_host(m, host, sizeof(host)), 0);
    assert_string_equal(host, "");
    assert_int_equal(diam_msg_dest_host(m, host, 0), -EINVAL);
    diam_msg_free(m);
}

static void test_gy_ccr_cca_mscc_round_trip(void **state)
{
    (void)state;
    struct diam_gy_ccr ccr, ccr2;
    struct msg *m;
    memset(&ccr, 0, sizeof(ccr));
    hdr_init(&ccr.h);
    ccr.cc_request_type = DIAM_CC_UPDATE;
    ccr.cc_request_number = 3;
    strcpy(ccr.sub.imsi, "001010000000001");
    ccr.n_mscc = 2;
    diam_mscc_init(&ccr.mscc[0]);
    ccr.mscc[0].has_rating_group = true;
    ccr.mscc[0].rating_group = 7;
    ccr.mscc[0].requested.present = true;           /* empty RSU */
    ccr.mscc[0].used = (struct diam_units){ .present = true, .has_total = true,
                                            .has_input = true, .has_output = true,
                                            .total = 3000, .input = 1000, .output = 2000 };
    ccr.mscc[0].has_reporting_reason = true;
    ccr.mscc[0].reporting_reason = DIAM_RR_THRESHOLD;
    diam_mscc_init(&ccr.mscc[1]);
    ccr.mscc[1].has_rating_group = true;
    ccr.mscc[1].rating_group = 8;
    ccr.mscc[1].has_service_id = true;
    ccr.mscc[1].service_id = 80;
    ccr.mscc[1].requested = (struct diam_units){ .present = true, .has_total = true,
                                                 .total = 1000000 };
    assert_int_equal(diam_gy_ccr_encode(&ccr, &m), 0);
    m = wire(m);
    assert_int_equal(diam_gy_ccr_decode(m, &ccr2), 0);
    assert_int_equal(ccr2.cc_request_type, DIAM_CC_UPDATE);
    assert_int_equal(ccr2.cc_request_number, 3);
    assert_string_equal(ccr2.sub.imsi, ccr.sub.imsi);
    assert_int_equal(ccr2.n_mscc, 2);
    assert_memory_equal(&ccr2.mscc[0], &ccr.mscc[0], sizeof(ccr.mscc[0]));
    assert_memory_equal(&ccr2.mscc[1], &ccr.mscc[1], sizeof(ccr.mscc[1]));

    struct diam_gy_cca cca, cca2;
    memset(&cca, 0, sizeof(cca));
    cca.h.result_code = DIAM_SUCCESS;
    cca.cc_request_type = DIAM_CC_UPDATE;
    cca.cc_request_number = 3;
    cca.has_ccfh = true;
    cca.ccfh = 2;
    cca.n_mscc = 3;
    for (int i = 0; i < 3; i++)
        diam_mscc_init(&cca.mscc[i]);
    /* rg 7: final grant, redirect */
    cca.mscc[0].has_rating_group = true;
    cca.mscc[0].rating_group = 7;
    cca.mscc[0].granted = (struct diam_units){ .present = true, .has_total = true,
                                               .total = 500000 };
    cca.mscc[0].validity_time = 60;
    cca.mscc[0].has_volume_threshold = true;
    cca.mscc[0].volume_threshold = 100000;
    cca.mscc[0].result_code = DIAM_SUCCESS;
    cca.mscc[0].fui.action = DIAM_FUA_REDIRECT;
    cca.mscc[0].fui.redirect_addr_type = 2;
    strcpy(cca.mscc[0].fui.redirect_addr, "http://portal.test/topup");
    /* rg 8: restrict access */
    cca.mscc[1].has_rating_group = true;
    cca.mscc[1].rating_group = 8;
    cca.mscc[1].granted = (struct diam_units){ .present = true, .has_time = true, .time = 30 };
    cca.mscc[1].has_time_threshold = true;
    cca.mscc[1].time_threshold = 5;
    cca.mscc[1].fui.action = DIAM_FUA_RESTRICT_ACCESS;
    cca.mscc[1].fui.n_filter_ids = 1;
    strcpy(cca.mscc[1].fui.filter_ids[0], "walled-garden");
    cca.mscc[1].fui.n_restrict = 1;
    strcpy(cca.mscc[1].fui.restrict_rules[0], "permit out ip from any to 192.0.2.1");
    /* rg 9: credit limit reached */
    cca.mscc[2].has_rating_group = true;
    cca.mscc[2].rating_group = 9;
    cca.mscc[2].result_code = DIAM_CREDIT_LIMIT_REACHED;
    cca.mscc[2].fui.action = DIAM_FUA_TERMINATE;
    assert_int_equal(diam_gy_cca_answer(&m, &cca), 0);
    m = wire(m);
    assert_int_equal(diam_gy_cca_decode(m, &cca2), 0);
    assert_int_equal(cca2.h.result_code, DIAM_SUCCESS);
    assert_true(cca2.has_ccfh);
    assert_int_equal(cca2.ccfh, 2);
    assert_int_equal(cca2.n_mscc, 3);
    for (int i = 0; i < 3; i++)
        assert_memory_equal(&cca2.mscc[i], &cca.mscc[i], sizeof(cca.mscc[i]));
    diam_msg_free(m);
}

static void test_gy_rar_and_error_answer(void **state)
{
    (void)state;
    struct diam_gy_rar rar = { .re_auth_request_type = 0, .has_rating_group = true,
                               .rating_group = 7 }, rar2;
    struct msg *m;
    hdr_init(&rar.h);
    assert_int_equal(diam_gy_rar_encode(&rar, &m), 0);
    m = wire(m);
    assert_int_equal(diam_gy_rar_decode(m, &rar2), 0);
    assert_true(rar2.has_rating_group);
    assert_int_equal(rar2.rating_group, 7);
    /* an RAR must not decode as a CCA, nor an RAA as a Gy CCA */
    struct diam_gy_cca cca;
    assert_int_equal(diam_gy_cca_decode(m, &cca), -EPROTO);
    assert_int_equal(diam_answer_result(&m, DIAM_UNABLE_TO_DELIVER), 0);
    m = wire(m);
    struct diam_raa raa;
    assert_int_equal(diam_raa_decode(m, &raa), 0);
    assert_int_equal(raa.h.result_code, DIAM_UNABLE_TO_DELIVER);
    bool req;
    assert_int_equal(diam_msg_info(m, NULL, NULL, &req), 0);
    assert_false(req);
    diam_msg_free(m);
}

/* Decoders take a peer's message: missing mandatory AVPs and oversize
 * values are errors, not crashes or silent truncation. */
static void test_decoders_reject_bad_messages(void **state)
{
    (void)state;
    struct msg *m;
    /* a CLR without Cancellation-Type */
    struct diam_header_info h;
    hdr_init(&h);
    assert_int_equal(da_request_new(DIAM_APPID_S6A, DIAM_CMD_CLR, &h, &m), 0);
    assert_int_equal(da_add_str(m, DA_USER_NAME, "001010000000001"), 0);
    m = wire(m);
    struct diam_s6a_clr clr;
    assert_int_equal(diam_s6a_clr_decode(m, &clr), -EBADMSG);
    diam_msg_free(m);

    /* an AIA whose vector has a 15-byte RAND */
    struct diam_s6a_air air = { 0 };
    hdr_init(&air.h);
    strcpy(air.imsi, "001010000000001");
    assert_int_equal(diam_s6a_air_encode(&air, &m), 0);
    m = wire(m);
    struct diam_s6a_aia ok = { .h.result_code = DIAM_SUCCESS };
    struct msg *a;
    assert_int_equal(da_answer_new(&m, &ok.h, &a), 0);
    struct avp *ai, *v;
    uint8_t z[32] = { 0 };
    assert_int_equal(da_add_grp(a, DA_AUTH_INFO, &ai), 0);
    assert_int_equal(da_add_grp(ai, DA_EUTRAN_VECTOR, &v), 0);
    assert_int_equal(da_add_os(v, DA_RAND, z, 15), 0);
    assert_int_equal(da_add_os(v, DA_XRES, z, 8), 0);
    assert_int_equal(da_add_os(v, DA_AUTN, z, 16), 0);
    assert_int_equal(da_add_os(v, DA_KASME, z, 32), 0);
    a = wire(a);
    struct diam_s6a_aia aia;
    assert_int_equal(diam_s6a_aia_decode(a, &aia), -EBADMSG);
    diam_msg_free(a);

    /* a Gy CCA with an MSCC whose FUI has an unknown action */
    struct diam_gy_ccr ccr = { .cc_request_type = 1 };
    hdr_init(&ccr.h);
    assert_int_equal(diam_gy_ccr_encode(&ccr, &m), 0);
    m = wire(m);
    struct diam_header_info ah = { .result_code = DIAM_SUCCESS };
    assert_int_equal(da_answer_new(&m, &ah, &a), 0);
    struct avp *mscc, *fui;
    assert_int_equal(da_add_grp(a, DA_MSCC, &mscc), 0);
    assert_int_equal(da_add_grp(mscc, DA_FUI, &fui), 0);
    assert_int_equal(da_add_i32(fui, DA_FUA, 7), 0);
    a = wire(a);
    struct diam_gy_cca cca;
    assert_int_equal(diam_gy_cca_decode(a, &cca), -ERANGE);
    diam_msg_free(a);

    /* a Charging-Rule-Name longer than the struct holds */
    struct diam_gx_rar rar = { 0 };
    char longname[200];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    hdr_init(&rar.h);
    assert_int_equal(diam_gx_rar_encode(&rar, &m), 0);
    struct avp *inst;
    assert_int_equal(da_add_grp(m, DA_CR_INSTALL, &inst), 0);
    assert_int_equal(da_add_str(inst, DA_CR_NAME, longname), 0);
    m = wire(m);
    struct diam_gx_rar rar2;
    assert_int_equal(diam_gx_rar_decode(m, &rar2), -ENAMETOOLONG);
    diam_msg_free(m);

    /* bytes that are not a Diameter message */
    uint8_t junk[24] = { 1, 0, 0, 24 };
    assert_int_equal(diam_msg_from_bytes(junk, 10, &m), -EBADMSG);
    junk[3] = 99;
    assert_int_equal(diam_msg_from_bytes(junk, sizeof(junk), &m), -EBADMSG);
}

/* freeDiameter 1.2.1 keeps the CA list GnuTLS imports for TLS_CA and
 * never frees it: one allocation per process, not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:gnutls_x509_crt_list_import2\n";
}

/* The octets of the first top-level AVP id of m (or of the grouped
 * path id > sub), -1 when absent. */
static int avp_bytes(struct msg *m, enum da_id id, enum da_id sub, unsigned nth, uint8_t *v,
                     size_t cap)
{
    struct avp_hdr *h;
    size_t l;
    for (struct avp *a = da_first(m); a; a = da_next(a)) {
        if (da_which(a, &h) != id)
            continue;
        if (sub == DA__COUNT) {
            assert_int_equal(da_os(h, v, cap, &l), 0);
            return (int)l;
        }
        for (struct avp *ps = da_first(a); ps; ps = da_next(ps))
            for (struct avp *c = da_first(ps); c; c = da_next(c))
                if (da_which(c, &h) == sub && nth-- == 0) {
                    assert_int_equal(da_os(h, v, cap, &l), 0);
                    return (int)l;
                }
    }
    return -1;
}

/* The UE's IPv6 prefix: Framed-IPv6-Prefix on Gx (TS 29.212 5.6.2, RFC
 * 3162 2.3), PS-Information's PDP-Address and PDP-Address-Prefix-Length on
 * Gy (TS 32.299 7.2.137, 7.2.137a), next to the IPv4 address. */
static void test_ue_ipv6_prefix_gx_gy(void **state)
{
    (void)state;
    static const uint8_t p64[8] = {0x20, 0x01, 0x0d, 0xb8, 0x45, 0x00, 0x00, 0x01};
    struct diam_gx_ccr gx, gx2;
    struct msg *m;
    uint8_t v[32];
    memset(&gx, 0, sizeof(gx));
    hdr_init(&gx.h);
    gx.cc_request_type = DIAM_CC_INITIAL;
    strcpy(gx.sub.imsi, "001010000000001");
    gx.sub.ue_ipv4 = htonl(0x0a300002);
    memcpy(gx.sub.ue_prefix6, p64, 8);
    gx.sub.ue_prefix6_len = 64;
    assert_int_equal(diam_gx_ccr_encode(&gx, &m), 0);
    m = wire(m);
    /* reserved 0, length 64, the 8 octets of the /64 */
    assert_int_equal(avp_bytes(m, DA_FRAMED_IPV6_PREFIX, DA__COUNT, 0, v, sizeof(v)), 10);
    assert_memory_equal(v, ((uint8_t[]){0, 64, 0x20, 0x01, 0x0d, 0xb8, 0x45, 0, 0, 1}), 10);
    assert_int_equal(avp_bytes(m, DA_SERVICE_INFORMATION, DA_PDP_ADDRESS, 0, v, sizeof(v)), -1);
    assert_int_equal(diam_gx_ccr_decode(m, &gx2), 0);
    assert_memory_equal(&gx2.sub, &gx.sub, sizeof(gx.sub));
    diam_msg_free(m);
    /* an IPv4-only session has none */
    gx.sub.ue_prefix6_len = 0;
    memset(gx.sub.ue_prefix6, 0, sizeof(gx.sub.ue_prefix6));
    assert_int_equal(diam_gx_ccr_encode(&gx, &m), 0);
    m = wire(m);
    assert_int_equal(avp_bytes(m, DA_FRAMED_IPV6_PREFIX, DA__COUNT, 0, v, sizeof(v)), -1);
    diam_msg_free(m);
    /* a prefix shorter than its length says is refused */
    memcpy(gx.sub.ue_prefix6, p64, 8);
    gx.sub.ue_prefix6_len = 0;
    assert_int_equal(diam_gx_ccr_encode(&gx, &m), 0);
    assert_int_equal(da_add_os(m, DA_FRAMED_IPV6_PREFIX, (uint8_t[]){0, 64, 0x20, 1, 0xd, 0xb8},
                               6), 0);
    m = wire(m);
    assert_int_equal(diam_gx_ccr_decode(m, &gx2), -EBADMSG);
    diam_msg_free(m);

    struct diam_gy_ccr gy, gy2;
    memset(&gy, 0, sizeof(gy));
    hdr_init(&gy.h);
    gy.cc_request_type = DIAM_CC_INITIAL;
    strcpy(gy.sub.imsi, "001010000000001");
    gy.sub.ue_ipv4 = htonl(0x0a300002);
    memcpy(gy.sub.ue_prefix6, p64, 8);
    gy.sub.ue_prefix6_len = 64;
    assert_int_equal(diam_gy_ccr_encode(&gy, &m), 0);
    m = wire(m);
    /* Address: AddressType 1 IPv4, 2 IPv6 (RFC 6733 4.3.1) */
    assert_int_equal(avp_bytes(m, DA_SERVICE_INFORMATION, DA_PDP_ADDRESS, 0, v, sizeof(v)), 6);
    assert_memory_equal(v, ((uint8_t[]){0, 1, 10, 48, 0, 2}), 6);
    assert_int_equal(avp_bytes(m, DA_SERVICE_INFORMATION, DA_PDP_ADDRESS, 1, v, sizeof(v)), 18);
    assert_memory_equal(v, ((uint8_t[]){0, 2, 0x20, 0x01, 0x0d, 0xb8, 0x45, 0, 0, 1, 0, 0, 0, 0,
                                        0, 0, 0, 0}), 18);
    assert_int_equal(avp_bytes(m, DA_FRAMED_IPV6_PREFIX, DA__COUNT, 0, v, sizeof(v)), -1);
    assert_int_equal(diam_gy_ccr_decode(m, &gy2), 0);
    assert_memory_equal(&gy2.sub, &gy.sub, sizeof(gy.sub));
    diam_msg_free(m);
}

int main(void)
{
    if (diam_dict_only_init() != 0) {
        printf("Bail out! diam_dict_only_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dict_table_matches_debian_dictionaries),
        cmocka_unit_test(test_s6a_air_aia_round_trip),
        cmocka_unit_test(test_s6a_aia_experimental_result_unknown_user),
        cmocka_unit_test(test_s6a_ulr_ula_subscription_round_trip),
        cmocka_unit_test(test_s6a_pur_clr_idr_round_trip),
        cmocka_unit_test(test_gx_event_trigger_values),
        cmocka_unit_test(test_gx_ccr_cca_round_trip),
        cmocka_unit_test(test_gx_rar_raa_round_trip),
        cmocka_unit_test(test_dest_host_read_and_replace),
        cmocka_unit_test(test_gy_ccr_cca_mscc_round_trip),
        cmocka_unit_test(test_gy_rar_and_error_answer),
        cmocka_unit_test(test_ue_ipv6_prefix_gx_gy),
        cmocka_unit_test(test_decoders_reject_bad_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
