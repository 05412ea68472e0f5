package io.nuscape.core.queue;

/** How the queue answered an {@link EnqueueRequest}. */
public sealed interface EnqueueOutcome {
    /** The entry is in the stream (entryId empty when no event was accepted). */
    record Accepted(String entryId) implements EnqueueOutcome {
    }

    /** The batch was accepted before; {@code answer} is the body given then. Nothing was enqueued. */
    record Duplicate(String answer) implements EnqueueOutcome {
    }

    /** The device was erased, or the token's generation was rotated away. */
    record Revoked() implements EnqueueOutcome {
    }

    /** The account is over its rate limit; retry after the given seconds. */
    record RateLimited(long retryAfterSeconds) implements EnqueueOutcome {
    }

    /** The account reached its hard monthly quota; retry when the UTC month ends, the given seconds from now. */
    record QuotaExceeded(long retryAfterSeconds) implements EnqueueOutcome {
    }

    /** The stream backlog is over its cap; nothing was trimmed and nothing enqueued. */
    record Backlogged() implements EnqueueOutcome {
    }
}
