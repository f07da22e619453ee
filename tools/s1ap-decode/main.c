/* s1ap-decode: print S1AP PDUs (hex or pcap) IE by IE.  See usage(). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "s1ap.h"
#include "s1ap_pcap.h"
#include "s1ap_print.h"

#define MAX_PDU (1u << 20)
#define ARENA_SIZE (1u << 20)

static void usage(FILE *f)
{
    fputs(
"NAME\n"
"    s1ap-decode - print S1AP messages IE by IE\n"
"\n"
"SYNOPSIS\n"
"    s1ap-decode [-q] HEX...\n"
"    s1ap-decode [-q] < FILE\n"
"    s1ap-decode [-q] --pcap FILE\n"
"\n"
"DESCRIPTION\n"
"    Decodes S1AP PDUs (3GPP TS 36.413, ASN.1 Aligned PER) with the xepc\n"
"    codec and prints each message: its name and length, the elementary\n"
"    procedure, then every IE with its name, id and criticality (as TS\n"
"    36.413 assigns them) and its value; constructed values are indented\n"
"    below, lists show their items as [0], [1], ...\n"
"\n"
"    Input is one of:\n"
"      HEX arguments   one S1AP PDU per argument;\n"
"      standard input  one PDU per line, when no argument is given.  A line\n"
"                      may be \"<name> <hex>\" (the format of\n"
"                      build/test-vectors/s1ap.txt); blank lines and lines\n"
"                      starting with # are skipped; spaces or colons\n"
"                      between byte pairs are allowed;\n"
"      --pcap FILE     a pcap or pcapng file with link type\n"
"                      Ethernet, Linux cooked (SLL, SLL2) or raw IP; every\n"
"                      SCTP DATA chunk with payload protocol identifier 18\n"
"                      is decoded.  IP fragments and fragmented SCTP user\n"
"                      messages are reported on standard error and skipped.\n"
"\n"
"OPTIONS\n"
"    -p, --pcap FILE   read the messages from a pcap file (- for stdin)\n"
"    -q, --quiet       one line per message: its name, or the error\n"
"    -h, --help        this text\n"
"\n"
"ERRORS\n"
"    A message that cannot be decoded is reported on standard error as\n"
"        s1ap-decode: <where>: <class>: <what failed> in <ASN.1 type> at bit N\n"
"    where <class> follows TS 36.413 clause 10 (transfer syntax error,\n"
"    abstract syntax error (reject / falsely constructed message),\n"
"    procedure not comprehended) and the bit offset counts from the start\n"
"    of the innermost open type being decoded (the message value, or the\n"
"    IE value).  IEs that the receiver rules of clause 10 ignore are listed\n"
"    after the message with their id, criticality and \"not understood\" or\n"
"    \"missing\" - what an Error Indication's Criticality Diagnostics would\n"
"    carry.\n"
"\n"
"EXIT STATUS\n"
"    0  every message decoded (possibly with ignored IEs)\n"
"    1  at least one message could not be decoded\n"
"    2  usage error, unreadable file, bad hex or not a pcap file\n"
"\n"
"EXAMPLES\n"
"    s1ap-decode 0011002d000004003b00090000f1104054f64010003c40090300...\n"
"    s1ap-decode < build/test-vectors/s1ap.txt\n"
"    tcpdump -i any -w s1.pcap sctp port 36412; s1ap-decode --pcap s1.pcap\n",
          f);
}

struct ctx {
    bool quiet;
    unsigned decoded, failed;
    uint8_t *arena_mem;
};

static void decode_one(struct ctx *c, const char *where, const uint8_t *buf, size_t len)
{
    struct aper_arena arena;
    struct s1ap_pdu pdu;
    struct s1ap_decode_error err;

    aper_arena_init(&arena, c->arena_mem, ARENA_SIZE);
    int rc = s1ap_decode(buf, len, &pdu, &arena, &err);
    if (rc) {
        c->failed++;
        if (c->quiet)
            printf("%s: error\n", where);
        else
            fflush(stdout);
        fprintf(stderr, "s1ap-decode: %s: %s: %s", where, s1ap_decode_cause_str(err.cause),
                err.detail ? err.detail : "error");
        if (err.type_name)
            fprintf(stderr, " in %s", err.type_name);
        if (err.type_name || err.bit_offset)
            fprintf(stderr, " at bit %zu (byte %zu)", err.bit_offset, err.bit_offset / 8);
        if (err.procedure_known)
            fprintf(stderr, "; procedure %s (%u), %s",
                    s1ap_print_procedure_name(err.procedure_code), err.procedure_code,
                    err.triggering_message == S1AP_INITIATING_MESSAGE ? "initiatingMessage"
                    : err.triggering_message == S1AP_SUCCESSFUL_OUTCOME ? "successfulOutcome"
                                                                        : "unsuccessfulOutcome");
        fprintf(stderr, " (%zu bytes)\n", len);
        s1ap_print_diagnostics(stderr, &err);
        return;
    }
    c->decoded++;
    if (c->quiet) {
        printf("%s: %s%s\n", where, s1ap_msg_name(pdu.kind),
               err.n_ies || err.ies_truncated ? " (IEs ignored or missing)" : "");
        return;
    }
    printf("%s: ", where);
    s1ap_print_pdu(stdout, &pdu, len, &err);
    if (err.n_ies || err.ies_truncated) {
        /* processed, but with IEs ignored or missing (TS 36.413 10.3.4, 10.3.5) */
        printf("  note: %s\n", err.cause == S1AP_DECODE_IGNORED_IES ? s1ap_decode_cause_str(err.cause)
                                                                    : "IEs missing or ignored");
        s1ap_print_diagnostics(stdout, &err);
    }
    /* deviations the decoder accepted (an eNB name outside PrintableString) */
    for (unsigned i = 0; i < err.n_warnings && i < S1AP_DIAG_MAX_WARNINGS; i++)
        printf("  warning: IE %u (%s): %s\n", err.warnings[i].ie_id,
               err.warnings[i].type_name ? err.warnings[i].type_name : "?",
               s1ap_decode_warning_str(err.warnings[i].kind));
    if (err.n_warnings > S1AP_DIAG_MAX_WARNINGS)
        printf("  warning: %u more\n", err.n_warnings - S1AP_DIAG_MAX_WARNINGS);
}

