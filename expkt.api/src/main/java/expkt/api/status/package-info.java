/**
 * Status pages a bundle contributes to the operator's views: a protocol registers a
 * {@link expkt.api.status.StatusPage} service (with the service properties
 * {@link expkt.api.status.StatusPage#NAME} and {@link expkt.api.status.StatusPage#TITLE}), and the
 * host shows what it returns — tables of text as {@link expkt.api.status.StatusPageDTO} — as a page
 * of the web console (category expkt, refreshed live). The protocol depends on nothing but this
 * package: no servlet API, no HTML; the host escapes every cell.
 *
 * <p>Threading: the host calls {@link expkt.api.status.StatusPage#status()} on its own threads, any
 * of them, concurrently, with a deadline; a DTO it returns is the host's from then on.
 */
@Export
@Version("1.0.0")
package expkt.api.status;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
