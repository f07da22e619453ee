/* nas-decode — print EPS NAS PDUs field by field.  See usage(). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "nas/nas.h"
#include "nas/nas_security.h"

#define PDU_MAX 8192

struct opts {
    bool have_int, have_enc;
    uint8_t knas_int[SEC_KEY_LEN], knas_enc[SEC_KEY_LEN];
    int eia, eea;
    unsigned long count;
    bool have_count;
    enum nas_sec_dir dir;
    bool have_dir;  /* --dir given: it also settles the detach request kind */
};

static void usage(FILE *f)
{
    fputs("usage: nas-decode [OPTIONS] [HEX...]\n"
          "\n"
          "Decodes EPS NAS PDUs (TS 24.301) given as hex, one per argument, or one per\n"
          "line on standard input when there is no argument, and prints every field.\n"
          "Plain EMM and ESM messages need no option.  A security protected PDU\n"
          "(security header type 1-4) is checked and deciphered with its keys:\n"
          "\n"
          "  --key KNASint      128-bit NAS integrity key (hex); verifies the NAS-MAC\n"
          "  --enc-key KNASenc  128-bit NAS encryption key (hex); deciphers types 2 and 4\n"
          "  --eia N            integrity algorithm 0-3 (default 2)\n"
          "  --eea N            ciphering algorithm 0-3 (default 0)\n"
          "  --count N          NAS COUNT of the first protected PDU (default: the\n"
          "                     8-bit sequence number of the PDU, overflow 0); later\n"
          "                     PDUs continue from it\n"
          "  --dir ul|dl        direction of the PDUs (default ul for the security\n"
          "                     layer); when given, it also tells a UE originating\n"
          "                     detach request (ul) from a UE terminated one (dl),\n"
          "                     which are otherwise told apart by their octets\n"
          "  -h, --help         this text\n"
          "\n"
          "Without --key an integrity protected, unciphered PDU is decoded anyway and\n"
          "its MAC reported as not verified.\n"
          "\n"
          "Exit status: 0 when every PDU decoded, 1 when one did not (the reason, the\n"
          "octet offset and the EMM/ESM cause to answer with are printed), 2 on usage\n"
          "errors.\n"
          "\n"
          "example: nas-decode 0741020bf600f110000201030003e605f07000001000050215d011d1\n",
          f);
}

static int parse_alg(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*end || v < 0 || v > 3)
        return -1;
    *out = (int)v;
    return 0;
}

static int decode_plain(const uint8_t *p, size_t len, const struct opts *o)
{
    enum nas_dir dir = !o->have_dir ? NAS_DIR_UNKNOWN
                       : o->dir == NAS_SEC_UPLINK ? NAS_DIR_UL : NAS_DIR_DL;
    struct nas_message *m = malloc(sizeof(*m));
    int r;

    if (!m)
        return 1;
    r = nas_decode_plain_dir(p, len, dir, m);
    if (r < 0) {
        uint8_t cause = m->pd == NAS_PD_ESM ? nas_err_esm_cause(m->err.code)
                                            : nas_err_emm_cause(m->err.code);

        fprintf(stderr, "nas-decode: cannot decode: %s at octet %u", nas_err_str(m->err.code),
                m->err.offset);
        if (m->err.ie)
            fprintf(stderr, " (IE %s)", m->err.ie);
        if (m->err.iei)
            fprintf(stderr, " (IEI 0x%02x)", m->err.iei);
        if (m->id != NAS_MSG_NONE)
            fprintf(stderr, " in %s", nas_msg_name(m->id));
        if (cause)
            fprintf(stderr, "; answer with %s cause #%u (%s)\n", m->pd == NAS_PD_ESM ? "ESM" : "EMM",
                    cause, m->pd == NAS_PD_ESM ? nas_esm_cause_str(cause) : nas_emm_cause_str(cause));
        else
            fputs("; the message is to be ignored (TS 24.301 7.2)\n", stderr);
        free(m);
        return 1;
    }
    nas_print(stdout, m);
    free(m);
    return 0;
}

