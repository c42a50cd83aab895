package expkt.vr.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Whether the running kernel has VRF devices (l3mdev {@code type vrf}), found at run time: a loaded
 * {@code vrf} module, or {@code CONFIG_NET_VRF=y|m} in /proc/config.gz.
 *
 * @param supported true when VRF devices can exist on this kernel
 * @param reason why not (names the kernel release and what was checked); empty when supported
 */
public record VrfSupport(boolean supported, String reason) {

    public static VrfSupport detect() {
        if (Files.isDirectory(Path.of("/sys/module/vrf"))) {
            return new VrfSupport(true, "");
        }
        String release = System.getProperty("os.version");
        Path config = Path.of("/proc/config.gz");
        if (Files.isReadable(config)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(config));
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("CONFIG_NET_VRF=y") || line.equals("CONFIG_NET_VRF=m")) {
                        return new VrfSupport(true, "");
                    }
                }
            } catch (IOException e) {
                return new VrfSupport(false, "kernel " + release + ": cannot read /proc/config.gz (" + e.getMessage()
                        + ") and no vrf module is loaded");
            }
            return new VrfSupport(false, "kernel " + release + " has no VRF support: CONFIG_NET_VRF is not set in "
                    + "/proc/config.gz and no vrf module is loaded (/sys/module/vrf)");
        }
        return new VrfSupport(false, "kernel " + release + ": no vrf module is loaded (/sys/module/vrf) and "
                + "/proc/config.gz is not there to tell whether one could be");
    }
}
