package expkt.linux;

import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code nft} binary fallback runs through {@link Exec}, inside the caller's namespace (JSON
 * commands: {@code nft -j -f -} of nft 1.0.6 silently ignores text input).
 */
class NftablesBinaryTest {

    @Test
    void binaryFallbackRunsAndReportsRejections() throws Exception {
        try (Lab lab = Lab.builder().ports(0).build(); NetNs ns = NetNs.open(lab.namespace("nft"))) {
            String listing = NetNs.call(ns, () -> {
                try (Nftables nft = Nftables.openBinary("test")) {
                    assertTrue(nft.backend().startsWith("nft binary /"), nft.backend());
                    nft.run("{\"nftables\":[{\"add\":{\"table\":{\"family\":\"netdev\",\"name\":\"expkt_bintest\"}}}]}");
                    return nft.run("{\"nftables\":[{\"list\":{\"tables\":null}}]}");
                }
            });
            assertTrue(listing.contains("expkt_bintest"), listing);
            IOException e = assertThrows(IOException.class, () -> NetNs.call(ns, () -> {
                try (Nftables nft = Nftables.openBinary("test")) {
                    return nft.run("{\"nftables\":[{\"add\":{\"chain\":{\"family\":\"netdev\",\"table\":\"no_such_table\",\"name\":\"c\"}}}]}");
                }
            }));
            assertTrue(e.getMessage().contains("nft rejected the command") && e.getMessage().contains("no_such_table"),
                    e.getMessage());
        }
    }
}
