package io.nuscape.core.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class Rfc3339Test {
    @Test
    void agreesWithJavaTimeOnValidInput() {
        String[] valid = {"2026-11-23T10:15:30.123Z", "2026-11-23T10:15:30Z", "2026-11-23T10:15:30.1+02:00",
            "2024-02-29T23:59:59.999999999-05:30", "1999-12-31T00:00:00.000+00:00", "2026-11-23T10:15:30.12Z"};
        for (String s : valid) {
            assertEquals(OffsetDateTime.parse(s).toInstant().toEpochMilli(), Rfc3339.parseMillis(s), s);
        }
        assertEquals(OffsetDateTime.parse("2026-11-23T10:15:30.123Z").toInstant().toEpochMilli(),
                Rfc3339.parseMillis("2026-11-23t10:15:30.123z"));
    }

    @Test
    void refusesInvalidInput() {
        String[] invalid = {"", "2026-11-23", "2026-11-23T10:15:30", "2026-11-23 10:15:30Z", "2026-02-30T10:15:30Z",
            "2026-13-01T10:15:30Z", "2026-11-23T24:00:00Z", "2026-11-23T10:15:30.Z", "2026-11-23T10:15:30+0200",
            "2026-11-23T10:15:30Zjunk", "20x6-11-23T10:15:30Z", "2026-11-23T10:15:30.1234567890Z", "2026-11-23T10:15:30+24:00"};
        for (String s : invalid) {
            assertEquals(Long.MIN_VALUE, Rfc3339.parseMillis(s), s);
        }
    }
}
