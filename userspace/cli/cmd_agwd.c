/* xepcctl enb / ue / agw: ask the running xepc-agwd over its control socket
 * (control.socket in agw.yaml, /run/xepc/agwd.sock by default).  The daemon
 * answers "ok" or "error: why" on the first line, then the result. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"

#define AGWD_SOCKET_DEFAULT "/run/xepc/agwd.sock"

static const char *socket_path(int *argc, char **argv)
{
    const char *path = getenv("XEPC_AGWD_SOCKET");
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < *argc) {
            path = argv[i + 1];
            memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
            *argc -= 2;
            break;
        }
    }
    return path && path[0] ? path : AGWD_SOCKET_DEFAULT;
}

static int ask(const char *path, const char *req)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "xepcctl: socket path too long: %s\n", path);
        return CLI_USAGE;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        fprintf(stderr, "xepcctl: cannot reach xepc-agwd at %s: %s%s\n", path, strerror(e),
                e == EACCES ? " (run as root or as a member of control.group)"
                : e == ENOENT || e == ECONNREFUSED ? " (is xepc-agwd running? --socket PATH)"
                                                    : "");
        if (fd >= 0)
            close(fd);
        return CLI_FAIL;
    }
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
        fprintf(stderr, "xepcctl: %s: %s\n", path, strerror(errno));
        close(fd);
        return CLI_FAIL;
    }
    shutdown(fd, SHUT_WR);
    char buf[65536];
    size_t len = 0;
    int rc = CLI_FAIL;
    bool first = true;
    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = 0;
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
            *nl = 0;
            if (first) {
                first = false;
                if (!strcmp(buf, "ok"))
                    rc = CLI_OK;
                else
                    fprintf(stderr, "xepcctl: %s\n", buf);
            } else {
                printf("%s\n", buf);
            }
            len -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len + 1);
        }
        if (len == sizeof(buf) - 1)
            len = 0;    /* a line longer than the buffer: drop it */
    }
    close(fd);
    if (first)
        fprintf(stderr, "xepcctl: xepc-agwd closed the connection without answering\n");
    return rc;
}

static void usage_enb(FILE *f)
{
    fprintf(f, "usage: xepcctl enb list [--socket PATH]\n"
               "       xepcctl enb reset ENB-ID|#ASSOC [--socket PATH]\n\n"
               "The eNodeBs connected to xepc-agwd: association, eNB id, name, address,\n"
               "UEs with an S1 connection, tracking areas.  'reset' sends the eNB an S1\n"
               "Reset of its whole interface (TS 36.413 8.7.1.2.1): its UEs go ECM-IDLE,\n"
               "their sessions kept.\n");
}

