package expkt.vr.internal;

import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VrBackend;
import expkt.linux.IfNameIndex;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The text of the gogo command {@code expkt:vr}: every VR with id, backend, interfaces and open sockets per bundle. */
public final class VrListing {
    private VrListing() {
    }

    public static String render(VrTable table, VrExec exec) {
        StringBuilder out = new StringBuilder();
        out.append("host default VR: ").append(table.hostDefaultName());
        if (!table.vrfSupport().supported()) {
            out.append("\nVRF backend: unavailable (").append(table.vrfSupport().reason()).append(')');
        }
        out.append('\n');
        for (VirtualRouter vr : table.list()) {
            out.append(String.format("%-4d %-16s %-5s %s%n", vr.id(), vr.name(), vr.backend(),
                    vr.backend() == VrBackend.NETNS && vr.location().isEmpty() ? "(host namespace)" : vr.location()));
            out.append("     interfaces: ").append(interfaces(vr, exec)).append('\n');
            for (SocketOwner owner : table.owners()) {
                List<String> lines = new ArrayList<>();
                for (SocketOwner.Owned s : owner.open()) {
                    String d = s.describe();
                    if (d.contains(" " + vr.name() + "(" + vr.id() + ")")) {
                        lines.add(d);
                    }
                }
                if (!lines.isEmpty()) {
                    out.append("     ").append(owner.owner()).append(": ").append(lines.size()).append(" socket(s)\n");
                    for (String l : lines) {
                        out.append("       ").append(l).append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    /** Interface names of a VR: its namespace's (asked from inside it), or the VRF device's slaves. */
    public static String interfaces(VirtualRouter vr, VrExec exec) {
        try {
            if (vr.backend() == VrBackend.VRF) {
                List<String> names = new ArrayList<>();
                try (DirectoryStream<Path> d = Files.newDirectoryStream(Path.of("/sys/class/net", vr.location()), "lower_*")) {
                    for (Path p : d) {
                        names.add(p.getFileName().toString().substring("lower_".length()));
                    }
                }
                return names.toString();
            }
            List<String> names = new ArrayList<>();
            for (IfNameIndex.Interface i : exec.inNamespace(vr, IfNameIndex::list)) {
                names.add(i.name());
            }
            return names.toString();
        } catch (IOException | RuntimeException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
    }
}
