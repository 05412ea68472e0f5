package io.nuscape.core.limit;

import java.util.List;

/**
 * Marks and alerts. {@link #evaluateMarks} leases marks no other evaluator holds (a short transaction: drains
 * marking the same devices never wait for an evaluation), lets the work say which alerts they raise, then in
 * one transaction records those not recorded before and deletes the marks not marked again meanwhile. A crash
 * before that commit leaves the marks to come back when their lease runs out; an alert recorded twice is
 * recorded once. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface AlertStore {
    /** The work done on claimed marks: the alerts they raise (already raised ones may be among them). */
    @FunctionalInterface
    interface MarkWork {
        List<Alert> alertsFor(List<LimitMark> marks) throws Exception;
    }

    /** Claims up to {@code max} marks and runs the work on them; returns the alerts recorded by this call. */
    List<Alert> evaluateMarks(int max, MarkWork work) throws Exception;

    /**
     * Publishes up to {@code max} alerts not yet published, oldest first, in one transaction that holds them
     * (two publishers never take the same ones) and marks those the bus took; returns how many it took. An
     * alert the bus keeps refusing is tried for 24 h, then left: it cannot hold up the alerts behind it.
     */
    int publishPending(int max, AlertBus bus) throws Exception;

    /** Marks devices as touched on days (what the drainer records after counting; tests and tools too). */
    void mark(List<LimitMark> marks) throws Exception;
}