static void usage_ue(FILE *f)
{
    fprintf(f, "usage: xepcctl ue list [--socket PATH]\n"
               "       xepcctl ue show IMSI|#MME-UE-S1AP-ID\n"
               "       xepcctl ue detach IMSI|#MME-UE-S1AP-ID\n"
               "       xepcctl ue release IMSI|#MME-UE-S1AP-ID\n"
               "       xepcctl ue guti-realloc IMSI|#MME-UE-S1AP-ID\n"
               "       xepcctl ue modify IMSI|#MME-UE-S1AP-ID --ambr UL/DL\n"
               "       xepcctl ue generic-nas IMSI|#MME-UE-S1AP-ID TYPE HEX [INFO-HEX]\n"
               "       xepcctl ue bearer add IMSI [--apn APN] --qci Q [--arp P]\n"
               "               [--gbr-ul R --gbr-dl R] [--mbr-ul R --mbr-dl R] --tft FILTER...\n"
               "       xepcctl ue bearer modify IMSI EBI [--gbr-ul R ...] [--tft FILTER...]\n"
               "       xepcctl ue bearer delete IMSI EBI\n"
               "       xepcctl ue qos IMSI|#MME-UE-S1AP-ID EBI [--qci Q] [--arp P]\n"
               "               [--apn-ambr UL/DL]\n\n"
               "UEs known to xepc-agwd.  'detach' runs a network-initiated detach (TS 24.301\n"
               "5.5.2.3, re-attach not required) and releases the UE's sessions.  'release'\n"
               "releases a connected UE's S1 connection (UE Context Release Command, TS 36.413\n"
               "8.3.3): the UE goes ECM-IDLE with its sessions.  'guti-realloc' gives a\n"
               "connected UE a new GUTI (GUTI REALLOCATION COMMAND, TS 24.301 5.4.1).\n"
               "'modify --ambr' gives the UE a new UE-AMBR (bit rates with bps, kbps,\n"
               "Mbps, Gbps: 10Mbps/50Mbps), sent to its eNB with a UE Context\n"
               "Modification (TS 36.413 8.3.4) when it is connected.\n"
               "'generic-nas' sends a connected UE a DOWNLINK GENERIC NAS TRANSPORT (TS 24.301\n"
               "5.6.4.2): container type TYPE (1 LPP, 2 location services, 1..255), the\n"
               "container as hex (1..512 octets), optional additional information (hex).\n"
               "'bearer' activates, modifies or deactivates a dedicated EPS bearer (TS 24.301\n"
               "6.4.2-6.4.4) on the UE's PDN connection to APN (default: its first).  Rates R\n"
               "in bit/s with k, M, G (1000s); a GBR QCI (1-4, 65-67, 71-76, 82-85) needs the\n"
               "GBR, the MBR defaults to it.  FILTER is an IPFilterRule, repeated for more:\n"
               "  'permit out udp from any to 10.45.0.0/16 49152-65535'\n"
               "  ('out': from the network to the UE; 'in': from the UE; ip|tcp|udp|icmp|N;\n"
               "  any, an address or a prefix; a port or LO-HI; optional 'tos V[/MASK]').\n"
               "'add' prints the bearer's EBI; an ECM-IDLE UE is paged first and the\n"
               "request follows once it is connected.  'ue show' lists the bearers.\n"
               "'qos' modifies the default bearer EBI of a PDN connection (TS 23.401\n"
               "5.4.2.1, TS 24.301 6.4.3): its QCI (non-GBR: 5-9, 69, 70, 79, 80), its ARP\n"
               "priority (1-15) and/or its APN-AMBR (UL/DL with bps, kbps, Mbps, Gbps, at\n"
               "least 1kbps); what is not given stays.  The UE and the eNB are told (MODIFY\n"
               "EPS BEARER CONTEXT REQUEST, E-RAB Modify when the QCI or ARP change); the\n"
               "new values apply when the UE accepts ('ue show').  An ECM-IDLE UE is paged\n"
               "first.\n");
}

/* xepcctl ue bearer add|modify|delete: one request line of KEY=VALUE, the
 * filters' spaces sent as '+' */
static int ue_bearer(const char *path, int argc, char **argv)
{
    char req[2048];
    size_t off = 0;
    if (argc < 4)
        goto usage;
    const char *verb = argv[2], *imsi = argv[3];
    bool add = !strcmp(verb, "add");
    if (!add && strcmp(verb, "modify") && strcmp(verb, "delete"))
        goto usage;
    if (strlen(imsi) > 15 || strspn(imsi, "0123456789") != strlen(imsi)) {
        fprintf(stderr, "xepcctl: '%s' is not an IMSI\n", imsi);
        return CLI_USAGE;
    }
    off += (size_t)snprintf(req + off, sizeof(req) - off, "ue bearer %s %s", verb, imsi);
    int i = 4;
    if (!add) {
        if (argc < 5 || strspn(argv[4], "0123456789") != strlen(argv[4]) || !argv[4][0]) {
            fprintf(stderr, "xepcctl: give the bearer's EBI (5..15)\n");
            return CLI_USAGE;
        }
        off += (size_t)snprintf(req + off, sizeof(req) - off, " ebi=%s", argv[4]);
        i = 5;
    }
    static const struct { const char *opt, *key; } opts[] = {
        {"--apn", "apn"},       {"--qci", "qci"},       {"--arp", "arp"},
        {"--gbr-ul", "gbr_ul"}, {"--gbr-dl", "gbr_dl"}, {"--mbr-ul", "mbr_ul"},
        {"--mbr-dl", "mbr_dl"}, {"--tft", "tft"},
    };
    for (; i < argc; i += 2) {
        const char *key = NULL;
        for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
            if (!strcmp(argv[i], opts[k].opt))
                key = opts[k].key;
        if (!key || i + 1 >= argc || !strcmp(verb, "delete")) {
            fprintf(stderr, "xepcctl: unexpected '%s'\n", argv[i]);
            return CLI_USAGE;
        }
        if (strpbrk(argv[i + 1], "+\r\n=") && strcmp(key, "tft")) {
            fprintf(stderr, "xepcctl: bad value '%s' for %s\n", argv[i + 1], argv[i]);
            return CLI_USAGE;
        }
        if (strpbrk(argv[i + 1], "+\r\n")) {
            fprintf(stderr, "xepcctl: bad filter '%s'\n", argv[i + 1]);
            return CLI_USAGE;
        }
        off += (size_t)snprintf(req + off, off < sizeof(req) ? sizeof(req) - off : 0, " %s=",
                                key);
        for (const char *c = argv[i + 1]; *c && off + 2 < sizeof(req); c++)
            req[off++] = *c == ' ' || *c == '\t' ? '+' : *c;
        if (off + 2 >= sizeof(req)) {
            fprintf(stderr, "xepcctl: request too long\n");
            return CLI_USAGE;
        }
        req[off] = 0;
    }
    snprintf(req + off, sizeof(req) - off, "\n");
    return ask(path, req);
usage:
    usage_ue(stderr);
    return CLI_USAGE;
}

