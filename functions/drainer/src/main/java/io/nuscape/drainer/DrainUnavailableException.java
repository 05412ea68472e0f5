package io.nuscape.drainer;

/**
 * Thrown by {@link DrainerHandler} when an invocation could not drain its shard at all (Redis unreachable),
 * so that Lambda counts the invocation as an error and the drainer's errors alarm fires.
 */
public final class DrainUnavailableException extends RuntimeException {
    public DrainUnavailableException(String message) {
        super(message);
    }
}
