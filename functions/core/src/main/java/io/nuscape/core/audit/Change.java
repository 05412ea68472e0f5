package io.nuscape.core.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * Who makes a change and when, as the audit log records it: {@code actor} names a user, API key, device
 * or token by id only ({@code user:<id>}, {@code api_key:<id>}, {@code device:<id>}, {@code token:<sub>}),
 * never by name or email, so that nothing in the log needs erasing.
 */
public record Change(String actor, Instant at) {
    public Change {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(at, "at");
        if (actor.isEmpty() || actor.length() > 300) {
            throw new IllegalArgumentException("actor must be 1 to 300 characters");
        }
    }

    /** A change with no person or key behind it: fixtures, migrations, operator tools. */
    public static Change system(Instant at) {
        return new Change("system", at);
    }
}
