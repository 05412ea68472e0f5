package io.nuscape.core.auth;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * Who a verified token speaks for: its account, subject (a device id for {@code ingest} tokens), scopes,
 * token generation (the {@code gen} claim; rotation raises the device's minimum) and expiry.
 */
public record Principal(UUID accountId, String subject, Set<Scope> scopes, long tokenGeneration, Instant expiresAt) {

    public Principal {
        scopes = Set.copyOf(scopes);
    }

    /**
     * How the audit log names this caller: {@code device:<id>} for device tokens, {@code user:<id>} and
     * {@code api_key:<id>} as issued, {@code token:<sub>} for tokens minted by operators' tools.
     */
    public String actor() {
        String name = scopes.contains(Scope.INGEST) ? "device:" + subject
                : subject.startsWith("user:") || subject.startsWith("api_key:") ? subject : "token:" + subject;
        return name.length() > 300 ? name.substring(0, 300) : name;
    }

    /** True when the token grants the scope, directly or by implication ({@code admin} grants {@code read}). */
    public boolean has(Scope scope) {
        return scopes.contains(scope) || (scope == Scope.READ && scopes.contains(Scope.ADMIN));
    }
}
