/**
 * Host-side services that run inside every expkt host (not the launcher, which is {@code cnf}'s host
 * assembly and the {@code expkt} script): the log output ({@link expkt.host.LogPrinter}, one line per
 * entry, {@link expkt.host.LogLine}; {@link expkt.host.UpstreamLogLevel} for a third-party bundle known to
 * log its own orderly stop as an ERROR), the start-up timer, the scripted run's verdict
 * ({@link expkt.host.ScriptedRun}: bundles, components, commands and ERROR entries counted), the clean
 * shutdown on SIGTERM, and the bundle activator that registers the commands which must work while no
 * DS component does ({@code platform}). Sub-packages: {@code deploy} (the deploy directory's guard),
 * {@code update} ({@code expkt:update}, the update impact and the one stepwise refresh), {@code platform},
 * {@code launch}, {@code lock}. Private to {@code expkt.host}.
 *
 * <p>Threading: each class says; the log listeners run on the Log Service's delivery thread.
 */
package expkt.host;
