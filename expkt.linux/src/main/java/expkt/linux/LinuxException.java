package expkt.linux;

import java.io.IOException;

/** A failed system call: names the operation and carries errno. */
public final class LinuxException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public LinuxException(String operation, int errno) {
        super(operation + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
