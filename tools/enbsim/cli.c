/* enbsim: the command line, the set-up and the run (enbsim_run); main.c
 * only calls it, so that tests can run the whole program in-process. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "enbsim_ctx.h"

static void usage(FILE *out)
{
    fprintf(out,
"NAME\n"
"    enbsim - eNodeB and UE simulator (S1AP over SCTP, NAS, GTP-U)\n"
"\n"
"SYNOPSIS\n"
"    enbsim --mme ADDR[:PORT] --subscribers FILE [OPTIONS]\n"
"    enbsim gen-subscribers --count N --imsi-base IMSI [--apn NAME] [--out FILE]\n"
"\n"
"DESCRIPTION\n"
"    Simulates --enbs eNodeBs, each an SCTP client with its own local\n"
"    address, eNB ID and S1 Setup, and --ues UEs, each with its own USIM\n"
"    (IMSI, K, OPc, SQN) from the subscriber CSV.  Every UE attaches (EPS\n"
"    AKA, security mode, default bearer), optionally opens and closes a\n"
"    second PDN connection, stays attached --hold seconds with a TUN device\n"
"    ue<N> carrying its traffic over GTP-U, and detaches when --detach is\n"
"    given.  SIGUSR1 makes every eNB restart its SCTP transport (a new\n"
"    endpoint and association, S1 Setup again; attached UEs stay attached).\n"
"    At the end it prints one 'enbsim: KEY VALUE' line per figure\n"
"    on stdout (see docs/enbsim.md) and a summary on stderr.\n"
"\n"
"OPTIONS\n"
"    --mme ADDR[:PORT]     the MME's S1-MME address (port 36412)\n"
"    --backend B           SCTP: usrsctp-raw (default), usrsctp-udp or kernel\n"
"    --enb-addr A          local address of an eNB (SCTP and S1-U); give it\n"
"                          once per eNB, or once as a base that the others\n"
"                          count up from (default 127.0.0.1)\n"
"    --s1u-addr6 A         S1-U over IPv6: GTP-U from this IPv6 address (the\n"
"                          first eNB's; the others count up), given to the\n"
"                          MME as a 128-bit Transport Layer Address; the\n"
"                          gateway must give an IPv6 one (160 bits)\n"
"    --s1u6-enbs LIST      with --s1u-addr6, only these eNBs (1-based, e.g.\n"
"                          2 or 1,3) are on IPv6, the others on IPv4 (for\n"
"                          handovers between the two)\n"
"    --enbs N              eNBs (default 1, at most %d)\n"
"    --enb-id N            eNB ID of the first eNB, the others count up\n"
"                          (20-bit macro eNB ID, default 0x1001)\n"
"    --plmn MCCMNC         PLMN of the eNBs and the serving network (00101)\n"
"    --tac N               tracking area code (default 1)\n"
"    --streams N           SCTP outbound streams asked for (default 8)\n"
"    --ues N               UEs (default: every subscriber in the file)\n"
"    --subscribers FILE    CSV with a header naming imsi,k,opc|op[,amf,sqn,apns]\n"
"                          (the format of 'xepcctl subscriber import')\n"
"    --apn NAME            APN asked in the attach (default: the subscriber's\n"
"                          first APN, else none: the network's default)\n"
"    --esm-info            set the ESM information transfer flag and send the\n"
"                          APN in the ESM Information Response\n"
"    --pdn-type T          PDN type asked for: ipv4 (default), ipv6 or ipv4v6;\n"
"                          an IPv6 PDN's TUN device gets fe80::IID and the\n"
"                          Router Advertisement's /64 (PREFIX::IID)\n"
"    --ue-eea MASK         EEA bits of the UE network capability (default\n"
"                          0xf0: EEA0..3; 0x80: EEA0 only, readable NAS)\n"
"    --pdn APN             after attaching, open a PDN connection to APN and\n"
"                          disconnect it again (E-RAB Setup and Release)\n"
"    --rate N[/s]          attaches started per second (default: no limit)\n"
"    --concurrency N       attaches in progress at most (default 64)\n"
"    --duration SECONDS    end the run then.  A UE attached and held without\n"
"                          --detach is done; any other UE (in the middle of\n"
"                          a procedure, waiting, or not started) is cut:\n"
"                          counted in cut_by_duration, not failed, and its\n"
"                          unfinished procedure is neither _ok nor _failed\n"
"    --hold SECONDS        stay attached this long (-1: until SIGINT/SIGTERM)\n"
"    --detach[=switch-off] detach at the end (normal, or switch-off)\n"
"    --attaches N          attaches per UE (with --detach; the later ones use\n"
"                          the GUTI kept from the first; up to 10^9: with\n"
"                          --duration, a sustained attach/detach load)\n"
"    --tun / --no-tun      a TUN device ue<N> per attached UE (default) or\n"
"                          none (load runs: downlink G-PDUs are only counted)\n"
"    --mtu N               TUN MTU (default 1400)\n"
"    --timeout SECONDS     how long one step may wait for the network (10)\n"
"    --misbehave WHAT      negative tests: wrong-res, bad-mac, replay,\n"
"                          truncated-ie, unknown-ie, sctp-abort-mid-attach,\n"
"                          sqn-ahead, autn-mac-failure, no-smc-complete,\n"
"                          s1ap-truncated, s1ap-unknown-ie\n"
"    --ue-report FILE      one line per UE: imsi ip ul_teid dl_teid state enb\n"
"                          enb_ue_id mme_ue_id dns mtu dns6 pcscf6 (the PCO's\n"
"                          first DNS server, IPv4 link MTU, first IPv6 DNS\n"
"                          server and IPv6 P-CSCF; - or 0 when none)\n"
"    --ready-file FILE     written (with the process id) once every UE has\n"
"                          attached or failed, after the --ue-report\n"
"    --no-reconnect        an eNB whose association goes stays down (default:\n"
"                          it reconnects and sets S1 up again, attached UEs\n"
"                          staying attached)\n"
"    --idle-after S        the eNB releases a UE's connection (UE Context Release\n"
"                          Request) after S s without user-plane traffic\n"
"    --release-cause C     its cause: user-inactivity (default) or radio-loss\n"
"    --active-after S      an ECM-IDLE UE sends a Service Request after S s\n"
"                          (else only when paged or when it has uplink data)\n"
"    --ext-service         Extended Service Request instead of Service Request\n"
"    --cycles N            idle->active cycles per UE, then the UE goes on\n"
"                          (hold, detach); 0 (default): while held\n"
"    --tau-period S        an ECM-IDLE UE sends a periodic TAU after S s\n"
"    --tau-active          TAUs with the active flag (bearers set up again)\n"
"    --x2-handover-after S a connected UE moves to the next eNB (X2 handover,\n"
"                          Path Switch) after S s in a cell\n"
"    --s1-handover-after S a connected UE moves to the next eNB by S1 handover\n"
"                          (Handover Required ... Notify) after S s in a cell\n"
"    --s1-handover-cancel  the source cancels each S1 handover after the\n"
"                          Handover Command (Handover Cancel)\n"
"    --s1-notify-delay S   the target sends Handover Notify S s after the MME\n"
"                          Status Transfer (default 0)\n"
"    --handovers N         X2/S1 handovers per UE, then it goes on; 0: while held\n"
"    --reset-after S       every eNB resets its S1 interface S s after S1 Setup\n"
"    --bearer-alloc Q:P    after attaching, ask for a dedicated bearer of QCI Q\n"
"                          for UDP to remote port P (bearer resource allocation)\n"
"    --bearer-reject erab[:CAUSE]  the eNB fails every dedicated bearer's E-RAB\n"
"                          of an E-RAB Setup Request (E-RAB Failed to Setup\n"
"                          List, S1AP radio network cause CAUSE, default 25\n"
"                          radio-resources-not-available) and does not deliver\n"
"                          its ACTIVATE DEDICATED EPS BEARER CONTEXT REQUEST\n"
"    --bearer-reject ue[:CAUSE]  the eNB sets the E-RAB up, the UE answers\n"
"                          ACTIVATE DEDICATED EPS BEARER CONTEXT REJECT with\n"
"                          ESM cause CAUSE (default 26 insufficient resources)\n"
"    --modify-reject ue[:CAUSE]  the UE answers a default bearer's MODIFY EPS\n"
"                          BEARER CONTEXT REQUEST with a REJECT, ESM cause\n"
"                          CAUSE (default 26 insufficient resources)\n"
"    --modify-reject erab[:CAUSE]  the eNB fails a default bearer's E-RAB in\n"
"                          an E-RAB Modify Request (E-RAB Failed to Modify\n"
"                          List, radio network cause CAUSE, default 25) and\n"
"                          does not deliver its NAS PDU\n"
"    --paging-tau          a paged UE answers with a Tracking Area Update\n"
"                          Request (without --tau-active: no active flag)\n"
"    --nas-non-delivery T  each UE's eNB answers the first Downlink NAS Transport\n"
"                          carrying EMM message type T (e.g. 0x68 downlink\n"
"                          generic NAS transport) with NAS Non Delivery\n"
"                          Indication instead of delivering it; with\n"
"                          --s1-handover-after it starts the UE's S1 handover\n"
"                          then (cause s1-intra-system-handover-triggered)\n"
"    --verbose             log every step\n"
"    --help                this text\n"
"\n"
"EXIT STATUS\n"
"    0 every requested procedure succeeded (UEs cut by --duration do not\n"
"    count as failed, but at least one attach must have completed), 1 some\n"
"    failed (the result lines say which and why), 2 bad usage or a set-up\n"
"    error.\n",
            ENBSIM_MAX_ENBS);
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return -EINVAL;
    if (*end && strcmp(end, "/s") && strcmp(end, "s"))
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (*s == '-')
        return -EINVAL;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_mme(const char *s, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    unsigned long port = 36412;
    if (hl >= sizeof(host))
        return -EINVAL;
    memcpy(host, s, hl);
    host[hl] = 0;
    if (colon && parse_uint(colon + 1, 65535, &port))
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -EINVAL;
}

static int gen_subscribers(int argc, char **argv)
{
    unsigned long count = 0;
    const char *base = NULL, *apn = "internet", *out = NULL;
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'c'},
        {"imsi-base", required_argument, NULL, 'b'},
        {"apn", required_argument, NULL, 'a'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            if (parse_uint(optarg, 10000000, &count) || !count) {
                fprintf(stderr, "enbsim: --count wants 1..10000000\n");
                return 2;
            }
            break;
        case 'b': base = optarg; break;
        case 'a': apn = optarg; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (!count || !base) {
        fprintf(stderr, "enbsim gen-subscribers: --count and --imsi-base are required\n");
        return 2;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "enbsim: cannot write %s: %s\n", out, strerror(errno));
        return 2;
    }
    int rc = usim_csv_generate(f, base, (unsigned)count, apn);
    if (out && fclose(f) && !rc)
        rc = -EIO;
    if (rc) {
        fprintf(stderr, "enbsim gen-subscribers: %s\n",
                rc == -EINVAL ? "--imsi-base must be 6..15 digits with room for --count IMSIs"
                              : "write error");
        return 2;
    }
    return 0;
}

enum {
    O_MME = 256, O_BACKEND, O_ENB_ADDR, O_S1U6, O_S1U6_ENBS, O_ENBS, O_ENB_ID, O_PLMN, O_TAC, O_STREAMS, O_UES,
    O_SUBS, O_APN, O_ESM_INFO, O_PDN_TYPE, O_UE_EEA, O_PDN, O_RATE, O_CONC, O_DURATION, O_HOLD, O_DETACH,
    O_ATTACHES, O_TUN, O_NO_TUN, O_MTU, O_TIMEOUT, O_MISBEHAVE, O_UE_REPORT, O_READY, O_NO_RECONNECT, O_VERBOSE, O_HELP,
    O_IDLE_AFTER, O_RELEASE_CAUSE, O_ACTIVE_AFTER, O_EXT_SERVICE, O_CYCLES, O_TAU_PERIOD,
    O_TAU_ACTIVE, O_X2_AFTER, O_HANDOVERS, O_RESET_AFTER, O_BEARER_ALLOC,
    O_S1_AFTER, O_S1_CANCEL, O_S1_NOTIFY_DELAY, O_NND, O_PAGING_TAU, O_BEARER_REJECT,
    O_MODIFY_REJECT,
};

static int parse_args(struct enbsim *x, int argc, char **argv)
{
    struct enbsim_opts *o = &x->o;
    static const struct option opts[] = {
        {"mme", required_argument, NULL, O_MME},
        {"backend", required_argument, NULL, O_BACKEND},
        {"enb-addr", required_argument, NULL, O_ENB_ADDR},
        {"s1u-addr6", required_argument, NULL, O_S1U6},
        {"s1u6-enbs", required_argument, NULL, O_S1U6_ENBS},
        {"enbs", required_argument, NULL, O_ENBS},
        {"enb-id", required_argument, NULL, O_ENB_ID},
        {"plmn", required_argument, NULL, O_PLMN},
        {"tac", required_argument, NULL, O_TAC},
        {"streams", required_argument, NULL, O_STREAMS},
        {"ues", required_argument, NULL, O_UES},
        {"subscribers", required_argument, NULL, O_SUBS},
        {"apn", required_argument, NULL, O_APN},
        {"esm-info", no_argument, NULL, O_ESM_INFO},
        {"pdn-type", required_argument, NULL, O_PDN_TYPE},
        {"ue-eea", required_argument, NULL, O_UE_EEA},
        {"pdn", required_argument, NULL, O_PDN},
        {"rate", required_argument, NULL, O_RATE},
        {"concurrency", required_argument, NULL, O_CONC},
        {"duration", required_argument, NULL, O_DURATION},
        {"hold", required_argument, NULL, O_HOLD},
        {"detach", optional_argument, NULL, O_DETACH},
        {"attaches", required_argument, NULL, O_ATTACHES},
        {"tun", no_argument, NULL, O_TUN},
        {"no-tun", no_argument, NULL, O_NO_TUN},
        {"mtu", required_argument, NULL, O_MTU},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"misbehave", required_argument, NULL, O_MISBEHAVE},
        {"ue-report", required_argument, NULL, O_UE_REPORT},
        {"ready-file", required_argument, NULL, O_READY},
        {"no-reconnect", no_argument, NULL, O_NO_RECONNECT},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"help", no_argument, NULL, O_HELP},
        {"idle-after", required_argument, NULL, O_IDLE_AFTER},
        {"release-cause", required_argument, NULL, O_RELEASE_CAUSE},
        {"active-after", required_argument, NULL, O_ACTIVE_AFTER},
        {"ext-service", no_argument, NULL, O_EXT_SERVICE},
        {"cycles", required_argument, NULL, O_CYCLES},
        {"tau-period", required_argument, NULL, O_TAU_PERIOD},
        {"tau-active", no_argument, NULL, O_TAU_ACTIVE},
        {"x2-handover-after", required_argument, NULL, O_X2_AFTER},
        {"handovers", required_argument, NULL, O_HANDOVERS},
        {"s1-handover-after", required_argument, NULL, O_S1_AFTER},
        {"s1-handover-cancel", no_argument, NULL, O_S1_CANCEL},
        {"s1-notify-delay", required_argument, NULL, O_S1_NOTIFY_DELAY},
        {"reset-after", required_argument, NULL, O_RESET_AFTER},
        {"bearer-alloc", required_argument, NULL, O_BEARER_ALLOC},
        {"nas-non-delivery", required_argument, NULL, O_NND},
        {"paging-tau", no_argument, NULL, O_PAGING_TAU},
        {"bearer-reject", required_argument, NULL, O_BEARER_REJECT},
        {"modify-reject", required_argument, NULL, O_MODIFY_REJECT},
        {0},
    };
    bool have_mme = false;
    unsigned long v;
    o->backend = SCTP_BACKEND_USRSCTP_RAW;
    o->n_enbs = 1;
    o->enb_id_base = 0x1001;
    strcpy(o->plmn, "00101");
    o->tac = 1;
    o->streams = 8;
    o->concurrency = 64;
    o->attaches = 1;
    o->tun = true;
    o->mtu = 1400;
    o->timeout = 10;
    o->idle_after = o->active_after = o->tau_period = o->x2_after = o->reset_after = -1;
    o->s1_after = -1;
    o->nnd_type = -1;
    o->bearer_reject = -1;
    o->modify_reject = -1;
    o->release_cause = S1AP_CauseRadioNetwork_user_inactivity;
    for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (c) {
        case O_MME:
            if (parse_mme(optarg, &o->mme)) {
                fprintf(stderr, "enbsim: --mme wants IPV4[:PORT], not '%s'\n", optarg);
                return -EINVAL;
            }
            have_mme = true;
            break;
        case O_BACKEND:
            if (sctp_backend_parse(optarg, &o->backend)) {
                fprintf(stderr, "enbsim: --backend wants usrsctp-raw, usrsctp-udp or kernel\n");
                return -EINVAL;
            }
            break;
        case O_ENB_ADDR:
            if (o->n_enb_addr == ENBSIM_MAX_ENBS ||
                inet_pton(AF_INET, optarg, &o->enb_addr[o->n_enb_addr]) != 1) {
                fprintf(stderr, "enbsim: --enb-addr wants an IPv4 address, not '%s'\n", optarg);
                return -EINVAL;
            }
            o->n_enb_addr++;
            break;
        case O_S1U6:
            if (inet_pton(AF_INET6, optarg, &o->s1u6) != 1 || IN6_IS_ADDR_UNSPECIFIED(&o->s1u6) ||
                IN6_IS_ADDR_MULTICAST(&o->s1u6) || IN6_IS_ADDR_LINKLOCAL(&o->s1u6)) {
                fprintf(stderr, "enbsim: --s1u-addr6 wants a global IPv6 address, not '%s'\n",
                        optarg);
                return -EINVAL;
            }
            o->has_s1u6 = true;
            break;
        case O_S1U6_ENBS: {
            /* "2" or "1,3": the eNBs (1-based) on IPv6, the others on IPv4 */
            char *save = NULL, *list = strdup(optarg);
            o->s1u6_enbs = 0;
            for (char *t = list ? strtok_r(list, ",", &save) : NULL; t;
                 t = strtok_r(NULL, ",", &save)) {
                if (parse_uint(t, ENBSIM_MAX_ENBS, &v) || !v) {
                    free(list);
                    fprintf(stderr, "enbsim: --s1u6-enbs wants eNB numbers 1..%d, not '%s'\n",
                            ENBSIM_MAX_ENBS, optarg);
                    return -EINVAL;
                }
                o->s1u6_enbs |= 1u << (v - 1);
            }
            free(list);
            if (!o->s1u6_enbs) {
                fprintf(stderr, "enbsim: --s1u6-enbs wants eNB numbers, not '%s'\n", optarg);
                return -EINVAL;
            }
            break;
        }
        case O_ENBS:
            if (parse_uint(optarg, ENBSIM_MAX_ENBS, &v) || !v) {
                fprintf(stderr, "enbsim: --enbs wants 1..%d\n", ENBSIM_MAX_ENBS);
                return -EINVAL;
            }
            o->n_enbs = (unsigned)v;
            break;
        case O_ENB_ID:
            if (parse_uint(optarg, 0xfffff, &v)) {
                fprintf(stderr, "enbsim: --enb-id wants a 20-bit number\n");
                return -EINVAL;
            }
            o->enb_id_base = (uint32_t)v;
            break;
        case O_PLMN: {
            uint8_t p[3];
            if (strlen(optarg) >= sizeof(o->plmn) || enb_plmn_parse(optarg, p)) {
                fprintf(stderr, "enbsim: --plmn wants MCC and MNC digits (00101)\n");
                return -EINVAL;
            }
            strcpy(o->plmn, optarg);
            break;
        }
        case O_TAC:
            if (parse_uint(optarg, 65535, &v)) {
                fprintf(stderr, "enbsim: --tac wants 0..65535\n");
                return -EINVAL;
            }
            o->tac = (uint16_t)v;
            break;
        case O_STREAMS:
            if (parse_uint(optarg, 65535, &v) || v < 2) {
                fprintf(stderr, "enbsim: --streams wants 2..65535\n");
                return -EINVAL;
            }
            o->streams = (uint16_t)v;
            break;
        case O_UES:
            if (parse_uint(optarg, 10000000, &v) || !v) {
                fprintf(stderr, "enbsim: --ues wants 1..10000000\n");
                return -EINVAL;
            }
            o->n_ues = (unsigned)v;
            break;
        case O_SUBS: o->subscribers = optarg; break;
        case O_APN: o->apn = optarg; break;
        case O_ESM_INFO: o->esm_info = true; break;
        case O_UE_EEA:
            /* TS 24.301 9.9.3.34: EEA0 is bit 8 (0x80) .. EEA7 bit 1 */
            if (parse_uint(optarg, 255, &v) || !(v & 0x80)) {
                fprintf(stderr, "enbsim: --ue-eea wants 0x80..0xff (EEA0 always set)\n");
                return -EINVAL;
            }
            o->ue_eea = (uint8_t)v;
            break;
        case O_PDN_TYPE:
            /* TS 24.301 9.9.4.10 */
            if (!strcmp(optarg, "ipv4"))
                o->pdn_type = NAS_PDN_IPV4;
            else if (!strcmp(optarg, "ipv6"))
                o->pdn_type = NAS_PDN_IPV6;
            else if (!strcmp(optarg, "ipv4v6"))
                o->pdn_type = NAS_PDN_IPV4V6;
            else {
                fprintf(stderr, "enbsim: --pdn-type wants ipv4, ipv6 or ipv4v6\n");
                return -EINVAL;
            }
            break;
        case O_PDN: o->pdn_apn = optarg; break;
        case O_RATE:
            if (parse_double(optarg, &o->rate) || o->rate < 0) {
                fprintf(stderr, "enbsim: --rate wants N or N/s\n");
                return -EINVAL;
            }
            break;
        case O_CONC:
            if (parse_uint(optarg, 10000000, &v)) {
                fprintf(stderr, "enbsim: --concurrency wants a number (0: no limit)\n");
                return -EINVAL;
            }
            o->concurrency = (unsigned)v;
            break;
        case O_DURATION:
            if (parse_double(optarg, &o->duration) || o->duration < 0) {
                fprintf(stderr, "enbsim: --duration wants seconds\n");
                return -EINVAL;
            }
            break;
        case O_HOLD:
            if (parse_double(optarg, &o->hold)) {
                fprintf(stderr, "enbsim: --hold wants seconds (-1: until a signal)\n");
                return -EINVAL;
            }
            break;
        case O_DETACH:
            o->detach = true;
            if (optarg && !strcmp(optarg, "switch-off"))
                o->switch_off = true;
            else if (optarg && strcmp(optarg, "normal")) {
                fprintf(stderr, "enbsim: --detach wants normal or switch-off\n");
                return -EINVAL;
            }
            break;
        case O_ATTACHES:
            if (parse_uint(optarg, 1000000000, &v) || !v) {
                fprintf(stderr, "enbsim: --attaches wants 1..1000000000\n");
                return -EINVAL;
            }
            o->attaches = (unsigned)v;
            break;
        case O_TUN: o->tun = true; break;
        case O_NO_TUN: o->tun = false; break;
        case O_MTU:
            if (parse_uint(optarg, 9000, &v) || v < 576) {
                fprintf(stderr, "enbsim: --mtu wants 576..9000\n");
                return -EINVAL;
            }
            o->mtu = (unsigned)v;
            break;
        case O_TIMEOUT:
            if (parse_double(optarg, &o->timeout) || o->timeout <= 0) {
                fprintf(stderr, "enbsim: --timeout wants seconds > 0\n");
                return -EINVAL;
            }
            break;
        case O_MISBEHAVE:
            if (enbsim_misbehave_parse(optarg, &o->misbehave)) {
                fprintf(stderr, "enbsim: unknown --misbehave '%s' (see --help)\n", optarg);
                return -EINVAL;
            }
            break;
        case O_UE_REPORT: o->ue_report = optarg; break;
        case O_READY: o->ready_file = optarg; break;
        case O_NO_RECONNECT: o->no_reconnect = true; break;
        case O_VERBOSE: o->verbose = true; break;
        case O_IDLE_AFTER:
        case O_ACTIVE_AFTER:
        case O_TAU_PERIOD:
        case O_X2_AFTER:
        case O_S1_AFTER:
        case O_S1_NOTIFY_DELAY:
        case O_RESET_AFTER: {
            double d;
            if (parse_double(optarg, &d) || d < 0) {
                fprintf(stderr, "enbsim: --%s wants seconds >= 0\n",
                        c == O_IDLE_AFTER     ? "idle-after"
                        : c == O_ACTIVE_AFTER ? "active-after"
                        : c == O_TAU_PERIOD   ? "tau-period"
                        : c == O_X2_AFTER     ? "x2-handover-after"
                        : c == O_S1_AFTER     ? "s1-handover-after"
                        : c == O_S1_NOTIFY_DELAY ? "s1-notify-delay"
                                              : "reset-after");
                return -EINVAL;
            }
            *(c == O_IDLE_AFTER     ? &o->idle_after
              : c == O_ACTIVE_AFTER ? &o->active_after
              : c == O_TAU_PERIOD   ? &o->tau_period
              : c == O_X2_AFTER     ? &o->x2_after
              : c == O_S1_AFTER     ? &o->s1_after
              : c == O_S1_NOTIFY_DELAY ? &o->s1_notify_delay
                                    : &o->reset_after) = d;
            break;
        }
        case O_RELEASE_CAUSE:
            /* TS 36.413 9.2.1.3 radio network causes of an eNB's release */
            if (!strcmp(optarg, "user-inactivity"))
                o->release_cause = S1AP_CauseRadioNetwork_user_inactivity;
            else if (!strcmp(optarg, "radio-loss"))
                o->release_cause = S1AP_CauseRadioNetwork_radio_connection_with_ue_lost;
            else {
                fprintf(stderr, "enbsim: --release-cause wants user-inactivity or radio-loss\n");
                return -EINVAL;
            }
            break;
        case O_EXT_SERVICE: o->ext_service = true; break;
        case O_TAU_ACTIVE: o->tau_active = true; break;
        case O_S1_CANCEL: o->s1_cancel = true; break;
        case O_CYCLES:
        case O_HANDOVERS:
            if (parse_uint(optarg, 1000000000, &v)) {
                fprintf(stderr, "enbsim: --%s wants a count (0: no limit)\n",
                        c == O_CYCLES ? "cycles" : "handovers");
                return -EINVAL;
            }
            *(c == O_CYCLES ? &o->cycles : &o->handovers) = (unsigned)v;
            break;
        case O_BEARER_ALLOC: {
            unsigned long q, port;
            char *colon = strchr(optarg, ':');
            if (!colon || (*colon = 0, parse_uint(optarg, 9, &q)) || !q ||
                parse_uint(colon + 1, 65535, &port) || !port) {
                fprintf(stderr, "enbsim: --bearer-alloc wants QCI:PORT (QCI 1..9)\n");
                return -EINVAL;
            }
            o->bearer_qci = (int)q;
            o->bearer_port = (uint16_t)port;
            break;
        }
        case O_NND: {
            char *end = NULL;
            unsigned long t = strtoul(optarg, &end, 0);
            if (!*optarg || !end || *end || t < 0x41 || t > 0x6f) {
                fprintf(stderr, "enbsim: --nas-non-delivery wants an EMM message type "
                                "(0x41..0x6f, TS 24.301 9.8), e.g. 0x68\n");
                return -EINVAL;
            }
            o->nnd_type = (int)t;
            break;
        }
        case O_PAGING_TAU: o->paging_tau = true; break;
        case O_BEARER_REJECT:
        case O_MODIFY_REJECT: {
            /* erab[:S1AP radio network cause] or ue[:ESM cause] */
            bool ue = !strncmp(optarg, "ue", 2);
            size_t k = ue ? 2 : 4;
            unsigned long cause = ue ? 26 : 25; /* insufficient resources /
                                                 * radio-resources-not-available */
            if ((!ue && strncmp(optarg, "erab", 4)) || (optarg[k] && optarg[k] != ':') ||
                (optarg[k] == ':' && (parse_uint(optarg + k + 1, 255, &cause) || !cause))) {
                fprintf(stderr, "enbsim: --%s wants erab[:CAUSE] (an S1AP radio network "
                                "cause, TS 36.413 9.2.1.3) or ue[:CAUSE] (an ESM cause, TS "
                                "24.301 9.9.4.4)\n",
                        c == O_BEARER_REJECT ? "bearer-reject" : "modify-reject");
                return -EINVAL;
            }
            if (c == O_BEARER_REJECT && ue)
                o->bearer_reject_ue = (uint8_t)cause;
            else if (c == O_BEARER_REJECT)
                o->bearer_reject = (int)cause;
            else if (ue)
                o->modify_reject_ue = (uint8_t)cause;
            else
                o->modify_reject = (int)cause;
            break;
        }
        case O_HELP: usage(stdout); return 1;
        default: usage(stderr); return -EINVAL;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "enbsim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -EINVAL;
    }
    if (!have_mme || !o->subscribers) {
        fprintf(stderr, "enbsim: --mme and --subscribers are required (see --help)\n");
        return -EINVAL;
    }
    if (o->n_enb_addr > 1 && o->n_enb_addr != o->n_enbs) {
        fprintf(stderr, "enbsim: give --enb-addr once (a base) or once per eNB (%u)\n",
                o->n_enbs);
        return -EINVAL;
    }
    if ((o->cycles && o->idle_after < 0) ||
        (o->handovers && o->x2_after < 0 && o->s1_after < 0)) {
        fprintf(stderr, "enbsim: --cycles needs --idle-after, --handovers "
                        "--x2-handover-after or --s1-handover-after\n");
        return -EINVAL;
    }
    if ((o->x2_after >= 0 || o->s1_after >= 0) && o->n_enbs < 2) {
        fprintf(stderr, "enbsim: --x2-handover-after and --s1-handover-after need --enbs 2 "
                        "or more\n");
        return -EINVAL;
    }
    if (o->x2_after >= 0 && o->s1_after >= 0) {
        fprintf(stderr, "enbsim: --x2-handover-after and --s1-handover-after exclude each "
                        "other\n");
        return -EINVAL;
    }
    if ((o->s1_cancel || o->s1_notify_delay > 0) && o->s1_after < 0) {
        fprintf(stderr, "enbsim: --s1-handover-cancel and --s1-notify-delay need "
                        "--s1-handover-after\n");
        return -EINVAL;
    }
    if (o->attaches > 1 && !o->detach) {
        fprintf(stderr, "enbsim: --attaches above 1 needs --detach\n");
        return -EINVAL;
    }
    return 0;
}

