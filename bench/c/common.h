/* Shared bits of the benchmark's native programs: the classic BPF every receiver uses, and small
 * helpers. The filter is exactly `tcpdump -dd 'ether proto 0x0842 and ether dst 00:e0:2b:00:00:00'`,
 * so that c-ring, tcpdump, pcap4j and expkt all run the same 8 instructions in the kernel. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_ETHERTYPE 0x0842

static inline void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    exit(2);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ether proto 0x0842 and ether dst <mac>: the same program tcpdump -dd prints, with the MAC as its
 * two constants (bytes 2..5 as one 32-bit load, bytes 0..1 as one 16-bit load). */
static inline void attach_filter(int fd, const uint8_t mac[6]) {
    static struct sock_filter code[8];
    uint32_t low = ((uint32_t)mac[2] << 24) | ((uint32_t)mac[3] << 16) | ((uint32_t)mac[4] << 8) | mac[5];
    uint32_t high = ((uint32_t)mac[0] << 8) | mac[1];
    struct sock_filter prog[8] = {
        { 0x28, 0, 0, 0x0000000c },
        { 0x15, 0, 5, BENCH_ETHERTYPE },
        { 0x20, 0, 0, 0x00000002 },
        { 0x15, 0, 3, low },
        { 0x28, 0, 0, 0x00000000 },
        { 0x15, 0, 1, high },
        { 0x6, 0, 0, 0x00040000 },
        { 0x6, 0, 0, 0x00000000 },
    };
    memcpy(code, prog, sizeof prog);
    struct sock_fprog fprog = { .len = 8, .filter = code };
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) < 0) die("SO_ATTACH_FILTER");
}

static const uint8_t BENCH_DST[6] = { 0x00, 0xe0, 0x2b, 0x00, 0x00, 0x00 };

/* An ETH_P_ALL packet socket bound to one interface; returns the fd, fills ifindex and mac. */
static inline int open_bound(const char *ifname, int *ifindex, uint8_t mac[6]) {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) die("socket(AF_PACKET)");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) die(ifname);
    *ifindex = ifr.ifr_ifindex;
    if (mac) {
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) die("SIOCGIFHWADDR");
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    }
    return fd;
}

static inline void bind_to(int fd, int ifindex) {
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");
}
#endif
