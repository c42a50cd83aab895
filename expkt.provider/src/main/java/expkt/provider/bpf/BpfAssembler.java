package expkt.provider.bpf;

import expkt.linux.PacketSockets;

import java.util.ArrayList;
import java.util.List;

/**
 * A tiny classic-BPF assembler with symbolic labels, so the compiler can write forward jumps
 * without counting. Conditional jumps reach at most 255 instructions ahead (a classic BPF limit);
 * {@link #jumpAlways} reaches anywhere.
 */
final class BpfAssembler {
    static final int LD_W_ABS = 0x20;
    static final int LD_H_ABS = 0x28;
    static final int LD_B_ABS = 0x30;
    static final int JMP_JA = 0x05;
    static final int JMP_JEQ_K = 0x15;
    static final int RET_K = 0x06;
    /** A &lt;&lt;= k, A &gt;&gt;= k, A &amp;= k, A |= X; M[k] = A; X = M[k] (linux/filter.h: class | op | source). */
    static final int ALU_LSH_K = 0x64;
    static final int ALU_RSH_K = 0x74;
    static final int ALU_AND_K = 0x54;
    static final int ALU_OR_X = 0x4c;
    static final int ST = 0x02;
    static final int LDX_MEM = 0x61;
    /** SKF_AD_OFF: ancillary loads live at negative offsets. */
    static final int SKF_AD_OFF = -0x1000;
    static final int SKF_AD_PROTOCOL = 0;
    static final int SKF_AD_PKTTYPE = 4;
    static final int SKF_AD_IFINDEX = 8;
    static final int SKF_AD_VLAN_TAG = 44;
    static final int SKF_AD_VLAN_TAG_PRESENT = 48;
    static final int SKF_AD_VLAN_TPID = 60;

    private record Insn(int code, int jt, int jf, int k, int jtLabel, int jfLabel) {
    }

    private final List<Insn> insns = new ArrayList<>();
    private final List<Integer> labelAt = new ArrayList<>();

    /** A new, not yet placed label. */
    int newLabel() {
        labelAt.add(-1);
        return labelAt.size() - 1;
    }

    /** Places {@code label} at the next instruction. */
    void place(int label) {
        labelAt.set(label, insns.size());
    }

    /** Fall-through marker for jump targets. */
    static final int NEXT = -1;

    void load(int code, int k) {
        insns.add(new Insn(code, 0, 0, k, NEXT, NEXT));
    }

    void loadAncillary(int ad) {
        load(LD_W_ABS, SKF_AD_OFF + ad);
    }

    /** if A == k goto jtLabel else goto jfLabel ({@link #NEXT}: the next instruction). */
    void jumpIfEqual(int k, int jtLabel, int jfLabel) {
        insns.add(new Insn(JMP_JEQ_K, 0, 0, k, jtLabel, jfLabel));
    }

    void jumpAlways(int label) {
        insns.add(new Insn(JMP_JA, 0, 0, 0, label, NEXT));
    }

    void ret(int k) {
        insns.add(new Insn(RET_K, 0, 0, k, NEXT, NEXT));
    }

    int size() {
        return insns.size();
    }

    /** Resolves labels and packs the program (see {@link PacketSockets#insn}). */
    long[] assemble() {
        long[] out = new long[insns.size()];
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.code == JMP_JA) {
                int target = target(in.jtLabel);
                out[i] = PacketSockets.insn(JMP_JA, 0, 0, target - i - 1);
            } else if (in.code == JMP_JEQ_K) {
                int jt = in.jtLabel == NEXT ? 0 : target(in.jtLabel) - i - 1;
                int jf = in.jfLabel == NEXT ? 0 : target(in.jfLabel) - i - 1;
                if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                    throw new IllegalStateException("BPF conditional jump of " + jt + "/" + jf + " at " + i + " is out of range");
                }
                out[i] = PacketSockets.insn(in.code, jt, jf, in.k);
            } else {
                out[i] = PacketSockets.insn(in.code, 0, 0, in.k);
            }
        }
        return out;
    }

    private int target(int label) {
        int t = labelAt.get(label);
        if (t < 0) {
            throw new IllegalStateException("BPF label " + label + " was never placed");
        }
        return t;
    }
}
