/* xepcctl subscriber: the local HSS's subscribers, worked on directly in
 * the gateway's SQLite database (userspace/agw/hss.c).  xepc-agwd reads a
 * subscriber at each attach, so a change takes effect without a restart.
 * Keys are read from a file or stdin (never from the command line, where
 * ps shows them) and never printed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include "agw/hss.h"
#include "cli/cli.h"
#include "lib/hex.h"

static const char sub_help[] =
    "NAME\n"
    "    xepcctl subscriber - provision the local HSS\n"
    "\n"
    "SYNOPSIS\n"
    "    xepcctl subscriber add --imsi IMSI --k-file FILE [--amf HEX] [--sqn N]\n"
    "                           [--msisdn DIGITS] [--state STATE] [--apn SPEC]...\n"
    "                           [--ue-ambr UL/DL] [--db PATH]\n"
    "    xepcctl subscriber show IMSI [--db PATH]\n"
    "    xepcctl subscriber list [--after IMSI] [--limit N] [--db PATH]\n"
    "    xepcctl subscriber delete IMSI [--db PATH]\n"
    "    xepcctl subscriber state IMSI active|inactive|barred [--db PATH]\n"
    "    xepcctl subscriber import FILE|- [--replace] [--db PATH]\n"
    "\n"
    "DESCRIPTION\n"
    "    Works directly on the gateway's database (default " AGW_DB_DEFAULT_PATH "),\n"
    "    creating it when missing.  xepc-agwd reads the subscriber at each attach:\n"
    "    changes take effect at once, without a restart.\n"
    "\n"
    "    add     adds one subscriber.  Its keys come from --k-file FILE (\"-\": stdin),\n"
    "            lines of NAME=HEX: k=K (16 octets) and either opc=OPc or op=OP\n"
    "            (OPc is then derived, TS 35.206, and stored; OP is not kept).\n"
    "    show    prints one subscriber, without its keys.\n"
    "    list    prints subscribers in IMSI order, LIMIT (default 100) per page;\n"
    "            the next page is --after the last IMSI printed.\n"
    "    delete  removes one subscriber.\n"
    "    state   sets a subscriber active, inactive or barred (the last two are\n"
    "            refused at attach).\n"
    "    import  adds the subscribers of a CSV file (docs/agw.md, \"CSV format\") in\n"
    "            one transaction: a file with any bad row is rejected whole, and\n"
    "            every bad row is printed as FILE:LINE: reason.  An IMSI already in\n"
    "            the database is a bad row unless --replace (which also resets its\n"
    "            SQN to the file's).\n"
    "\n"
    "OPTIONS\n"
    "    --db PATH        database file\n"
    "    --imsi IMSI      15 digits\n"
    "    --k-file FILE    the keys, as above; \"-\" reads stdin\n"
    "    --amf HEX        2 octets (default 8000; the EPS separation bit is always\n"
    "                     set in vectors)\n"
    "    --sqn N          SQN of the last vector issued, decimal or 0x-hex, < 2^48\n"
    "                     (default 0)\n"
    "    --msisdn DIGITS  1..15 digits\n"
    "    --state STATE    active (default), inactive or barred\n"
    "    --apn SPEC       an allowed APN, repeatable, in order: NAME[:qci=Q][:arp=P[/C/V]]\n"
    "                     [:ambr=UL/DL][:ip=A.B.C.D] (overrides of the APN's configured\n"
    "                     QoS, a static address); none: the gateway's default APN\n"
    "    --ue-ambr UL/DL  e.g. 50Mbps/100Mbps (default: mme.ue_ambr of the config)\n"
    "    --after IMSI     list: start after this IMSI\n"
    "    --limit N        list: at most N (1..100000)\n"
    "    --replace        import: overwrite existing subscribers\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 the operation failed (unknown IMSI, already exists, bad CSV\n"
    "    rows, database error); 2 usage error.\n";

enum {
    OPT_DB = 256,
    OPT_IMSI,
    OPT_KFILE,
    OPT_AMF,
    OPT_SQN,
    OPT_MSISDN,
    OPT_STATE,
    OPT_APN,
    OPT_UEAMBR,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_REPLACE,
};

static const struct option sub_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"imsi", required_argument, NULL, OPT_IMSI},
    {"k-file", required_argument, NULL, OPT_KFILE},
    {"amf", required_argument, NULL, OPT_AMF},
    {"sqn", required_argument, NULL, OPT_SQN},
    {"msisdn", required_argument, NULL, OPT_MSISDN},
    {"state", required_argument, NULL, OPT_STATE},
    {"apn", required_argument, NULL, OPT_APN},
    {"ue-ambr", required_argument, NULL, OPT_UEAMBR},
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define ERR(...) fprintf(stderr, "xepcctl subscriber: " __VA_ARGS__)

/* NAME=HEX lines into the subscriber's keys; the buffer is wiped. */
static int read_keys(const char *file, struct hss_subscriber *s)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool k = false, opc = false, op = false;
    int rc = 0, lineno = 0;
    if (!f) {
        ERR("%s: %s\n", file, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        if (!n || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        uint8_t *dst = NULL;
        bool *seen = NULL;
        if (eq) {
            *eq = 0;
            if (!strcmp(line, "k"))
                dst = s->k, seen = &k;
            else if (!strcmp(line, "opc"))
                dst = s->opc, seen = &opc;
            else if (!strcmp(line, "op"))
                dst = s->op, seen = &op;
        }
        /* The value is never echoed. */
        if (!dst || *seen || strlen(eq + 1) != 32 || hex_decode_exact(eq + 1, dst, 16)) {
            ERR("%s:%d: expected k=HEX, opc=HEX or op=HEX (16 octets, each once)\n", file,
                lineno);
            rc = -1;
            break;
        }
        *seen = true;
    }
    if (line)
        OPENSSL_cleanse(line, cap);
    free(line);
    if (f != stdin)
        fclose(f);
    if (rc)
        return rc;
    if (!k || opc == op) {
        ERR("%s: needs k= and exactly one of opc= and op=\n", file);
        return -1;
    }
    s->use_op = op;
    return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    bool hex = !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2);
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int open_db(const char *path, struct agw_db *db, struct hss *h)
{
    char err[512];
    int rc = agw_db_open(path, db, err, sizeof(err));
    if (rc) {
        ERR("%s\n", err);
        return -1;
    }
    hss_init(h, db);
    return 0;
}

static void print_rate(const char *label, uint64_t ul, uint64_t dl)
{
    if (ul || dl)
        printf("%s: %llu/%llu bit/s\n", label, (unsigned long long)ul, (unsigned long long)dl);
    else
        printf("%s: default\n", label);
}

static void print_apns(const struct hss_subscriber *s)
{
    if (!s->n_apns)
        printf("apns: default\n");
    for (size_t i = 0; i < s->n_apns; i++) {
        const struct hss_apn *a = &s->apns[i];
        char ip[INET_ADDRSTRLEN];
        printf("apn: %s", a->name);
        if (a->qci)
            printf(" qci=%u", a->qci);
        if (a->arp_priority)
            printf(" arp=%u/%d/%d", a->arp_priority, a->arp_capability, a->arp_vulnerability);
        if (a->ambr_ul_bps || a->ambr_dl_bps)
            printf(" ambr=%llu/%llu", (unsigned long long)a->ambr_ul_bps,
                   (unsigned long long)a->ambr_dl_bps);
        if (a->static_ipv4.s_addr)
            printf(" ip=%s", inet_ntop(AF_INET, &a->static_ipv4, ip, sizeof(ip)));
        printf("\n");
    }
}

static int fail(enum hss_err e, const char *what)
{
    ERR("%s: %s\n", what, hss_err_str(e));
    return CLI_FAIL;
}

int cli_subscriber_main(int argc, char **argv)
{
    const char *db_path = AGW_DB_DEFAULT_PATH, *kfile = NULL, *after = "";
    uint64_t limit = 100;
    bool replace = false;
    struct hss_subscriber s;
    char why[256];

    if (argc < 2) {
        fputs(sub_help, stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(sub_help, stdout);
        return CLI_OK;
    }
    /* Long options spelled out in full: getopt_long would take "--k KEY"
     * as "--k-file KEY", then name the key in its "cannot open" error. */
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
        if (strncmp(argv[i], "--", 2))
            continue;
        size_t len = strcspn(argv[i] + 2, "=");
        const struct option *o;
        for (o = sub_opts; o->name; o++)
            if (strlen(o->name) == len && !strncmp(o->name, argv[i] + 2, len))
                break;
        if (!o->name) {
            ERR("unknown option '%.*s' (see xepcctl subscriber --help; keys are only read "
                "from --k-file)\n",
                (int)len + 2, argv[i]);
            return CLI_USAGE;
        }
        if (o->has_arg == required_argument && !argv[i][len + 2])
            i++; /* its value */
    }
    hss_subscriber_init(&s);
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", sub_opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case OPT_DB:
            db_path = optarg;
            break;
        case OPT_IMSI:
            snprintf(s.imsi, sizeof(s.imsi), "%s", optarg);
            if (strlen(optarg) != HSS_IMSI_LEN || strspn(optarg, "0123456789") != HSS_IMSI_LEN) {
                ERR("--imsi '%s' is not 15 digits\n", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_KFILE:
            kfile = optarg;
            break;
        case OPT_AMF:
            if (strlen(optarg) != 4 || hex_decode_exact(optarg, s.amf, 2)) {
                ERR("--amf '%s' is not 2 octets of hex\n", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_SQN:
            if (parse_u64(optarg, (UINT64_C(1) << 48) - 1, &s.sqn)) {
                ERR("--sqn '%s' is not a number below 2^48\n", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_MSISDN:
            if (strlen(optarg) > HSS_MSISDN_MAX || !*optarg ||
                strspn(optarg, "0123456789") != strlen(optarg)) {
                ERR("--msisdn '%s' is not 1..15 digits\n", optarg);
                return CLI_USAGE;
            }
            strcpy(s.msisdn, optarg);
            break;
        case OPT_STATE:
            if (hss_state_parse(optarg, &s.state)) {
                ERR("--state '%s' is not active, inactive or barred\n", optarg);
                return CLI_USAGE;
            }
            break;
        case OPT_APN:
            if (s.n_apns == HSS_MAX_APNS) {
                ERR("at most %d --apn\n", HSS_MAX_APNS);
                return CLI_USAGE;
            }
            if (hss_apn_parse(optarg, &s.apns[s.n_apns], why, sizeof(why))) {
                ERR("--apn: %s\n", why);
                return CLI_USAGE;
            }
            s.n_apns++;
            break;
        case OPT_UEAMBR: {
            struct hss_apn tmp;
            char spec[128];
            snprintf(spec, sizeof(spec), "x:ambr=%s", optarg);
            if (hss_apn_parse(spec, &tmp, why, sizeof(why))) {
                ERR("--ue-ambr '%s' is not UL/DL (e.g. 50Mbps/100Mbps)\n", optarg);
                return CLI_USAGE;
            }
            s.ue_ambr_ul_bps = tmp.ambr_ul_bps;
            s.ue_ambr_dl_bps = tmp.ambr_dl_bps;
            break;
        }
        case OPT_AFTER:
            after = optarg;
            break;
        case OPT_LIMIT:
            if (parse_u64(optarg, 100000, &v) || v == 0) {
                ERR("--limit '%s' is not 1..100000\n", optarg);
                return CLI_USAGE;
            }
            limit = v;
            break;
        case OPT_REPLACE:
            replace = true;
            break;
        case 'h':
            fputs(sub_help, stdout);
            return CLI_OK;
        default:
            return CLI_USAGE;
        }
    }
    int npos = argc - optind;
    char **pos = argv + optind;
    struct agw_db db;
    struct hss h;
    enum hss_err e;
    int rc = CLI_OK;

    if (!strcmp(cmd, "add")) {
        if (npos || !s.imsi[0] || !kfile) {
            ERR("add needs --imsi and --k-file (see xepcctl subscriber --help)\n");
            return CLI_USAGE;
        }
        for (size_t i = 0; i < s.n_apns; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcasecmp(s.apns[i].name, s.apns[j].name)) {
                    ERR("--apn %s given twice\n", s.apns[i].name);
                    return CLI_USAGE;
                }
        if (read_keys(kfile, &s)) {
            hss_subscriber_wipe(&s);
            return CLI_FAIL;
        }
        if (open_db(db_path, &db, &h)) {
            hss_subscriber_wipe(&s);
            return CLI_FAIL;
        }
        e = hss_add(&h, &s);
        hss_subscriber_wipe(&s);
        agw_db_close(&db);
        if (e)
            return fail(e, s.imsi);
        printf("added %s\n", s.imsi);
        return CLI_OK;
    }
    if (!strcmp(cmd, "show") || !strcmp(cmd, "delete") || !strcmp(cmd, "state")) {
        int want = strcmp(cmd, "state") ? 1 : 2;
        enum hss_state st = HSS_STATE_ACTIVE;
        if (npos != want || strlen(pos[0]) != HSS_IMSI_LEN ||
            strspn(pos[0], "0123456789") != HSS_IMSI_LEN) {
            ERR("%s needs an IMSI of 15 digits%s (see xepcctl subscriber --help)\n", cmd,
                want == 2 ? " and a state" : "");
            return CLI_USAGE;
        }
        if (want == 2 && hss_state_parse(pos[1], &st)) {
            ERR("state '%s' is not active, inactive or barred\n", pos[1]);
            return CLI_USAGE;
        }
        if (open_db(db_path, &db, &h))
            return CLI_FAIL;
        if (!strcmp(cmd, "delete")) {
            e = hss_delete(&h, pos[0]);
            if (!e)
                printf("deleted %s\n", pos[0]);
        } else if (want == 2) {
            e = hss_set_state(&h, pos[0], st);
            if (!e)
                printf("%s %s\n", pos[0], hss_state_str(st));
        } else {
            struct hss_subscriber g;
            /* without keys: they are not even read */
            e = hss_get(&h, pos[0], &g, false);
            if (!e) {
                char amf[5];
                hex_encode(g.amf, 2, amf);
                printf("imsi: %s\n", g.imsi);
                printf("msisdn: %s\n", g.msisdn[0] ? g.msisdn : "none");
                printf("state: %s\n", hss_state_str(g.state));
                printf("amf: %s\n", amf);
                printf("opc: %s\n", g.op_derived ? "derived from OP" : "given");
                printf("sqn: 0x%012llx (seq %llu, ind %u)\n", (unsigned long long)g.sqn,
                       (unsigned long long)(g.sqn >> 5), (unsigned)(g.sqn & 31));
                print_rate("ue_ambr", g.ue_ambr_ul_bps, g.ue_ambr_dl_bps);
                print_apns(&g);
            }
        }
        agw_db_close(&db);
        return e ? fail(e, pos[0]) : CLI_OK;
    }
    if (!strcmp(cmd, "list")) {
        if (npos) {
            ERR("list takes no arguments (see xepcctl subscriber --help)\n");
            return CLI_USAGE;
        }
        struct hss_subscriber *page = calloc(limit, sizeof(*page));
        size_t n;
        if (!page) {
            ERR("out of memory\n");
            return CLI_FAIL;
        }
        if (open_db(db_path, &db, &h)) {
            free(page);
            return CLI_FAIL;
        }
        e = hss_list(&h, after, page, limit, &n);
        if (!e) {
            printf("%-15s  %-8s  %-15s  %-14s  %s\n", "IMSI", "STATE", "MSISDN", "SQN", "APNS");
            for (size_t i = 0; i < n; i++) {
                char apns[256] = "";
                for (size_t j = 0; j < page[i].n_apns; j++)
                    snprintf(apns + strlen(apns), sizeof(apns) - strlen(apns), "%s%s",
                             j ? "," : "", page[i].apns[j].name);
                printf("%-15s  %-8s  %-15s  0x%012llx  %s\n", page[i].imsi,
                       hss_state_str(page[i].state), page[i].msisdn[0] ? page[i].msisdn : "-",
                       (unsigned long long)page[i].sqn, apns[0] ? apns : "default");
            }
        }
        free(page);
        agw_db_close(&db);
        return e ? fail(e, "list") : CLI_OK;
    }
    if (!strcmp(cmd, "import")) {
        if (npos != 1) {
            ERR("import needs one FILE (or - for stdin)\n");
            return CLI_USAGE;
        }
        FILE *f = strcmp(pos[0], "-") ? fopen(pos[0], "r") : stdin;
        if (!f) {
            ERR("%s: %s\n", pos[0], strerror(errno));
            return CLI_FAIL;
        }
        size_t errlen = 1 << 20, n = 0;
        char *errs = malloc(errlen);
        if (!errs || open_db(db_path, &db, &h)) {
            free(errs);
            if (f != stdin)
                fclose(f);
            return CLI_FAIL;
        }
        e = hss_import_csv(&h, f, strcmp(pos[0], "-") ? pos[0] : "stdin", replace, &n, errs,
                           errlen);
        if (f != stdin)
            fclose(f);
        agw_db_close(&db);
        if (e) {
            fputs(errs, stderr);
            ERR("%s: nothing imported (%s)\n", pos[0], hss_err_str(e));
            rc = CLI_FAIL;
        } else {
            printf("imported %zu subscribers\n", n);
        }
        free(errs);
        return rc;
    }
    ERR("unknown subcommand '%s' (see xepcctl subscriber --help)\n", cmd);
    return CLI_USAGE;
}
