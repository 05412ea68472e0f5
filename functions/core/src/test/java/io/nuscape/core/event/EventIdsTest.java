package io.nuscape.core.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.auth.Uuids;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** UUIDv7 as RFC 9562 lays it out: time first, version 7, variant 10, and ordered by time. */
class EventIdsTest {
    @Test
    void aV7IdCarriesItsTimeVersionAndVariantAndSortsByTime() {
        long t = 1_795_428_931_123L;
        UUID id = EventIds.v7(t, new Random(1));
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(t, EventIds.timeOf(id).getAsLong());
        assertTrue(Uuids.isCanonical(id.toString()), id.toString());
        assertTrue(id.toString().startsWith(String.format("%08x", t >>> 16)), "the time leads the text form too");
        UUID later = EventIds.v7(t + 1, new Random(2));
        assertTrue(id.toString().compareTo(later.toString()) < 0, "later ids sort after earlier ones");
        assertTrue(EventIds.timeOf(UUID.randomUUID()).isEmpty(), "v4 ids carry no time");
    }
}
