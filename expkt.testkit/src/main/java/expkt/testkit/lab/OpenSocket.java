package expkt.testkit.lab;

import expkt.api.packet.Filter;

import java.util.List;

/**
 * An L2 socket open on a {@link SwitchUnderTest} at the moment {@link SwitchUnderTest#sockets()}
 * was called: what {@code expkt:sockets} shows of it.
 *
 * @param id the provider's socket id
 * @param owner the bundle name it was opened for ({@link SwitchUnderTest#packets(String)})
 * @param filters its filters, in the order they were set up; a filter appears only once its BPF
 *     program and nftables rules are in place
 */
public record OpenSocket(long id, String owner, List<Filter> filters) {
    public OpenSocket {
        filters = List.copyOf(filters);
    }
}
