package expkt.codec.pcap;

/** Capture file formats. */
public enum CaptureFormat {
    /** Classic libpcap with nanosecond timestamps (magic 0xA1B23C4D). */
    PCAP,
    /** Classic libpcap with microsecond timestamps (magic 0xA1B2C3D4), for old readers. */
    PCAP_MICROSECONDS,
    /** pcapng: one section, interfaces with names, nanosecond timestamps. */
    PCAPNG
}
