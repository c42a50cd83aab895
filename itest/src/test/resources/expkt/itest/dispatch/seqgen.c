/*
 * seqgen: the traffic generator of the dispatch itests. Sends COUNT rounds of numbered Ethernet frames
 * out of IFNAME at RATE frames per second in all: each round sends one 64-byte frame per ethertype
 * given, to 00:e0:2b:00:00:01, with the round number as a 32-bit big-endian sequence number at
 * offset 14. Batches of up to 32 frames go out with one sendmmsg(2) (through the qdisc, never
 * dropping: ENOBUFS is retried), paced against CLOCK_MONOTONIC. Prints what it sent and how fast.
 * FIRST (default 0) is the first round's number: a test sends a marker frame numbered past its stream
 * with COUNT 1, to see when everything sent before it has been handled.
 *
 * usage: seqgen IFNAME ETHERTYPE[,ETHERTYPE...] COUNT RATE [FIRST]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define LEN 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s IFNAME ETHERTYPE[,ETHERTYPE...] COUNT RATE [FIRST]\n", argv[0]);
        return 2;
    }
    int ifindex = if_nametoindex(argv[1]);
    if (ifindex == 0) {
        fprintf(stderr, "seqgen: no interface %s\n", argv[1]);
        return 2;
    }
    int types[16], ntypes = 0;
    for (char *p = strtok(argv[2], ","); p && ntypes < 16; p = strtok(NULL, ",")) {
        types[ntypes++] = (int) strtol(p, NULL, 0);
    }
    long count = atol(argv[3]);
    double rate = atof(argv[4]);
    long first = argc == 6 ? atol(argv[5]) : 0;
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("seqgen: socket");
        return 1;
    }
    static unsigned char frames[BATCH][LEN];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    struct sockaddr_ll sll = {0};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    sll.sll_halen = 6;
    unsigned char dst[6] = {0x00, 0xe0, 0x2b, 0x00, 0x00, 0x01};
    unsigned char src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    memcpy(sll.sll_addr, dst, 6);
    for (int i = 0; i < BATCH; i++) {
        memcpy(frames[i], dst, 6);
        memcpy(frames[i] + 6, src, 6);
        for (int j = 18; j < LEN; j++) frames[i][j] = (unsigned char) j;
        iov[i].iov_base = frames[i];
        iov[i].iov_len = LEN;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &sll;
        msgs[i].msg_hdr.msg_namelen = sizeof sll;
    }
    long total = count * ntypes, sent = 0, retries = 0;
    double start = now();
    while (sent < total) {
        int n = 0;
        while (n < BATCH && sent + n < total) {
            long k = sent + n;
            uint32_t seq = htonl((uint32_t) (first + k / ntypes));
            uint16_t et = htons((uint16_t) types[k % ntypes]);
            memcpy(frames[n] + 12, &et, 2);
            memcpy(frames[n] + 14, &seq, 4);
            n++;
        }
        double due = start + (sent + n) / rate;
        double wait = due - now();
        if (wait > 0) {
            struct timespec ts = {(time_t) wait, (long) ((wait - (time_t) wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
        int off = 0;
        while (off < n) {
            int r = sendmmsg(fd, msgs + off, n - off, 0);
            if (r < 0) {
                if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                    retries++;
                    usleep(50);
                    continue;
                }
                perror("seqgen: sendmmsg");
                return 1;
            }
            off += r;
        }
        sent += n;
    }
    double secs = now() - start;
    printf("seqgen: sent %ld frames (%ld rounds x %d ethertypes) in %.3f s = %.0f frames/s, %ld retries\n", sent, count,
           ntypes, secs, sent / secs, retries);
    return 0;
}