int cli_enb_main(int argc, char **argv)
{
    const char *path = socket_path(&argc, argv);
    if (argc == 2 && !strcmp(argv[1], "list"))
        return ask(path, "enb list\n");
    if (argc == 3 && !strcmp(argv[1], "reset")) {
        char req[64];
        if (strlen(argv[2]) > 12 || strpbrk(argv[2], " \t\r\n")) {
            fprintf(stderr, "xepcctl: '%s' is not an eNB ID or #ASSOC\n", argv[2]);
            return CLI_USAGE;
        }
        snprintf(req, sizeof(req), "enb reset %s\n", argv[2]);
        return ask(path, req);
    }
    bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    usage_enb(help ? stdout : stderr);
    return help ? CLI_OK : CLI_USAGE;
}

/* "10Mbps" -> 10000000; 0 on anything else */
static unsigned long long parse_rate(const char *s, size_t n)
{
    static const struct { const char *u; unsigned long long m; } units[] = {
        {"bps", 1}, {"kbps", 1000ull}, {"Mbps", 1000000ull}, {"Gbps", 1000000000ull}};
    char *end = NULL;
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf)
        return 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcmp(end, units[i].u))
            return v > 4000000000000ull / units[i].m ? 0 : v * units[i].m;
    return 0;
}

/* xepcctl ue qos ID EBI [--qci Q] [--arp P] [--apn-ambr UL/DL] ->
 * "ue qos ID EBI qci=Q arp=P ambr=UL/DL" (bit/s) */
static int ue_qos(const char *path, int argc, char **argv)
{
    char req[256];
    size_t off;
    if (argc < 4 || strlen(argv[2]) > 20 || strpbrk(argv[2], " \t\r\n") || !argv[2][0]) {
        fprintf(stderr, "xepcctl: ue qos IMSI|#ID EBI [--qci Q] [--arp P] [--apn-ambr UL/DL]\n");
        return CLI_USAGE;
    }
    char *e = NULL;
    unsigned long ebi = strtoul(argv[3], &e, 10);
    if (!argv[3][0] || *e || strspn(argv[3], "0123456789") != strlen(argv[3]) || ebi < 5 ||
        ebi > 15) {
        fprintf(stderr, "xepcctl: '%s' is not a default bearer's EBI (5..15)\n", argv[3]);
        return CLI_USAGE;
    }
    if (argc == 4) {
        fprintf(stderr, "xepcctl: give --qci, --arp and/or --apn-ambr\n");
        return CLI_USAGE;
    }
    off = (size_t)snprintf(req, sizeof(req), "ue qos %s %lu", argv[2], ebi);
    bool seen[3] = {false, false, false};
    for (int i = 4; i < argc; i += 2) {
        int k = !strcmp(argv[i], "--qci") ? 0 : !strcmp(argv[i], "--arp") ? 1
              : !strcmp(argv[i], "--apn-ambr") ? 2 : -1;
        if (k < 0 || i + 1 >= argc) {
            fprintf(stderr, "xepcctl: unexpected '%s' (--qci Q, --arp P, --apn-ambr UL/DL)\n",
                    argv[i]);
            return CLI_USAGE;
        }
        if (seen[k]) {
            fprintf(stderr, "xepcctl: %s given twice\n", argv[i]);
            return CLI_USAGE;
        }
        seen[k] = true;
        const char *v = argv[i + 1];
        if (k < 2) {
            unsigned long n = strtoul(v, &e, 10);
            bool ok = v[0] && !*e && strspn(v, "0123456789") == strlen(v);
            /* TS 23.203 6.1.7.2: non-GBR QCIs; TS 29.212 5.3.45: ARP 1..15 */
            if (k == 0 && !(ok && ((n >= 5 && n <= 9) || n == 69 || n == 70 || n == 79 ||
                                   n == 80))) {
                fprintf(stderr, "xepcctl: --qci wants a non-GBR QCI for a default bearer "
                                "(5-9, 69, 70, 79, 80), not '%s'\n", v);
                return CLI_USAGE;
            }
            if (k == 1 && !(ok && n >= 1 && n <= 15)) {
                fprintf(stderr, "xepcctl: --arp wants a priority level 1..15, not '%s'\n", v);
                return CLI_USAGE;
            }
            off += (size_t)snprintf(req + off, sizeof(req) - off, " %s=%lu", k ? "arp" : "qci", n);
        } else {
            const char *slash = strchr(v, '/');
            unsigned long long ul = slash ? parse_rate(v, (size_t)(slash - v)) : 0;
            unsigned long long dl = slash ? parse_rate(slash + 1, strlen(slash + 1)) : 0;
            if (ul < 1000 || dl < 1000) {
                fprintf(stderr, "xepcctl: --apn-ambr wants UL/DL, e.g. 10Mbps/50Mbps "
                                "(1kbps .. 4Tbps each), not '%s'\n", v);
                return CLI_USAGE;
            }
            off += (size_t)snprintf(req + off, sizeof(req) - off, " ambr=%llu/%llu", ul, dl);
        }
    }
    snprintf(req + off, sizeof(req) - off, "\n");
    return ask(path, req);
}

