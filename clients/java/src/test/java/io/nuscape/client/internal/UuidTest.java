package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UuidTest {
    static int compareUnsigned(UUID a, UUID b) {
        int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    @Test
    void version7IdsCarryTheirMillisecondAndTheRfcBits() {
        UUID id = new UuidV7(() -> 1_763_900_000_123L).next();
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(1_763_900_000_123L, UuidV7.millisOf(id));
        assertTrue(id.toString().startsWith("019ab"), id.toString());
    }

    @Test
    void idsOnlyGrowEvenWhenTheClockStepsBackOrStandsStill() {
        AtomicLong clock = new AtomicLong(1_763_900_000_000L);
        UuidV7 gen = new UuidV7(clock::get);
        UUID previous = gen.next();
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            if (i % 1000 == 500) {
                clock.addAndGet(-3_600_000); // an hour back
            } else if (i % 7 == 0) {
                clock.incrementAndGet();
            }
            UUID next = gen.next();
            assertTrue(compareUnsigned(next, previous) > 0, "id " + i + " sorts after the one before");
            assertTrue(seen.add(next));
            previous = next;
        }
    }

    @Test
    void nameBasedIdsAreVersion5AndDeterministic() {
        UUID a = NameBasedUuid.of(NameBasedUuid.IMPORTS, "bucket\n2026-11-23T10:00:00Z");
        assertEquals(a, NameBasedUuid.of(NameBasedUuid.IMPORTS, "bucket\n2026-11-23T10:00:00Z"));
        assertNotEquals(a, NameBasedUuid.of(NameBasedUuid.IMPORTS, "bucket\n2026-11-23T10:00:01Z"));
        assertEquals(5, a.version());
        assertEquals(2, a.variant());
        // RFC 9562's example: DNS namespace, "www.example.com".
        assertEquals(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
                NameBasedUuid.of(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
    }
}
