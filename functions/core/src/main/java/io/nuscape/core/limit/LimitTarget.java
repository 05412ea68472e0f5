package io.nuscape.core.limit;

/** What a limit counts: all the time in use, the time of one category's keys, or of one key. */
public sealed interface LimitTarget {
    /** All the time in use (of kind {@code screen}): a profile's combined time, a device's own. */
    record All() implements LimitTarget {
    }

    /** The time of the keys the account's category rules put in the category now. */
    record Category(String name) implements LimitTarget {
    }

    /** The time of one key of one kind. */
    record Key(String kind, String key) implements LimitTarget {
    }
}
