package io.nuscape.client;

/** Thrown by {@link NuScapeClient#track} under {@link QueueFullPolicy#REFUSE} when the queue is full; nothing was written. */
public final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int capacity;

    public QueueFullException(int capacity) {
        super("the event queue holds its maximum of " + capacity + " events; nothing was written (upload or raise the limit)");
        this.capacity = capacity;
    }

    /** The queue's maximum number of events. */
    public int capacity() {
        return capacity;
    }
}
