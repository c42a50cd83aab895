package expkt.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * nftables through libnftables ({@code libnftables.so.1}, Debian {@code libnftables1}) with its JSON
 * interface: commands go in as JSON (or nft text), listings come back as JSON. If the library is
 * missing, {@link #open()} falls back to the {@code nft} binary ({@code nft -j -f -}, one process per
 * call) and {@link #backend()} says so. Where both are looked for is a {@link Locations} (system
 * properties {@value #LIBRARY_PROPERTY} and {@value #BINARY_PROPERTY} by default); if neither is there,
 * {@link #open} throws an {@link UnavailableException} naming both and their Debian packages.
 *
 * <p>Threading: an instance is confined to the thread that opened it. libnftables talks netlink in
 * the namespace of that thread, so open and use it on a thread inside the namespace to manage
 * (a {@link NetNsThread}); the fallback's {@code nft} process inherits that thread's namespace too.
 */
public final class Nftables implements AutoCloseable {
    /** System property: {@code binary} forces the {@code nft} process fallback even when the library is there. */
    public static final String BACKEND_PROPERTY = "expkt.nftables.backend";
    /** System property: the libnftables to load, a file name looked up by the dynamic linker or a path. */
    public static final String LIBRARY_PROPERTY = "expkt.nftables.library";
    /** System property: the path of the nft binary (default: the first of /usr/sbin/nft, /sbin/nft, /usr/bin/nft). */
    public static final String BINARY_PROPERTY = "expkt.nftables.binary";
    public static final String DEFAULT_LIBRARY = "libnftables.so.1";
    private static final List<String> DEFAULT_BINARIES = List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft");

    /**
     * Where nftables is looked for: the library (a name for the dynamic linker, or a path) and the nft
     * binary (a path; null: the usual places). Null or blank values mean the defaults.
     */
    public record Locations(String library, String binary) {
        public Locations {
            library = library == null || library.isBlank() ? DEFAULT_LIBRARY : library.strip();
            binary = binary == null || binary.isBlank() ? null : binary.strip();
        }

        /** The defaults, overridden by the system properties {@value #LIBRARY_PROPERTY} and {@value #BINARY_PROPERTY}. */
        public static Locations fromSystemProperties() {
            return new Locations(System.getProperty(LIBRARY_PROPERTY), System.getProperty(BINARY_PROPERTY));
        }

        /** The nft binary to run, or null if there is none where it is looked for. */
        String findBinary() {
            for (String p : binary == null ? DEFAULT_BINARIES : List.of(binary)) {
                if (new java.io.File(p).canExecute()) {
                    return p;
                }
            }
            return null;
        }

        String describeBinary() {
            return binary == null ? "nft (looked for " + String.join(", ", DEFAULT_BINARIES) + ")" : binary;
        }
    }

    /** nftables cannot be used at all here: neither the library nor the binary is there. */
    public static final class UnavailableException extends IOException {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private static final int NFT_CTX_DEFAULT = 0;
    private static final int NFT_CTX_OUTPUT_HANDLE = 1 << 3;
    private static final int NFT_CTX_OUTPUT_JSON = 1 << 4;

    private final Arena arena;
    private final MethodHandle run;
    private final MethodHandle outputBuffer;
    private final MethodHandle errorBuffer;
    private final MethodHandle free;
    private MemorySegment ctx;
    private final String backend;
    /** The nft binary of the process fallback (null when the library is used). */
    private final String binary;

    private Nftables(Arena arena, MethodHandle run, MethodHandle outputBuffer, MethodHandle errorBuffer, MethodHandle free,
                     MemorySegment ctx, String backend, String binary) {
        this.arena = arena;
        this.run = run;
        this.outputBuffer = outputBuffer;
        this.errorBuffer = errorBuffer;
        this.free = free;
        this.ctx = ctx;
        this.backend = backend;
        this.binary = binary;
    }

    /** True if libnftables can be loaded here. */
    public static boolean libraryAvailable() {
        try (Arena a = Arena.ofConfined()) {
            lookup(Locations.fromSystemProperties().library(), a);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static SymbolLookup lookup(String library, Arena arena) {
        return library.contains("/") ? SymbolLookup.libraryLookup(java.nio.file.Path.of(library), arena)
                : SymbolLookup.libraryLookup(library, arena);
    }

    /** {@link #open(Locations)} with {@link Locations#fromSystemProperties()}. */
    public static Nftables open() throws IOException {
        return open(Locations.fromSystemProperties());
    }

    /**
     * Opens a context (JSON output, handles shown) on libnftables, or, without the library, on the
     * {@code nft} binary; an {@link UnavailableException} naming both (and their Debian packages) if
     * neither is there.
     */
    public static Nftables open(Locations where) throws IOException {
        if ("binary".equals(System.getProperty(BACKEND_PROPERTY))) {
            return openBinary(where, "forced by -D" + BACKEND_PROPERTY + "=binary");
        }
        Arena arena = Arena.ofShared();
        SymbolLookup lib;
        try {
            lib = lookup(where.library(), arena);
        } catch (IllegalArgumentException e) {
            arena.close();
            return openBinary(where, where.library() + " not found");
        }
        try {
            Linker linker = Native.LINKER;
            MethodHandle ctxNew = linker.downcallHandle(find(lib, "nft_ctx_new"), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle setFlags = linker.downcallHandle(find(lib, "nft_ctx_output_set_flags"),
                    FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle bufOut = linker.downcallHandle(find(lib, "nft_ctx_buffer_output"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle bufErr = linker.downcallHandle(find(lib, "nft_ctx_buffer_error"), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle getOut = linker.downcallHandle(find(lib, "nft_ctx_get_output_buffer"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_BYTE), ValueLayout.ADDRESS));
            MethodHandle getErr = linker.downcallHandle(find(lib, "nft_ctx_get_error_buffer"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_BYTE), ValueLayout.ADDRESS));
            MethodHandle run = linker.downcallHandle(find(lib, "nft_run_cmd_from_buffer"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            MethodHandle free = linker.downcallHandle(find(lib, "nft_ctx_free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
            MemorySegment ctx = (MemorySegment) ctxNew.invokeExact(NFT_CTX_DEFAULT);
            if (ctx.address() == 0) {
                arena.close();
                throw new IOException("nft_ctx_new() returned NULL");
            }
            setFlags.invokeExact(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
            int a = (int) bufOut.invokeExact(ctx);
            int b = (int) bufErr.invokeExact(ctx);
            return new Nftables(arena, run, getOut, getErr, free, ctx, where.library(), null);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IOException("cannot bind libnftables.so.1: " + t, t);
        }
    }

    /** The {@code nft} binary fallback, one process per call; {@code why} ends up in {@link #backend()}. */
    public static Nftables openBinary(String why) throws IOException {
        return openBinary(Locations.fromSystemProperties(), why);
    }

    private static Nftables openBinary(Locations where, String why) throws IOException {
        String nft = where.findBinary();
        if (nft == null) {
            throw new UnavailableException("nftables is not usable: neither the library " + where.library()
                    + " (Debian package libnftables1) nor the nft binary " + where.describeBinary()
                    + " (Debian package nftables) was found");
        }
        return new Nftables(null, null, null, null, null, null, "nft binary " + nft + " (" + why + ")", nft);
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libnftables.so.1 has no symbol " + name));
    }

    /** "libnftables.so.1", or a description of the nft binary fallback. */
    public String backend() {
        return backend;
    }

    /**
     * Runs one batch of commands (a JSON document {@code {"nftables":[...]}} or nft text) as one
     * transaction; returns what nft printed (JSON for a listing). A failure gives an IOException
     * with nft's own error text and the command.
     */
    public synchronized String run(String commands) throws IOException {
        if (run == null) {
            return runBinary(binary, commands);
        }
        if (ctx == null) {
            throw new IOException("nftables context is closed");
        }
        try (Arena call = Arena.ofConfined()) {
            int rc = (int) run.invokeExact(ctx, call.allocateFrom(commands));
            MemorySegment out = (MemorySegment) outputBuffer.invokeExact(ctx);
            MemorySegment err = (MemorySegment) errorBuffer.invokeExact(ctx);
            String o = out.address() == 0 ? "" : out.reinterpret(Integer.MAX_VALUE).getString(0);
            String e = err.address() == 0 ? "" : err.reinterpret(Integer.MAX_VALUE).getString(0);
            if (rc != 0) {
                throw new IOException("nftables rejected the command: " + e.strip() + "\n  command: " + abbreviate(commands));
            }
            return o;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }

    @Override
    public synchronized void close() {
        if (ctx != null) {
            try {
                free.invokeExact(ctx);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            } finally {
                ctx = null;
                arena.close();
            }
        }
    }

    /** How long one {@code nft -j -f -} run may take before it is destroyed. */
    private static final java.time.Duration NFT_TIMEOUT = java.time.Duration.ofSeconds(30);

    /** The {@code nft} process fallback, through {@link Exec} (timeout over the whole run). */
    private static String runBinary(String binary, String commands) throws IOException {
        Exec.Result r = Exec.run(List.of(binary, "-j", "-f", "-"), commands.getBytes(StandardCharsets.UTF_8), NFT_TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("nft rejected the command: " + r.stderr().strip() + "\n  command: " + abbreviate(commands));
        }
        return r.stdout();
    }
}
