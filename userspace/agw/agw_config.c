/* xepc-agwd configuration: strict YAML (libyaml) into struct agw_config.
 *
 * The file is loaded as a YAML document (node graph with positions), then
 * walked by one function per section.  Each mapping is checked against the
 * list of keys it may hold (unknown and duplicate keys are errors) before
 * its values are read; each value reader reports its own error at the
 * value's position and leaves the default in place, so that one pass
 * reports every error of the file. */
#include "agw/agw_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/ycfg.h"

/* ------------------------------------------------------------ PLMN ---- */

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int agw_plmn_parse(const char *mcc, const char *mnc, struct agw_plmn *p)
{
    if (!mcc || !mnc || !all_digits(mcc, 3) || !(all_digits(mnc, 2) || all_digits(mnc, 3)))
        return -EINVAL;
    memcpy(p->mcc, mcc, 4);
    memset(p->mnc, 0, sizeof(p->mnc));
    memcpy(p->mnc, mnc, strlen(mnc));
    return 0;
}

void agw_plmn_encode(const struct agw_plmn *p, uint8_t out[3])
{
    /* TS 24.008 10.5.1.3 (figure 10.5.3): octet 1 MCC digit 2 | digit 1,
     * octet 2 MNC digit 3 | MCC digit 3 (MNC digit 3 = 1111 when the MNC
     * has two digits), octet 3 MNC digit 2 | MNC digit 1. */
    uint8_t mnc3 = p->mnc[2] ? (uint8_t)(p->mnc[2] - '0') : 0xf;
    out[0] = (uint8_t)((p->mcc[1] - '0') << 4 | (p->mcc[0] - '0'));
    out[1] = (uint8_t)(mnc3 << 4 | (p->mcc[2] - '0'));
    out[2] = (uint8_t)((p->mnc[1] - '0') << 4 | (p->mnc[0] - '0'));
}

int agw_plmn_decode(const uint8_t in[3], struct agw_plmn *p)
{
    uint8_t d[6] = {in[0] & 0xf, in[0] >> 4, in[1] & 0xf, in[2] & 0xf, in[2] >> 4, in[1] >> 4};
    for (int i = 0; i < 5; i++)
        if (d[i] > 9)
            return -EINVAL;
    if (d[5] > 9 && d[5] != 0xf)
        return -EINVAL;
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 3; i++)
        p->mcc[i] = (char)('0' + d[i]);
    p->mnc[0] = (char)('0' + d[3]);
    p->mnc[1] = (char)('0' + d[4]);
    if (d[5] != 0xf)
        p->mnc[2] = (char)('0' + d[5]);
    return 0;
}

bool agw_plmn_equal(const struct agw_plmn *a, const struct agw_plmn *b)
{
    return !strcmp(a->mcc, b->mcc) && !strcmp(a->mnc, b->mnc);
}

/* --------------------------------------------------------- strings ---- */

static const char *const log_levels[] = {"error", "warn", "info", "debug"};
static const char *const s1ap_backends[] = {"kernel", "usrsctp-raw", "usrsctp-udp"};
static const char *const dp_modes[] = {"nat", "routed"};
static const char *const xdp_modes[] = {"native", "generic"};
static const char *const pdn_types[] = {"ipv4", "ipv6", "ipv4v6"};

const char *agw_log_level_str(enum agw_log_level l)
{
    return (unsigned)l < 4 ? log_levels[l] : "?";
}

const char *agw_s1ap_backend_str(enum agw_s1ap_backend b)
{
    return (unsigned)b < 3 ? s1ap_backends[b] : "?";
}

/* -------------------------------------------------------- defaults ---- */

#define KBPS UINT64_C(1000)
#define MBPS (KBPS * 1000)
#define GBPS (MBPS * 1000)
#define TBPS (GBPS * 1000)

void agw_apn_defaults(struct agw_apn *a)
{
    memset(a, 0, sizeof(*a));
    a->pdn_type = AGW_PDN_IPV4;
    a->mtu = 1400;
    a->ambr.ul_bps = 100 * MBPS;
    a->ambr.dl_bps = 200 * MBPS;
    a->qci = 9;
    a->arp.priority = 15;
    a->arp.capability = false;
    a->arp.vulnerability = true;
}

void agw_config_defaults(struct agw_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->logger.level = AGW_LOG_INFO;
    cfg->logger.mask_imsi = true;

    snprintf(cfg->mme.name, sizeof(cfg->mme.name), "xepc-mme");
    cfg->mme.relative_capacity = 255;
    agw_plmn_parse("001", "01", &cfg->mme.gummei.plmn);
    cfg->mme.gummei.mme_gid = 1;
    cfg->mme.gummei.mme_code = 1;
    cfg->mme.s1ap.backend = AGW_S1AP_USRSCTP_RAW;
    cfg->mme.s1ap.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->mme.s1ap.port = 36412;
    cfg->mme.s1ap.udp_port = 9899;
    cfg->mme.s1ap.streams = 8;
    cfg->mme.s1ap.heartbeat_ms = 5000;
    static const uint8_t eia[] = {2, 1, 3}, eea[] = {2, 1, 3, 0};
    memcpy(cfg->mme.security.integrity, eia, sizeof(eia));
    cfg->mme.security.n_integrity = sizeof(eia);
    memcpy(cfg->mme.security.ciphering, eea, sizeof(eea));
    cfg->mme.security.n_ciphering = sizeof(eea);
    snprintf(cfg->mme.network_name.full, sizeof(cfg->mme.network_name.full), "xepc");
    snprintf(cfg->mme.network_name.short_, sizeof(cfg->mme.network_name.short_), "xepc");
    cfg->mme.time_zone = AGW_TZ_AUTO;
    cfg->mme.t3412_ms = 54 * 60 * 1000;
    cfg->mme.t3402_ms = 12 * 60 * 1000;
    cfg->mme.t3450_ms = 6000;
    cfg->mme.t3460_ms = 6000;
    cfg->mme.t3470_ms = 6000;
    cfg->mme.t3413_ms = 2000;
    cfg->mme.paging_retries = 2;
    cfg->mme.mobile_reachable_ms = 0;
    cfg->mme.implicit_detach_ms = 4 * 60 * 1000;
    cfg->mme.ts1relocprep_ms = 10000;
    cfg->gtpu.echo_interval_ms = 60000;
    cfg->gtpu.echo_misses = 3;
    cfg->mme.ts1relocoverall_ms = 10000;
    cfg->mme.t3485_ms = 8000;
    cfg->mme.t3486_ms = 8000;
    cfg->mme.t3495_ms = 8000;
    cfg->mme.ue_ambr.ul_bps = 1 * GBPS;
    cfg->mme.ue_ambr.dl_bps = 2 * GBPS;

    cfg->datapath.mode = AGW_DP_NAT;
    snprintf(cfg->datapath.ue_dev, sizeof(cfg->datapath.ue_dev), "xepc0");
    snprintf(cfg->datapath.pin_dir, sizeof(cfg->datapath.pin_dir), "/sys/fs/bpf/xepc");
    snprintf(cfg->datapath.bpf_dir, sizeof(cfg->datapath.bpf_dir), "/usr/local/lib/xepc/bpf");
    cfg->datapath.max_sessions = 100000;
    cfg->datapath.xdp_mode = AGW_XDP_NATIVE;

    snprintf(cfg->database.path, sizeof(cfg->database.path), "/var/lib/xepc/agw.db");
    snprintf(cfg->control.socket, sizeof(cfg->control.socket), "/run/xepc/agwd.sock");

    cfg->metrics.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->metrics.port = 9101;
    cfg->diameter.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->diameter.port = 3868;
    cfg->diameter.gx.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->diameter.gx.port = 3868;
    cfg->diameter.reconnect_ms = 5000;
    cfg->diameter.gx.tx_timeout_ms = 2000;
    cfg->diameter.gx.alt.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->diameter.s6a.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->diameter.s6a.port = 3868;
    cfg->diameter.s6a.tx_timeout_ms = 2000;
    cfg->diameter.gy.address.s_addr = htonl(INADDR_LOOPBACK);
    cfg->diameter.gy.port = 3868;
    cfg->diameter.gy.tx_timeout_ms = 2000;
    cfg->diameter.gy.rating_group = 1;
    cfg->diameter.gy.alt.address.s_addr = htonl(INADDR_LOOPBACK);

    snprintf(cfg->orchestrator.dir, sizeof(cfg->orchestrator.dir), "/var/lib/xepc/orc");
    cfg->orchestrator.checkin_interval_ms = 60000;
    cfg->orchestrator.sync_interval_ms = 30000;
    cfg->orchestrator.connect_timeout_ms = 5000;
    cfg->orchestrator.timeout_ms = 30000;
    cfg->orchestrator.backoff_max_ms = 300000;
}

void agw_config_free(struct agw_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->apns);
    cfg->apns = NULL;
    cfg->n_apns = 0;
}

/* ------------------------------------- readers (lib/ycfg.h: the generic ones) ---- */

static const struct ycfg_unit rate_units[] = {
    {"bps", 1}, {"kbps", KBPS}, {"Mbps", MBPS}, {"Gbps", GBPS}, {"Tbps", TBPS}};

static void rd_duration(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t min_ms,
                        uint64_t max_ms, const char *range, uint32_t *out)
{
    uint64_t v;
    if (ycfg_rd_duration_ms(c, n, path, min_ms, max_ms, range, &v))
        *out = (uint32_t)v;
}

