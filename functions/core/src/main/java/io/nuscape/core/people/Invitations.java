package io.nuscape.core.people;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.SecretTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** Inviting people into an account: the user is created without a password and gets a single-use link. */
public final class Invitations {
    private static final int TOKEN_BYTES = 32;
    // Deliberately loose: this only catches what cannot be an address. Nothing here proves the invitee owns it
    // (no mail is sent); the link goes to the admin who invited.
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]+\\.[^@\\s\\p{Cntrl}]+");

    /** The invited user and the token of its invitation link, shown once. */
    public record Invited(User user, String token, Instant expiresAt) {
    }

    private final UserStore users;
    private final Duration lifetime;
    private final Clock clock;

    public Invitations(UserStore users, Duration lifetime, Clock clock) {
        this.users = users;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    public Invited invite(UUID accountId, String email, Role role, String actor) throws Exception {
        Instant now = clock.instant();
        String token = SecretTokens.random(TOKEN_BYTES);
        Instant expires = now.plus(lifetime);
        User user = users.invite(accountId, email(email), role, SecretTokens.sha256(token), expires, new Change(actor, now));
        return new Invited(user, token, expires);
    }

    /** The email in its stored form (lower case), or a 400 saying what is wrong with it. */
    public static String email(String value) {
        String normal = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (normal.length() > 254 || !EMAIL.matcher(normal).matches()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"email\" must be an email address such as ana@example.com");
        }
        return normal;
    }

    /** Refuses an email a user already has, before anything is created for it. */
    public void requireFree(String email) throws Exception {
        if (users.emailTaken(email(email))) {
            throw new ApiException(ErrorCode.CONFLICT, "this email already belongs to a user; use another address");
        }
    }
}
