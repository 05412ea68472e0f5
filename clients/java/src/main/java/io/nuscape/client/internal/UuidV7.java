package io.nuscape.client.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter and 62 random bits. Ids made
 * by one generator only grow, even when the wall clock steps back: the counter runs on from the last id's time
 * rather than follow the clock backwards (RFC 9562 §6.2, method 1). Time-ordered ids keep the server's dedupe
 * index appending rather than writing all over it.
 */
public final class UuidV7 {
    private static final int COUNTER_MAX = 0xFFF;
    private final LongSupplier millis;
    private final SecureRandom random = new SecureRandom();
    private long lastMillis = -1;
    private int counter;

    public UuidV7() {
        this(System::currentTimeMillis);
    }

    public UuidV7(LongSupplier millis) {
        this.millis = millis;
    }

    public synchronized UUID next() {
        long now = millis.getAsLong();
        if (now > lastMillis) {
            lastMillis = now;
            // A random start in the lower half leaves room to count up within the millisecond.
            counter = random.nextInt(COUNTER_MAX / 2);
        } else if (++counter > COUNTER_MAX) {
            lastMillis++;
            counter = random.nextInt(COUNTER_MAX / 2);
        }
        long msb = (lastMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | counter;
        long lsb = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    /** The Unix milliseconds a version 7 UUID carries. */
    public static long millisOf(UUID id) {
        if (id.version() != 7) {
            throw new IllegalArgumentException("not a version 7 UUID: " + id);
        }
        return id.getMostSignificantBits() >>> 16;
    }
}
