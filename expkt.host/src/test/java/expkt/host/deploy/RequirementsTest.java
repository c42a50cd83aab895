package expkt.host.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RequirementsTest {
    /** expkt.linux is exported with a mandatory attribute: an import filter without it matches nothing, and the provider was refused. */
    @Test
    void anImportsMatchingAttributesAreInItsFilter() {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("expkt.internal", "linux");
        attrs.put("version", "[1.2,2)");
        assertEquals("(expkt.internal=linux)", Requirements.matchingAttributes(attrs));
        assertEquals("(a=x\\(1\\)\\*)", Requirements.matchingAttributes(Map.of("a", "x(1)*")));
        assertEquals("", Requirements.matchingAttributes(Map.of("specification-version", "1.0")));
    }
}
