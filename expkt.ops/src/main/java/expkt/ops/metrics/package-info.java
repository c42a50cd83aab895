/**
 * {@code /metrics} in the Prometheus text format, with the official Prometheus Java client
 * ({@code io.prometheus:prometheus-metrics-*}): the runtime DTOs' counters read on scrape, bundle
 * lifecycle events, components per state, and the client's JVM metrics.
 */
package expkt.ops.metrics;
