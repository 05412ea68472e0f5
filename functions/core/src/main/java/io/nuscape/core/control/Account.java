package io.nuscape.core.control;

import java.time.Instant;
import java.util.UUID;

/** A customer account: every device, rollup and policy belongs to exactly one. */
public record Account(UUID accountId, String name, Instant createdAt) {
}
