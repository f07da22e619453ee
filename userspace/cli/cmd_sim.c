/* xepcctl sim: the USIM's and the HSS's view of one authentication, for
 * operators debugging a SIM card (Milenage, TS 35.206; EPS AKA, TS 33.401;
 * re-synchronisation, TS 33.102 6.3.5). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "lib/hex.h"
#include "sec/auth_vector.h"
#include "sec/kdf.h"
#include "sec/milenage.h"

static const char sim_help[] =
    "NAME\n"
    "    xepcctl sim - compute SIM authentication values (Milenage, EPS AKA)\n"
    "\n"
    "SYNOPSIS\n"
    "    xepcctl sim vector KEYS --amf AMF --sqn SQN --rand RAND --plmn MCCMNC\n"
    "    xepcctl sim resync KEYS --rand RAND --auts AUTS\n"
    "    xepcctl sim auts   KEYS --rand RAND --sqn SQN_MS\n"
    "    xepcctl sim --help\n"
    "\n"
    "    KEYS is K and one of OPc and OP, each given as a value or read from a\n"
    "    file:  (--k K | --k-file FILE) ((--opc OPC | --opc-file FILE) |\n"
    "                                    (--op OP | --op-file FILE))\n"
    "\n"
    "DESCRIPTION\n"
    "    vector  computes what the HSS sends for one EPS authentication (TS 33.401\n"
    "            6.1) and what a good USIM answers: the Milenage outputs f1-f5*\n"
    "            (TS 35.206), AUTN = SQN xor AK || AMF || MAC-A, and KASME (TS 33.401\n"
    "            A.2) for the serving network MCCMNC.  The AMF is used as given;\n"
    "            EPS requires its separation bit (the most significant bit) set, and\n"
    "            a note is printed on stderr when it is not.\n"
    "    resync  checks an AUTS from an AUTHENTICATION FAILURE (synch failure) against\n"
    "            the RAND it answers: it recovers SQN_MS with f5* and verifies MAC-S\n"
    "            with f1* under the dummy AMF 0000 (TS 33.102 6.3.3), then prints\n"
    "            SQN_MS, the highest sequence number the USIM has accepted.\n"
    "    auts    makes the AUTS a USIM holding SQN_MS would send for RAND.\n"
    "\n"
    "OPTIONS\n"
    "    Values are hexadecimal, most significant octet first; spaces, ':' and '-'\n"
    "    between octets and a leading 0x are accepted.\n"
    "    --k K          subscriber key, 16 octets\n"
    "    --opc OPC      operator variant key as stored on the SIM, 16 octets\n"
    "    --op OP        operator key, 16 octets (OPc is computed from it)\n"
    "    --k-file FILE, --opc-file FILE, --op-file FILE\n"
    "                   read that key from FILE instead (hex as above, one line);\n"
    "                   --k-file also takes the key file of xepcctl subscriber add\n"
    "                   (lines k=HEX and opc=HEX or op=HEX), which then gives\n"
    "                   OPc or OP too;\n"
    "                   FILE \"-\" (or the value \"-\" of --k, --opc, --op) reads it\n"
    "                   from standard input, for one key at most.  Keys given as\n"
    "                   values are visible to other users in ps(1) and\n"
    "                   /proc/PID/cmdline while xepcctl runs; files and standard\n"
    "                   input are not.  A malformed key is reported by its length\n"
    "                   or the position of the bad character, never echoed.\n"
    "    --amf AMF      authentication management field, 2 octets\n"
    "    --sqn SQN      sequence number, 6 octets\n"
    "    --rand RAND    random challenge, 16 octets\n"
    "    --auts AUTS    re-synchronisation token, 14 octets\n"
    "    --plmn MCCMNC  serving network, 5 or 6 digits (\"00101\" is MCC 001, MNC 01)\n"
    "    -h, --help     this text\n"
    "\n"
    "OUTPUT\n"
    "    One \"name: value\" line per value, values in lowercase hex:\n"
    "    vector: opc, mac_a (f1), mac_s (f1*), xres (f2, the RES a good USIM\n"
    "            returns), ck (f3), ik (f4), ak (f5), ak_star (f5*), autn, sn_id,\n"
    "            kasme\n"
    "    resync: sqn_ms, seq (SQN_MS >> 5), ind (SQN_MS & 31), mac_s\n"
    "    auts:   auts\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 the AUTS does not verify (wrong K or OPc, or an AUTS made for\n"
    "    another RAND) or a crypto library failure; 2 usage error.\n"
    "\n"
    "EXAMPLES\n"
    "    TS 35.208 test set 1 in the PLMN 001/01:\n"
    "        xepcctl sim vector --k 465b5ce8b199b49faa5f0a2ee238a6bc \\\n"
    "            --op cdc202d5123e20f62b6d676ac72cb318 --amf b9b9 --sqn ff9bb4d0b607 \\\n"
    "            --rand 23553cbe9637a89d218ae64dae47bf35 --plmn 00101\n";

static void print_hex(const char *name, const uint8_t *b, size_t n)
{
    char text[2 * 32 + 1];
    hex_encode(b, n, text);
    printf("%s: %s\n", name, text);
}

struct sim_args {
    const char *k, *opc, *op, *amf, *sqn, *rand, *auts, *plmn;
    const char *k_file, *opc_file, *op_file;
};

/* Why a hex string is not n octets, without repeating it: the value may
 * be a key.  Mirrors hex_decode(): separators ' ', ':', '-', tab and
 * newline between octets, an optional leading 0x. */
