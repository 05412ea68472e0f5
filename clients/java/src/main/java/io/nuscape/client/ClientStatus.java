package io.nuscape.client;

import java.time.Instant;

/**
 * A snapshot of a client's queue and uploads, as kept in its database (so another process sees the same):
 * what {@code nuscape-client status} prints.
 *
 * @param state          what the uploader is doing or why it stopped
 * @param deviceId       the enrolled device, null before enrollment
 * @param serverUrl      where it uploads, null before enrollment
 * @param queuedEvents   events on disk not yet accepted by the server, the batch being sent included
 * @param batchEvents    events of the batch formed and being sent (0 when none)
 * @param capacity       the queue's maximum number of events
 * @param droppedEvents  events deleted to make room under {@link QueueFullPolicy#DROP_OLDEST}, since the database was made
 * @param deadLetters    events the server refused (kept locally with its answer, see the README)
 * @param lastUploadAt   when the server last accepted a batch, null if never
 * @param lastError      the last failure (status, code and message), null when the last attempt succeeded
 * @param lastErrorAt    when it happened
 * @param tokenExpiresAt when the device token expires, null before enrollment
 */
public record ClientStatus(State state, String deviceId, String serverUrl, long queuedEvents, long batchEvents, int capacity,
                           long droppedEvents, long deadLetters, Instant lastUploadAt, String lastError, Instant lastErrorAt,
                           Instant tokenExpiresAt) {
    /** The uploader's state. */
    public enum State {
        /** No device token yet: enroll first. Events are still queued. */
        NOT_ENROLLED,
        /** Uploading or waiting for the next batch. */
        READY,
        /** The last attempt failed with a temporary error (429, 503, network); retrying with backoff. */
        RETRYING,
        /** The server answered 403 {@code device_revoked}: the device was erased or its token replaced. Uploads stopped; enroll again. */
        REVOKED,
        /**
         * The server refused the token (401, or 403 other than revoked): uploads wait and the token is tried again
         * after {@link ClientConfig#tokenRejectedRetry()}; enroll again if it persists.
         */
        TOKEN_REJECTED
    }
}
