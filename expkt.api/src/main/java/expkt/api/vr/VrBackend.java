package expkt.api.vr;

/** How a virtual router is realised in the kernel. */
public enum VrBackend {
    /** A network namespace: sockets are created inside it. */
    NETNS,
    /** An l3mdev VRF device: sockets are bound to it with SO_BINDTODEVICE (what EXOS 30+ does). */
    VRF
}
