/** The runtime DTOs ({@link expkt.api.runtime}) as JSON-ready maps and lists, for the REST API and the pages. */
package expkt.ops.dto;
