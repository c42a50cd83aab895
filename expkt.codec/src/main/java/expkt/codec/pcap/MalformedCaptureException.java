package expkt.codec.pcap;

import java.io.IOException;

/** A capture file whose bytes are not valid pcap or pcapng; the message names the file offset. */
public class MalformedCaptureException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedCaptureException(String message) {
        super(message);
    }
}
