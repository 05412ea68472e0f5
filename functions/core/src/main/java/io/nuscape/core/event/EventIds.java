package io.nuscape.core.event;

import java.security.SecureRandom;
import java.util.Random;
import java.util.UUID;

/**
 * Event ids as clients should make them: UUIDv7 (RFC 9562), the creation time in milliseconds first, then
 * random bits. Any UUID is accepted; a time-ordered one lands next to its device's recent ids in the dedupe
 * index instead of on a random page of it, so the index's working set stays small however long the dedupe
 * window is.
 */
public final class EventIds {
    private static final Random RANDOM = new SecureRandom();

    private EventIds() {
    }

    /** A UUIDv7 for the given creation time (epoch milliseconds). */
    public static UUID v7(long epochMillis) {
        return v7(epochMillis, RANDOM);
    }

    /** A UUIDv7 from the given source of random bits (a seeded one for reproducible benchmarks). */
    public static UUID v7(long epochMillis, Random random) {
        long high = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | (random.nextInt() & 0x0FFF);
        long low = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }

    /** The creation time a UUIDv7 carries, in epoch milliseconds; empty for other versions. */
    public static java.util.OptionalLong timeOf(UUID id) {
        return id.version() == 7 ? java.util.OptionalLong.of(id.getMostSignificantBits() >>> 16) : java.util.OptionalLong.empty();
    }
}
