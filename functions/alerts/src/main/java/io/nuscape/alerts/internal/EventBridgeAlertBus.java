package io.nuscape.alerts.internal;

import io.nuscape.core.limit.Alert;
import io.nuscape.core.limit.AlertBus;
import io.nuscape.core.webhook.WebhookDeliverer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * {@link AlertBus} on an EventBridge bus: one event per alert, source {@code nuscape.alerts}, detail-type the
 * alert's type, detail the same JSON a webhook receives; at most 10 per PutEvents call (EventBridge's limit).
 * Entries EventBridge did not take (its answer lists them), and those of a call that failed after earlier
 * calls succeeded, stay unpublished and are tried again; the alerts of calls that succeeded are marked.
 */
public final class EventBridgeAlertBus implements AlertBus, AutoCloseable {
    public static final String SOURCE = "nuscape.alerts";
    private static final int PER_CALL = 10;

    private final EventBridgeClient client;
    private final String busName;

    public EventBridgeAlertBus(EventBridgeClient client, String busName) {
        this.client = client;
        this.busName = busName;
    }

    public static EventBridgeAlertBus create(String busName, Optional<URI> endpoint, AwsCredentialsProvider credentials, Region region) {
        var builder = EventBridgeClient.builder().httpClient(UrlConnectionHttpClient.create()).credentialsProvider(credentials).region(region);
        endpoint.ifPresent(builder::endpointOverride);
        return new EventBridgeAlertBus(builder.build(), busName);
    }

    @Override
    public Set<UUID> publish(List<Alert> alerts) {
        Set<UUID> taken = new HashSet<>();
        for (int from = 0; from < alerts.size(); from += PER_CALL) {
            List<Alert> part = alerts.subList(from, Math.min(alerts.size(), from + PER_CALL));
            List<PutEventsRequestEntry> entries = new ArrayList<>(part.size());
            for (Alert a : part) {
                entries.add(PutEventsRequestEntry.builder()
                        .eventBusName(busName)
                        .source(SOURCE)
                        .detailType(a.type())
                        .time(a.raisedAt())
                        .resources(List.of())
                        .detail(new String(WebhookDeliverer.body(a), StandardCharsets.UTF_8))
                        .build());
            }
            PutEventsResponse answer;
            try {
                answer = client.putEvents(PutEventsRequest.builder().entries(entries).build());
            } catch (RuntimeException e) {
                if (taken.isEmpty()) {
                    throw e;
                }
                return taken; // what earlier calls put is marked; the rest goes next round
            }
            List<PutEventsResultEntry> results = answer.entries();
            for (int i = 0; i < part.size(); i++) {
                // Results come in the entries' order; one without an event id failed (its error code says why).
                if (i < results.size() && results.get(i).eventId() != null && results.get(i).errorCode() == null) {
                    taken.add(part.get(i).alertId());
                }
            }
        }
        return taken;
    }

    @Override
    public void close() {
        client.close();
    }
}
