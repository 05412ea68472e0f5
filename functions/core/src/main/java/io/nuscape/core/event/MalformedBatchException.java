package io.nuscape.core.event;

/** The body as a whole is unusable (not JSON, not an object, no events array, too many events...): answer 400. */
public final class MalformedBatchException extends Exception {
    public MalformedBatchException(String message) {
        super(message, null, false, false);
    }
}
