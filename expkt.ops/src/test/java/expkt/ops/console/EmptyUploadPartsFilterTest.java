package expkt.ops.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.List;

import org.junit.jupiter.api.Test;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;

/**
 * What the web console's Install/Update dialog posts from a browser — the chosen jar and the empty
 * file input its multi-file widget added — reaches the web console as the jar alone; form fields and
 * a file that has a name are kept.
 */
class EmptyUploadPartsFilterTest {

    static Part part(String name, String fileName, long size) {
        return (Part) Proxy.newProxyInstance(Part.class.getClassLoader(), new Class<?>[] {Part.class}, (p, m, a) -> switch (m.getName()) {
            case "getName" -> name;
            case "getSubmittedFileName" -> fileName;
            case "getSize" -> size;
            case "getInputStream" -> (InputStream) new ByteArrayInputStream(new byte[(int) size]);
            case "toString" -> name + "/" + fileName + "/" + size;
            default -> throw new UnsupportedOperationException(m.getName());
        });
    }

    static HttpServletRequest request(List<Part> parts) {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getParts" -> parts;
                    case "getMethod" -> "POST";
                    case "getContentType" -> "multipart/form-data; boundary=x";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void theEmptyFileInputIsDroppedTheRestKept() throws Exception {
        Part action = part("action", null, 7);
        Part jar = part("bundlefile", "expkt.protocol.wol-2.0.0.jar", 40_000);
        Part empty = part("bundlefile", "", 0);
        Part start = part("bundlestart", null, 2);
        HttpServletRequest r = new EmptyUploadPartsFilter.WithoutEmptyParts(request(List.of(action, jar, empty, start)));
        Collection<Part> parts = r.getParts();
        assertEquals(List.of(action, jar, start), List.copyOf(parts));
        assertSame(jar, r.getPart("bundlefile"));
        assertNull(r.getPart("nothing"));
        // a named file with no bytes is the user's choice, not the widget's: kept (the web console says what is wrong with it)
        Part emptyNamed = part("bundlefile", "empty.jar", 0);
        assertEquals(List.of(emptyNamed), List.copyOf(new EmptyUploadPartsFilter.WithoutEmptyParts(request(List.of(emptyNamed))).getParts()));
    }
}