/* S1AP Extended-BitRate (TS 36.413 9.2.1.19a) reaches 4 Tbit/s. */
#define RATE_MIN KBPS
#define RATE_MAX (4 * TBPS)

static void rd_rate(struct ycfg *c, yaml_node_t *n, const char *path, uint64_t *out)
{
    if (n)
        ycfg_rd_unit(c, n, path, rate_units, 5, "a bit rate (integer with bps, kbps, Mbps, Gbps or Tbps)",
                "1kbps..4Tbps", RATE_MIN, RATE_MAX, out);
}


static bool rd_cidr(struct ycfg *c, yaml_node_t *n, const char *path, struct in_addr *addr,
                    uint8_t *prefix)
{
    if (!n || !ycfg_want_scalar(c, n, path, "an IPv4 CIDR (a.b.c.d/len)"))
        return false;
    const char *s = ycfg_sval(n), *slash = strchr(s, '/');
    char ip[INET_ADDRSTRLEN];
    struct in_addr a;
    if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1] ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1) || strlen(slash + 1) > 2) {
        ycfg_err(c, n, path, "'%s' is not an IPv4 CIDR (a.b.c.d/len)", s);
        return false;
    }
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    if (inet_pton(AF_INET, ip, &a) != 1) {
        ycfg_err(c, n, path, "'%s' is not an IPv4 CIDR: bad address", s);
        return false;
    }
    unsigned len = (unsigned)atoi(slash + 1);
    if (len < 8 || len > 30) {
        ycfg_err(c, n, path, "prefix length %u is out of range 8..30", len);
        return false;
    }
    uint32_t mask = len ? ~UINT32_C(0) << (32 - len) : 0;
    if (ntohl(a.s_addr) & ~mask) {
        ycfg_err(c, n, path, "'%s' has host bits set (the network is %s/%u)", s,
            inet_ntop(AF_INET, &(struct in_addr){htonl(ntohl(a.s_addr) & mask)}, ip, sizeof(ip)),
            len);
        return false;
    }
    *addr = a;
    *prefix = (uint8_t)len;
    return true;
}

static void rd_ifname(struct ycfg *c, yaml_node_t *n, const char *path, char dst[IF_NAMESIZE])
{
    char tmp[IF_NAMESIZE];
    if (!n || !ycfg_rd_str(c, n, path, tmp, sizeof(tmp), 1))
        return;
    /* The kernel's dev_valid_name(): no '/', ':' or white space, not . or .. */
    if (strpbrk(tmp, "/: \t\n") || !strcmp(tmp, ".") || !strcmp(tmp, "..")) {
        ycfg_err(c, n, path, "'%s' is not a valid interface name", tmp);
        return;
    }
    memcpy(dst, tmp, sizeof(tmp));
}

static void rd_abspath(struct ycfg *c, yaml_node_t *n, const char *path, char *dst, size_t cap)
{
    char tmp[AGW_PATH_MAX];
    if (!n || !ycfg_rd_str(c, n, path, tmp, cap < sizeof(tmp) ? cap : sizeof(tmp), 1))
        return;
    if (tmp[0] != '/') {
        ycfg_err(c, n, path, "'%s' is not an absolute path", tmp);
        return;
    }
    memcpy(dst, tmp, strlen(tmp) + 1);
}

static void rd_plmn(struct ycfg *c, yaml_node_t *n, const char *path, struct agw_plmn *out)
{
    static const char *const keys[] = {"mcc", "mnc"};
    struct ycfg_map m;
    char kp[YCFG_PATH_LEN];
    if (!n || !ycfg_map_open(c, n, path, keys, 2, &m))
        return;
    yaml_node_t *mcc = ycfg_map_need(c, &m, "mcc"), *mnc = ycfg_map_need(c, &m, "mnc");
    bool ok = true;
    /* Quoted strings: an unquoted 001 is the YAML integer 1 to every other
     * tool that reads this file. */
    if (mcc && ycfg_want_scalar(c, mcc, ycfg_pj(kp, sizeof(kp), path, "mcc"), "a string of 3 digits")) {
        if (ycfg_is_plain(mcc)) {
            ycfg_err(c, mcc, kp, "write the MCC quoted (\"%s\"): unquoted digits are a YAML integer",
                ycfg_sval(mcc));
            ok = false;
        } else if (!all_digits(ycfg_sval(mcc), 3)) {
            ycfg_err(c, mcc, kp, "'%s' is not 3 decimal digits", ycfg_sval(mcc));
            ok = false;
        }
    } else {
        ok = false;
    }
    if (mnc && ycfg_want_scalar(c, mnc, ycfg_pj(kp, sizeof(kp), path, "mnc"), "a string of 2 or 3 digits")) {
        if (ycfg_is_plain(mnc)) {
            ycfg_err(c, mnc, kp, "write the MNC quoted (\"%s\"): unquoted digits are a YAML integer",
                ycfg_sval(mnc));
            ok = false;
        } else if (!all_digits(ycfg_sval(mnc), 2) && !all_digits(ycfg_sval(mnc), 3)) {
            ycfg_err(c, mnc, kp, "'%s' is not 2 or 3 decimal digits", ycfg_sval(mnc));
            ok = false;
        }
    } else {
        ok = false;
    }
    if (ok)
        agw_plmn_parse(ycfg_sval(mcc), ycfg_sval(mnc), out);
}

static void rd_ambr(struct ycfg *c, yaml_node_t *n, const char *path, struct agw_ambr *out)
{
    static const char *const keys[] = {"ul", "dl"};
    struct ycfg_map m;
    char kp[YCFG_PATH_LEN];
    if (!n || !ycfg_map_open(c, n, path, keys, 2, &m))
        return;
    rd_rate(c, m.val[0], ycfg_pj(kp, sizeof(kp), path, "ul"), &out->ul_bps);
    rd_rate(c, m.val[1], ycfg_pj(kp, sizeof(kp), path, "dl"), &out->dl_bps);
}


/* ---------------------------------------------------------- logger ---- */

static void rd_logger(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"level", "mask_imsi", "file"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "logger", keys, 3, &m))
        return;
    YCFG_RD_ENUM(c, m.val[0], "logger.level", log_levels, cfg->logger.level);
    ycfg_rd_bool(c, m.val[1], "logger.mask_imsi", &cfg->logger.mask_imsi);
    ycfg_rd_str(c, m.val[2], "logger.file", cfg->logger.file, sizeof(cfg->logger.file), 0);
}

/* ------------------------------------------------------------- mme ---- */

/* TS 36.413 9.2.3.x MMEname: PrintableString (X.680 41.4). */
static bool printable_string(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr(" '()+,-./:=?", *s)))
            return false;
    return true;
}

static void rd_tai_list(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"plmn", "tac"};
    const char *path = "mme.tai";
    char ip[YCFG_PATH_LEN], kp[YCFG_PATH_LEN], tp[YCFG_PATH_LEN];
    if (!ycfg_want_seq(c, n, path))
        return;
    if (ycfg_seq_len(n) == 0) {
        ycfg_err(c, n, path, "at least one TAI is required");
        return;
    }
    if (ycfg_seq_len(n) > AGW_MAX_TAIS) {
        ycfg_err(c, n, path, "%zu entries, at most %d allowed (TS 24.301 9.9.3.33)", ycfg_seq_len(n),
            AGW_MAX_TAIS);
        return;
    }
    size_t i = 0;
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        struct agw_tai *t = &cfg->mme.tai[i];
        struct ycfg_map m;
        ycfg_pidx(ip, sizeof(ip), path, i++);
        if (!ycfg_map_open(c, item, ip, keys, 2, &m))
            continue;
        yaml_node_t *plmn = ycfg_map_need(c, &m, "plmn"), *tac = ycfg_map_need(c, &m, "tac");
        rd_plmn(c, plmn, ycfg_pj(kp, sizeof(kp), ip, "plmn"), &t->plmn);
        if (!tac || !ycfg_want_seq(c, tac, ycfg_pj(kp, sizeof(kp), ip, "tac")))
            continue;
        if (ycfg_seq_len(tac) == 0) {
            ycfg_err(c, tac, kp, "at least one TAC is required");
            continue;
        }
        if (ycfg_seq_len(tac) > AGW_MAX_TACS) {
            ycfg_err(c, tac, kp, "%zu entries, at most %d allowed", ycfg_seq_len(tac), AGW_MAX_TACS);
            continue;
        }
        size_t j = 0;
        YCFG_SEQ_FOREACH(c, tac, it2, titem)
        {
            uint64_t v;
            ycfg_pidx(tp, sizeof(tp), kp, j++);
            if (!ycfg_rd_uint(c, titem, tp, 0, 65535, &v))
                continue;
            bool dup = false;
            for (size_t k = 0; k < t->n_tacs; k++)
                dup |= t->tacs[k] == v;
            if (dup)
                ycfg_err(c, titem, tp, "TAC %llu appears twice", (unsigned long long)v);
            else
                t->tacs[t->n_tacs++] = (uint16_t)v;
        }
    }
    cfg->mme.n_tai = i;
    /* The same TAC under the same PLMN in two entries is a typo. */
    for (size_t a = 0; a < cfg->mme.n_tai; a++)
        for (size_t b = a + 1; b < cfg->mme.n_tai; b++) {
            if (!cfg->mme.tai[a].plmn.mcc[0] ||
                !agw_plmn_equal(&cfg->mme.tai[a].plmn, &cfg->mme.tai[b].plmn))
                continue;
            for (size_t x = 0; x < cfg->mme.tai[b].n_tacs; x++)
                for (size_t y = 0; y < cfg->mme.tai[a].n_tacs; y++)
                    if (cfg->mme.tai[b].tacs[x] == cfg->mme.tai[a].tacs[y])
                        ycfg_err(c, ycfg_node(c, n->data.sequence.items.start[b]),
                            ycfg_pidx(ip, sizeof(ip), path, b), "TAC %u of PLMN %s%s is already in %s[%zu]",
                            cfg->mme.tai[b].tacs[x], cfg->mme.tai[b].plmn.mcc,
                            cfg->mme.tai[b].plmn.mnc, path, a);
        }
}

