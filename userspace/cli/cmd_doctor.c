/* xepcctl doctor: a preflight of an xepc-agwd host.  It checks what
 * operators of packet cores most often get wrong, and says what to change:
 * the configuration, the interfaces and their MTU, offloads and XDP mode,
 * the GTP-U address, forwarding, the UE pool's route, NAT in NAT mode, the
 * bpffs mount and the ownership of the pins, and (when the daemon runs) the
 * eNBs that could not set up (PLMN/TAC) and the routes back to every eNB.
 * Each finding is one line: "ok", "warn" or "FAIL", then what to do.  Exit
 * status 1 when anything failed. */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "agw/agw_config.h"
#include "cli/cli.h"

struct doctor {
    unsigned ok, warn, fail;
};

static void report(struct doctor *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct doctor *d, int level, const char *fmt, ...)
{
    static const char *const tag[] = { "ok  ", "warn", "FAIL" };
    va_list ap;
    printf("%s  ", tag[level]);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (level == 0)
        d->ok++;
    else if (level == 1)
        d->warn++;
    else
        d->fail++;
}

static int read_sysfs_int(const char *ifname, const char *attr, long *v)
{
    char path[256];
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    int rc = fscanf(f, "%ld", v) == 1 ? 0 : -EINVAL;
    fclose(f);
    return rc;
}

/* ETHTOOL_GFEATURES would list every feature; GRO and LRO are what hurt
 * (docs/datapath.md): ask for them directly. */
static int ethtool_flag(const char *ifname, uint32_t cmd, uint32_t *val)
{
    struct ethtool_value ev = { .cmd = cmd };
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (void *)&ev;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    close(fd);
    *val = ev.data;
    return rc;
}

static void check_interface(struct doctor *d, const char *role, const char *ifname, bool gtpu_side)
{
    if (!ifname[0])
        return;
    unsigned idx = if_nametoindex(ifname);
    if (!idx) {
        report(d, 2, "%s interface %s does not exist: fix datapath.%s in the configuration", role,
               ifname, role);
        return;
    }
    long mtu = 0, up = 0;
    read_sysfs_int(ifname, "mtu", &mtu);
    read_sysfs_int(ifname, "carrier", &up);
    report(d, up ? 0 : 1, "%s interface %s: %s, MTU %ld", role, ifname, up ? "up" : "no carrier",
           mtu);
    if (gtpu_side && mtu < 1536)
        report(d, 1, "%s MTU %ld: GTP-U adds 36 bytes; give S1-U an MTU >= 1536 or advertise an "
               "MTU <= %ld to UEs (apns[].mtu)", role, mtu, mtu - 36);
    uint32_t v;
    if (ethtool_flag(ifname, ETHTOOL_GGRO, &v) == 0 && v)
        report(d, 1, "%s %s has GRO on: ethtool -K %s gro off (aggregated frames and XDP do not "
               "mix)", role, ifname, ifname);
    if (ethtool_flag(ifname, ETHTOOL_GFLAGS, &v) == 0 && (v & ETH_FLAG_LRO))
        report(d, 1, "%s %s has LRO on: ethtool -K %s lro off", role, ifname, ifname);
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    if (bpf_xdp_query((int)idx, 0, &q) == 0) {
        if (q.attach_mode == XDP_ATTACHED_NONE)
            report(d, 1, "%s %s: no XDP program attached (is xepc-agwd running?)", role, ifname);
        else if (q.attach_mode == XDP_ATTACHED_SKB)
            report(d, 1, "%s %s: XDP in generic (SKB) mode: slower; use a driver with native "
                   "XDP or datapath.xdp_mode: native", role, ifname);
        else
            report(d, 0, "%s %s: XDP attached in %s mode", role, ifname,
                   q.attach_mode == XDP_ATTACHED_DRV ? "native" : "offload/multi");
    }
}

static bool has_address(const char *ifname, struct in_addr a, char *found_on, size_t len)
{
    struct ifaddrs *ifa, *i;
    bool on_if = false;
    found_on[0] = 0;
    if (getifaddrs(&ifa) < 0)
        return false;
    for (i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        if (((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr != a.s_addr)
            continue;
        snprintf(found_on, len, "%s", i->ifa_name);
        if (!strcmp(i->ifa_name, ifname))
            on_if = true;
    }
    freeifaddrs(ifa);
    return on_if;
}

/* A route exists when connect() on a UDP socket finds one. */
static bool route_to(struct in_addr a)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(2152), .sin_addr = a };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static void check_forwarding(struct doctor *d)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
    int v = 0;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 0;
        fclose(f);
    }
    report(d, v ? 0 : 2, v ? "IPv4 forwarding on"
                           : "IPv4 forwarding off: sysctl -w net.ipv4.ip_forward=1 (and in "
                             "/etc/sysctl.d/)");
}

