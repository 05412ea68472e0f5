package io.nuscape.core.people;

import java.time.Duration;
import java.util.Optional;

/**
 * Counts failed sign-ins per email and per client address and says when either must wait (CONTRACT.md:
 * 429 {@code rate_limited} with {@code Retry-After}). Checked before the password hash is computed, so a
 * blocked guesser costs no hash. The Redis adapter lives in {@code nuscape-redis}.
 */
public interface SignInThrottle {
    /**
     * How long sign-ins for this email or from this address must wait; empty when they may go on. A null
     * email counts the address alone (guesses that name no account, such as enrollment codes).
     */
    Optional<Duration> blocked(String email, String address);

    /** Records a failed sign-in (wrong password or unknown email alike). */
    void failed(String email, String address);

    /** Forgets the email's failures after a successful sign-in (the address keeps its count). */
    void succeeded(String email);
}
