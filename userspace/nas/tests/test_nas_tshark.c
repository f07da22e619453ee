/* tshark is the independent judge of the NAS codec: every message that we
 * encode (each with its mandatory IEs only and with every optional IE) goes
 * into a pcap with user DLT 147 mapped to the nas-eps_plain dissector, and
 * the fields that tshark prints must be the ones we encoded, with no
 * malformed packet and no expert info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "lib/hex.h"
#include "nas/nas.h"
#include "nas/nas_internal.h"
#include "nas/tests/nas_samples.h"

enum field {
    F_FRAME, F_MALFORMED, F_EXPERT, F_EMM, F_ESM, F_EBI, F_PTI, F_SHT, F_IMSI, F_MTMSI, F_MMEGI,
    F_TAC, F_LAC, F_APN, F_QCI, F_PDN4, F_PDN6, F_EMM_CAUSE, F_ESM_CAUSE, F_IMEISV, F_TMSI,
    F_TEXT, F_AMBR, F_PCO, F_PORT, F_IP4, F_KSI, F_MBR_UL, F_MBR_DL, F_GBR_UL, F_EMBR_DL,
    F_AMBR_UL, F_EEA0, F_EEA2, F_EIA0, F_TOC, F_TOI, F_RAND, F_AUTN, F_TIME, F_GEN_TYPE, F_GEN_CONT,
    F_ADD_INFO, F__COUNT
};

static const char *const field_names[F__COUNT] = {
    "frame.number", "_ws.malformed", "_ws.expert.message", "nas_eps.nas_msg_emm_type",
    "nas_eps.nas_msg_esm_type", "nas_eps.bearer_id", "nas_eps.esm.proc_trans_id",
    "nas_eps.security_header_type", "e212.imsi", "nas_eps.emm.m_tmsi", "nas_eps.emm.mme_grp_id",
    "nas_eps.emm.tai_tac", "gsm_a.lac", "gsm_a.gm.sm.apn", "nas_eps.esm.qci",
    "nas_eps.esm.pdn_ipv4", "nas_eps.esm.pdn_ipv6_if_id", "nas_eps.emm.cause",
    "nas_eps.esm.cause", "gsm_a.imeisv", "3gpp.tmsi", "gsm_a.dtap.text_string",
    "nas_eps.esm.apn_ambr_dl_total", "gsm_a.gm.sm.pco_pid", "gsm_a.gm.sm.tft.port",
    "gsm_a.gm.sm.ip4_address", "nas_eps.emm.nas_key_set_id", "nas_eps.esm.mbr_ul",
    "nas_eps.esm.mbr_dl", "nas_eps.esm.gbr_ul", "nas_eps.esm.embr_dl",
    "nas_eps.esm.apn_ambr_ul_total", "nas_eps.emm.eea0", "nas_eps.emm.128eea2",
    "nas_eps.emm.eia0", "nas_eps.emm.toc", "nas_eps.emm.toi", "gsm_a.dtap.rand",
    "gsm_a.dtap.autn", "gsm_a.dtap.time_zone_time", "nas_eps.emm.gen_msg_cont_type",
    "nas_eps.emm.gen_msg_cont", "nas_eps.cmn.add_info",
};

#define MAX_MSGS 160
#define MAX_EXPECT 48

struct expect {
    enum field f;
    char value[72];
};

struct sample {
    char name[80];
    uint8_t pdu[2048];
    int len;
    unsigned n;
    struct expect e[MAX_EXPECT];
};

static void want(struct sample *s, enum field f, const char *fmt, ...)
{
    va_list ap;

    if (s->n == MAX_EXPECT)
        return;
    s->e[s->n].f = f;
    va_start(ap, fmt);
    vsnprintf(s->e[s->n].value, sizeof(s->e[s->n].value), fmt, ap);
    va_end(ap);
    s->n++;
}

/* What tshark must show for one IE. */
static void expect_ie(struct sample *s, const struct nas_ie_desc *d, const uint8_t *field)
{
    char a[INET6_ADDRSTRLEN];

    switch (d->codec) {
    case NAS_C_EPS_ID:
    case NAS_C_MOBILE_ID: {
        const struct nas_mobile_id *id = (const void *)field;

        if (d->codec == NAS_C_EPS_ID && id->type == NAS_EPS_ID_GUTI) {
            want(s, F_MTMSI, "%u", id->guti.m_tmsi);
            want(s, F_MMEGI, "%u", id->guti.mmegi);
        } else if (id->type == NAS_ID_IMSI) {  /* same code in both IEs */
            want(s, F_IMSI, "%s", id->digits);
        } else if (d->codec == NAS_C_MOBILE_ID && id->type == NAS_ID_IMEISV) {
            want(s, F_IMEISV, "%s", id->digits);
        } else if (d->codec == NAS_C_MOBILE_ID && id->type == NAS_ID_TMSI) {
            want(s, F_TMSI, "%u", id->tmsi);
        }
        break;
    }
    case NAS_C_CONT:
    case NAS_C_OCT: {
        /* TS 24.301 9.9.3.43, 9.9.2.0: the octets, as tshark prints bytes */
        uint16_t n;
        char hex[2 * 64 + 1];

        memcpy(&n, field, 2);
        if (n > 64 || (strcmp(d->name, "generic_msg_container") && strcmp(d->name, "additional_info")))
            break;
        hex_encode(field + 2, n, hex);
        want(s, !strcmp(d->name, "additional_info") ? F_ADD_INFO : F_GEN_CONT, "%s", hex);
        break;
    }
    case NAS_C_TAI:
        want(s, F_TAC, "%u", ((const struct nas_tai *)(const void *)field)->tac);
        break;
    case NAS_C_LAI:
        want(s, F_LAC, "0x%04x", ((const struct nas_lai *)(const void *)field)->lac);
        break;
    case NAS_C_TAI_LIST: {
        const struct nas_tai_list *l = (const void *)field;

        for (unsigned k = 0; k < l->n; k++)
            for (unsigned i = 0; i < l->list[k].n; i++)
                want(s, F_TAC, "%u", l->list[k].type == NAS_TAI_LIST_CONSECUTIVE
                                         ? l->list[k].tai[0].tac + i : l->list[k].tai[i].tac);
        break;
    }
    case NAS_C_APN:
        want(s, F_APN, "%s", ((const struct nas_apn *)(const void *)field)->name);
        break;
    case NAS_C_QOS: {
        const struct nas_eps_qos *q = (const void *)field;

        want(s, F_QCI, "%u", q->qci);
        if (q->len >= 5) {
            want(s, F_MBR_UL, "%u", q->mbr_ul);
            want(s, F_MBR_DL, "%u", q->mbr_dl);
            want(s, F_GBR_UL, "%u", q->gbr_ul);
        }
        if (q->len >= 9 && q->mbr_dl_ext)
            want(s, F_EMBR_DL, "%u", q->mbr_dl_ext);
        if (q->len >= 13 && q->mbr_dl_ext2)
            want(s, F_EMBR_DL, "%u", q->mbr_dl_ext2);
        break;
    }
    case NAS_C_UENC: {
        const struct nas_ue_net_cap *c = (const void *)field;

        want(s, F_EEA0, "%u", c->eea >> 7 & 1);
        want(s, F_EEA2, "%u", c->eea >> 5 & 1);
        want(s, F_EIA0, "%u", c->eia >> 7 & 1);
        break;
    }
    case NAS_C_ALGS:
        want(s, F_TOC, "%u", ((const struct nas_sec_algs *)(const void *)field)->eea);
        want(s, F_TOI, "%u", ((const struct nas_sec_algs *)(const void *)field)->eia);
        break;
    case NAS_C_BYTES:
        if (!strcmp(d->name, "rand") || !strcmp(d->name, "autn")) {
            char h[33];

            hex_encode(field, 16, h);
            want(s, d->name[0] == 'r' ? F_RAND : F_AUTN, "%s", h);
        }
        break;
    case NAS_C_TZTIME: {
        static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                             "Aug", "Sep", "Oct", "Nov", "Dec" };
        const struct nas_tz_time *t = (const void *)field;

        if (t->month >= 1 && t->month <= 12)
            want(s, F_TIME, "%s %2u, 20%02u %02u:%02u:%02u.000000000 UTC", mon[t->month - 1],
                 t->day, t->year, t->hour, t->minute, t->second);
        break;
    }
    case NAS_C_PDN_ADDR: {
        const struct nas_pdn_addr *p = (const void *)field;
        char iid[17];

        if (p->type != NAS_PDN_IPV6)
            want(s, F_PDN4, "%s", inet_ntop(AF_INET, p->ipv4, a, sizeof(a)));
        if (p->type != NAS_PDN_IPV4) {
            hex_encode(p->ipv6_iid, 8, iid);
            want(s, F_PDN6, "%s", iid);
        }
        break;
    }
    case NAS_C_U8:
        if (!strcmp(d->name, "emm_cause"))
            want(s, F_EMM_CAUSE, "%u", *field);
        else if (!strcmp(d->name, "esm_cause"))
            want(s, F_ESM_CAUSE, "%u", *field);
        else if (!strcmp(d->name, "generic_msg_container_type"))  /* TS 24.301 9.9.3.42 */
            want(s, F_GEN_TYPE, "%u", *field);
        break;
    case NAS_C_KSI:
        if (!strcmp(d->name, "nas_ksi"))
            want(s, F_KSI, "%u", ((const struct nas_ksi *)(const void *)field)->ksi);
        break;
    case NAS_C_NETNAME: {
        char t[NAS_NETWORK_NAME_MAX * 2];

        nas_network_name_to_ascii((const void *)field, t, sizeof(t));
        want(s, F_TEXT, "%s", t);
        break;
    }
    case NAS_C_AMBR:
        want(s, F_AMBR, "%llu",
             (unsigned long long)nas_apn_ambr_kbps((const void *)field, false));
        want(s, F_AMBR_UL, "%llu",
             (unsigned long long)nas_apn_ambr_kbps((const void *)field, true));
        break;
    case NAS_C_PCO: {
        const struct nas_pco *p = (const void *)field;

        for (unsigned i = 0; i < p->n; i++)
            want(s, F_PCO, "0x%04x", p->item[i].id);
        break;
    }
    case NAS_C_TFT: {
        const struct nas_tft *t = (const void *)field;

        for (unsigned i = 0; i < t->n; i++)
            for (unsigned k = 0; k < t->pf[i].n; k++) {
                const struct nas_pf_component *c = &t->pf[i].c[k];

                if (c->type == NAS_PF_IPV4_REMOTE || c->type == NAS_PF_IPV4_LOCAL)
                    want(s, F_IP4, "%s", inet_ntop(AF_INET, c->u.ipv4.addr, a, sizeof(a)));
                if (c->type == NAS_PF_LOCAL_PORT || c->type == NAS_PF_REMOTE_PORT)
                    want(s, F_PORT, "%u", c->u.port);
            }
        break;
    }
    default:
        break;
    }
}