/* "EIA2" style names into algorithm numbers, no repeats. */
static void rd_algs(struct ycfg *c, yaml_node_t *n, const char *path, const char *prefix,
                    uint8_t *out, size_t *count)
{
    char ip[YCFG_PATH_LEN];
    if (!n || !ycfg_want_seq(c, n, path))
        return;
    if (ycfg_seq_len(n) == 0) {
        ycfg_err(c, n, path, "at least one algorithm is required");
        return;
    }
    if (ycfg_seq_len(n) > AGW_MAX_ALGS) {
        ycfg_err(c, n, path, "%zu entries, at most %d allowed", ycfg_seq_len(n), AGW_MAX_ALGS);
        return;
    }
    uint8_t tmp[AGW_MAX_ALGS];
    size_t k = 0, i = 0;
    bool ok = true;
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        ycfg_pidx(ip, sizeof(ip), path, i++);
        if (!ycfg_want_scalar(c, item, ip, "an algorithm name")) {
            ok = false;
            continue;
        }
        const char *s = ycfg_sval(item);
        if (strncmp(s, prefix, 3) || strlen(s) != 4 || s[3] < '0' || s[3] > '3') {
            ycfg_err(c, item, ip, "'%s' is not one of %s0 | %s1 | %s2 | %s3", s, prefix, prefix,
                prefix, prefix);
            ok = false;
            continue;
        }
        uint8_t a = (uint8_t)(s[3] - '0');
        if (!strcmp(prefix, "EIA") && a == 0) {
            /* TS 33.401 5.1.4.1: EIA0 only for unauthenticated emergency
             * calls, which are chosen by the MME, never by preference. */
            ycfg_err(c, item, ip, "EIA0 is not allowed (emergency bearers only, TS 33.401 5.1.4.1)");
            ok = false;
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= tmp[j] == a;
        if (dup) {
            ycfg_err(c, item, ip, "%s appears twice", s);
            ok = false;
            continue;
        }
        tmp[k++] = a;
    }
    if (ok) {
        memcpy(out, tmp, k);
        *count = k;
    }
}

/* TS 24.008 10.5.7.3 GPRS timer (T3412 and T3402 in ATTACH ACCEPT): a 5-bit
 * value in units of 2 s, 1 min or 6 min (decihours); 0 deactivates. */
static bool gprs_timer_representable(uint32_t ms)
{
    if (ms % 2000)
        return false;
    uint32_t s = ms / 1000;
    return s <= 62 || (s % 60 == 0 && s <= 31 * 60) || (s % 360 == 0 && s <= 31 * 360);
}

static void rd_gprs_timer(struct ycfg *c, yaml_node_t *n, const char *path, uint32_t *out)
{
    uint32_t v = UINT32_MAX;
    if (!n)
        return;
    rd_duration(c, n, path, 0, 186 * 60 * 1000, "0s..186m", &v);
    if (v == UINT32_MAX)
        return;
    if (!gprs_timer_representable(v)) {
        ycfg_err(c, n, path,
            "%s cannot be sent in a GPRS timer (TS 24.008 10.5.7.3): use a multiple of 2s up to "
            "62s, of 1m up to 31m or of 6m up to 186m",
            ycfg_sval(n));
        return;
    }
    *out = v;
}

static void rd_time_zone(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    const char *path = "mme.time_zone";
    if (!n || !ycfg_want_scalar(c, n, path, "auto, none or +HH:MM"))
        return;
    const char *s = ycfg_sval(n);
    if (!strcmp(s, "auto")) {
        cfg->mme.time_zone = AGW_TZ_AUTO;
        return;
    }
    if (!strcmp(s, "none")) {
        cfg->mme.time_zone = AGW_TZ_NONE;
        return;
    }
    /* TS 24.008 10.5.3.8: the zone is sent in quarters of an hour. */
    if (strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' &&
        strspn(s + 1, "0123456789") == 2 && strspn(s + 4, "0123456789") == 2) {
        int h = (s[1] - '0') * 10 + (s[2] - '0'), mi = (s[4] - '0') * 10 + (s[5] - '0');
        if (mi % 15 || mi >= 60 || h * 60 + mi > 14 * 60) {
            ycfg_err(c, n, path, "'%s' is not a quarter-hour offset within -14:00..+14:00", s);
            return;
        }
        cfg->mme.time_zone = AGW_TZ_FIXED;
        cfg->mme.tz_offset_min = (int16_t)((s[0] == '-' ? -1 : 1) * (h * 60 + mi));
        return;
    }
    ycfg_err(c, n, path, "'%s' is not one of auto | none | +HH:MM | -HH:MM", s);
}

static void rd_mme(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {
        "name",  "relative_capacity", "gummei", "tai",   "s1ap",  "security", "network_name",
        "time_zone", "t3412",         "t3402",  "t3450", "t3460", "t3470",    "ue_ambr",
        "t3413", "paging_retries", "mobile_reachable", "implicit_detach", "ts1relocprep",
        "ts1relocoverall",
        "t3485", "t3486", "t3495"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "mme", keys, sizeof(keys) / sizeof(keys[0]), &m))
        return;

    yaml_node_t *v = ycfg_map_get(&m, "name");
    char name[AGW_MME_NAME_MAX + 1];
    if (v && ycfg_rd_str(c, v, "mme.name", name, sizeof(name), 1)) {
        if (!printable_string(name))
            ycfg_err(c, v, "mme.name", "'%s' is not a PrintableString (A-Z a-z 0-9 space '()+,-./:=?)",
                name);
        else
            memcpy(cfg->mme.name, name, sizeof(name));
    }
    YCFG_RD_UINT(c, ycfg_map_get(&m, "relative_capacity"), "mme.relative_capacity", 0, 255,
            cfg->mme.relative_capacity);

    if ((v = ycfg_map_get(&m, "gummei"))) {
        static const char *const gk[] = {"plmn", "mme_gid", "mme_code"};
        struct ycfg_map g;
        if (ycfg_map_open(c, v, "mme.gummei", gk, 3, &g)) {
            rd_plmn(c, g.val[0], "mme.gummei.plmn", &cfg->mme.gummei.plmn);
            YCFG_RD_UINT(c, g.val[1], "mme.gummei.mme_gid", 0, 65535, cfg->mme.gummei.mme_gid);
            YCFG_RD_UINT(c, g.val[2], "mme.gummei.mme_code", 0, 255, cfg->mme.gummei.mme_code);
        }
    }

    if ((v = ycfg_map_need(c, &m, "tai")))
        rd_tai_list(c, v, cfg);

    if ((v = ycfg_map_get(&m, "s1ap"))) {
        static const char *const sk[] = {"backend", "address", "port",
                                         "udp_port", "streams", "heartbeat"};
        struct ycfg_map s;
        if (ycfg_map_open(c, v, "mme.s1ap", sk, 6, &s)) {
            YCFG_RD_ENUM(c, s.val[0], "mme.s1ap.backend", s1ap_backends, cfg->mme.s1ap.backend);
            if (s.val[1])
                ycfg_rd_ipv4(c, s.val[1], "mme.s1ap.address", &cfg->mme.s1ap.address);
            YCFG_RD_UINT(c, s.val[2], "mme.s1ap.port", 1, 65535, cfg->mme.s1ap.port);
            YCFG_RD_UINT(c, s.val[3], "mme.s1ap.udp_port", 1, 65535, cfg->mme.s1ap.udp_port);
            YCFG_RD_UINT(c, s.val[4], "mme.s1ap.streams", 2, 65535, cfg->mme.s1ap.streams);
            rd_duration(c, s.val[5], "mme.s1ap.heartbeat", 100, 3600 * 1000, "100ms..1h",
                        &cfg->mme.s1ap.heartbeat_ms);
        }
    }

    if ((v = ycfg_map_get(&m, "security"))) {
        static const char *const sk[] = {"integrity", "ciphering"};
        struct ycfg_map s;
        if (ycfg_map_open(c, v, "mme.security", sk, 2, &s)) {
            rd_algs(c, s.val[0], "mme.security.integrity", "EIA", cfg->mme.security.integrity,
                    &cfg->mme.security.n_integrity);
            rd_algs(c, s.val[1], "mme.security.ciphering", "EEA", cfg->mme.security.ciphering,
                    &cfg->mme.security.n_ciphering);
        }
    }

    if ((v = ycfg_map_get(&m, "network_name"))) {
        static const char *const nk[] = {"full", "short"};
        struct ycfg_map s;
        if (ycfg_map_open(c, v, "mme.network_name", nk, 2, &s)) {
            ycfg_rd_str(c, s.val[0], "mme.network_name.full", cfg->mme.network_name.full,
                   sizeof(cfg->mme.network_name.full), 0);
            ycfg_rd_str(c, s.val[1], "mme.network_name.short", cfg->mme.network_name.short_,
                   sizeof(cfg->mme.network_name.short_), 0);
        }
    }

    rd_time_zone(c, ycfg_map_get(&m, "time_zone"), cfg);
    rd_gprs_timer(c, ycfg_map_get(&m, "t3412"), "mme.t3412", &cfg->mme.t3412_ms);
    rd_gprs_timer(c, ycfg_map_get(&m, "t3402"), "mme.t3402", &cfg->mme.t3402_ms);
    /* TS 24.301 10.2: the MME's retransmission timers (6 s by default). */
    rd_duration(c, ycfg_map_get(&m, "t3450"), "mme.t3450", 100, 60000, "100ms..60s",
                &cfg->mme.t3450_ms);
    rd_duration(c, ycfg_map_get(&m, "t3460"), "mme.t3460", 100, 60000, "100ms..60s",
                &cfg->mme.t3460_ms);
    rd_duration(c, ycfg_map_get(&m, "t3470"), "mme.t3470", 100, 60000, "100ms..60s",
                &cfg->mme.t3470_ms);
    /* TS 24.301 10.3: the ESM timers of the network (8 s by default):
     * dedicated bearer activation, modification, deactivation */
    rd_duration(c, ycfg_map_get(&m, "t3485"), "mme.t3485", 100, 60000, "100ms..60s",
                &cfg->mme.t3485_ms);
    rd_duration(c, ycfg_map_get(&m, "t3486"), "mme.t3486", 100, 60000, "100ms..60s",
                &cfg->mme.t3486_ms);
    rd_duration(c, ycfg_map_get(&m, "t3495"), "mme.t3495", 100, 60000, "100ms..60s",
                &cfg->mme.t3495_ms);
    rd_ambr(c, ycfg_map_get(&m, "ue_ambr"), "mme.ue_ambr", &cfg->mme.ue_ambr);
    /* TS 24.301 5.3.5 / TS 23.401 5.3.4.3: paging and reachability of
     * ECM-IDLE UEs (emm_paging.c) */
    rd_duration(c, ycfg_map_get(&m, "t3413"), "mme.t3413", 100, 60000, "100ms..60s",
                &cfg->mme.t3413_ms);
    YCFG_RD_UINT(c, ycfg_map_get(&m, "paging_retries"), "mme.paging_retries", 0, 10,
                 cfg->mme.paging_retries);
    rd_duration(c, ycfg_map_get(&m, "mobile_reachable"), "mme.mobile_reachable", 1000,
                24u * 3600 * 1000, "1s..24h", &cfg->mme.mobile_reachable_ms);
    rd_duration(c, ycfg_map_get(&m, "implicit_detach"), "mme.implicit_detach", 1000,
                24u * 3600 * 1000, "1s..24h", &cfg->mme.implicit_detach_ms);
    /* TS 36.413 8.4.1.2 / 8.4.2.2: how long an S1 handover may stay in
     * preparation (Handover Request -> Acknowledge) and in execution
     * (Handover Command -> Notify) before the MME ends it */
    rd_duration(c, ycfg_map_get(&m, "ts1relocprep"), "mme.ts1relocprep", 100, 60000,
                "100ms..60s", &cfg->mme.ts1relocprep_ms);
    rd_duration(c, ycfg_map_get(&m, "ts1relocoverall"), "mme.ts1relocoverall", 100, 60000,
                "100ms..60s", &cfg->mme.ts1relocoverall_ms);
}

