/* What the datapath's root tests share: TAP output, and a private network
 * namespace (loopback up) with a private bpffs for the pins, so that a
 * test brings a datapath up without touching the host's. */
#ifndef XEPC_DP_TEST_ENV_H
#define XEPC_DP_TEST_ENV_H

#include <errno.h>
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

static void dp_test_env_leave(const char *root)
{
    umount(root);
    rmdir(root);
}

#endif