static void check_nat(struct doctor *d, const struct agw_config *cfg)
{
    FILE *p = popen("nft list ruleset 2>/dev/null", "r");
    char line[512];
    bool masq = false, any = false;
    if (!p) {
        report(d, 1, "cannot run nft to check the masquerade rule");
        return;
    }
    while (fgets(line, sizeof(line), p)) {
        any = true;
        if (strstr(line, "masquerade") && (strstr(line, cfg->datapath.sgi) || !strstr(line, "oifname")))
            masq = true;
    }
    pclose(p);
    if (masq)
        report(d, 0, "NAT mode: a masquerade rule exists for SGi %s", cfg->datapath.sgi);
    else
        report(d, 2, "NAT mode but no masquerade rule%s: nft add table ip nat; nft add chain ip "
               "nat post '{ type nat hook postrouting priority srcnat; }'; nft add rule ip nat "
               "post oifname %s masquerade", any ? " on SGi" : " (empty ruleset)",
               cfg->datapath.sgi);
}

static void check_pool_routes(struct doctor *d, const struct agw_config *cfg)
{
    for (size_t i = 0; i < cfg->n_apns; i++) {
        const struct agw_apn *a = &cfg->apns[i];
        if (!a->pool_prefix)
            continue;               /* pdn_type ipv6: no IPv4 pool */
        struct in_addr probe = { htonl(ntohl(a->pool.s_addr) + 2) };
        char p[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a->pool, p, sizeof(p));
        if (cfg->datapath.mode == AGW_DP_NAT) {
            /* NAT mode: the pool must be routed to the UE device, where
             * tc_ue encapsulates the downlink (docs/datapath.md) */
            const char *dev = cfg->datapath.ue_dev[0] ? cfg->datapath.ue_dev : cfg->datapath.s1u;
            char cmd[128], out[512] = "", want[IF_NAMESIZE + 8];
            char pr[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &probe, pr, sizeof(pr));
            snprintf(cmd, sizeof(cmd), "ip -4 route get %s 2>/dev/null", pr);
            FILE *f = popen(cmd, "r");
            if (f) {
                if (!fgets(out, sizeof(out), f))
                    out[0] = 0;
                pclose(f);
            }
            snprintf(want, sizeof(want), " dev %s ", dev);
            if (!strstr(out, want))
                report(d, 2, "APN %s: pool %s/%u is not routed to %s: ip route add %s/%u dev %s",
                       a->name, p, a->pool_prefix, dev, p, a->pool_prefix, dev);
            else
                report(d, 0, "APN %s: pool %s/%u is routed to %s", a->name, p, a->pool_prefix, dev);
        } else {
            report(d, 0, "APN %s: routed mode: the upstream router must route %s/%u to this "
                   "gateway's SGi address (not checkable from here)", a->name, p, a->pool_prefix);
        }
    }
}