/* ------------------------------------------------- gtpu, datapath ---- */

/* An IPv6 S1-U address: unicast that routing reaches (the datapath's
 * dp_s1u6_addr_check() refuses the same). */
static void rd_s1u_ipv6(struct ycfg *c, yaml_node_t *n, const char *path, struct in6_addr *out)
{
    if (!ycfg_want_scalar(c, n, path, "an IPv6 address"))
        return;
    const char *s = ycfg_sval(n), *why = NULL;
    if (inet_pton(AF_INET6, s, out) != 1) {
        ycfg_err(c, n, path, "'%s' is not an IPv6 address", s);
        return;
    }
    if (IN6_IS_ADDR_UNSPECIFIED(out) || IN6_IS_ADDR_LOOPBACK(out))
        why = "unspecified or loopback";
    else if (IN6_IS_ADDR_MULTICAST(out))
        why = "multicast";
    else if (IN6_IS_ADDR_LINKLOCAL(out))
        why = "link-local (fe80::/10)";
    else if (IN6_IS_ADDR_V4MAPPED(out))
        why = "IPv4-mapped (give gtpu.address)";
    if (why) {
        ycfg_err(c, n, path, "'%s' is %s, not an S1-U address", s, why);
        memset(out, 0, sizeof(*out));
    }
}

static void rd_gtpu(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"address", "address6", "echo_interval", "echo_misses"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "gtpu", keys, 4, &m))
        return;
    /* TS 29.281 7.2.1: an Echo Request on a path not more often than every
     * 60 s (the default); shorter intervals are for tests */
    rd_duration(c, m.val[2], "gtpu.echo_interval", 100, 3600u * 1000, "100ms..1h",
                &cfg->gtpu.echo_interval_ms);
    YCFG_RD_UINT(c, m.val[3], "gtpu.echo_misses", 1, 100, cfg->gtpu.echo_misses);
    yaml_node_t *v = ycfg_map_need(c, &m, "address");
    if (v)
        ycfg_rd_ipv4(c, v, "gtpu.address", &cfg->gtpu.address);
    if (m.val[1])
        rd_s1u_ipv6(c, m.val[1], "gtpu.address6", &cfg->gtpu.address6);
    /* TS 36.414 5.1: IPv4, or IPv4 then IPv6 in one 160-bit address */
    memcpy(cfg->gtpu.tla, &cfg->gtpu.address.s_addr, 4);
    cfg->gtpu.tla_bits = 32;
    if (!IN6_IS_ADDR_UNSPECIFIED(&cfg->gtpu.address6)) {
        memcpy(cfg->gtpu.tla + 4, cfg->gtpu.address6.s6_addr, 16);
        cfg->gtpu.tla_bits = 160;
    }
}

static void rd_datapath(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"s1u",     "sgi",     "mode",         "ue_dev",
                                       "pin_dir", "bpf_dir", "max_sessions", "xdp_mode",
                                       "max_charging"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "datapath", keys, 9, &m))
        return;
    rd_ifname(c, ycfg_map_need(c, &m, "s1u"), "datapath.s1u", cfg->datapath.s1u);
    rd_ifname(c, ycfg_map_need(c, &m, "sgi"), "datapath.sgi", cfg->datapath.sgi);
    YCFG_RD_ENUM(c, m.val[2], "datapath.mode", dp_modes, cfg->datapath.mode);
    rd_ifname(c, m.val[3], "datapath.ue_dev", cfg->datapath.ue_dev);
    rd_abspath(c, m.val[4], "datapath.pin_dir", cfg->datapath.pin_dir,
               sizeof(cfg->datapath.pin_dir));
    rd_abspath(c, m.val[5], "datapath.bpf_dir", cfg->datapath.bpf_dir,
               sizeof(cfg->datapath.bpf_dir));
    /* TEIDs' low 24 bits index the session map (docs/datapath.md). */
    YCFG_RD_UINT(c, m.val[6], "datapath.max_sessions", 1, 1u << 24, cfg->datapath.max_sessions);
    YCFG_RD_ENUM(c, m.val[7], "datapath.xdp_mode", xdp_modes, cfg->datapath.xdp_mode);
    /* charging slots (xepc_charging): a Gy session takes two (its rating
     * group's and the default slot), a PCC rule's own rating group one
     * more; the default, 2 x max_sessions, gives every session its Gy */
    YCFG_RD_UINT(c, m.val[8], "datapath.max_charging", 2, 1u << 25,
                 cfg->datapath.max_charging);
    /* Routed mode forwards between two NICs (docs/datapath.md). */
    if (cfg->datapath.mode == AGW_DP_ROUTED && cfg->datapath.s1u[0] &&
        !strcmp(cfg->datapath.s1u, cfg->datapath.sgi))
        ycfg_err(c, m.val[1], "datapath.sgi", "routed mode needs two interfaces, s1u and sgi are both %s",
            cfg->datapath.s1u);
}

uint32_t agw_config_max_charging(const struct agw_config *cfg)
{
    if (cfg->datapath.max_charging)
        return cfg->datapath.max_charging;
    uint64_t n = 2ull * (cfg->datapath.max_sessions ? cfg->datapath.max_sessions : 100000);
    return n > (1u << 25) ? 1u << 25 : (uint32_t)n;
}

/* ------------------------------------------------------------ apns ---- */

/* TS 23.003 9.1: labels of letters, digits and hyphens, dot-separated,
 * each 1..63, the whole at most 100. */
