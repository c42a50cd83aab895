/**
 * The operations surface as a person and a fleet tool use it: the real host process, its web console
 * in headless Chromium (Selenium), {@code /metrics} checked by promtool, the REST API over plain HTTP.
 */
package expkt.itest.ops;
