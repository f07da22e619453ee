/* What the datapath's root tests share: TAP output, and a private network
 * namespace (loopback up) with a private bpffs for the pins, so that a
 * test brings a datapath up without touching the host's. */
#ifndef XEPC_DP_TEST_ENV_H
#define XEPC_DP_TEST_ENV_H

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp/dp.h"

static int n_test, n_failed;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
    va_list ap;
    printf("%sok %d - ", ok ? "" : "not ", ++n_test);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!ok)
        n_failed++;
}

static int dp_test_lo_up(void)
{
    struct ifreq ifr = {0};
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -errno;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (!rc) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    close(fd);
    return rc ? -errno : 0;
}

/* Root, a new network namespace and a bpffs mounted on root (a mkdtemp
 * template): true, or false after printing TAP's skip line. */
static bool dp_test_env_enter(char *root)
{
    if (geteuid()) {
        printf("1..0 # SKIP needs root (netns, bpffs, BPF)\n");
        return false;
    }
    if (unshare(CLONE_NEWNET) || dp_test_lo_up()) {
        printf("1..0 # SKIP cannot make a network namespace: %s\n", strerror(errno));
        return false;
    }
    if (!mkdtemp(root) || mount("bpf", root, "bpf", 0, "mode=0700")) {
        printf("1..0 # SKIP cannot mount a bpffs: %s\n", strerror(errno));
        if (root[0])
            rmdir(root);
        return false;
    }
    return true;
}

/* dp up on lo in NAT mode (generic XDP, 64 sessions, GTP-U 192.0.2.1),
 * pinned under pin_root/xepc (its path into pin_dir), with a TAP line:
 * the context, or NULL when it failed. */
__attribute__((unused)) static struct dp_ctx *dp_test_up_lo(const char *pin_root, char *pin_dir,
                                                          size_t len)
{
    struct dp_config cfg;
    struct dp_ctx *ctx = NULL;
    snprintf(pin_dir, len, "%s/xepc", pin_root);
    dp_config_init(&cfg);
    snprintf(cfg.s1u_ifname, sizeof(cfg.s1u_ifname), "lo");
    cfg.mode = XEPC_MODE_NAT;
    cfg.xdp_generic = true;
    cfg.max_sessions = 64;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    int rc = dp_up(&cfg, &ctx);
    tap(!rc, "dp up on lo (NAT mode): %s", rc ? dp_ctx_error(ctx) : "ok");
    if (rc) {
        dp_close(ctx);
        return NULL;
    }
    return ctx;
}

static void dp_test_env_leave(const char *root)
{
    umount(root);
    rmdir(root);
}

/* A root test's main: the private namespace and bpffs on root (a mkdtemp
 * template), the TAP plan of n tests, run(root), then out again; the exit
 * status (0 when skipped). */
__attribute__((unused)) static int dp_test_main(char *root, int n,
                                                void (*run)(const char *root))
{
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..%d\n", n);
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}

/* Ethernet + IPv4 + UDP from the PDN toward the UE, 64 bytes: a downlink
 * packet for tc_ue (write it at 2 mod 4 so that its IPv4 header is
 * aligned). */
static inline size_t dp_test_downlink_frame(uint8_t *f, const char *ue)
{
    memset(f, 0, 64);
    struct ethhdr *eth = (struct ethhdr *)f;
    eth->h_proto = htons(ETH_P_IP);
    struct iphdr *ip = (struct iphdr *)(f + sizeof(*eth));
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(64 - sizeof(*eth));
    inet_pton(AF_INET, "203.0.113.7", &ip->saddr);
    inet_pton(AF_INET, ue, &ip->daddr);
    struct udphdr *uh = (struct udphdr *)(ip + 1);
    uh->source = htons(53);
    uh->dest = htons(4000);
    uh->len = htons(64 - sizeof(*eth) - sizeof(*ip));
    return 64;
}

/* tc_ue's program through its pinned link in pin_dir: a program fd (and
 * the link's in *lfd, both for the caller to close), or -1. */
static inline int dp_test_tc_ue_prog(const char *pin_dir, int *lfd)
{
    char path[320];
    struct bpf_link_info li = {0};
    uint32_t len = sizeof(li);
    snprintf(path, sizeof(path), "%s/%s", pin_dir, XEPC_LINK_TC_UE);
    *lfd = bpf_obj_get(path);
    return *lfd >= 0 && !bpf_obj_get_info_by_fd(*lfd, &li, &len) ?
           bpf_prog_get_fd_by_id(li.prog_id) : -1;
}

#endif