static bool apn_name_valid(const char *s)
{
    size_t label = 0;
    if (!*s || strlen(s) > AGW_APN_NAME_MAX)
        return false;
    for (; *s; s++) {
        if (*s == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0;
}

/* An APN's IPv6 pool "2001:db8:100::/40": each session gets the /64 of
 * its session id in it (pgw_session.c), so it must hold max_sessions /64s
 * (a /64 per UE, TS 23.401 5.3.1.2.2); global unicast or unique local,
 * not link-local or multicast (RFC 4291 2.4). */
static void rd_pool6(struct ycfg *c, yaml_node_t *n, const char *path, uint32_t max_sessions,
                     struct agw_apn *a)
{
    if (!ycfg_want_scalar(c, n, path, "an IPv6 prefix (2001:db8::/40)"))
        return;
    const char *s = ycfg_sval(n), *slash = strchr(s, '/');
    char ip[INET6_ADDRSTRLEN];
    uint8_t v[16];
    if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1] ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1) || strlen(slash + 1) > 3) {
        ycfg_err(c, n, path, "'%s' is not an IPv6 prefix (2001:db8::/40)", s);
        return;
    }
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    if (inet_pton(AF_INET6, ip, v) != 1) {
        ycfg_err(c, n, path, "'%s' is not an IPv6 prefix: bad address", s);
        return;
    }
    unsigned len = (unsigned)atoi(slash + 1);
    if (len < 16 || len > 63) {
        ycfg_err(c, n, path, "prefix length %u is out of range 16..63 (a /64 per UE)", len);
        return;
    }
    for (unsigned bit = len; bit < 128; bit++)
        if (v[bit / 8] & (0x80u >> (bit % 8))) {
            ycfg_err(c, n, path, "'%s' has host bits set", s);
            return;
        }
    if ((v[0] == 0xfe && (v[1] & 0xc0) == 0x80) || v[0] == 0xff) {
        ycfg_err(c, n, path, "'%s' is link-local or multicast, not a UE prefix (RFC 4291 2.4)", s);
        return;
    }
    bool zero = true;
    for (int i = 0; i < 8; i++)
        zero &= v[i] == 0;
    if (zero) {
        ycfg_err(c, n, path, "'%s' is not a UE prefix (::/%u)", s, len);
        return;
    }
    /* session ids run 1..max_sessions-1 */
    if (64 - len < 32 && (UINT64_C(1) << (64 - len)) < max_sessions) {
        ycfg_err(c, n, path, "/%u holds %llu /64s, fewer than datapath.max_sessions (%u): "
            "use a shorter prefix", len, (unsigned long long)(UINT64_C(1) << (64 - len)),
            max_sessions);
        return;
    }
    memcpy(a->pool6, v, 8);
    a->pool6_prefix = (uint8_t)len;
}

static bool pool6_overlap(const struct agw_apn *x, const struct agw_apn *y)
{
    unsigned p = x->pool6_prefix < y->pool6_prefix ? x->pool6_prefix : y->pool6_prefix;
    for (unsigned bit = 0; bit < p; bit++) {
        uint8_t m = (uint8_t)(0x80u >> (bit % 8));
        if ((x->pool6[bit / 8] & m) != (y->pool6[bit / 8] & m))
            return false;
    }
    return true;
}

/* apns[].dns6 / pcscf6: 0..max IPv6 unicast addresses for the PCO (TS
 * 24.008 10.5.6.3 containers 0x0003 and 0x0001), reachable from a UE's
 * global address: not unspecified, loopback, multicast, link-local or
 * IPv4-mapped (RFC 4291 2.4, 2.5.5.2). */
static void rd_ipv6_list(struct ycfg *c, yaml_node_t *n, const char *path, struct in6_addr *out,
                         size_t max, size_t *count)
{
    char ip[YCFG_PATH_LEN];
    if (!n || !ycfg_want_seq(c, n, path))
        return;
    if (ycfg_seq_len(n) > max) {
        ycfg_err(c, n, path, "%zu entries, at most %zu allowed", ycfg_seq_len(n), max);
        return;
    }
    size_t k = 0, i = 0;
    bool ok = true;
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        ycfg_pidx(ip, sizeof(ip), path, i++);
        if (!ycfg_want_scalar(c, item, ip, "an IPv6 address")) {
            ok = false;
            continue;
        }
        const char *s = ycfg_sval(item), *why = NULL;
        struct in6_addr a;
        if (inet_pton(AF_INET6, s, &a) != 1) {
            ycfg_err(c, item, ip, "'%s' is not an IPv6 address", s);
            ok = false;
            continue;
        }
        if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a))
            why = "unspecified or loopback";
        else if (IN6_IS_ADDR_MULTICAST(&a))
            why = "multicast";
        else if (IN6_IS_ADDR_LINKLOCAL(&a))
            why = "link-local (fe80::/10)";
        else if (IN6_IS_ADDR_V4MAPPED(&a))
            why = "IPv4-mapped";
        if (why) {
            ycfg_err(c, item, ip, "'%s' is %s, not a server a UE can reach", s, why);
            ok = false;
            continue;
        }
        out[k++] = a;
    }
    if (ok)
        *count = k;
}

static void rd_apn(struct ycfg *c, yaml_node_t *n, const char *path, uint32_t max_sessions,
                   struct agw_apn *a)
{
    static const char *const keys[] = {"name", "pdn_type", "pool", "dns",  "mtu",
                                       "ambr", "qci",      "arp",  "ims", "pcscf",
                                       "bearer_qcis", "pool6", "dns6", "pcscf6"};
    struct ycfg_map m;
    char kp[YCFG_PATH_LEN];
    if (!ycfg_map_open(c, n, path, keys, 14, &m))
        return;
    yaml_node_t *v = ycfg_map_need(c, &m, "name");
    char name[AGW_APN_NAME_MAX + 1];
    if (v && ycfg_rd_str(c, v, ycfg_pj(kp, sizeof(kp), path, "name"), name, sizeof(name), 1)) {
        if (!apn_name_valid(name))
            ycfg_err(c, v, kp, "'%s' is not an APN (labels of A-Z a-z 0-9 -, TS 23.003 9.1)", name);
        else
            memcpy(a->name, name, sizeof(name));
    }
    YCFG_RD_ENUM(c, m.val[1], ycfg_pj(kp, sizeof(kp), path, "pdn_type"), pdn_types, a->pdn_type);
    /* the pools the PDN type needs, and no other (TS 23.401 5.3.1.1) */
    if (a->pdn_type == AGW_PDN_IPV6) {
        if (m.val[2])
            ycfg_err(c, m.val[2], ycfg_pj(kp, sizeof(kp), path, "pool"),
                "an APN of pdn_type ipv6 has no IPv4 pool");
    } else if ((v = ycfg_map_need(c, &m, "pool"))) {
        rd_cidr(c, v, ycfg_pj(kp, sizeof(kp), path, "pool"), &a->pool, &a->pool_prefix);
    }
    if (a->pdn_type == AGW_PDN_IPV4) {
        if (m.val[11])
            ycfg_err(c, m.val[11], ycfg_pj(kp, sizeof(kp), path, "pool6"),
                "an IPv6 pool needs pdn_type ipv6 or ipv4v6");
    } else if ((v = ycfg_map_need(c, &m, "pool6"))) {
        rd_pool6(c, v, ycfg_pj(kp, sizeof(kp), path, "pool6"), max_sessions, a);
    }
    ycfg_rd_ipv4_list(c, m.val[3], ycfg_pj(kp, sizeof(kp), path, "dns"), a->dns, AGW_MAX_DNS, &a->n_dns);
    YCFG_RD_UINT(c, m.val[4], ycfg_pj(kp, sizeof(kp), path, "mtu"), 576, 9000, a->mtu);
    rd_ambr(c, m.val[5], ycfg_pj(kp, sizeof(kp), path, "ambr"), &a->ambr);
    if ((v = m.val[6])) {
        uint64_t q;
        /* TS 23.203 6.1.7.2: standardized QCIs 1..9 and 65..86 (allowed
         * here as a range); 10..64 and 87..127 are not standardized. */
        if (ycfg_rd_uint(c, v, ycfg_pj(kp, sizeof(kp), path, "qci"), 1, 86, &q)) {
            if (q > 9 && q < 65)
                ycfg_err(c, v, kp, "%llu is not a standardized QCI (1..9, 65..86)",
                    (unsigned long long)q);
            else
                a->qci = (uint8_t)q;
        }
    }
    if ((v = m.val[7])) {
        static const char *const ak[] = {"priority", "capability", "vulnerability"};
        struct ycfg_map am;
        char ap[YCFG_PATH_LEN];
        ycfg_pj(ap, sizeof(ap), path, "arp");
        if (ycfg_map_open(c, v, ap, ak, 3, &am)) {
            /* TS 23.401 4.7.3 / TS 36.413 9.2.1.60: priority level 1..15 */
            YCFG_RD_UINT(c, am.val[0], ycfg_pj(kp, sizeof(kp), ap, "priority"), 1, 15, a->arp.priority);
            ycfg_rd_bool(c, am.val[1], ycfg_pj(kp, sizeof(kp), ap, "capability"), &a->arp.capability);
            ycfg_rd_bool(c, am.val[2], ycfg_pj(kp, sizeof(kp), ap, "vulnerability"), &a->arp.vulnerability);
        }
    }
    ycfg_rd_bool(c, m.val[8], ycfg_pj(kp, sizeof(kp), path, "ims"), &a->ims);
    ycfg_rd_ipv4_list(c, m.val[9], ycfg_pj(kp, sizeof(kp), path, "pcscf"), a->pcscf, AGW_MAX_PCSCF,
                 &a->n_pcscf);
    /* IPv6 DNS servers and P-CSCFs (TS 24.008 10.5.6.3), for the PDN
     * types that give the UE IPv6 */
    if (a->pdn_type == AGW_PDN_IPV4 && m.val[12])
        ycfg_err(c, m.val[12], ycfg_pj(kp, sizeof(kp), path, "dns6"),
            "IPv6 DNS servers need pdn_type ipv6 or ipv4v6");
    else
        rd_ipv6_list(c, m.val[12], ycfg_pj(kp, sizeof(kp), path, "dns6"), a->dns6, AGW_MAX_DNS,
                     &a->n_dns6);
    if (a->pdn_type == AGW_PDN_IPV4 && m.val[13])
        ycfg_err(c, m.val[13], ycfg_pj(kp, sizeof(kp), path, "pcscf6"),
            "IPv6 P-CSCF addresses need pdn_type ipv6 or ipv4v6");
    else
        rd_ipv6_list(c, m.val[13], ycfg_pj(kp, sizeof(kp), path, "pcscf6"), a->pcscf6,
                     AGW_MAX_PCSCF, &a->n_pcscf6);
    if (a->ims && a->n_pcscf == 0 && a->n_pcscf6 == 0)
        ycfg_err(c, m.val[8], ycfg_pj(kp, sizeof(kp), path, "ims"),
            "an IMS APN needs at least one pcscf or pcscf6 address");
    if (!a->ims && a->n_pcscf > 0)
        ycfg_err(c, m.val[9], ycfg_pj(kp, sizeof(kp), path, "pcscf"),
            "P-CSCF addresses are only sent on an APN with ims: true");
    if (!a->ims && a->n_pcscf6 > 0)
        ycfg_err(c, m.val[13], ycfg_pj(kp, sizeof(kp), path, "pcscf6"),
            "P-CSCF addresses are only sent on an APN with ims: true");
    /* TS 24.301 6.5.3: the QCIs a UE-requested bearer may have here */
    if ((v = m.val[10]) && ycfg_want_seq(c, v, ycfg_pj(kp, sizeof(kp), path, "bearer_qcis"))) {
        char qp[YCFG_PATH_LEN];
        size_t j = 0;
        if (ycfg_seq_len(v) > AGW_MAX_BEARER_QCIS)
            ycfg_err(c, v, kp, "%zu entries, at most %d allowed", ycfg_seq_len(v),
                AGW_MAX_BEARER_QCIS);
        else
            YCFG_SEQ_FOREACH(c, v, it, qitem)
            {
                uint64_t q;
                ycfg_pidx(qp, sizeof(qp), kp, j++);
                if (!ycfg_rd_uint(c, qitem, qp, 1, 86, &q))
                    continue;
                bool dup = false;
                for (size_t k = 0; k < a->n_bearer_qcis; k++)
                    dup |= a->bearer_qcis[k] == q;
                if (q > 9 && q < 65)
                    ycfg_err(c, qitem, qp, "%llu is not a standardized QCI (1..9, 65..86)",
                        (unsigned long long)q);
                else if (dup)
                    ycfg_err(c, qitem, qp, "QCI %llu appears twice", (unsigned long long)q);
                else
                    a->bearer_qcis[a->n_bearer_qcis++] = (uint8_t)q;
            }
    }
}

