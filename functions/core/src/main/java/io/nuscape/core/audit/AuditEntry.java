package io.nuscape.core.audit;

import java.time.Instant;

/** One line of an account's audit log: when, who (by id), what ({@code user.invited}) and on what (by id). */
public record AuditEntry(Instant at, String actor, String action, String target) {
}
