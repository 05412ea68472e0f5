package io.nuscape.core.auth;

import java.util.Locale;
import java.util.Optional;

/** The token scopes of CONTRACT.md. {@code admin} implies {@code read}. */
public enum Scope {
    INGEST, READ, ADMIN, OPERATOR;

    public String claimValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Scope> parse(String value) {
        for (Scope s : values()) {
            if (s.claimValue().equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