static int load_subscribers(struct enbsim *x)
{
    char err[160];
    struct usim_csv c;
    FILE *f = fopen(x->o.subscribers, "r");
    if (!f) {
        fprintf(stderr, "enbsim: cannot read %s: %s\n", x->o.subscribers, strerror(errno));
        return -errno;
    }
    int rc = usim_csv_open(&c, f, err, sizeof(err));
    unsigned cap = x->o.n_ues ? x->o.n_ues : 1024, n = 0;
    struct usim_sub *subs = rc ? NULL : malloc(cap * sizeof(*subs));
    if (!rc && !subs)
        rc = -ENOMEM;
    while (!rc && (!x->o.n_ues || n < x->o.n_ues)) {
        if (n == cap) {
            struct usim_sub *m = realloc(subs, 2 * cap * sizeof(*subs));
            if (!m) {
                rc = -ENOMEM;
                break;
            }
            subs = m;
            cap *= 2;
        }
        int r = usim_csv_next(&c, &subs[n], err, sizeof(err));
        if (r < 0)
            rc = r;
        else if (r == 0)
            break;
        else
            n++;
    }
    fclose(f);
    if (rc) {
        fprintf(stderr, "enbsim: %s: %s\n", x->o.subscribers,
                rc == -ENOMEM ? "out of memory" : err);
        free(subs);
        return rc;
    }
    if (!n || (x->o.n_ues && n < x->o.n_ues)) {
        fprintf(stderr, "enbsim: %s holds %u subscribers, %u UEs wanted\n", x->o.subscribers,
                n, x->o.n_ues ? x->o.n_ues : 1);
        free(subs);
        return -EINVAL;
    }
    x->n_ues = n;
    x->ues = calloc(n, sizeof(*x->ues));
    x->ext = calloc(n, sizeof(*x->ext));
    x->rq = calloc(n, sizeof(*x->rq));
    if (!x->ues || !x->ext || !x->rq) {
        free(subs);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < n; i++) {
        struct enbsim_ue *ue = &x->ues[i];
        ue->idx = i;
        ue->enb = i % x->n_enbs;
        ue->ksi = NAS_KSI_NONE;
        if ((rc = usim_init(&ue->usim, &subs[i]))) {
            fprintf(stderr, "enbsim: cannot set up the USIM of %s\n", subs[i].imsi);
            break;
        }
        if (x->o.misbehave == ENBSIM_MB_SQN_AHEAD) {
            /* TS 33.102 6.3.5: a USIM ahead of the HSS makes it resync */
            usim_set_seq_ms(&ue->usim, (subs[i].sqn >> SEC_SQN_IND_BITS) + 1000);
        }
        x->ext[i].attaches_left = x->o.attaches;
    }
    OPENSSL_cleanse(subs, (size_t)n * sizeof(*subs));
    free(subs);
    return rc;
}

