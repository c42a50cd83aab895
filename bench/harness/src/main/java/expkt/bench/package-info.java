/**
 * The benchmark harness behind {@code ./expkt bench}: every contender (expkt's callback and whiteboard
 * paths, a C TPACKET_V3 reader and transmit ring, tcpdump, pcap4j, trafgen, a C echo responder, the
 * kernel) on the same traffic in one run, one class per workload ({@link expkt.bench.RxBench},
 * {@link expkt.bench.TxBench}, {@link expkt.bench.EchoBench}, {@link expkt.bench.FanoutBench},
 * {@link expkt.bench.ForwardBench}, {@link expkt.bench.ProviderUpgradeBench}, ...), whole-process CPU
 * per frame from {@link expkt.bench.Cpu}, rows ({@link expkt.bench.Row}) written by
 * {@link expkt.bench.Report} to {@code bench/results} with every target met or missed. Method and
 * figures: {@code bench/README.md}.
 *
 * <p>Threading: the harness's main thread drives each workload; spawned processes are owned and killed
 * by {@link expkt.bench.Spawned}.
 */
package expkt.bench;