static void hex_problem(const char *val, size_t n, char *out, size_t cap)
{
    size_t digits = 0, pos = 0;
    const char *p = val;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    for (; *p; p++) {
        if (*p == ' ' || *p == ':' || *p == '-' || *p == '\t' || *p == '\n')
            continue;
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))) {
            pos = (size_t)(p - val) + 1;
            break;
        }
        digits++;
    }
    if (pos)
        snprintf(out, cap, "character %zu is not a hex digit", pos);
    else if (digits % 2)
        snprintf(out, cap, "an odd number of hex digits (%zu)", digits);
    else
        snprintf(out, cap, "%zu hex digits instead of %zu", digits, 2 * n);
}

/* Decodes one required option into n octets; prints what is wrong.  The
 * value is echoed only when it is not secret. */
static int need_value(const char *cmd, const char *opt, const char *val, uint8_t *out, size_t n,
                      bool secret)
{
    char why[96];

    if (!val) {
        fprintf(stderr, "xepcctl sim %s: --%s is required (see xepcctl sim --help)\n", cmd, opt);
        return -1;
    }
    if (hex_decode_exact(val, out, n) < 0) {
        if (secret) {
            hex_problem(val, n, why, sizeof(why));
            fprintf(stderr, "xepcctl sim %s: --%s: expected %zu octets (%zu hex digits): %s "
                            "(the value is not shown)\n",
                    cmd, opt, n, 2 * n, why);
        } else {
            fprintf(stderr, "xepcctl sim %s: --%s: expected %zu octets (%zu hex digits), got '%s'\n",
                    cmd, opt, n, 2 * n, val);
        }
        return -1;
    }
    return 0;
}

static int need(const char *cmd, const char *opt, const char *val, uint8_t *out, size_t n)
{
    return need_value(cmd, opt, val, out, n, false);
}

/* Reads a secret from path ("-": standard input) into buf, NUL-terminated,
 * trailing white space removed.  0 or -1 (said why on stderr). */
static int read_secret(const char *cmd, const char *opt, const char *path, char *buf, size_t cap,
                       bool *stdin_used)
{
    bool from_stdin = !strcmp(path, "-");
    FILE *f;
    size_t n;
    int c;

    if (from_stdin) {
        if (*stdin_used) {
            fprintf(stderr, "xepcctl sim %s: --%s: standard input is already read for another "
                            "key; give this one in a file\n", cmd, opt);
            return -1;
        }
        *stdin_used = true;
        f = stdin;
    } else if (!(f = fopen(path, "r"))) {
        fprintf(stderr, "xepcctl sim %s: --%s: cannot open %s: %s\n", cmd, opt, path,
                strerror(errno));
        return -1;
    }
    n = fread(buf, 1, cap - 1, f);
    c = n == cap - 1 ? fgetc(f) : EOF;
    if (!from_stdin)
        fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\t'))
        buf[--n] = '\0';
    if (c != EOF) {
        fprintf(stderr, "xepcctl sim %s: --%s: %s holds more than a key (%zu octets or more)\n",
                cmd, opt, from_stdin ? "standard input" : path, cap - 1);
        OPENSSL_cleanse(buf, cap);
        return -1;
    }
    return 0;
}

