/* The echo benchmark's client, the same for every responder: sends one 60-byte frame (ethertype
 * 0x0842 to 00:e0:2b:00:00:00, a sequence number inside), waits for it to come back (ethertype
 * 0x0842 to our own MAC, same sequence number), and records the round trip; then the next one.
 *
 * usage: echoclient <ifname> <warmup> <count> [timeout_ms=200] [warmup_budget_s=0] [budget_s=0]
 * Prints "n=N lost=L p50_us=.. p99_us=.. p999_us=.. max_us=.. warmup=W". A frame not answered within
 * the timeout counts as lost. A budget (0: none) ends the warm-up, or the measurement, early: a
 * responder that takes milliseconds per answer must not stretch the run to many minutes; the output
 * says how many exchanges were done. */
#include "common.h"
#include <sys/time.h>

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p) {
    if (n == 0) return -1;
    size_t i = (size_t)(p * (n - 1) + 0.5);
    return v[i] / 1000.0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: echoclient <ifname> <warmup> <count> [timeout_ms]\n"); return 1; }
    long warmup = atol(argv[2]), count = atol(argv[3]);
    int timeout_ms = argc > 4 ? atoi(argv[4]) : 200;
    uint64_t warm_budget = argc > 5 ? strtoull(argv[5], NULL, 10) * 1000000000ull : 0;
    uint64_t budget = argc > 6 ? strtoull(argv[6], NULL, 10) * 1000000000ull : 0;
    uint64_t started = now_ns(), measuring_since = 0;
    long warmed = 0;
    int ifindex;
    uint8_t mac[6];
    int fd = open_bound(argv[1], &ifindex, mac);
    attach_filter(fd, mac);
    bind_to(fd, ifindex);
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t frame[60] = { 0 }, buf[2048];
    memcpy(frame, BENCH_DST, 6);
    memcpy(frame + 6, mac, 6);
    uint16_t et = htons(BENCH_ETHERTYPE);
    memcpy(frame + 12, &et, 2);
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
    memcpy(to.sll_addr, BENCH_DST, 6);
    uint64_t *rtt = calloc(count, sizeof *rtt);
    size_t n = 0;
    long lost = 0;
    for (long i = 0; i < warmup + count; i++) {
        if (i < warmup && warm_budget && (i & 63) == 0 && now_ns() - started > warm_budget) {
            i = warmup; /* warm-up budget spent: measure from here */
        }
        if (i == warmup) {
            warmed = i;
            measuring_since = now_ns();
        }
        if (i > warmup && budget && (i & 63) == 0 && now_ns() - measuring_since > budget) {
            break;
        }
        uint64_t seq = (uint64_t)i + 1;
        memcpy(frame + 14, &seq, 8);
        uint64_t t0 = now_ns();
        if (sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&to, sizeof to) < 0) die("sendto");
        for (;;) {
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) { if (i >= warmup) lost++; break; }
                die("recv");
            }
            uint64_t got;
            if (r < 22) continue;
            memcpy(&got, buf + 14, 8);
            if (got != seq) continue; /* a late answer to an earlier, timed-out request */
            if (i >= warmup) rtt[n++] = now_ns() - t0;
            break;
        }
    }
    qsort(rtt, n, sizeof *rtt, cmp_u64);
    printf("n=%zu lost=%ld p50_us=%.2f p99_us=%.2f p999_us=%.2f max_us=%.2f warmup=%ld\n", n, lost,
           pct(rtt, n, 0.50), pct(rtt, n, 0.99), pct(rtt, n, 0.999), n ? rtt[n - 1] / 1000.0 : -1, warmed);
    return 0;
}
