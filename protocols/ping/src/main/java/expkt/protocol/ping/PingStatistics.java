package expkt.protocol.ping;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Counts and round-trip times of one ping run, and the lines iputils {@code ping} prints for them
 * (iputils 20221126, ping_common.c): the per-reply time with a precision that depends on its size, the
 * loss as C's {@code %g}, and min/avg/max/mdev from microsecond sums as iputils keeps them.
 *
 * <p>Threading: one run, one thread.
 */
public final class PingStatistics {
    private long transmitted;
    private long received;
    private long errors;
    private long minMicros = Long.MAX_VALUE;
    private long maxMicros;
    private long sumMicros;
    private long sum2Micros;

    public void sent() {
        transmitted++;
    }

    /** One reply with its round-trip time in microseconds. */
    public void reply(long rttMicros) {
        received++;
        minMicros = Math.min(minMicros, rttMicros);
        maxMicros = Math.max(maxMicros, rttMicros);
        sumMicros += rttMicros;
        sum2Micros += rttMicros * rttMicros;
    }

    public void error() {
        errors++;
    }

    public long transmitted() { return transmitted; }
    public long received() { return received; }
    public long errors() { return errors; }

    /** {@code time=0.045 ms} as iputils prints it for a round trip of {@code micros}. */
    public static String formatTime(long micros) {
        if (micros >= 100_000 - 50) {
            return (micros + 500) / 1000 + " ms";
        }
        if (micros >= 10_000 - 5) {
            return (micros + 50) / 1000 + "." + ((micros + 50) % 1000) / 100 + " ms";
        }
        if (micros >= 1000) {
            return String.format("%d.%02d ms", (micros + 5) / 1000, ((micros + 5) % 1000) / 10);
        }
        return String.format("%d.%03d ms", micros / 1000, micros % 1000);
    }

    /** C's {@code %g}: 6 significant digits, trailing zeros removed. */
    static String percentG(double value) {
        if (value == 0) {
            return "0";
        }
        return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** {@code 3 packets transmitted, 3 received, 0% packet loss, time 2003ms}. */
    public String summaryLine(long elapsedMillis) {
        StringBuilder b = new StringBuilder();
        b.append(transmitted).append(" packets transmitted, ").append(received).append(" received");
        if (errors > 0) {
            b.append(", +").append(errors).append(" errors");
        }
        if (transmitted > 0) {
            // iputils casts the loss to float before %g: 1 of 3 lost prints 33.3333
            b.append(", ").append(percentG((float) ((transmitted - received) * 100.0 / transmitted))).append("% packet loss");
        }
        b.append(", time ").append(elapsedMillis).append("ms");
        return b.toString();
    }

    /** {@code rtt min/avg/max/mdev = 0.034/0.041/0.048/0.005 ms}, or null without replies. */
    public String rttLine() {
        if (received == 0) {
            return null;
        }
        long avg = sumMicros / received;
        long var = sum2Micros / received - avg * avg;
        long mdev = (long) Math.sqrt(Math.max(0, var));
        return "rtt min/avg/max/mdev = " + ms(minMicros) + "/" + ms(avg) + "/" + ms(maxMicros) + "/" + ms(mdev) + " ms";
    }

    private static String ms(long micros) {
        return String.format("%d.%03d", micros / 1000, micros % 1000);
    }

    public long minMicros() { return received == 0 ? 0 : minMicros; }
    public long maxMicros() { return maxMicros; }
    public long avgMicros() { return received == 0 ? 0 : sumMicros / received; }
}