static int decode_hex(struct ctx *c, const char *where, const char *text, uint8_t *buf)
{
    int n = hex_decode(text, buf, MAX_PDU);
    if (n < 0) {
        fprintf(stderr, "s1ap-decode: %s: %s\n", where,
                n == -ENOSPC ? "message longer than 1 MiB" : "not hex (odd digit count or a non-hex character)");
        return -1;
    }
    if (n == 0) {
        fprintf(stderr, "s1ap-decode: %s: empty message\n", where);
        return -1;
    }
    decode_one(c, where, buf, (size_t)n);
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int read_lines(struct ctx *c, FILE *in, uint8_t *buf)
{
    char *line = NULL, where[160];
    size_t cap = 0;
    unsigned long lineno = 0;
    int bad = 0;

    while (getline(&line, &cap, in) >= 0) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        const char *hexpart = s, *label = NULL;
        char *sp = strpbrk(s, " \t");
        /* "<name> <hex>": the first word is not hex digits */
        if (sp && hex_decode(s, buf, MAX_PDU) < 0) {
            *sp = 0;
            label = s;
            hexpart = trim(sp + 1);
        }
        if (label)
            snprintf(where, sizeof(where), "line %lu (%.100s)", lineno, label);
        else
            snprintf(where, sizeof(where), "line %lu", lineno);
        if (decode_hex(c, where, hexpart, buf))
            bad = 1;
    }
    free(line);
    return bad;
}

static void pcap_cb(const struct s1ap_pcap_msg *m, void *arg)
{
    char where[64];
    if (m->chunk > 1)
        snprintf(where, sizeof(where), "frame %lu chunk %u", m->frame, m->chunk);
    else
        snprintf(where, sizeof(where), "frame %lu", m->frame);
    decode_one(arg, where, m->data, m->len);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "pcap", required_argument, NULL, 'p' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct ctx c = { 0 };
    const char *pcap = NULL;
    int opt, bad = 0;

    while ((opt = getopt_long(argc, argv, "p:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'p': pcap = optarg; break;
        case 'q': c.quiet = true; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "s1ap-decode: see `s1ap-decode --help`\n");
            return 2;
        }
    }
    if (pcap && optind < argc) {
        fprintf(stderr, "s1ap-decode: give either --pcap FILE or hex arguments, not both\n");
        return 2;
    }
    uint8_t *buf = malloc(MAX_PDU);
    c.arena_mem = malloc(ARENA_SIZE);
    if (!buf || !c.arena_mem) {
        fprintf(stderr, "s1ap-decode: out of memory\n");
        return 2;
    }
    if (pcap) {
        FILE *f = strcmp(pcap, "-") ? fopen(pcap, "rb") : stdin;
        char err[256];
        unsigned long skipped = 0;
        if (!f) {
            fprintf(stderr, "s1ap-decode: %s: %s\n", pcap, strerror(errno));
            return 2;
        }
        if (s1ap_pcap_read(f, pcap_cb, &c, stderr, &skipped, err, sizeof(err))) {
            fprintf(stderr, "s1ap-decode: %s: %s\n", pcap, err);
            bad = 2;
        }
        if (f != stdin)
            fclose(f);
        if (!bad && c.decoded + c.failed == 0)
            fprintf(stderr, "s1ap-decode: %s: no S1AP message (SCTP PPID 18) found\n", pcap);
    } else if (optind < argc) {
        for (int i = optind; i < argc; i++) {
            char where[32];
            snprintf(where, sizeof(where), "argument %d", i - optind + 1);
            if (decode_hex(&c, where, argv[i], buf))
                bad = 2;
        }
    } else if (read_lines(&c, stdin, buf)) {
        bad = 2;
    }
    free(buf);
    free(c.arena_mem);
    if (bad)
        return bad;
    return c.failed ? 1 : 0;
}
