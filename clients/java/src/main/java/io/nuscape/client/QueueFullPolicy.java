package io.nuscape.client;

/** What {@link NuScapeClient#track} does when the queue on disk already holds its maximum of events. */
public enum QueueFullPolicy {
    /**
     * Make room by deleting the oldest events not yet in a batch, and count them ({@link ClientStatus#droppedEvents()}).
     * Recent use matters more on a dashboard than use from days ago that could not be sent.
     */
    DROP_OLDEST,
    /** Keep what is queued and throw {@link QueueFullException}: the caller decides. */
    REFUSE
}