int cli_ue_main(int argc, char **argv)
{
    char req[128];
    const char *path = socket_path(&argc, argv);
    if (argc == 2 && !strcmp(argv[1], "list"))
        return ask(path, "ue list\n");
    if (argc >= 2 && !strcmp(argv[1], "bearer"))
        return ue_bearer(path, argc, argv);
    if (argc == 3 && (!strcmp(argv[1], "show") || !strcmp(argv[1], "detach") ||
                      !strcmp(argv[1], "release") || !strcmp(argv[1], "guti-realloc"))) {
        if (strlen(argv[2]) > 20 || strpbrk(argv[2], " \t\r\n")) {
            fprintf(stderr, "xepcctl: '%s' is not an IMSI or #MME-UE-S1AP-ID\n", argv[2]);
            return CLI_USAGE;
        }
        snprintf(req, sizeof(req), "ue %s %s\n", argv[1], argv[2]);
        return ask(path, req);
    }
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "generic-nas")) {
        static char greq[2 * 1024 + 2 * 255 + 64];
        size_t n = 0;
        for (int i = 2; i < argc; i++)
            if (!argv[i][0] || strpbrk(argv[i], " \t\r\n"))
                n = sizeof(greq);
            else
                n += strlen(argv[i]) + 1;
        if (n + 32 > sizeof(greq)) {
            fprintf(stderr, "xepcctl: ue generic-nas IMSI|#ID TYPE HEX [INFO-HEX]\n");
            return CLI_USAGE;
        }
        snprintf(greq, sizeof(greq), "ue generic-nas %s %s %s %s\n", argv[2], argv[3], argv[4],
                 argc == 6 ? argv[5] : "");
        return ask(path, greq);
    }
    if (argc >= 2 && !strcmp(argv[1], "qos"))
        return ue_qos(path, argc, argv);
    if (argc == 5 && !strcmp(argv[1], "modify") && !strcmp(argv[3], "--ambr")) {
        const char *slash = strchr(argv[4], '/');
        unsigned long long ul = slash ? parse_rate(argv[4], (size_t)(slash - argv[4])) : 0;
        unsigned long long dl = slash ? parse_rate(slash + 1, strlen(slash + 1)) : 0;
        if (!ul || !dl || strlen(argv[2]) > 20 || strpbrk(argv[2], " \t\r\n")) {
            fprintf(stderr, "xepcctl: ue modify IMSI|#ID --ambr UL/DL, e.g. --ambr 10Mbps/50Mbps "
                            "(1bps .. 4Tbps each)\n");
            return CLI_USAGE;
        }
        snprintf(req, sizeof(req), "ue modify %s %llu %llu\n", argv[2], ul, dl);
        return ask(path, req);
    }
    bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    usage_ue(help ? stdout : stderr);
    return help ? CLI_OK : CLI_USAGE;
}

int cli_agw_main(int argc, char **argv)
{
    const char *path = socket_path(&argc, argv);
    if (argc == 2 && !strcmp(argv[1], "stats"))
        return ask(path, "stats\n");
    bool help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    fprintf(help ? stdout : stderr, "usage: xepcctl agw stats [--socket PATH]\n\n"
                                    "The counters of the running xepc-agwd.\n");
    return help ? CLI_OK : CLI_USAGE;
}
