/* c-responder: the native reference of the echo benchmark. One recvfrom and one sendto per frame:
 * every frame that passes the benchmark filter goes back to its sender (MACs swapped), out of the
 * interface it came in on.
 *
 * usage: responder <ifname>    Prints "ready", then answers until SIGTERM. */
#include "common.h"
#include <signal.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: responder <ifname>\n"); return 1; }
    signal(SIGTERM, SIG_DFL);
    int ifindex;
    uint8_t mac[6];
    int fd = open_bound(argv[1], &ifindex, mac);
    attach_filter(fd, BENCH_DST);
    bind_to(fd, ifindex);
    printf("ready\n");
    fflush(stdout);
    uint8_t buf[2048];
    struct sockaddr_ll from;
    for (;;) {
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) { if (errno == EINTR) continue; die("recvfrom"); }
        if (n < 14 || from.sll_pkttype == PACKET_OUTGOING) continue;
        memcpy(buf, buf + 6, 6);
        memcpy(buf + 6, mac, 6);
        struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = from.sll_ifindex, .sll_halen = 6 };
        memcpy(to.sll_addr, buf, 6);
        if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof to) < 0 && errno != ENOBUFS) die("sendto");
    }
}
