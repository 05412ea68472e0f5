package io.nuscape.core.people;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import java.time.Duration;
import java.util.Optional;

/**
 * Bounds how often secrets can be guessed (CONTRACT.md: 429 {@code rate_limited} with {@code Retry-After}):
 * passwords per email and per client address, enrollment codes per address. Every attempt is reserved
 * before the secret is checked, atomically, so attempts sent in parallel are counted as they come, and a
 * refused one costs no hash. A success gives its reservations back. The Redis adapter lives in
 * {@code nuscape-redis}; each kind of guess has its own counters.
 */
public interface GuessThrottle {
    /**
     * Reserves an attempt for this email (null: the address alone) from this address; empty when it may go
     * on, else how long to wait.
     */
    Optional<Duration> reserve(String email, String address);

    /** Gives back a successful attempt's reservations: it was no guess. */
    void succeeded(String email, String address);

    /** The 429 for a refused attempt, with the wait as {@code Retry-After} in whole seconds. */
    static ApiException refusal(Duration wait, String what) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return ApiException.retryLater(ErrorCode.RATE_LIMITED, "too many " + what + "; try again in " + seconds + " s", seconds);
    }
}
