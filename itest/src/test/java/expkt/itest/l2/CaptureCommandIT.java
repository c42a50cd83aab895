package expkt.itest.l2;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.ServiceReference;

import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * {@code expkt:capture} inside Felix: the expkt.capture bundle registers the command (one command:
 * the provider has none any more), it captures frames a lab host sends into a pcapng file tshark reads
 * with the port as interface, and afterwards neither {@code expkt:acl} nor the switch's nftables
 * ruleset holds anything of it; an existing file is kept unless --force.
 */
public class CaptureCommandIT extends ExpktTestSupport {

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2).bridge(true);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.capture")};
    }

    private Object command(String function) throws Exception {
        String filter = "(&(osgi.command.scope=expkt)(osgi.command.function=" + function + "))";
        ServiceReference<?>[][] refs = new ServiceReference<?>[1][];
        await("the Gogo command expkt:" + function, 10_000, () -> {
            try {
                return (refs[0] = context.getServiceReferences((String) null, filter)) != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalArgumentException(filter, e);
            }
        });
        return context.getService(refs[0][0]);
    }

    private void sendFromHost(int i, byte[] frame) throws Exception {
        HostFrames.send(lab(), i, frame, 1);
    }

    @Test
    public void captureWritesWhatAHostSentAndLeavesNothingBehind() throws Exception {
        Object capture = command("capture");
        Method m = capture.getClass().getMethod("capture", String.class, String.class, String.class);
        Path dir = Files.createTempDirectory("xk-capture-it");
        Path file = dir.resolve("it.pcapng");
        try {
            CompletableFuture<String> done = CompletableFuture.supplyAsync(() -> {
                try {
                    return (String) m.invoke(capture, "ethertype=0x0842", file.toString(), "2");
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e.getCause());
                }
            });
            // a socket lists a filter once its BPF program and nftables rules are in place
            Object sockets = command("sockets");
            Method socketsM = sockets.getClass().getMethod("sockets");
            String[] listed = {""};
            expkt.lab.Deadlines.await(10_000, "the capture's socket with its filter in expkt:sockets", () -> {
                try {
                    return (listed[0] = String.valueOf(socketsM.invoke(sockets))).contains("capture-");
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }, () -> listed[0]);
            Object acl = command("acl");
            Method aclM = acl.getClass().getMethod("acl");
            String during = String.valueOf(aclM.invoke(acl));
            // the capture bundle's own socket, through the public API like any protocol bundle's
            assertTrue(during, during.matches("(?s).*capture-\\d+\\s+expkt\\.capture .*UP_AND_CONTINUE.*"));
            ByteBuffer f = ByteBuffer.allocate(90);
            f.put(new byte[] {0x00, (byte) 0xE0, 0x2B, 0, 0, 9}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) 0x0842);
            sendFromHost(1, f.array());
            sendFromHost(2, java.util.Arrays.copyOf(f.array(), 70));
            String summary = done.get(10, TimeUnit.SECONDS);
            assertTrue(summary, summary.contains("2 frame(s) written to " + file + " (pcapng)"));
            String fields = lab().exec(null, "tshark", "-n", "-r", file.toString(), "-T", "fields", "-E", "separator=|",
                    "-e", "frame.len", "-e", "eth.dst", "-e", "eth.type", "-e", "frame.interface_name").check().stdout();
            assertEquals(List.of("90|00:e0:2b:00:00:09|0x0842|1:1 (p1)", "70|00:e0:2b:00:00:09|0x0842|1:2 (p2)"),
                    fields.lines().filter(l -> !l.isBlank()).toList());
            String after = String.valueOf(aclM.invoke(acl));
            assertFalse(after, after.contains("capture-"));
            String rules = lab().exec(lab().switchNs(), "nft", "list", "ruleset").check().stdout();
            assertFalse(rules, rules.contains("capture-"));

            // one expkt:capture on the host, and it is expkt.capture's
            ServiceReference<?>[] all = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=expkt)(osgi.command.function=capture))");
            assertEquals(1, all.length);
            assertEquals("expkt.capture", all[0].getBundle().getSymbolicName());

            // the file it wrote exists now: a second capture to it is refused and the file keeps every byte
            byte[] before = Files.readAllBytes(file);
            try {
                m.invoke(capture, "ethertype=0x0842", file.toString(), "1");
                throw new AssertionError("a capture over an existing file without --force was not refused");
            } catch (java.lang.reflect.InvocationTargetException e) {
                assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof IllegalArgumentException
                        && e.getCause().getMessage().contains("--force"));
            }
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(file)));
            try (var names = Files.list(dir)) {
                assertEquals(List.of(file), names.toList());
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