static void add_sample(struct sample *s, const char *name, const struct nas_message *m)
{
    const struct nas_msg_spec *spec = &nas_msg_specs[m->id];
    const uint8_t *body = (const uint8_t *)m + offsetof(struct nas_message, attach_request);

    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->len = nas_encode_plain(m, s->pdu, sizeof(s->pdu));
    assert_true(s->len > 0);
    if (m->id == NAS_MSG_SERVICE_REQUEST) {
        want(s, F_SHT, "%u", NAS_SHT_SERVICE_REQUEST);
    } else if (spec->pd == NAS_PD_EMM) {
        want(s, F_EMM, "0x%02x", spec->type);
    } else {
        want(s, F_ESM, "0x%02x", spec->type);
        want(s, F_EBI, "%u", m->ebi);
        want(s, F_PTI, "%u", m->pti);
    }
    for (unsigned i = 0; i < spec->n_ies; i++) {
        const struct nas_ie_desc *d = &spec->ies[i];

        if (d->has_off == NAS_NO_FLAG || body[d->has_off])
            expect_ie(s, d, body + d->off);
    }
}

static int write_pcap(const char *path, const struct sample *s, unsigned n)
{
    FILE *f = fopen(path, "wb");
    /* pcap file header, LINKTYPE_USER0 = 147 */
    const uint32_t hdr[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 147 };

    if (!f)
        return -1;
    fwrite(hdr, sizeof(hdr), 1, f);
    for (unsigned i = 0; i < n; i++) {
        const uint32_t rec[4] = { i, 0, (uint32_t)s[i].len, (uint32_t)s[i].len };

        fwrite(rec, sizeof(rec), 1, f);
        fwrite(s[i].pdu, (size_t)s[i].len, 1, f);
    }
    return fclose(f);
}

