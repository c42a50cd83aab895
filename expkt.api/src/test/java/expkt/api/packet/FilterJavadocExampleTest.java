package expkt.api.packet;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: the {@link Filter} Javadoc example compiles (it is taken from the source file as written
 * and compiled against this module's classes), and the seed's default {@code ethertype_offset=24} is
 * refused with a message that says what to write instead.
 */
class FilterJavadocExampleTest {

    @Test
    void theJavadocExampleOfFilterCompiles() throws Exception {
        String source = Files.readString(Path.of("src/main/java/expkt/api/packet/Filter.java"));
        Matcher m = Pattern.compile("<pre>\\{@code\\n(.*?)\\n \\* }</pre>", Pattern.DOTALL).matcher(source);
        assertTrue(m.find(), "Filter.java has no <pre>{@code ...}</pre> example");
        String example = m.group(1).replaceAll("(?m)^ \\* ?", "");
        assertTrue(example.contains("sock.setupFilter("), example);
        String unit = "package example;\n"
                + "import expkt.api.packet.*;\nimport expkt.api.net.MacAddress;\n"
                + "class Example {\n  void run(PacketSocket sock) throws Exception {\n" + example + "\n  }\n}\n";
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler");
        StringWriter out = new StringWriter();
        Path classes = Files.createTempDirectory("filter-example");
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///example/Example.java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return unit;
                }
            };
            boolean ok = javac.getTask(out, fm, null,
                    List.of("-proc:none", "-classpath", System.getProperty("java.class.path"), "-d", classes.toString()),
                    null, List.of(file)).call();
            assertTrue(ok, "the Filter Javadoc example does not compile:\n" + unit + "\n" + out);
        }
    }

    @Test
    void thePortedDefaultOffset24IsRefusedSayingWhatToWrite() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Filter.named("filter2").ethertype(0x0842).ethertypeOffset(24).build());
        assertTrue(e.getMessage().contains("Leave the offset out"), e.getMessage());
        assertTrue(e.getMessage().contains("filter2"), e.getMessage());
        // what it says to write: the default, which matches the ethertype
        assertEquals(Filter.DEFAULT_OFFSET, Filter.named("filter2").ethertype(0x0842).build().ethertypeOffset());
        // a raw offset of the frame as recvfrom returns it is still taken as such
        assertEquals(12, Filter.named("raw").ethertype(0x0842).ethertypeOffset(12).build().ethertypeOffset());
    }
}