/* The key file of `xepcctl subscriber add` (NAME=HEX lines: k=, and opc=
 * or op=) also serves --k-file here, so one file holds a subscriber's keys
 * for both.  Fills k and (when the file has one) key2, *have2, *is_opc. */
static int keys_file(const char *cmd, const char *opt, char *text, uint8_t k[16],
                     uint8_t key2[16], bool *have2, bool *is_opc)
{
    bool have_k = false;
    unsigned lineno = 0;

    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        char *eq = strchr(line, '=');

        lineno++;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (!n || line[0] == '#')
            continue;
        if (eq)
            *eq = '\0';
        /* the value is never echoed */
        if (!eq || (strcmp(line, "k") && strcmp(line, "opc") && strcmp(line, "op")) ||
            (!strcmp(line, "k") ? have_k : *have2) ||
            hex_decode_exact(eq + 1, !strcmp(line, "k") ? k : key2, 16)) {
            fprintf(stderr, "xepcctl sim %s: --%s: line %u: expected k=HEX, opc=HEX or op=HEX "
                            "(16 octets, each once)\n", cmd, opt, lineno);
            return -1;
        }
        if (!strcmp(line, "k")) {
            have_k = true;
        } else {
            *have2 = true;
            *is_opc = !strcmp(line, "opc");
        }
    }
    if (!have_k) {
        fprintf(stderr, "xepcctl sim %s: --%s: no k= line\n", cmd, opt);
        return -1;
    }
    return 0;
}

/* One 16-octet key from --NAME VALUE or --NAME-file FILE ("-" in either
 * means standard input).  The text it was read from is cleansed.  For K,
 * the file may be a NAME=HEX key file (keys_file()): then key2 may come
 * with it. */