static int decode_one(const uint8_t *pdu, size_t len, struct opts *o, struct nas_sec_ctx *ctx)
{
    struct nas_sec_info info;
    static uint8_t plain[PDU_MAX];
    size_t plen = 0;
    enum nas_sec_err e;

    if (len < 1) {
        fputs("nas-decode: empty PDU\n", stderr);
        return 1;
    }
    e = nas_sec_peek(pdu, len, &info);
    if (e != NAS_SEC_OK) {
        fprintf(stderr, "nas-decode: security header: %s\n", nas_sec_err_str(e));
        return 1;
    }
    if (info.hdr == NAS_SEC_HDR_PLAIN || info.hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        if (info.hdr == NAS_SEC_HDR_SERVICE_REQUEST && o->have_int) {
            e = nas_unprotect(ctx, pdu, len, plain, sizeof(plain), &plen, &info);
            printf("security header: service request, short MAC 0x%04x %s\n", info.mac,
                   e == NAS_SEC_OK ? "verified" : "NOT verified");
            if (e != NAS_SEC_OK) {
                fprintf(stderr, "nas-decode: %s\n", nas_sec_err_str(e));
                return 1;
            }
        }
        return decode_plain(pdu, len, o);
    }
    if (!o->have_int) {
        printf("security header: %s (%u), MAC 0x%08x, SQN %u, MAC not verified (no --key)\n",
               nas_sec_hdr_str(info.hdr), info.hdr, info.mac, info.sqn);
        if (info.hdr == NAS_SEC_HDR_INTEGRITY_CIPHERED ||
            info.hdr == NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX) {
            fputs("nas-decode: the PDU is ciphered: give --key and --enc-key\n", stderr);
            return 1;
        }
        return decode_plain(pdu + NAS_SEC_HDR_LEN, len - NAS_SEC_HDR_LEN, o);
    }
    if (!o->have_count) {
        /* no COUNT given: the overflow is taken as 0 */
        uint32_t c = info.sqn;

        if (o->dir == NAS_SEC_UPLINK)
            ctx->ul_count = c;
        else
            ctx->dl_count = c;
    }
    e = nas_unprotect(ctx, pdu, len, plain, sizeof(plain), &plen, &info);
    if (e != NAS_SEC_OK) {
        fprintf(stderr, "nas-decode: %s: %s (security header %s, MAC 0x%08x, SQN %u)\n",
                e == NAS_SEC_ERR_MAC ? "integrity check failed" : "cannot unprotect",
                nas_sec_err_str(e), nas_sec_hdr_str(info.hdr), info.mac, info.sqn);
        return 1;
    }
    printf("security header: %s (%u), MAC 0x%08x %s, SQN %u, NAS COUNT %u%s\n",
           nas_sec_hdr_str(info.hdr), info.hdr, info.mac,
           info.integrity_verified ? "verified" : "not checked (EIA0)", info.sqn, info.count,
           info.ciphered ? ", deciphered" : "");
    return decode_plain(plain, plen, o);
}

static int handle_hex(const char *hex, struct opts *o, struct nas_sec_ctx *ctx)
{
    static uint8_t pdu[PDU_MAX];
    int n = hex_decode(hex, pdu, sizeof(pdu));

    if (n < 0) {
        fprintf(stderr, "nas-decode: not a hex string: %s\n", hex);
        return 1;
    }
    return decode_one(pdu, (size_t)n, o, ctx);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "key", required_argument, NULL, 'k' },  { "enc-key", required_argument, NULL, 'K' },
        { "eia", required_argument, NULL, 'i' },  { "eea", required_argument, NULL, 'e' },
        { "count", required_argument, NULL, 'c' }, { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
    };
    struct opts o = { .eia = 2, .eea = 0, .dir = NAS_SEC_UPLINK };
    struct nas_sec_ctx ctx;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 'k':
        case 'K':
            if (hex_decode_exact(optarg, c == 'k' ? o.knas_int : o.knas_enc, SEC_KEY_LEN) < 0) {
                fprintf(stderr, "nas-decode: %s needs 32 hex digits\n", c == 'k' ? "--key" : "--enc-key");
                return 2;
            }
            *(c == 'k' ? &o.have_int : &o.have_enc) = true;
            break;
        case 'i':
        case 'e':
            if (parse_alg(optarg, c == 'i' ? &o.eia : &o.eea) < 0) {
                fprintf(stderr, "nas-decode: --%s takes 0, 1, 2 or 3\n", c == 'i' ? "eia" : "eea");
                return 2;
            }
            break;
        case 'c':
            errno = 0;
            o.count = strtoul(optarg, &end, 0);
            if (errno || *end || o.count > NAS_COUNT_MAX) {
                fprintf(stderr, "nas-decode: --count takes 0..%u\n", NAS_COUNT_MAX);
                return 2;
            }
            o.have_count = true;
            break;
        case 'd':
            if (!strcmp(optarg, "ul")) {
                o.dir = NAS_SEC_UPLINK;
            } else if (!strcmp(optarg, "dl")) {
                o.dir = NAS_SEC_DOWNLINK;
            } else {
                fputs("nas-decode: --dir takes ul or dl\n", stderr);
                return 2;
            }
            o.have_dir = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.have_enc && !o.have_int) {
        fputs("nas-decode: --enc-key needs --key too (every protected PDU has a MAC)\n", stderr);
        return 2;
    }
    if (o.have_int) {
        /* we receive: the network receives uplink, the UE downlink */
        enum nas_sec_role role = o.dir == NAS_SEC_UPLINK ? NAS_SEC_ROLE_NETWORK : NAS_SEC_ROLE_UE;

        if (nas_sec_ctx_init(&ctx, role, 0, (uint8_t)o.eea, (uint8_t)o.eia, o.knas_enc,
                             o.knas_int) != NAS_SEC_OK) {
            fputs("nas-decode: cannot set up the security context\n", stderr);
            return 2;
        }
        if (o.dir == NAS_SEC_UPLINK)
            ctx.ul_count = (uint32_t)o.count;
        else
            ctx.dl_count = (uint32_t)o.count;
    }
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            rc |= handle_hex(argv[i], &o, &ctx);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        while ((n = getline(&line, &cap, stdin)) > 0) {
            line[strcspn(line, "\r\n")] = '\0';
            if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
                continue;
            rc |= handle_hex(line, &o, &ctx);
        }
        free(line);
    }
    if (o.have_int)
        nas_sec_ctx_free(&ctx);
    return rc ? 1 : 0;
}
