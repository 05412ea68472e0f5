package io.nuscape.core.people;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Scope;
import java.util.Locale;
import java.util.Set;

/** The role of an account's user and the scopes its access tokens carry. */
public enum Role {
    ADMIN(Set.of(Scope.ADMIN, Scope.READ)), VIEWER(Set.of(Scope.READ));

    private final Set<Scope> scopes;

    Role(Set<Scope> scopes) {
        this.scopes = scopes;
    }

    public Set<Scope> scopes() {
        return scopes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named in a request; anything else is a 400 naming the choices. */
    public static Role parse(String value) {
        for (Role r : values()) {
            if (r.label().equals(value)) {
                return r;
            }
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, "\"role\" must be \"admin\" or \"viewer\"");
    }
}
