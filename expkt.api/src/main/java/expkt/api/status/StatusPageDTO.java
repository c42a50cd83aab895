package expkt.api.status;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * What a {@link StatusPage} shows: a line of summary and its tables.
 *
 * <p>Threading: a snapshot owned by whoever holds it; not shared.
 */
public class StatusPageDTO extends DTO {
    /** One line above the tables (counters, configuration), or null. */
    public String summary;
    /** The tables, in the order shown; an empty list shows the summary only. */
    public List<StatusTableDTO> tables;
}