static bool list_has(const char *list, const char *value)
{
    size_t n = strlen(value);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, '|');
        size_t l = end ? (size_t)(end - p) : strlen(p);

        if (l == n && !strncmp(p, value, n))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Splits one tab-separated tshark line in place. */
static void split(char *line, char **cols)
{
    for (int i = 0; i < F__COUNT; i++) {
        char *tab = strchr(line, '\t');

        cols[i] = line;
        if (tab) {
            *tab = '\0';
            line = tab + 1;
        } else {
            line += strlen(line);
        }
    }
}

static int tshark_check(struct sample *s, unsigned n)
{
    char dir[] = "/tmp/xepc-nas-tshark-XXXXXX", pcap[64], cmd[2048], line[8192];
    unsigned frames = 0;
    int failures = 0;
    FILE *p;

    assert_non_null(mkdtemp(dir));
    snprintf(pcap, sizeof(pcap), "%s/nas.pcap", dir);
    assert_int_equal(write_pcap(pcap, s, n), 0);
    snprintf(cmd, sizeof(cmd),
             "tshark -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"nas-eps_plain\",\"0\",\"\",\"0\",\"\"'"
             " -r %s -T fields -E separator=/t -E occurrence=a -E 'aggregator=|' ", pcap);
    for (int i = 0; i < F__COUNT; i++) {
        strcat(cmd, " -e ");
        strcat(cmd, field_names[i]);
    }
    strcat(cmd, " 2>/dev/null");
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p)) {
        char *cols[F__COUNT];
        struct sample *x;

        line[strcspn(line, "\n")] = '\0';
        split(line, cols);
        if (frames >= n)
            break;
        x = &s[frames++];
        if (*cols[F_MALFORMED] || *cols[F_EXPERT]) {
            print_error("%s: tshark: malformed/expert: %s %s\n", x->name, cols[F_MALFORMED],
                        cols[F_EXPERT]);
            failures++;
        }
        for (unsigned k = 0; k < x->n; k++) {
            if (list_has(cols[x->e[k].f], x->e[k].value))
                continue;
            print_error("%s: tshark %s = \"%s\", expected \"%s\"\n", x->name,
                        field_names[x->e[k].f], cols[x->e[k].f], x->e[k].value);
            failures++;
        }
    }
    pclose(p);
    unlink(pcap);
    rmdir(dir);
    if (frames != n) {
        print_error("tshark printed %u frames of %u\n", frames, n);
        failures++;
    }
    return failures;
}

