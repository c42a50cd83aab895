package expkt.api.status;

import java.util.List;

import org.osgi.dto.DTO;

/**
 * One table of a {@link StatusPageDTO}: a title, column headers and rows of text cells. A row shorter
 * than {@link #columns} leaves the last cells empty; a longer one is cut to the columns.
 *
 * <p>Threading: a snapshot owned by whoever holds it; not shared.
 */
public class StatusTableDTO extends DTO {
    /** Shown above the table (for example "Neighbours"), or null. */
    public String title;
    /** Column headers. */
    public List<String> columns;
    /** The rows, each a list of cells (null cells show empty). */
    public List<List<String>> rows;
    /** Shown instead of an empty table's rows ("no neighbour yet"), or null. */
    public String empty;
}
