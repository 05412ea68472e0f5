package io.nuscape.core.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Buckets of the zone's clock and calendar, across daylight-saving changes and half-hour zones. */
class BucketsTest {
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    @Test
    void daysAreCalendarDaysOfTheZoneAnd23Or25HoursLongAcrossDstChanges() {
        // 2026-11-01: clocks go back in New York (25 hours); 2026-03-08: forward (23 hours).
        Buckets fall = Buckets.of(Instant.parse("2026-10-31T12:00:00Z"), Instant.parse("2026-11-03T00:00:00Z"), Step.DAY, NEW_YORK, 1500);
        assertEquals("2026-10-31T00:00:00-04:00", fall.startText(0));
        assertEquals("2026-11-01T00:00:00-04:00", fall.startText(1));
        assertEquals("2026-11-02T00:00:00-05:00", fall.startText(2));
        assertEquals(Duration.ofHours(25), Duration.between(fall.start(1), fall.end(1)));
        assertEquals(3, fall.size(), "the last bucket holds the instant before to (2026-11-02T19:00 local)");
        Buckets spring = Buckets.of(Instant.parse("2026-03-08T05:00:00Z"), Instant.parse("2026-03-09T04:00:00Z"), Step.DAY, NEW_YORK, 1500);
        assertEquals(1, spring.size());
        assertEquals(Duration.ofHours(23), Duration.between(spring.start(0), spring.end(0)));
    }

    @Test
    void weeksStartOnMondayInTheZone() {
        Buckets weeks = Buckets.of(Instant.parse("2026-11-25T12:00:00Z"), Instant.parse("2026-12-10T00:00:00Z"), Step.WEEK, NEW_YORK, 1500);
        assertEquals("2026-11-23T00:00:00-05:00", weeks.startText(0));
        assertEquals("2026-11-30T00:00:00-05:00", weeks.startText(1));
        assertEquals(3, weeks.size());
    }

    @Test
    void hoursFollowTheZonesClockSoHalfHourZonesStartAtHalfPastUtc() {
        Buckets kolkata = Buckets.of(Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-23T12:00:00Z"), Step.HOUR,
                ZoneId.of("Asia/Kolkata"), 1500);
        assertEquals(Instant.parse("2026-11-23T09:30:00Z"), kolkata.first());
        assertEquals("2026-11-23T15:00:00+05:30", kolkata.startText(0));
        assertEquals(3, kolkata.size());
        assertFalse(kolkata.alignedTo(3_600_000L));
        assertTrue(kolkata.alignedTo(300_000L));
        Buckets nyHours = Buckets.of(Instant.parse("2026-11-01T04:30:00Z"), Instant.parse("2026-11-01T07:00:00Z"), Step.HOUR, NEW_YORK, 1500);
        assertEquals(3, nyHours.size(), "01:00 EDT, 01:00 EST and 02:00 EST: the repeated hour is its own bucket");
        assertEquals("2026-11-01T01:00:00-04:00", nyHours.startText(1));
        assertEquals("2026-11-01T01:00:00-05:00", nyHours.startText(2));
    }

    @Test
    void utcIsWrittenWithZAndIndexOfFindsTheBucket() {
        Buckets b = Buckets.of(Instant.parse("2026-11-23T10:07:00Z"), Instant.parse("2026-11-23T10:20:00Z"), Step.FIVE_MINUTES, ZoneOffset.UTC, 1500);
        assertEquals("2026-11-23T10:05:00Z", b.startText(0));
        assertEquals(3, b.size());
        assertEquals(0, b.indexOf(Instant.parse("2026-11-23T10:05:00Z").toEpochMilli()));
        assertEquals(1, b.indexOf(Instant.parse("2026-11-23T10:14:59.999Z").toEpochMilli()));
        assertEquals(-1, b.indexOf(Instant.parse("2026-11-23T10:04:59.999Z").toEpochMilli()));
        assertEquals(-1, b.indexOf(Instant.parse("2026-11-23T10:20:00Z").toEpochMilli()));
    }

    @Test
    void tooManyBucketsIsRefusedBeforeTheyAreAllMade() {
        assertThrows(Buckets.TooManyBucketsException.class,
                () -> Buckets.of(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"), Step.MINUTE, ZoneOffset.UTC, 1500));
        assertEquals(1500, Buckets.of(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-02T01:00:00Z"), Step.MINUTE, ZoneOffset.UTC, 1500)
                .size());
    }
}
