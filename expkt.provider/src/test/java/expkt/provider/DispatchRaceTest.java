package expkt.provider;

import expkt.api.packet.Filter;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static expkt.lab.Deadlines.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatch races, provoked many times in a row on real sockets: {@code setCallback} against
 * {@code close} (a closed fd, reused by the next socket, must never be added to an epoll set), the
 * move of a slow callback to a lane of its own against its socket's close (no thread, epoll fd or
 * eventfd left behind), and {@code drops()} against close (the count stays, no error).
 */
class DispatchRaceTest extends L2ProviderTestBase {

    /** The fds watched by every epoll set of this process (from /proc/self/fdinfo). */
    static Set<Integer> watchedByEpoll() throws IOException {
        Set<Integer> watched = new HashSet<>();
        Pattern tfd = Pattern.compile("(?m)^tfd:\\s+(\\d+)\\s");
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(p).toString().equals("anon_inode:[eventpoll]")) {
                        continue;
                    }
                    Matcher m = tfd.matcher(Files.readString(Path.of("/proc/self/fdinfo/" + p.getFileName())));
                    while (m.find()) {
                        watched.add(Integer.parseInt(m.group(1)));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return watched;
    }

    static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static long providerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("expkt-")).count();
    }

    @Test
    void setCallbackRacingCloseNeverLeavesAClosedOrReusedFdInAnEpollSet() throws Exception {
        engine();
        int leaks = 0;
        String first = null;
        for (int i = 0; i < 200; i++) {
            PacketSocketImpl s = engine.open(OWNER);
            s.setBlocking(false);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            // the bundle's thread: sets and removes its callback, as fast as it can, until its socket is closed
            Thread bundle = Thread.ofPlatform().name("race-bundle").start(() -> {
                started.countDown();
                try {
                    while (!stop.get()) {
                        s.setCallback(sock -> { });
                        s.removeCallback();
                    }
                } catch (ClosedChannelException expected) {
                    // closed under it
                } catch (IOException e) {
                    // EBADF from epoll_ctl on the closed fd: also a refusal, nothing added
                }
            });
            started.await();
            Thread.onSpinWait();
            // the framework's thread: closes the socket, and the next socket takes its fd number
            s.close();
            PacketSocketImpl next = engine.open(OWNER);
            stop.set(true);
            bundle.join(5_000);
            assertFalse(bundle.isAlive());
            if (engine.dispatcher().isRegistered(s.id())) {
                leaks++;
                if (first == null) {
                    first = "iteration " + i + ": the closed socket #" + s.id() + " is still registered with the dispatcher";
                }
            }
            if (watchedByEpoll().contains(next.fd())) {
                leaks++;
                if (first == null) {
                    first = "iteration " + i + ": socket #" + next.id() + " (fd " + next.fd() + ", no callback) is in an epoll set: "
                            + "the closed socket #" + s.id() + " was added after close";
                }
            }
            next.close();
        }
        assertEquals(0, leaks, first);
    }

    @Test
    void isolatingASlowCallbackRacingItsCloseLeavesNoThreadOrFd() throws Exception {
        engine();
        Wire h1 = wire(1);
        // warm up what the first open/close allocates once (JIT, arenas, nft)
        PacketSocketImpl warm = engine.open(OWNER);
        warm.setupFilter(Filter.named("race-warm").ethertype(0x0842).build());
        warm.close();
        long fds0 = openFds();
        long threads0 = providerThreads();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 40; i++) {
            PacketSocketImpl s = engine.open(OWNER);
            s.setupFilter(Filter.named("race-iso").ethertype(0x0842).build());
            s.setBlocking(false);
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch third = new CountDownLatch(1);
            s.setCallback(sock -> {
                sock.receive(null);
                Thread.sleep(3); // slow: over the budget in every call
                if (calls.incrementAndGet() == 3) {
                    third.countDown(); // the move to a lane of its own starts when this call returns
                }
            });
            for (int k = 0; k < 6; k++) {
                h1.send(HandlerRuntimeTest.numbered(0x0842, k));
            }
            assertTrue(third.await(5, TimeUnit.SECONDS));
            long spin = System.nanoTime() + ThreadLocalRandom.current().nextLong(3_000 + i * 10_000L);
            while (System.nanoTime() < spin) {
                Thread.onSpinWait();
            }
            s.close();
        }
        assertNull(failure.get());
        try {
            await(5_000, "threads and fds back to where they were", () -> {
                try {
                    return providerThreads() == threads0 && openFds() == fds0;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": provider threads " + threads0 + " -> " + providerThreads() + " "
                    + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("expkt-")).sorted().toList()
                    + ", fds " + fds0 + " -> " + openFds(), e);
        }
    }

    @Test
    void dropsAfterCloseIsTheFinalCountAndNeverReadsAnotherSocket() throws Exception {
        engine();
        Wire h1 = wire(1);
        PacketSocketImpl s = engine.open(OWNER);
        s.setupFilter(Filter.named("race-drops").ethertype(0x0842).build());
        // nobody reads: the ring fills and the kernel drops and counts
        byte[] big = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0842, 1400);
        for (int i = 0; i < 6000; i++) {
            h1.send(big);
        }
        await(5_000, "the ring overflowed", () -> s.drops() > 0);
        AtomicBoolean run = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().name("drops-reader").start(() -> {
            try {
                while (run.get()) {
                    s.drops();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        long before = s.drops();
        s.close();
        long atClose = s.drops();
        assertTrue(atClose >= before);
        // the next socket takes the fd number; the closed socket's drops() must not read (and reset) its statistics
        PacketSocketImpl next = engine.open(OWNER);
        next.setupFilter(Filter.named("race-drops2").ethertype(0x0843).build());
        byte[] big2 = Wire.frame("00:e0:2b:00:00:00", HOST_MAC, 0x0843, 1400);
        for (int i = 0; i < 6000; i++) {
            h1.send(big2);
        }
        // the reader keeps asking the closed socket while the next one (on its fd number) counts drops of its own
        await(5_000, "the next socket's ring overflowed while the closed one was asked", () -> next.drops() > 0);
        run.set(false);
        reader.join();
        assertNull(failure.get());
        assertEquals(atClose, s.drops(), "a closed socket's drops() is what was counted at close");
        List<Long> counts = List.of(next.drops());
        assertTrue(counts.get(0) > 0, "the next socket's own drops are its own: " + counts);
        next.close();
    }
}
