package io.nuscape.core.limit;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Where every alert is also published for customers to route (on AWS, the stack's EventBridge bus). The
 * EventBridge adapter lives with the alerts function.
 */
public interface AlertBus {
    /** Publishes the alerts; returns the ids of those the bus took (the others are tried again later). */
    Set<UUID> publish(List<Alert> alerts) throws Exception;
}