static int key_arg(const char *cmd, const char *opt, const char *val, const char *file,
                   uint8_t key[16], bool *stdin_used, uint8_t key2[16], bool *have2,
                   bool *is_opc)
{
    char text[256], fopt[32];
    int rc;

    snprintf(fopt, sizeof(fopt), "%s-file", opt);
    if (val && file) {
        fprintf(stderr, "xepcctl sim %s: give --%s or --%s, not both\n", cmd, opt, fopt);
        return -1;
    }
    if (val && strcmp(val, "-"))
        return need_value(cmd, opt, val, key, 16, true);
    if (!val && !file)
        return need_value(cmd, opt, NULL, key, 16, true);
    if (read_secret(cmd, file ? fopt : opt, file ? file : "-", text, sizeof(text), stdin_used))
        return -1;
    if (key2 && strchr(text, '='))
        rc = keys_file(cmd, file ? fopt : opt, text, key, key2, have2, is_opc);
    else
        rc = need_value(cmd, file ? fopt : opt, text, key, 16, true);
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

/* K with OPc or OP into a keyed Milenage context.  K and OP/OPc are
 * cleansed on every path (the context holds OPc until milenage_free()). */
static int sim_keys(const char *cmd, const struct sim_args *a, struct milenage *m)
{
    uint8_t k[16], key2[16];
    bool stdin_used = false, in_file = false, file_opc = false;
    bool opc_arg = a->opc || a->opc_file, op_arg = a->op || a->op_file, use_opc;
    int rc = CLI_USAGE;

    if (key_arg(cmd, "k", a->k, a->k_file, k, &stdin_used, key2, &in_file, &file_opc))
        goto out;
    if (in_file && (opc_arg || op_arg)) {
        fprintf(stderr, "xepcctl sim %s: the key file gives %s already; drop --opc/--op\n",
                cmd, file_opc ? "OPc" : "OP");
        goto out;
    }
    if (!in_file && opc_arg == op_arg) {
        fprintf(stderr, "xepcctl sim %s: give exactly one of --opc (--opc-file) and --op "
                        "(--op-file)\n", cmd);
        goto out;
    }
    use_opc = in_file ? file_opc : opc_arg;
    if (!in_file &&
        (use_opc ? key_arg(cmd, "opc", a->opc, a->opc_file, key2, &stdin_used, NULL, NULL, NULL)
                 : key_arg(cmd, "op", a->op, a->op_file, key2, &stdin_used, NULL, NULL, NULL)))
        goto out;
    if (use_opc ? milenage_init(m, k, key2) : milenage_init_op(m, k, key2)) {
        fprintf(stderr, "xepcctl sim %s: crypto library failure\n", cmd);
        rc = CLI_FAIL;
        goto out;
    }
    rc = CLI_OK;
out:
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(key2, sizeof(key2));
    return rc;
}

static int sim_vector(const struct sim_args *a)
{
    uint8_t amf[2], sqn[6], rand[16], sn[3], mac_a[8], mac_s[8], ak_s[6];
    struct sec_eps_vector v;
    struct milenage m;
    int rc;

    memset(&v, 0, sizeof(v));
    rc = sim_keys("vector", a, &m);
    if (rc)
        return rc;
    rc = CLI_USAGE;
    if (need("vector", "amf", a->amf, amf, 2) || need("vector", "sqn", a->sqn, sqn, 6) ||
        need("vector", "rand", a->rand, rand, 16))
        goto out;
    if (!a->plmn || sec_plmn_to_sn_id(a->plmn, sn)) {
        fprintf(stderr, "xepcctl sim vector: --plmn: expected MCC and MNC as 5 or 6 digits "
                        "(e.g. 00101), got '%s'\n",
                a->plmn ? a->plmn : "(nothing)");
        goto out;
    }
    if (!(amf[0] & 0x80))
        fprintf(stderr, "xepcctl sim vector: note: AMF separation bit is 0; a USIM refuses this "
                        "vector for EPS (TS 33.401 6.1.2)\n");
    if (sec_eps_vector_make(&m, sec_sqn_get(sqn), amf, sn, rand, &v) != SEC_AUTH_OK ||
        milenage_f1(&m, rand, sqn, amf, mac_a, mac_s) ||
        milenage_f2345(&m, rand, NULL, NULL, NULL, NULL, ak_s)) {
        fprintf(stderr, "xepcctl sim vector: crypto library failure\n");
        rc = CLI_FAIL;
        goto out;
    }
    print_hex("opc", m.opc, 16);
    print_hex("mac_a", mac_a, 8);
    print_hex("mac_s", mac_s, 8);
    print_hex("xres", v.xres, 8);
    print_hex("ck", v.ck, 16);
    print_hex("ik", v.ik, 16);
    print_hex("ak", v.ak, 6);
    print_hex("ak_star", ak_s, 6);
    print_hex("autn", v.autn, 16);
    print_hex("sn_id", sn, 3);
    print_hex("kasme", v.kasme, 32);
    rc = CLI_OK;
out:
    /* the vector's CK, IK, KASME, XRES and the AKs are secrets too */
    sec_eps_vector_cleanse(&v);
    OPENSSL_cleanse(mac_a, sizeof(mac_a));
    OPENSSL_cleanse(mac_s, sizeof(mac_s));
    OPENSSL_cleanse(ak_s, sizeof(ak_s));
    milenage_free(&m);
    return rc;
}

static int sim_resync(const struct sim_args *a)
{
    uint8_t rand[16], auts[14], sqn[6];
    struct milenage m;
    uint64_t sqn_ms = 0;
    int rc;

    if (need("resync", "rand", a->rand, rand, 16) || need("resync", "auts", a->auts, auts, 14))
        return CLI_USAGE;
    rc = sim_keys("resync", a, &m);
    if (rc)
        return rc;
    enum sec_auth_err e = sec_he_resync(&m, NULL, rand, auts, &sqn_ms);
    milenage_free(&m);
    if (e != SEC_AUTH_OK) {
        fprintf(stderr, "xepcctl sim resync: %s: the AUTS was not made with this K and OPc for "
                        "this RAND\n",
                sec_auth_err_str(e));
        return CLI_FAIL;
    }
    sec_sqn_put(sqn, sqn_ms);
    print_hex("sqn_ms", sqn, 6);
    printf("seq: %llu\n", (unsigned long long)(sqn_ms >> SEC_SQN_IND_BITS));
    printf("ind: %u\n", (unsigned)(sqn_ms & (SEC_SQN_IND_COUNT - 1)));
    print_hex("mac_s", auts + 6, 8);
    return CLI_OK;
}

static int sim_auts(const struct sim_args *a)
{
    uint8_t rand[16], sqn[6], auts[14];
    struct milenage m;
    int rc;

    if (need("auts", "rand", a->rand, rand, 16) || need("auts", "sqn", a->sqn, sqn, 6))
        return CLI_USAGE;
    rc = sim_keys("auts", a, &m);
    if (rc)
        return rc;
    enum sec_auth_err e = sec_usim_auts(&m, rand, sec_sqn_get(sqn), auts);
    milenage_free(&m);
    if (e != SEC_AUTH_OK) {
        fprintf(stderr, "xepcctl sim auts: %s\n", sec_auth_err_str(e));
        return CLI_FAIL;
    }
    print_hex("auts", auts, 14);
    return CLI_OK;
}

int cli_sim_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"k", required_argument, NULL, 'k'},    {"opc", required_argument, NULL, 'c'},
        {"op", required_argument, NULL, 'o'},   {"amf", required_argument, NULL, 'a'},
        {"sqn", required_argument, NULL, 's'},  {"rand", required_argument, NULL, 'r'},
        {"auts", required_argument, NULL, 'u'}, {"plmn", required_argument, NULL, 'p'},
        {"k-file", required_argument, NULL, 'K'}, {"opc-file", required_argument, NULL, 'C'},
        {"op-file", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    struct sim_args a = {0};
    const char *sub;
    int c;

    if (argc < 2) {
        fputs("usage: xepcctl sim (vector|resync|auts) OPTIONS... (see xepcctl sim --help)\n",
              stderr);
        return CLI_USAGE;
    }
    sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(sim_help, stdout);
        return CLI_OK;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': a.k = optarg; break;
        case 'c': a.opc = optarg; break;
        case 'o': a.op = optarg; break;
        case 'a': a.amf = optarg; break;
        case 's': a.sqn = optarg; break;
        case 'r': a.rand = optarg; break;
        case 'u': a.auts = optarg; break;
        case 'p': a.plmn = optarg; break;
        case 'K': a.k_file = optarg; break;
        case 'C': a.opc_file = optarg; break;
        case 'O': a.op_file = optarg; break;
        case 'h': fputs(sim_help, stdout); return CLI_OK;
        default: {
            /* the option's name only: "--k=..." may carry a key */
            const char *arg = (argv + 1)[optind - 1];

            fprintf(stderr, "xepcctl sim %s: unknown or incomplete option '%.*s' (see xepcctl sim "
                            "--help)\n",
                    sub, (int)strcspn(arg, "="), arg);
            return CLI_USAGE;
        }
        }
    }
    if (optind < argc - 1) {
        /* not echoed: a key pasted with a space in it ends up here */
        fprintf(stderr, "xepcctl sim %s: unexpected argument at position %d (not shown); keys "
                        "are one argument each\n", sub, optind + 1);
        return CLI_USAGE;
    }
    if (!strcmp(sub, "vector"))
        return sim_vector(&a);
    if (!strcmp(sub, "resync"))
        return sim_resync(&a);
    if (!strcmp(sub, "auts"))
        return sim_auts(&a);
    fprintf(stderr, "xepcctl sim: unknown subcommand '%s' (vector, resync, auts)\n", sub);
    return CLI_USAGE;
}
