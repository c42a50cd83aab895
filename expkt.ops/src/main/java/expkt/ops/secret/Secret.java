package expkt.ops.secret;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * One secret kept in a file readable by its owner only (mode 0600): read if the file exists (an
 * operator may have put one there: "configured"), else generated (24 random bytes, URL-safe base64)
 * and written with {@code O_CREAT|O_EXCL} and mode 0600 from the start, so it is never readable by
 * others, not even for a moment. A file that others can read or write is refused: the secret would
 * be known, or replaceable, by someone else.
 *
 * <p>Only a SHA-256 digest stays in memory after {@link #load}; {@link #matches} compares digests in
 * constant time. Immutable, thread-safe.
 */
public final class Secret {
    private static final Set<PosixFilePermission> OWNER_RW = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path file;
    private final byte[] digest;
    private final String generated;

    private Secret(Path file, byte[] digest, String generated) {
        this.file = file;
        this.digest = digest;
        this.generated = generated;
    }

    /**
     * The secret of {@code file}: read, or generated and stored if the file does not exist.
     *
     * @throws IOException the file cannot be read or written, is empty, or is readable or writable by
     *                     group or others (the message names the file and its mode)
     */
    public static Secret load(Path file) throws IOException {
        String generated = null;
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            String fresh = generate();
            try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_RW))) {
                ch.write(java.nio.ByteBuffer.wrap((fresh + "\n").getBytes(StandardCharsets.US_ASCII)));
                generated = fresh;
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: read theirs below
            }
        }
        if (Files.isSymbolicLink(file) || !Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (!OWNER_RW.containsAll(perms)) {
            throw new IOException(file + " has mode " + PosixFilePermissions.toString(perms)
                    + ": a secret must be readable by its owner only (chmod 600 " + file + ")");
        }
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) {
            throw new IOException(file + " is empty: delete it to have a new secret generated, or write one into it");
        }
        return new Secret(file, sha256(value), generated);
    }

    /** The file the secret is kept in. */
    public Path file() {
        return file;
    }

    /** The secret if this start generated it (to be shown once), else {@code null}. */
    public String generated() {
        return generated;
    }

    /** Whether {@code candidate} is the secret (constant time). */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(digest, sha256(candidate));
    }

    private static String generate() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
