/**
 * Operations of the host: the web console's login and expkt pages, Prometheus {@code /metrics} and
 * the token-protected management REST API, all served by Apache Felix HTTP through the OSGi Servlet
 * Whiteboard. Nothing here is on a packet path: what is shown is read when it is asked for.
 */
@org.osgi.annotation.bundle.Header(name = "X-expkt-Part", value = "ops")
package expkt.ops;