static void rd_apns(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    const char *path = "apns";
    char ip[YCFG_PATH_LEN];
    if (!ycfg_want_seq(c, n, path))
        return;
    size_t cnt = ycfg_seq_len(n);
    if (cnt == 0) {
        ycfg_err(c, n, path, "at least one APN is required");
        return;
    }
    if (cnt > AGW_MAX_APNS) {
        ycfg_err(c, n, path, "%zu entries, at most %d allowed", cnt, AGW_MAX_APNS);
        return;
    }
    cfg->apns = calloc(cnt, sizeof(*cfg->apns));
    if (!cfg->apns) {
        ycfg_err(c, n, path, "out of memory");
        return;
    }
    cfg->n_apns = cnt;
    size_t i = 0;
    YCFG_SEQ_FOREACH(c, n, it, item)
    {
        agw_apn_defaults(&cfg->apns[i]);
        rd_apn(c, item, ycfg_pidx(ip, sizeof(ip), path, i), cfg->datapath.max_sessions,
               &cfg->apns[i]);
        i++;
    }
    for (size_t a = 0; a < cnt; a++)
        for (size_t b = a + 1; b < cnt; b++) {
            struct agw_apn *x = &cfg->apns[a], *y = &cfg->apns[b];
            yaml_node_t *yn = ycfg_node(c, n->data.sequence.items.start[b]);
            ycfg_pidx(ip, sizeof(ip), path, b);
            if (x->name[0] && !strcasecmp(x->name, y->name))
                ycfg_err(c, yn, ip, "APN '%s' is already defined in apns[%zu] (names are "
                    "case-insensitive)", y->name, a);
            if (x->pool_prefix && y->pool_prefix) {
                uint8_t p = x->pool_prefix < y->pool_prefix ? x->pool_prefix : y->pool_prefix;
                uint32_t mask = ~UINT32_C(0) << (32 - p);
                if ((ntohl(x->pool.s_addr) & mask) == (ntohl(y->pool.s_addr) & mask))
                    ycfg_err(c, yn, ip, "pool overlaps the pool of apns[%zu]", a);
            }
            if (x->pool6_prefix && y->pool6_prefix && pool6_overlap(x, y))
                ycfg_err(c, yn, ip, "pool6 overlaps the pool6 of apns[%zu]", a);
        }
}

/* ------------------------------------------------- the small ones ---- */

static void rd_database(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"path"};
    struct ycfg_map m;
    if (ycfg_map_open(c, n, "database", keys, 1, &m))
        ycfg_rd_str(c, m.val[0], "database.path", cfg->database.path, sizeof(cfg->database.path), 1);
}

static void rd_control(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"socket", "group"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "control", keys, 2, &m))
        return;
    /* sockaddr_un.sun_path holds 108 bytes with the NUL. */
    char sock[108];
    if (m.val[0] && ycfg_rd_str(c, m.val[0], "control.socket", sock, sizeof(sock), 1)) {
        if (sock[0] != '/')
            ycfg_err(c, m.val[0], "control.socket", "'%s' is not an absolute path", sock);
        else
            memcpy(cfg->control.socket, sock, strlen(sock) + 1);
    }
    ycfg_rd_str(c, m.val[1], "control.group", cfg->control.group, sizeof(cfg->control.group), 0);
}

static void rd_metrics(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"address", "port"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "metrics", keys, 2, &m))
        return;
    if (m.val[0])
        ycfg_rd_ipv4(c, m.val[0], "metrics.address", &cfg->metrics.address);
    YCFG_RD_UINT(c, m.val[1], "metrics.port", 0, 65535, cfg->metrics.port);
}

/* A peer's `tls` and `transport` (docs/agw.md "diameter"). */
static void rd_diameter_link(struct ycfg *c, yaml_node_t *tls, yaml_node_t *transport,
                             const char *name, struct agw_diam_link *l)
{
    static const char *const transports[] = {"tcp", "sctp"};
    char path[64];
    int t = 0;
    snprintf(path, sizeof(path), "%s.tls", name);
    if (tls)
        ycfg_rd_bool(c, tls, path, &l->tls);
    snprintf(path, sizeof(path), "%s.transport", name);
    if (transport)
        YCFG_RD_ENUM(c, transport, path, transports, t);
    l->sctp = t == 1;
}

/* diameter.gy: the OCS (docs/charging.md "Gy in xepc-agwd"). */
static void rd_diameter_gy(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg,
                           yaml_node_t **alt)
{
    static const char *const keys[] = {"peer",         "address", "port",   "tx_timeout",
                                       "failure_handling", "rating_group", "apn", "portal",
                                       "tls",          "transport", "alternate"};
    static const char *const ccfh[] = {"terminate", "continue", "retry_and_terminate"};
    struct ycfg_map g;
    if (!ycfg_map_open(c, n, "diameter.gy", keys, 11, &g))
        return;
    cfg->diameter.gy.enabled = true;
    ycfg_rd_str(c, ycfg_map_need(c, &g, "peer"), "diameter.gy.peer", cfg->diameter.gy.peer,
                sizeof(cfg->diameter.gy.peer), 1);
    if (g.val[1])
        ycfg_rd_ipv4(c, g.val[1], "diameter.gy.address", &cfg->diameter.gy.address);
    YCFG_RD_UINT(c, g.val[2], "diameter.gy.port", 1, 65535, cfg->diameter.gy.port);
    rd_duration(c, g.val[3], "diameter.gy.tx_timeout", 100, 60000, "100ms..60s",
                &cfg->diameter.gy.tx_timeout_ms);
    if (g.val[4])
        YCFG_RD_ENUM(c, g.val[4], "diameter.gy.failure_handling", ccfh, cfg->diameter.gy.ccfh);
    /* RFC 4006 8.29: Unsigned32; 0 is the datapath's "no rating group" */
    YCFG_RD_UINT(c, g.val[5], "diameter.gy.rating_group", 1, UINT32_MAX,
                 cfg->diameter.gy.rating_group);
    if (g.val[6] && ycfg_rd_str(c, g.val[6], "diameter.gy.apn", cfg->diameter.gy.apn,
                                sizeof(cfg->diameter.gy.apn), 1) &&
        !agw_config_apn(cfg, cfg->diameter.gy.apn))
        ycfg_err(c, g.val[6], "diameter.gy.apn", "'%s' is not a configured APN",
                 cfg->diameter.gy.apn);
    if (g.val[7])
        ycfg_rd_ipv4(c, g.val[7], "diameter.gy.portal", &cfg->diameter.gy.portal);
    rd_diameter_link(c, g.val[8], g.val[9], "diameter.gy", &cfg->diameter.gy.link);
    if (!g.val[2] && cfg->diameter.gy.link.tls)
        cfg->diameter.gy.port = 5658;
    *alt = g.val[10];
}

/* diameter.gx.alternate, diameter.gy.alternate: a second PCRF or OCS,
 * reached as the first (its tls, transport), for RETRY_AND_TERMINATE
 * (docs/charging.md "Failure handling for Gx", "Gy in xepc-agwd"). */
