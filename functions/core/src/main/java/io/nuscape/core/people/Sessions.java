package io.nuscape.core.people;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.SecretTokens;
import io.nuscape.core.auth.TokenIssuer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * People signing in and staying signed in: passwords checked against their Argon2id hashes behind the
 * throttle, sessions opened with a rotating refresh token, short-lived access tokens issued from the key
 * set. A wrong email and a wrong password cost the same hash and get the same answer.
 */
public final class Sessions {
    /** Refresh tokens carry 256 random bits. */
    private static final int REFRESH_TOKEN_BYTES = 32;

    /** How long access tokens and sessions live (PeopleSettings: 15 minutes and 30 days unless configured). */
    public record Lifetimes(Duration accessToken, Duration session) {
    }

    /** A signed-in user: the access token for requests and the refresh token for the cookie. */
    public record SignedIn(User user, String accessToken, Instant accessTokenExpiresAt, String refreshToken, Instant sessionExpiresAt) {
    }

    private final UserStore users;
    private final SessionStore sessions;
    private final PasswordHasher hasher;
    private final GuessThrottle throttle;
    private final TokenIssuer issuer;
    private final Lifetimes lifetimes;
    private final Clock clock;

    public Sessions(UserStore users, SessionStore sessions, PasswordHasher hasher, GuessThrottle throttle, TokenIssuer issuer,
                    Lifetimes lifetimes, Clock clock) {
        this.users = users;
        this.sessions = sessions;
        this.hasher = hasher;
        this.throttle = throttle;
        this.issuer = issuer;
        this.lifetimes = lifetimes;
        this.clock = clock;
    }

    /** Signs in with email and password from a client address; 401, 429 or a new session. */
    public SignedIn signIn(String email, String password, String address) throws Exception {
        String normal = email.strip().toLowerCase(Locale.ROOT);
        Optional<Duration> wait = throttle.reserve(normal, address);
        if (wait.isPresent()) {
            throw GuessThrottle.refusal(wait.get(), "failed sign-ins");
        }
        Optional<UserStore.Credentials> found = users.credentials(normal);
        boolean ok = password.length() <= PasswordPolicy.MAX_CHARACTERS * 4 && found.isPresent()
                ? hasher.verify(password, found.get().passwordHash())
                : hasher.verifyNothing(password);
        if (!ok) {
            throw new ApiException(ErrorCode.INVALID_CREDENTIALS, "the email or the password is wrong"); // the reservation stays: a failure
        }
        throttle.succeeded(normal, address);
        User user = found.get().user();
        if (hasher.needsRehash(found.get().passwordHash())) {
            users.replacePasswordHash(user.userId(), found.get().passwordHash(), hasher.hash(password));
        }
        return open(user);
    }

    /**
     * Accepts an invitation with the user's first password and signs the user in. Unknown, used and expired
     * invitations are refused before the password is hashed.
     */
    public SignedIn accept(String invitationToken, String password) throws Exception {
        byte[] hash = SecretTokens.sha256(invitationToken);
        Instant now = clock.instant();
        Optional<UserStore.InvitationProblem> problem = users.check(hash, now);
        if (problem.isPresent()) {
            throw refusal(problem.get());
        }
        PasswordPolicy.check(password);
        UserStore.Acceptance accepted = users.accept(hash, hasher.hash(password), now);
        if (accepted.problem().isPresent()) {
            throw refusal(accepted.problem().get());
        }
        return open(accepted.user().orElseThrow());
    }

    private static ApiException refusal(UserStore.InvitationProblem problem) {
        return switch (problem) {
            case UNKNOWN -> new ApiException(ErrorCode.NOT_FOUND, "this invitation link is not valid; ask an admin of the account for a new one");
            case EXPIRED -> new ApiException(ErrorCode.INVALID_REQUEST, "this invitation has expired; ask an admin of the account to invite you again");
            case USED -> new ApiException(ErrorCode.CONFLICT, "this invitation was already accepted; sign in with your email and password");
        };
    }

    /**
     * Exchanges a refresh token for a new access token and its successor. The user's current role and
     * existence apply here. A token used before revokes its session.
     */
    public SignedIn refresh(String refreshToken) throws Exception {
        if (refreshToken == null || refreshToken.isBlank() || refreshToken.length() > 200) {
            throw new ApiException(ErrorCode.INVALID_TOKEN, "no session cookie; sign in");
        }
        String next = SecretTokens.random(REFRESH_TOKEN_BYTES);
        Instant now = clock.instant();
        return switch (sessions.refresh(SecretTokens.sha256(refreshToken), SecretTokens.sha256(next), now)) {
            case SessionStore.Refresh.Rotated r -> new SignedIn(r.user(), accessToken(r.user(), now), now.plus(lifetimes.accessToken()),
                    next, r.sessionExpiresAt());
            case SessionStore.Refresh.Refused r -> throw new ApiException(ErrorCode.INVALID_TOKEN, switch (r.reason()) {
                case "reused" -> "this session was ended because its refresh token was used twice; sign in again";
                case "expired" -> "the session has expired; sign in again";
                case "revoked" -> "the session was signed out; sign in again";
                default -> "the session is not known; sign in again";
            });
        };
    }

    /** Ends the session of the refresh token; unknown tokens are ignored (signing out twice is fine). */
    public void signOut(String refreshToken) throws Exception {
        if (refreshToken != null && !refreshToken.isBlank() && refreshToken.length() <= 200) {
            sessions.close(SecretTokens.sha256(refreshToken), clock.instant());
        }
    }

    private SignedIn open(User user) throws Exception {
        Instant now = clock.instant();
        String refresh = SecretTokens.random(REFRESH_TOKEN_BYTES);
        Instant expires = now.plus(lifetimes.session());
        sessions.open(user, UUID.randomUUID(), SecretTokens.sha256(refresh), expires, new Change(user.actor(), now));
        return new SignedIn(user, accessToken(user, now), now.plus(lifetimes.accessToken()), refresh, expires);
    }

    private String accessToken(User user, Instant now) {
        return issuer.issue(user.accountId(), user.actor(), user.role().scopes(), 0, now, lifetimes.accessToken());
    }
}
