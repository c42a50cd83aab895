package expkt.ops.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * What the web console's Install/Update dialog posts from a browser — the chosen jar and the empty
 * file input its multi-file widget added — reaches the web console as the jar alone; form fields, a
 * file that has a name (even an empty one) and anything not parseable are kept.
 */
class EmptyUploadPartsFilterTest {
    static final String B = "----WebKitFormBoundaryAbC123";

    static String part(String disposition, String type, String content) {
        return "--" + B + "\r\nContent-Disposition: form-data; " + disposition + "\r\n"
                + (type == null ? "" : "Content-Type: " + type + "\r\n") + "\r\n" + content + "\r\n";
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theEmptyFileInputIsDroppedTheRestKept() {
        String action = part("name=\"action\"", null, "install");
        String jar = part("name=\"bundlefile\"; filename=\"expkt.protocol.wol-2.0.0.jar\"", "application/java-archive", "PK\u0003\u0004jar\r\n--not-a-boundary");
        String empty = part("name=\"bundlefile\"; filename=\"\"", "application/octet-stream", "");
        String start = part("name=\"bundlestart\"", null, "start");
        String end = "--" + B + "--\r\n";
        byte[] posted = bytes(action + jar + empty + start + end);
        assertArrayEquals(bytes(action + jar + start + end), EmptyUploadPartsFilter.withoutEmptyFileParts(posted, B));
        // a named file with no bytes is the user's choice, not the widget's: kept (the web console says what is wrong with it)
        byte[] named = bytes(part("name=\"bundlefile\"; filename=\"empty.jar\"", "application/octet-stream", "") + end);
        assertArrayEquals(named, EmptyUploadPartsFilter.withoutEmptyFileParts(named, B));
        byte[] junk = bytes("no multipart here");
        assertArrayEquals(junk, EmptyUploadPartsFilter.withoutEmptyFileParts(junk, B));
    }

    @Test
    void theBoundaryOfTheContentType() {
        assertEquals(B, EmptyUploadPartsFilter.boundary("multipart/form-data; boundary=" + B));
        assertEquals("a b", EmptyUploadPartsFilter.boundary("Multipart/Form-Data;charset=UTF-8; boundary=\"a b\""));
        assertNull(EmptyUploadPartsFilter.boundary("application/x-www-form-urlencoded"));
        assertNull(EmptyUploadPartsFilter.boundary(null));
    }
}