static void rd_diameter_alt(struct ycfg *c, yaml_node_t *n, const char *name,
                            const struct agw_diam_link *link, struct agw_diam_alt *alt)
{
    static const char *const keys[] = {"peer", "address", "port"};
    struct ycfg_map g;
    char path[64];
    if (!ycfg_map_open(c, n, name, keys, 3, &g))
        return;
    alt->enabled = true;
    snprintf(path, sizeof(path), "%s.peer", name);
    ycfg_rd_str(c, ycfg_map_need(c, &g, "peer"), path, alt->peer, sizeof(alt->peer), 1);
    snprintf(path, sizeof(path), "%s.address", name);
    if (g.val[1])
        ycfg_rd_ipv4(c, g.val[1], path, &alt->address);
    alt->port = link->tls ? 5658 : 3868;
    snprintf(path, sizeof(path), "%s.port", name);
    YCFG_RD_UINT(c, g.val[2], path, 1, 65535, alt->port);
}

/* Diameter (docs/charging.md): our node, the Gx peer (the PCRF), the S6a
 * peer (the HSS, replacing the local one) and the Gy peer (the OCS). */
static void rd_diameter_peer(struct ycfg *c, yaml_node_t *n, const char *name, bool *enabled,
                             char *peer, size_t peer_len, struct in_addr *addr, uint16_t *port,
                             uint32_t *tx_timeout_ms, struct agw_diam_link *link, uint32_t *ccfh,
                             yaml_node_t **alt)
{
    static const char *const keys[] = {"peer", "address", "port", "tx_timeout", "tls",
                                       "transport", "failure_handling", "alternate"};
    static const char *const ccfhs[] = {"terminate", "continue", "retry_and_terminate"};
    struct ycfg_map g;
    char path[64];
    /* failure_handling, alternate: Gx only (S6a has no
     * Credit-Control-Failure-Handling) */
    if (!n || !ycfg_map_open(c, n, name, keys, ccfh ? 8 : 6, &g))
        return;
    *enabled = true;
    snprintf(path, sizeof(path), "%s.peer", name);
    ycfg_rd_str(c, ycfg_map_need(c, &g, "peer"), path, peer, peer_len, 1);
    snprintf(path, sizeof(path), "%s.address", name);
    if (g.val[1])
        ycfg_rd_ipv4(c, g.val[1], path, addr);
    snprintf(path, sizeof(path), "%s.port", name);
    YCFG_RD_UINT(c, g.val[2], path, 1, 65535, *port);
    snprintf(path, sizeof(path), "%s.tx_timeout", name);
    rd_duration(c, g.val[3], path, 100, 60000, "100ms..60s", tx_timeout_ms);
    rd_diameter_link(c, g.val[4], g.val[5], name, link);
    if (!g.val[2] && link->tls)
        *port = 5658;   /* RFC 6733 11.4: "diameters" */
    if (ccfh && g.val[6])
        YCFG_RD_ENUM(c, g.val[6], "diameter.gx.failure_handling", ccfhs, *ccfh);
    if (alt)
        *alt = ccfh ? g.val[7] : NULL;
}

/* diameter.tls: our credentials for peers with `tls: true`. */
static void rd_diameter_tls(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"cert", "key", "ca", "port"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "diameter.tls", keys, 4, &m))
        return;
    ycfg_rd_str(c, ycfg_map_need(c, &m, "cert"), "diameter.tls.cert", cfg->diameter.tls.cert,
                sizeof(cfg->diameter.tls.cert), 1);
    ycfg_rd_str(c, ycfg_map_need(c, &m, "key"), "diameter.tls.key", cfg->diameter.tls.key,
                sizeof(cfg->diameter.tls.key), 1);
    ycfg_rd_str(c, ycfg_map_need(c, &m, "ca"), "diameter.tls.ca", cfg->diameter.tls.ca,
                sizeof(cfg->diameter.tls.ca), 1);
    YCFG_RD_UINT(c, m.val[3], "diameter.tls.port", 1, 65535, cfg->diameter.tls.port);
}

static void rd_diameter(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"identity", "realm", "address", "port",     "gx",
                                       "s6a",      "gy",    "tls",     "reconnect"};
    struct ycfg_map m;
    yaml_node_t *alt = NULL;
    if (!ycfg_map_open(c, n, "diameter", keys, 9, &m))
        return;
    /* whole seconds: freeDiameter's TcTimer is in seconds */
    rd_duration(c, m.val[8], "diameter.reconnect", 1000, 300000, "1s..300s",
                &cfg->diameter.reconnect_ms);
    cfg->diameter.enabled = true;
    ycfg_rd_str(c, ycfg_map_need(c, &m, "identity"), "diameter.identity", cfg->diameter.identity,
                sizeof(cfg->diameter.identity), 1);
    ycfg_rd_str(c, ycfg_map_need(c, &m, "realm"), "diameter.realm", cfg->diameter.realm,
                sizeof(cfg->diameter.realm), 1);
    if (m.val[2])
        ycfg_rd_ipv4(c, m.val[2], "diameter.address", &cfg->diameter.address);
    YCFG_RD_UINT(c, m.val[3], "diameter.port", 1, 65535, cfg->diameter.port);
    rd_diameter_peer(c, m.val[4], "diameter.gx", &cfg->diameter.gx.enabled, cfg->diameter.gx.peer,
                     sizeof(cfg->diameter.gx.peer), &cfg->diameter.gx.address,
                     &cfg->diameter.gx.port, &cfg->diameter.gx.tx_timeout_ms,
                     &cfg->diameter.gx.link, &cfg->diameter.gx.ccfh, &alt);
    if (alt)
        rd_diameter_alt(c, alt, "diameter.gx.alternate", &cfg->diameter.gx.link,
                        &cfg->diameter.gx.alt);
    rd_diameter_peer(c, m.val[5], "diameter.s6a", &cfg->diameter.s6a.enabled,
                     cfg->diameter.s6a.peer, sizeof(cfg->diameter.s6a.peer),
                     &cfg->diameter.s6a.address, &cfg->diameter.s6a.port,
                     &cfg->diameter.s6a.tx_timeout_ms, &cfg->diameter.s6a.link, NULL, NULL);
    /* one node, one connection per peer identity: an HSS and a PCRF with
     * the same identity (one server, as diamsim) must be at one address */
    if (cfg->diameter.gx.enabled && cfg->diameter.s6a.enabled &&
        !strcmp(cfg->diameter.gx.peer, cfg->diameter.s6a.peer) &&
        (cfg->diameter.gx.address.s_addr != cfg->diameter.s6a.address.s_addr ||
         cfg->diameter.gx.port != cfg->diameter.s6a.port))
        ycfg_err(c, m.val[5], "diameter.s6a.peer",
                 "'%s' is also the Gx peer, at another address or port", cfg->diameter.s6a.peer);
    yaml_node_t *gy_alt = NULL;
    if (m.val[6])
        rd_diameter_gy(c, m.val[6], cfg, &gy_alt);
    if (gy_alt)
        rd_diameter_alt(c, gy_alt, "diameter.gy.alternate", &cfg->diameter.gy.link,
                        &cfg->diameter.gy.alt);
    /* the same rule for the OCS: one connection per peer identity */
    if (cfg->diameter.gy.enabled &&
        ((cfg->diameter.gx.enabled && !strcmp(cfg->diameter.gx.peer, cfg->diameter.gy.peer) &&
          (cfg->diameter.gx.address.s_addr != cfg->diameter.gy.address.s_addr ||
           cfg->diameter.gx.port != cfg->diameter.gy.port)) ||
         (cfg->diameter.s6a.enabled && !strcmp(cfg->diameter.s6a.peer, cfg->diameter.gy.peer) &&
          (cfg->diameter.s6a.address.s_addr != cfg->diameter.gy.address.s_addr ||
           cfg->diameter.s6a.port != cfg->diameter.gy.port))))
        ycfg_err(c, m.val[6], "diameter.gy.peer",
                 "'%s' is also the Gx or S6a peer, at another address or port",
                 cfg->diameter.gy.peer);
    /* the alternate is a server of its own: one connection per identity */
    const struct agw_config *k = cfg;
    if (k->diameter.gx.alt.enabled &&
        (!strcmp(k->diameter.gx.alt.peer, k->diameter.gx.peer) ||
         (k->diameter.s6a.enabled && !strcmp(k->diameter.gx.alt.peer, k->diameter.s6a.peer)) ||
         (k->diameter.gy.enabled && !strcmp(k->diameter.gx.alt.peer, k->diameter.gy.peer))))
        ycfg_err(c, alt, "diameter.gx.alternate.peer",
                 "'%s' is also the Gx, S6a or Gy peer: the alternate PCRF is another server",
                 k->diameter.gx.alt.peer);
    /* the alternate OCS likewise; it may be the alternate PCRF too (one
     * server for both, as the first OCS may be the PCRF), at one address */
    const struct agw_diam_alt *ga = &k->diameter.gy.alt;
    if (ga->enabled &&
        (!strcmp(ga->peer, k->diameter.gy.peer) ||
         (k->diameter.gx.enabled && !strcmp(ga->peer, k->diameter.gx.peer)) ||
         (k->diameter.s6a.enabled && !strcmp(ga->peer, k->diameter.s6a.peer))))
        ycfg_err(c, gy_alt, "diameter.gy.alternate.peer",
                 "'%s' is also the Gy, Gx or S6a peer: the alternate OCS is another server",
                 ga->peer);
    else if (ga->enabled && k->diameter.gx.alt.enabled && !strcmp(ga->peer, k->diameter.gx.alt.peer) &&
             (ga->address.s_addr != k->diameter.gx.alt.address.s_addr ||
              ga->port != k->diameter.gx.alt.port ||
              k->diameter.gy.link.tls != k->diameter.gx.link.tls ||
              k->diameter.gy.link.sctp != k->diameter.gx.link.sctp))
        ycfg_err(c, gy_alt, "diameter.gy.alternate.peer",
                 "'%s' is also the alternate PCRF, at another address, port, tls or transport",
                 ga->peer);
    if (m.val[7])
        rd_diameter_tls(c, m.val[7], cfg);
    /* a peer over TLS needs our credentials; one peer identity is one
     * connection, so its applications must agree on how it is reached */
    const struct {
        const char *name;
        bool enabled;
        const char *peer;
        const struct agw_diam_link *link;
        yaml_node_t *node;
    } peers[] = {
        {"diameter.gx", cfg->diameter.gx.enabled, cfg->diameter.gx.peer, &cfg->diameter.gx.link,
         m.val[4]},
        {"diameter.s6a", cfg->diameter.s6a.enabled, cfg->diameter.s6a.peer,
         &cfg->diameter.s6a.link, m.val[5]},
        {"diameter.gy", cfg->diameter.gy.enabled, cfg->diameter.gy.peer, &cfg->diameter.gy.link,
         m.val[6]},
    };
    for (size_t i = 0; i < 3; i++) {
        if (!peers[i].enabled)
            continue;
        if (peers[i].link->tls && !cfg->diameter.tls.cert[0])
            ycfg_err(c, peers[i].node, peers[i].name,
                     "tls: true needs diameter.tls (cert, key, ca)");
        for (size_t j = 0; j < i; j++)
            if (peers[j].enabled && !strcmp(peers[i].peer, peers[j].peer) &&
                (peers[i].link->tls != peers[j].link->tls ||
                 peers[i].link->sctp != peers[j].link->sctp))
                ycfg_err(c, peers[i].node, peers[i].name,
                         "'%s' is also the %s peer, with another tls or transport", peers[i].peer,
                         peers[j].name);
    }
}

