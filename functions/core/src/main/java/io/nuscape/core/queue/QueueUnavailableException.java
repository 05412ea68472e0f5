package io.nuscape.core.queue;

/** The queue could not be reached or did not answer in time; ingest answers 503 and the client retries. */
public final class QueueUnavailableException extends RuntimeException {
    public QueueUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
