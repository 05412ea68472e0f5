package io.nuscape.core.queue;

/**
 * The port ingest writes through: one atomic, single-round-trip enqueue per request. The Redis Streams
 * adapter lives in the {@code nuscape-redis} module.
 */
public interface EventQueue {
    /** Performs the request atomically; throws {@link QueueUnavailableException} when the queue cannot be reached. */
    EnqueueOutcome enqueue(EnqueueRequest request);

    /** Loads what the first request would otherwise load (scripts, connections) without writing anything. */
    void prime();
}