static int setup_enbs(struct enbsim *x)
{
    struct enbsim_opts *o = &x->o;
    x->n_enbs = o->n_enbs;
    unsigned per = (x->n_ues + x->n_enbs - 1) / x->n_enbs;
    /* eNB UE S1AP IDs name the UE's index in the run (any eNB may serve
     * any UE after a handover), a generation in the upper bits */
    unsigned bits = 1;
    while ((1u << bits) < x->n_ues)
        bits++;
    if (bits > 22) {
        fprintf(stderr, "enbsim: too many UEs (%u, at most %u)\n", x->n_ues, 1u << 22);
        return -EINVAL;
    }
    x->id_bits = bits;
    if (enbsim_mob_init(x))
        return -ENOMEM;
    for (unsigned i = 0; i < x->n_enbs; i++) {
        struct enbsim_enb *e = &x->enbs[i];
        e->idx = i;
        e->cfg.enb_id = (o->enb_id_base + i) & 0xfffff;
        snprintf(e->cfg.name, sizeof(e->cfg.name), "enbsim-%u", i + 1);
        enb_plmn_parse(o->plmn, e->cfg.plmn);
        e->cfg.tac = o->tac;
        e->cfg.cell = 1;
        if (o->n_enb_addr == o->n_enbs)
            e->cfg.s1u_addr = o->enb_addr[i];
        else {
            uint32_t base = o->n_enb_addr ? ntohl(o->enb_addr[0].s_addr) : 0x7f000001u;
            e->cfg.s1u_addr.s_addr = htonl(base + i);
        }
        if (o->has_s1u6 && (!o->s1u6_enbs || (o->s1u6_enbs & (1u << i)))) {
            e->cfg.has_s1u6 = true;
            e->cfg.s1u_addr6 = o->s1u6;
            uint16_t low = (uint16_t)(o->s1u6.s6_addr[14] << 8 | o->s1u6.s6_addr[15]) + (uint16_t)i;
            e->cfg.s1u_addr6.s6_addr[14] = (uint8_t)(low >> 8);
            e->cfg.s1u_addr6.s6_addr[15] = (uint8_t)low;
        }
        e->slot_bits = bits;
        e->ue_of_slot = calloc(per ? per : 1, sizeof(*e->ue_of_slot));
        if (!e->ue_of_slot)
            return -ENOMEM;
    }
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_enb *e = &x->enbs[x->ues[i].enb];
        e->ue_of_slot[e->n_ues++] = &x->ues[i];
    }
    for (unsigned i = 0; i < x->n_enbs; i++) {
        int rc = enbsim_gtpu_open(x, &x->enbs[i]);
        if (rc) {
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &x->enbs[i].cfg.s1u_addr, a, sizeof(a));
            fprintf(stderr, "enbsim: eNB %u: cannot bind GTP-U %s:2152: %s\n", i, a,
                    strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    struct enbsim *x = w->data;
    if (x->stopping) {
        ev_break(loop, EVBREAK_ALL); /* a second signal: now */
        return;
    }
    x->stopping = true;
    x->t_stop = enbsim_now_ns();
    /* stop starting UEs; held UEs detach (with --detach) or finish */
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue_ext *ext = &x->ext[i];
        if (ext->finished)
            continue;
        if (x->ues[i].state == UE_ATTACHED && ext->hold_until) {
            ext->hold_until = 1; /* the sweep moves it on */
            ext->attaches_left = 0;
        } else if (i >= x->next_ue) {
            ext->finished = true;
            ext->failed = true;
            x->finished++;
            enbsim_stat_fail(x, PROC_ATTACH, "not-started");
        }
    }
    x->next_ue = x->n_ues;
    enbsim_maybe_done(x);
}

