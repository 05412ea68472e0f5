package io.nuscape.core.limit;

import java.time.LocalDate;
import java.util.UUID;

/** A drain counted events of this device on this UTC day: the limits reaching the device may have moved. */
public record LimitMark(UUID accountId, UUID deviceId, LocalDate utcDay) {
}
