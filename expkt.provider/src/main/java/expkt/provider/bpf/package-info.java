/**
 * Classic BPF for the sockets' kernel filters: {@link expkt.provider.bpf.BpfCompiler} turns a socket's
 * filters into one program (ports, direction, destination MAC, ethertype after up to two in-frame tags,
 * an explicit offset) attached with {@code SO_ATTACH_FILTER}, and {@link expkt.provider.bpf.BpfAssembler}
 * writes the instructions and resolves the jumps. Pure computation: no kernel call, no dependency on the
 * rest of the provider but the data-plane model's port numbers.
 *
 * <p>Threading: stateless or confined to the thread that compiles (a socket's filter lock).
 */
package expkt.provider.bpf;