/* SIGUSR1: every eNB restarts its S1-MME transport (a new SCTP endpoint
 * and association, then S1 Setup) as after a crash or a link flap; the
 * attached UEs stay attached. */
static void on_sigusr1(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim *x = w->data;
    for (unsigned i = 0; i < x->n_enbs; i++)
        if (x->enbs[i].setup_done && !x->enbs[i].down &&
            enbsim_enb_reconnect(x, &x->enbs[i], true))
            ev_timer_again(x->loop, &x->enbs[i].retry);
}

static void cleanup(struct enbsim *x)
{
    enbsim_enbs_close(x);
    for (unsigned i = 0; i < x->n_ues; i++) {
        enbsim_tun_all_down(x, &x->ues[i]);
        ue_nas_reset(&x->ues[i], false);
        usim_free(&x->ues[i].usim);
    }
    for (unsigned i = 0; i < x->n_enbs; i++) {
        enbsim_gtpu_close(x, &x->enbs[i]);
        free(x->enbs[i].ue_of_slot);
    }
    free(x->ues);
    free(x->ext);
    free(x->rq);
    enbsim_mob_free(x);
    enbsim_stats_free(x);
}

int enbsim_run(int argc, char **argv, FILE *out)
{
    static struct enbsim x;
    memset(&x, 0, sizeof(x));
    if (argc > 1 && !strcmp(argv[1], "gen-subscribers"))
        return gen_subscribers(argc - 1, argv + 1);
    int rc = parse_args(&x, argc, argv);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (x.o.hold < 0)
        x.o.hold = 1e9; /* until a signal */
    x.loop = ev_default_loop(EVFLAG_AUTO);
    ev_now_update(x.loop);
    if (!x.loop) {
        fprintf(stderr, "enbsim: cannot set up the event loop\n");
        return 2;
    }
    x.n_enbs = x.o.n_enbs;
    /* the serving network is the eNBs' PLMN (TS 24.301 9.9.3.32, 33.401 A.2) */
    enb_plmn_parse(x.o.plmn, x.nas.sn_id);
    x.nas.apn = x.o.apn;
    x.nas.esm_info_flag = x.o.esm_info;
    x.nas.pdn_type = x.o.pdn_type;
    x.nas.ue_eea = x.o.ue_eea;
    x.nas.misbehave = x.o.misbehave;
    x.nas.imeisv = "3534900698733201";
    x.nas.modify_reject = x.o.modify_reject_ue;
    x.nas.dedicated_reject = x.o.bearer_reject_ue;
    x.nas.tac = x.o.tac;
    /* the PLMN of the last visited TAI (TS 24.301 9.9.3.32 from MCCMNC) */
    x.nas.plmn.mcc = (uint16_t)((x.o.plmn[0] - '0') * 100 + (x.o.plmn[1] - '0') * 10 +
                                (x.o.plmn[2] - '0'));
    x.nas.plmn.mnc_digits = (uint8_t)(strlen(x.o.plmn) - 3);
    x.nas.plmn.mnc = (uint16_t)atoi(x.o.plmn + 3);
    if (load_subscribers(&x) || setup_enbs(&x)) {
        cleanup(&x);
        return 2;
    }
    ev_signal_init(&x.sigint, on_signal, SIGINT);
    ev_signal_init(&x.sigterm, on_signal, SIGTERM);
    x.sigint.data = x.sigterm.data = &x;
    ev_signal_start(x.loop, &x.sigint);
    ev_signal_start(x.loop, &x.sigterm);
    ev_signal_init(&x.sigusr1, on_sigusr1, SIGUSR1);
    x.sigusr1.data = &x;
    ev_signal_start(x.loop, &x.sigusr1);
    ev_init(&x.tick, NULL);
    ev_init(&x.sweep, NULL);
    enbsim_sweep_start(&x);
    if (enbsim_enbs_open(&x)) {
        x.setup_error = 1;
    } else {
        ev_run(x.loop, 0);
    }
    enbsim_report(&x, out);
    if (x.o.ue_report && (rc = enbsim_ue_report(&x, x.o.ue_report)))
        fprintf(stderr, "enbsim: cannot write %s: %s\n", x.o.ue_report, strerror(-rc));
    rc = enbsim_exit_code(&x);
    ev_signal_stop(x.loop, &x.sigint);
    ev_signal_stop(x.loop, &x.sigterm);
    ev_signal_stop(x.loop, &x.sigusr1);
    ev_timer_stop(x.loop, &x.tick);
    ev_timer_stop(x.loop, &x.sweep);
    cleanup(&x);
    return rc;
}