static void test_tshark_agrees(void **state)
{
    struct sample *s = calloc(MAX_MSGS, sizeof(*s));
    struct nas_message *m = calloc(1, sizeof(*m));
    unsigned n = 0;
    char name[96];

    (void)state;
    if (system("command -v tshark >/dev/null 2>&1")) {
        free(s);
        free(m);
        skip();  /* `make deps` installs tshark */
    }
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        for (int full = 0; full <= 1; full++) {
            nas_sample_fill(m, (enum nas_msg_id)id, full);
            snprintf(name, sizeof(name), "%s%s", nas_msg_name((enum nas_msg_id)id),
                     full ? "" : " (mandatory IEs only)");
            add_sample(&s[n++], name, m);
        }
    }
    /* the benchmark's attach request */
    nas_sample_attach_request(m);
    add_sample(&s[n++], "attach request (bench)", m);
    /* PDN addresses of each type, detach with switch off */
    for (uint8_t t = NAS_PDN_IPV4; t <= NAS_PDN_IPV4V6; t++) {
        nas_sample_fill(m, NAS_MSG_ACT_DEFAULT_REQUEST, false);
        m->act_default_request.pdn_addr.type = t;
        snprintf(name, sizeof(name), "activate default bearer, PDN type %u", t);
        add_sample(&s[n++], name, m);
    }
    nas_sample_fill(m, NAS_MSG_DETACH_REQUEST_UE, true);
    m->detach_request_ue.detach_type.switch_off = true;
    add_sample(&s[n++], "detach request (switch off)", m);
    assert_int_equal(tshark_check(s, n), 0);
    free(m);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tshark_agrees),
    };

    return cmocka_run_group_tests_name("nas_tshark", tests, NULL, NULL);
}
