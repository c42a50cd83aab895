package expkt.itest.dispatch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Builds the protocol bundles of the dispatch tests inside the probe: the handler class (compiled
 * with the tests, read back as a resource), a manifest with the symbolic name and version asked for,
 * and a Declarative Services descriptor written here, so each version is a real bundle with its own
 * class loader, installed and updated with {@code Bundle.update(InputStream)} like FileInstall does.
 * Public: the VR update test ({@code expkt.itest.vr.VrUpdateIT}) builds its protocol bundle the same way.
 */
public final class TestBundles {
    private TestBundles() {
    }

    /** One DS component: implementation, provided interfaces, properties (name to "Type:value" or value), references. */
    public record Component(String name, Class<?> implementation, String[] provides, Map<String, String> properties,
                     String[] references) {
    }

    /**
     * A reference element: {@code name|interface|bind|target} (target may be empty).
     */
    public static String reference(String name, String iface, String bind, String target) {
        return name + "|" + iface + "|" + bind + "|" + target;
    }

    public static byte[] bundle(String symbolicName, String version, Component c) throws IOException {
        return bundle(symbolicName, version, c, "expkt.api.handler,expkt.api.packet,org.osgi.framework");
    }

    /** As {@link #bundle(String, String, Component)}, importing {@code imports} (an Import-Package value). */
    public static byte[] bundle(String symbolicName, String version, Component c, String imports) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", imports);
        a.putValue("Service-Component", "OSGI-INF/component.xml");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, m)) {
            String cls = c.implementation().getName().replace('.', '/') + ".class";
            jar.putNextEntry(new JarEntry(cls));
            try (InputStream in = TestBundles.class.getClassLoader().getResourceAsStream(cls)) {
                if (in == null) {
                    throw new IOException("class file " + cls + " is not in the probe");
                }
                in.transferTo(jar);
            }
            jar.closeEntry();
            jar.putNextEntry(new JarEntry("OSGI-INF/component.xml"));
            jar.write(xml(c).getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return out.toByteArray();
    }

    public static InputStream stream(byte[] jar) {
        return new ByteArrayInputStream(jar);
    }

    private static String xml(Component c) {
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"").append(c.name())
                .append("\" immediate=\"true\" activate=\"activate\" deactivate=\"deactivate\">\n")
                .append("  <implementation class=\"").append(c.implementation().getName()).append("\"/>\n");
        if (c.provides().length > 0) {
            b.append("  <service>\n");
            for (String p : c.provides()) {
                b.append("    <provide interface=\"").append(p).append("\"/>\n");
            }
            b.append("  </service>\n");
        }
        c.properties().forEach((k, v) -> {
            int colon = v.indexOf(':');
            String type = colon > 0 && (v.startsWith("Integer:") || v.startsWith("Long:")) ? v.substring(0, colon) : "String";
            String value = type.equals("String") ? v : v.substring(colon + 1);
            b.append("  <property name=\"").append(k).append("\" type=\"").append(type).append("\" value=\"").append(value)
                    .append("\"/>\n");
        });
        for (String r : c.references()) {
            String[] p = r.split("\\|", -1);
            b.append("  <reference name=\"").append(p[0]).append("\" interface=\"").append(p[1]).append("\" bind=\"").append(p[2])
                    .append('"');
            if (!p[3].isEmpty()) {
                b.append(" target=\"").append(p[3]).append('"');
            }
            b.append("/>\n");
        }
        b.append("</scr:component>\n");
        return b.toString();
    }
}
