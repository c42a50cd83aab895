/* c-ring: the native bound of the receive benchmark. A minimal TPACKET_V3 reader with the
 * benchmark's classic BPF; it touches every frame (its destination MAC and length) and its address
 * (sockaddr_ll: ifindex and packet type), like a protocol's callback would.
 *
 * usage: cring <ifname> [block_kib=512] [blocks=8] [timeout_ms=10]
 * Prints "ready" once the ring is set up. On SIGUSR1 prints "frames=N drops=D bytes=B" (drops from
 * PACKET_STATISTICS, accumulated since PACKET_STATISTICS resets on read); exits on SIGTERM/SIGINT. */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>

static volatile sig_atomic_t snap_requested, stop_requested;
static void on_usr1(int s) { (void)s; snap_requested = 1; }
static void on_term(int s) { (void)s; stop_requested = 1; }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: cring <ifname> [block_kib] [blocks] [timeout_ms]\n"); return 1; }
    unsigned block_size = (argc > 2 ? atoi(argv[2]) : 512) * 1024u;
    unsigned blocks = argc > 3 ? atoi(argv[3]) : 8;
    unsigned timeout = argc > 4 ? atoi(argv[4]) : 10;
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1; sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_term; sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);

    int ifindex;
    int fd = open_bound(argv[1], &ifindex, NULL);
    attach_filter(fd, BENCH_DST);
    int v = TPACKET_V3;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) die("PACKET_VERSION");
    struct tpacket_req3 req = { 0 };
    req.tp_block_size = block_size;
    req.tp_block_nr = blocks;
    req.tp_frame_size = 2048;
    req.tp_frame_nr = block_size / 2048 * blocks;
    req.tp_retire_blk_tov = timeout;
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) die("PACKET_RX_RING");
    size_t ring_len = (size_t)block_size * blocks;
    uint8_t *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
    if (ring == MAP_FAILED) die("mmap");
    bind_to(fd, ifindex);
    printf("ready\n");
    fflush(stdout);

    uint64_t frames = 0, bytes = 0, drops = 0, sink = 0;
    unsigned current = 0;
    struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLERR };
    while (!stop_requested) {
        if (snap_requested) {
            struct tpacket_stats_v3 st; socklen_t len = sizeof st;
            if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) drops += st.tp_drops;
            snap_requested = 0;
            printf("frames=%lu drops=%lu bytes=%lu\n", frames, drops, bytes);
            fflush(stdout);
        }
        struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(ring + (size_t)current * block_size);
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
            poll(&pfd, 1, 100);
            continue;
        }
        uint32_t n = bd->hdr.bh1.num_pkts;
        struct tpacket3_hdr *h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
            const struct sockaddr_ll *sll = (const struct sockaddr_ll *)((const uint8_t *)h + TPACKET_ALIGN(sizeof *h));
            sink += frame[5] + sll->sll_ifindex + sll->sll_pkttype;
            bytes += h->tp_snaplen;
            frames++;
            h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
        }
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        current = (current + 1) % blocks;
    }
    struct tpacket_stats_v3 st; socklen_t len = sizeof st;
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) drops += st.tp_drops;
    printf("frames=%lu drops=%lu bytes=%lu\n", frames, drops, bytes);
    fprintf(stderr, "checksum %lu\n", sink);
    return 0;
}
