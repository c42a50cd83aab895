/* The generator of setup B (threaded NAPI), where trafgen aborts with "Flushing TX_RING failed:
 * EAGAIN": a TPACKET_V2 TX ring sender that goes through the qdisc (no PACKET_QDISC_BYPASS), so a
 * full device queue pushes back instead of failing. Also used as a C TX reference.
 *
 * usage: txring <ifname> <count> <frame_len> [bypass=0] [flows=0]
 * Frames alternate: ethertype 0x0842 to 00:e0:2b:00:00:00 (matches the benchmark filter) and
 * 0x88b5 to the same address (does not). With flows > 0 (the fanout workload) the matching frames are
 * IPv4/UDP instead (ethertype 0x0800, 10.0.0.1 -> 10.0.0.2, destination port 7000), source port
 * 10000 + k for k in 0..flows-1 in turn: that many flows, so a PACKET_FANOUT hash group spreads them.
 * Prints "sent=N ns=T pps=R" when every frame has left. */
#include "common.h"
#include <poll.h>
#include <sys/mman.h>

#define FRAME_SIZE 2048u
#define FRAME_NR 1024u

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: txring <ifname> <count> <frame_len> [bypass]\n"); return 1; }
    uint64_t count = strtoull(argv[2], NULL, 10);
    unsigned len = atoi(argv[3]);
    int bypass = argc > 4 && atoi(argv[4]);
    unsigned flows = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
    if (flows > FRAME_NR / 2) { fprintf(stderr, "flows %u outside 0..%u\n", flows, FRAME_NR / 2); return 1; }
    if (len < 60 || len > 1514) { fprintf(stderr, "frame length %u outside 60..1514\n", len); return 1; }
    int ifindex;
    uint8_t mac[6];
    int fd = open_bound(argv[1], &ifindex, mac);
    int v = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) die("PACKET_VERSION");
    if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof bypass) < 0) die("PACKET_QDISC_BYPASS");
    struct tpacket_req req = { .tp_block_size = FRAME_SIZE * 64, .tp_block_nr = FRAME_NR / 64,
                               .tp_frame_size = FRAME_SIZE, .tp_frame_nr = FRAME_NR };
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0) die("PACKET_TX_RING");
    uint8_t *ring = mmap(NULL, (size_t)FRAME_SIZE * FRAME_NR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) die("mmap");
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex };
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");

    const size_t data_off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
    /* Frames are written once: slot i always carries the same kind (even: matching, odd: not). */
    for (unsigned i = 0; i < FRAME_NR; i++) {
        uint8_t *f = ring + (size_t)i * FRAME_SIZE + data_off;
        memset(f, 0, len);
        memcpy(f, BENCH_DST, 6);
        memcpy(f + 6, mac, 6);
        uint16_t et = htons(i % 2 == 0 ? BENCH_ETHERTYPE : 0x88b5);
        memcpy(f + 12, &et, 2);
        if (flows > 0 && i % 2 == 0) {
            /* IPv4 + UDP, header checksum computed; the flow is the source port */
            static const uint8_t ip[20] = { 0x45, 0, 0, 46, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
            uint16_t ipv4 = htons(0x0800);
            memcpy(f + 12, &ipv4, 2);
            memcpy(f + 14, ip, 20);
            uint32_t sum = 0;
            for (int k = 0; k < 20; k += 2) sum += (uint32_t)(f[14 + k] << 8 | f[15 + k]);
            while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
            f[24] = (uint8_t)(~sum >> 8);
            f[25] = (uint8_t)~sum;
            unsigned sport = 10000 + (i / 2) % flows;
            f[34] = (uint8_t)(sport >> 8); f[35] = (uint8_t)sport;
            f[36] = 7000 >> 8; f[37] = 7000 & 0xff;
            f[38] = 0; f[39] = 26; /* UDP length: 8 + 18 bytes of the 60-byte frame */
        }
    }
    uint64_t queued = 0, start = now_ns();
    unsigned slot = 0;
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };
    while (queued < count) {
        struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)slot * FRAME_SIZE);
        uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING) {
            /* ring full: kick the kernel and wait for room */
            if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) die("send");
            poll(&pfd, 1, 10);
            continue;
        }
        h->tp_len = len;
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        queued++;
        slot = (slot + 1) % FRAME_NR;
        if (queued % 256 == 0) {
            if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) die("send");
        }
    }
    /* flush the rest and wait until the kernel has taken every slot */
    for (;;) {
        if (send(fd, NULL, 0, 0) < 0 && errno != EAGAIN && errno != ENOBUFS) die("send");
        int busy = 0;
        for (unsigned i = 0; i < FRAME_NR; i++) {
            struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)i * FRAME_SIZE);
            uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
            if (st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING) { busy = 1; break; }
        }
        if (!busy) break;
        poll(&pfd, 1, 1);
    }
    uint64_t ns = now_ns() - start;
    printf("sent=%lu ns=%lu pps=%.0f\n", queued, ns, queued * 1e9 / ns);
    return 0;
}
