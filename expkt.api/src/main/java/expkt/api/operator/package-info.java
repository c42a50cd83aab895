/**
 * What a bundle shows the operator and what it reads from the operator, made safe in one place:
 * {@link expkt.api.operator.Printable} escapes text that came from the wire (or from anywhere not
 * trusted) before it reaches a terminal, a log or a page; {@link expkt.api.operator.LogThrottle}
 * bounds per-event log lines; {@link expkt.api.operator.ConfigKeys} names the configuration keys a
 * component does not know, so a misspelled key is reported instead of silently ignored.
 */
@Export
@Version("1.0.0")
package expkt.api.operator;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