/* orchestrator: xepc-orcd (docs/agw.md "orchestrator"). */
static void rd_orc_id(struct ycfg *c, yaml_node_t *n, const char *path, char *dst, size_t cap)
{
    char tmp[AGW_ORC_ID_MAX + 2];
    if (!ycfg_rd_str(c, n, path, tmp, sizeof(tmp) < cap ? sizeof(tmp) : cap, 1))
        return;
    /* orcd's id rule (userspace/orc/orc_res.c orc_check_id) */
    if (strspn(tmp, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            strlen(tmp) || tmp[0] == '.') {
        ycfg_err(c, n, path, "'%s' is not an orchestrator id ([A-Za-z0-9_.-], not starting with '.')",
                 tmp);
        return;
    }
    memcpy(dst, tmp, strlen(tmp) + 1);
}

static void rd_orchestrator(struct ycfg *c, yaml_node_t *n, struct agw_config *cfg)
{
    static const char *const keys[] = {"url",        "ca",          "dir",
                                       "network",    "gateway",     "hardware_id",
                                       "checkin_interval", "sync_interval",
                                       "connect_timeout",  "timeout", "backoff_max"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, n, "orchestrator", keys, 11, &m))
        return;
    struct agw_orc_config *o = &cfg->orchestrator;
    o->enabled = true;
    yaml_node_t *v = ycfg_map_need(c, &m, "url");
    char url[AGW_ORC_URL_MAX];
    if (v && ycfg_rd_str(c, v, "orchestrator.url", url, sizeof(url), 1)) {
        /* mutual TLS is the point (docs/orchestrator.md): https only, and
         * no path, query or user part: the routes are orcd's */
        const char *h = url + 8;
        if (strncmp(url, "https://", 8) || !*h || strpbrk(h, "/?#@ \t"))
            ycfg_err(c, v, "orchestrator.url", "'%s' is not https://HOST[:PORT]", url);
        else
            memcpy(o->url, url, strlen(url) + 1);
    }
    if (m.val[1])
        rd_abspath(c, m.val[1], "orchestrator.ca", o->ca, sizeof(o->ca));
    if (m.val[2])
        rd_abspath(c, m.val[2], "orchestrator.dir", o->dir, sizeof(o->dir));
    if ((v = ycfg_map_need(c, &m, "network")))
        rd_orc_id(c, v, "orchestrator.network", o->network, sizeof(o->network));
    if ((v = ycfg_map_need(c, &m, "gateway")))
        rd_orc_id(c, v, "orchestrator.gateway", o->gateway, sizeof(o->gateway));
    if (m.val[5] && ycfg_rd_str(c, m.val[5], "orchestrator.hardware_id", o->hardware_id,
                                sizeof(o->hardware_id), 1) &&
        strpbrk(o->hardware_id, "\"\\\n\r\t")) {
        ycfg_err(c, m.val[5], "orchestrator.hardware_id", "holds a quote, backslash or control character");
        o->hardware_id[0] = 0;
    }
    rd_duration(c, m.val[6], "orchestrator.checkin_interval", 1000, 3600000, "1s..1h",
                &o->checkin_interval_ms);
    rd_duration(c, m.val[7], "orchestrator.sync_interval", 1000, 3600000, "1s..1h",
                &o->sync_interval_ms);
    rd_duration(c, m.val[8], "orchestrator.connect_timeout", 100, 60000, "100ms..60s",
                &o->connect_timeout_ms);
    rd_duration(c, m.val[9], "orchestrator.timeout", 500, 600000, "500ms..10m",
                &o->timeout_ms);
    rd_duration(c, m.val[10], "orchestrator.backoff_max", 1000, 3600000, "1s..1h",
                &o->backoff_max_ms);
}

/* ------------------------------------------------------------ load ---- */

static void rd_root(struct ycfg *c, yaml_node_t *root, struct agw_config *cfg)
{
    static const char *const keys[] = {"logger", "mme",      "gtpu",    "datapath",
                                       "apns",   "database", "control", "metrics",
                                       "diameter", "policy", "orchestrator"};
    struct ycfg_map m;
    if (!ycfg_map_open(c, root, "", keys, 11, &m))
        return;
    yaml_node_t *v;
    if ((v = ycfg_map_get(&m, "logger")))
        rd_logger(c, v, cfg);
    if ((v = ycfg_map_need(c, &m, "mme")))
        rd_mme(c, v, cfg);
    if ((v = ycfg_map_need(c, &m, "gtpu")))
        rd_gtpu(c, v, cfg);
    if ((v = ycfg_map_need(c, &m, "datapath")))
        rd_datapath(c, v, cfg);
    if ((v = ycfg_map_need(c, &m, "apns")))
        rd_apns(c, v, cfg);
    if ((v = ycfg_map_get(&m, "database")))
        rd_database(c, v, cfg);
    if ((v = ycfg_map_get(&m, "control")))
        rd_control(c, v, cfg);
    if ((v = ycfg_map_get(&m, "metrics")))
        rd_metrics(c, v, cfg);
    if ((v = ycfg_map_get(&m, "diameter")))
        rd_diameter(c, v, cfg);
    if ((v = ycfg_map_get(&m, "policy")))
        agw_policy_read(c, v, cfg);   /* agw_policy.c */
    if ((v = ycfg_map_get(&m, "orchestrator")))
        rd_orchestrator(c, v, cfg);
}

static void rd_root_cb(struct ycfg *c, yaml_node_t *root, void *arg)
{
    rd_root(c, root, arg);
}

int agw_config_load_string(const char *name, const char *text, size_t len,
                           struct agw_config *cfg, char *errbuf, size_t errlen)
{
    agw_config_defaults(cfg);
    return ycfg_load_string(name, text, len, rd_root_cb, cfg, errbuf, errlen);
}

int agw_config_load(const char *path, struct agw_config *cfg, char *errbuf, size_t errlen)
{
    agw_config_defaults(cfg);
    return ycfg_load_file(path, rd_root_cb, cfg, errbuf, errlen);
}

/* ------------------------------------------------------- accessors ---- */

const struct agw_apn *agw_config_apn(const struct agw_config *cfg, const char *name)
{
    if (!cfg->n_apns)
        return NULL;
    if (!name || !*name)
        return &cfg->apns[0];
    for (size_t i = 0; i < cfg->n_apns; i++)
        if (!cfg->apns[i].removed && !strcasecmp(cfg->apns[i].name, name))
            return &cfg->apns[i];
    return NULL;
}

bool agw_config_tai_served(const struct agw_config *cfg, const uint8_t plmn[3], uint16_t tac)
{
    struct agw_plmn p;
    if (agw_plmn_decode(plmn, &p))
        return false;
    for (size_t i = 0; i < cfg->mme.n_tai; i++) {
        if (!agw_plmn_equal(&cfg->mme.tai[i].plmn, &p))
            continue;
        for (size_t j = 0; j < cfg->mme.tai[i].n_tacs; j++)
            if (cfg->mme.tai[i].tacs[j] == tac)
                return true;
    }
    return false;
}

bool agw_config_plmn_served(const struct agw_config *cfg, const uint8_t plmn[3])
{
    struct agw_plmn p;
    if (agw_plmn_decode(plmn, &p))
        return false;
    for (size_t i = 0; i < cfg->mme.n_tai; i++)
        if (agw_plmn_equal(&cfg->mme.tai[i].plmn, &p))
            return true;
    return false;
}