static void check_pins(struct doctor *d, const char *pin_dir)
{
    char parent[256];
    snprintf(parent, sizeof(parent), "%s", pin_dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = 0;
    struct statfs fs;
    if (statfs(parent, &fs) < 0 || fs.f_type != BPF_FS_MAGIC) {
        report(d, 2, "%s is not a bpffs mount: mount -t bpf -o mode=0700 bpf %s", parent, parent);
        return;
    }
    report(d, 0, "bpffs mounted at %s", parent);
    struct stat st;
    if (lstat(pin_dir, &st) < 0) {
        report(d, 1, "pin directory %s does not exist yet (xepc-agwd creates it)", pin_dir);
        return;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
        report(d, 2, "pin directory %s must be a directory owned by root, not writable by group "
               "or others (it is %s, uid %u, mode %o): anyone who can write it can detach or "
               "redirect the datapath", pin_dir, S_ISDIR(st.st_mode) ? "a directory" : "not a "
               "directory", st.st_uid, st.st_mode & 07777);
    else
        report(d, 0, "pin directory %s owned by root, mode %o", pin_dir, st.st_mode & 07777);
}

/* Ask the daemon for its eNBs; report those without S1 Setup and the ones
 * this host has no route back to. */
static void check_enbs(struct doctor *d, const struct agw_config *cfg)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(cfg->control.socket) >= sizeof(sa.sun_path)) {
        report(d, 2, "control.socket %s is longer than a Unix socket path can be",
               cfg->control.socket);
        return;
    }
    memcpy(sa.sun_path, cfg->control.socket, strlen(cfg->control.socket) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        report(d, 1, "xepc-agwd is not answering on %s: eNB checks skipped", cfg->control.socket);
        if (fd >= 0)
            close(fd);
        return;
    }
    const char req[] = "enb list\n";
    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0) {
        close(fd);
        return;
    }
    shutdown(fd, SHUT_WR);
    FILE *f = fdopen(fd, "r");
    char line[512];
    unsigned n = 0;
    while (f && fgets(line, sizeof(line), f)) {
        char name[64], addr[64];
        unsigned assoc, enb_id, ues;
        if (sscanf(line, "%u %u %63s %63s %u", &assoc, &enb_id, name, addr, &ues) != 5)
            continue;
        n++;
        char *colon = strchr(addr, ':');
        if (colon)
            *colon = 0;
        struct in_addr a;
        if (strstr(line, "(no S1 Setup)"))
            report(d, 2, "eNB at %s is connected but not set up: its PLMN/TACs are not in "
                   "mme.tai (see the daemon's log for what it announced)", addr);
        if (inet_pton(AF_INET, addr, &a) == 1 && !route_to(a))
            report(d, 2, "no route to eNB %s: S1-U downlink cannot reach it", addr);
    }
    if (f)
        fclose(f);
    else
        close(fd);
    report(d, n ? 0 : 1, "xepc-agwd answers; %u eNB association(s)%s", n,
           n ? "" : " (no eNB connected yet)");
}

int cli_doctor_main(int argc, char **argv)
{
    const char *path = AGW_CONFIG_DEFAULT_PATH;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: xepcctl doctor [CONFIG]\n\n"
               "Checks this host against an xepc-agwd configuration (default %s):\n"
               "interfaces, MTU, offloads, XDP mode, GTP-U address, forwarding, UE pool routes,\n"
               "NAT, bpffs and pin ownership, and with the daemon running, eNBs that could not\n"
               "set up and routes back to eNBs.  Exit 1 when a check fails.\n",
               AGW_CONFIG_DEFAULT_PATH);
        return CLI_OK;
    }
    if (argc == 2)
        path = argv[1];
    else if (argc > 2) {
        fprintf(stderr, "usage: xepcctl doctor [CONFIG]\n");
        return CLI_USAGE;
    }
    struct doctor d = { 0 };
    struct agw_config cfg;
    static char errbuf[8192];
    int rc = agw_config_load(path, &cfg, errbuf, sizeof(errbuf));
    if (rc < 0) {
        report(&d, 2, "configuration %s does not load:", path);
        fputs(errbuf, stdout);
        agw_config_free(&cfg);
        return CLI_FAIL;
    }
    report(&d, 0, "configuration %s loads", path);
    check_interface(&d, "s1u", cfg.datapath.s1u, true);
    if (strcmp(cfg.datapath.sgi, cfg.datapath.s1u))
        check_interface(&d, "sgi", cfg.datapath.sgi, false);
    char found[IF_NAMESIZE];
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &cfg.gtpu.address, a, sizeof(a));
    if (has_address(cfg.datapath.s1u, cfg.gtpu.address, found, sizeof(found)))
        report(&d, 0, "GTP-U address %s is on %s", a, cfg.datapath.s1u);
    else if (found[0])
        report(&d, 1, "GTP-U address %s is on %s, not on S1-U %s", a, found, cfg.datapath.s1u);
    else
        report(&d, 2, "GTP-U address %s is on no interface: ip addr add %s/24 dev %s", a, a,
               cfg.datapath.s1u);
    check_forwarding(&d);
    check_pool_routes(&d, &cfg);
    if (cfg.datapath.mode == AGW_DP_NAT)
        check_nat(&d, &cfg);
    check_pins(&d, cfg.datapath.pin_dir);
    check_enbs(&d, &cfg);
    printf("%u ok, %u warnings, %u failed\n", d.ok, d.warn, d.fail);
    agw_config_free(&cfg);
    return d.fail ? CLI_FAIL : CLI_OK;
}
