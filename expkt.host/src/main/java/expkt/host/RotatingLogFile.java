package expkt.host;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The host's log file, bounded: when the next record would take the file past {@code maxBytes}, the
 * file becomes {@code <file>.1} (the older ones {@code .2} .. {@code .<keep>}, the oldest deleted) and
 * a new file is started. At most {@code keep + 1} files of at most {@code maxBytes} each (a single
 * record larger than that gets a file of its own): a flood of log lines can no longer fill the disk.
 * A record (a line and its stack trace) is never split across two files.
 *
 * <p>Threading: not thread-safe; {@link LogPrinter} serialises the writes.
 */
final class RotatingLogFile implements AutoCloseable {
    /** Smallest bound accepted: a few lines. */
    static final long MIN_BYTES = 4096;
    static final int MAX_KEEP = 100;

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private OutputStream out;
    private long size;

    RotatingLogFile(Path file, long maxBytes, int keep) throws IOException {
        if (maxBytes < MIN_BYTES) {
            throw new IllegalArgumentException("log file bound " + maxBytes + " bytes is below the minimum of " + MIN_BYTES);
        }
        if (keep < 1 || keep > MAX_KEEP) {
            throw new IllegalArgumentException("log files to keep " + keep + " is outside 1.." + MAX_KEEP);
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        size = Files.size(file);
    }

    /** Appends one record (its text ends with a line separator), rotating first if it would not fit. */
    void write(String record) throws IOException {
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        if (size > 0 && size + bytes.length > maxBytes) {
            rotate();
        }
        out.write(bytes);
        out.flush();
        size += bytes.length;
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(rotated(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(rotated(i))) {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    /** {@code <file>.<i>}. */
    Path rotated(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
