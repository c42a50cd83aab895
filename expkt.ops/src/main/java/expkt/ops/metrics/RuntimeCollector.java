package expkt.ops.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.HandlerDTO;
import expkt.api.runtime.LaneDTO;
import expkt.api.runtime.RuntimeDTO;
import expkt.api.runtime.SocketDTO;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The counters the receive path keeps anyway, read once per scrape from one
 * {@link ExpktRuntime#snapshot()} (the nftables counters included): never on the hot path, nothing
 * counted twice. Families (label names in Prometheus style):
 * <ul>
 * <li>{@code expkt_filter_packets_total}, {@code expkt_filter_bytes_total} {filter, owner, action}: the
 *     filter's nftables rule counters (filters without a counting rule are left out)
 * <li>{@code expkt_filter_enforced} {filter, owner}: 1 if enforced, 0 if not enforced or stale
 * <li>{@code expkt_socket_frames_total}, {@code expkt_socket_kernel_drops_total} {socket, owner}
 * <li>{@code expkt_handler_frames_total}, {@code expkt_handler_drops_total},
 *     {@code expkt_handler_exceptions_total}, {@code expkt_handler_handle_seconds_total} {handler, bundle, kind}
 * <li>{@code expkt_handler_frame_seconds} {handler, bundle, kind}: a histogram of the handle time per frame
 * <li>{@code expkt_lane_wakeups_total}, {@code expkt_lane_calls_total}, {@code expkt_lane_busy_seconds_total} {lane}
 * </ul>
 * Without the runtime service (provider not active) these families are absent.
 *
 * <p>Threading: called by the registry on Jetty's request threads, concurrently; stateless.
 */
final class RuntimeCollector implements MultiCollector {
    private final Supplier<ExpktRuntime> runtime;

    RuntimeCollector(Supplier<ExpktRuntime> runtime) {
        this.runtime = runtime;
    }

    @Override
    public MetricSnapshots collect() {
        ExpktRuntime rt = runtime.get();
        if (rt == null) {
            return new MetricSnapshots();
        }
        RuntimeDTO s = rt.snapshot();
        List<MetricSnapshot> out = new ArrayList<>();

        CounterSnapshot.Builder fPackets = counter("expkt_filter_packets", "Packets the filter's nftables rule counted");
        CounterSnapshot.Builder fBytes = counter("expkt_filter_bytes", "Bytes the filter's nftables rule counted").unit(Unit.BYTES);
        GaugeSnapshot.Builder fEnforced = GaugeSnapshot.builder().name("expkt_filter_enforced")
                .help("1 if the data plane does what the filter says, 0 if NOT ENFORCED or STALE");
        for (FilterDTO f : list(s.filters)) {
            Labels l = Labels.of("filter", nn(f.name), "owner", nn(f.owner), "action", nn(f.action));
            if (f.counted) {
                fPackets.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(f.packets).build());
                fBytes.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(f.bytes).build());
            }
            fEnforced.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("filter", nn(f.name), "owner", nn(f.owner)))
                    .value(FilterDTO.ENFORCED.equals(f.state) ? 1 : 0).build());
        }
        out.add(fPackets.build());
        out.add(fBytes.build());
        out.add(fEnforced.build());

        CounterSnapshot.Builder sFrames = counter("expkt_socket_frames", "Frames the socket received");
        CounterSnapshot.Builder sDrops = counter("expkt_socket_kernel_drops", "Frames the kernel dropped because the socket's ring was full");
        for (SocketDTO so : list(s.sockets)) {
            Labels l = Labels.of("socket", String.valueOf(so.id), "owner", nn(so.owner));
            sFrames.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(so.frames).build());
            sDrops.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(so.kernelDrops).build());
        }
        out.add(sFrames.build());
        out.add(sDrops.build());

        CounterSnapshot.Builder hFrames = counter("expkt_handler_frames", "Frames handed to the handler or callback");
        CounterSnapshot.Builder hDrops = counter("expkt_handler_drops", "Frames the kernel dropped on the handler's socket");
        CounterSnapshot.Builder hExc = counter("expkt_handler_exceptions", "Calls of the handler that threw");
        CounterSnapshot.Builder hTime = counter("expkt_handler_handle_seconds", "Time spent in the handler's calls").unit(Unit.SECONDS);
        for (HandlerDTO h : list(s.handlers)) {
            Labels l = handlerLabels(h);
            hFrames.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(h.frames).build());
            hDrops.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(h.drops).build());
            hExc.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(h.exceptions).build());
            hTime.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(h.handleNanos / 1e9).build());
        }
        out.add(hFrames.build());
        out.add(hDrops.build());
        out.add(hExc.build());
        out.add(hTime.build());
        out.add(handleTimes(list(s.handlers)));

        CounterSnapshot.Builder lWake = counter("expkt_lane_wakeups", "Times the dispatch lane's thread woke from its wait");
        CounterSnapshot.Builder lCalls = counter("expkt_lane_calls", "Calls into bundle code the lane made");
        CounterSnapshot.Builder lBusy = counter("expkt_lane_busy_seconds", "Time the lane spent in bundle code").unit(Unit.SECONDS);
        for (LaneDTO la : list(s.lanes)) {
            Labels l = Labels.of("lane", nn(la.name));
            lWake.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(la.wakeups).build());
            lCalls.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(la.calls).build());
            lBusy.dataPoint(CounterDataPointSnapshot.builder().labels(l).value(la.busyNanos / 1e9).build());
        }
        out.add(lWake.build());
        out.add(lCalls.build());
        out.add(lBusy.build());
        return new MetricSnapshots(out);
    }

    /**
     * {@code expkt_handler_frame_seconds} {handler, bundle, kind}: handle time per frame as a classic
     * histogram ({@code _bucket{le=...}}, {@code _sum}, {@code _count}), from the fixed log2 buckets
     * the provider counts per handler; its count is the frames observed.
     */
    static HistogramSnapshot handleTimes(List<HandlerDTO> handlers) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name("expkt_handler_frame_seconds")
                .help("Handle time per frame (a call's time shared by the frames it handled), log2 buckets").unit(Unit.SECONDS);
        for (HandlerDTO h : handlers) {
            if (h.handleTimeCounts == null || h.handleTimeBoundsNanos == null || h.handleTimeCounts.length != h.handleTimeBoundsNanos.length
                    || h.handleTimeCounts.length == 0) {
                continue;
            }
            double[] le = new double[h.handleTimeBoundsNanos.length];
            for (int i = 0; i < le.length; i++) {
                long ns = h.handleTimeBoundsNanos[i];
                le[i] = ns == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : ns / 1e9;
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(handlerLabels(h))
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(le, h.handleTimeCounts.clone()))
                    .sum(h.handleTimeSumNanos / 1e9).build());
        }
        return b.build();
    }

    static Labels handlerLabels(HandlerDTO h) {
        return Labels.of("handler", nn(h.filter) + (h.socketId >= 0 ? "#" + h.socketId : ""),
                "bundle", nn(h.symbolicName), "kind", nn(h.kind));
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String nn(String s) {
        return s == null ? "" : s;
    }
}
