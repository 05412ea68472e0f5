package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.integer;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.Requests;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.webhook.Delivery;
import io.nuscape.core.webhook.ReceiverGuard;
import io.nuscape.core.webhook.Webhook;
import io.nuscape.core.webhook.WebhookStore;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Webhooks (CONTRACT.md "Limits, alerts, quotas"): admins register receivers for alert types and read their
 * delivery log. The secret that signs deliveries is shown once, when the webhook is made.
 */
@Path("/api/v1/webhooks")
public final class WebhookResource {
    private final WebhookStore webhooks;
    private final ReceiverGuard guard;
    private final Clock clock;

    public WebhookResource(WebhookStore webhooks, ReceiverGuard guard, Clock clock) {
        this.webhooks = webhooks;
        this.guard = guard;
        this.clock = clock;
    }

    @POST
    @RequiresScope(Scope.ADMIN)
    public Response create(@Context ContainerRequestContext request, String body) throws Exception {
        JsonNode b = object(body);
        URI url = url(b.get("url"));
        try {
            guard.resolve(url);
        } catch (ReceiverGuard.Refused e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"url\" is refused: " + e.getMessage()
                    + "; a webhook must reach a public https server");
        }
        List<String> events = events(b.get("events"));
        String secret = newSecret();
        Webhook w = webhooks.create(principal(request).accountId(), url, events, secret, change(request, clock));
        Map<String, Object> out = describe(w);
        out.put("secret", secret);
        return json(201, out);
    }

    @GET
    @RequiresScope(Scope.ADMIN)
    public Response list(@Context ContainerRequestContext request) throws Exception {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Webhook w : webhooks.list(principal(request).accountId())) {
            items.add(describe(w));
        }
        return json(200, Map.of("webhooks", items));
    }

    @GET
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response read(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        return json(200, describe(webhooks.find(principal(request).accountId(), id(id)).orElseThrow(Requests::notFound)));
    }

    @DELETE
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response delete(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        if (!webhooks.delete(principal(request).accountId(), id(id), change(request, clock))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    /** The webhook's delivery log, newest first: every alert sent or to be sent, with its last attempt. */
    @GET
    @Path("/{id}/deliveries")
    @RequiresScope(Scope.ADMIN)
    public Response deliveries(@Context ContainerRequestContext request, @PathParam("id") String id, @QueryParam("limit") String limit)
            throws Exception {
        UUID account = principal(request).accountId();
        UUID webhookId = id(id);
        webhooks.find(account, webhookId).orElseThrow(Requests::notFound);
        List<Map<String, Object>> items = new ArrayList<>();
        for (Delivery d : webhooks.deliveries(account, webhookId, integer("limit", limit, 50, 1, 500))) {
            var item = new LinkedHashMap<String, Object>();
            item.put("delivery_id", d.deliveryId().toString());
            item.put("alert_id", d.alertId().toString());
            item.put("type", d.alertType());
            item.put("status", d.status());
            item.put("attempts", d.attempts());
            item.put("created_at", d.createdAt().toString());
            item.put("next_attempt_at", d.status().equals("pending") ? d.nextAttemptAt().toString() : null);
            item.put("last_attempt_at", text(d.lastAttemptAt()));
            item.put("last_status", d.lastStatus());
            item.put("last_error", d.lastError());
            item.put("completed_at", text(d.completedAt()));
            items.add(item);
        }
        return json(200, Map.of("webhook_id", webhookId.toString(), "deliveries", items));
    }

    private static String text(Instant i) {
        return i == null ? null : i.toString();
    }

    private static Map<String, Object> describe(Webhook w) {
        var out = new LinkedHashMap<String, Object>();
        out.put("webhook_id", w.webhookId().toString());
        out.put("url", w.url().toString());
        out.put("events", w.events());
        out.put("created_at", w.createdAt().toString());
        return out;
    }

    private URI url(JsonNode v) {
        if (v == null || !v.isTextual() || v.asText().length() > 2048 || v.asText().length() < 8) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"url\" must be the receiver's URL (8 to 2048 characters), e.g. https://example.com/nuscape");
        }
        try {
            URI url = new URI(v.asText());
            var wrong = guard.checkUrl(url);
            if (wrong.isPresent()) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"url\" " + wrong.get());
            }
            return url;
        } catch (URISyntaxException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"url\" is not a URL: " + e.getReason());
        }
    }

    private static List<String> events(JsonNode v) {
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"events\" must list the alert types to send, among " + Webhook.EVENT_TYPES);
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || !Webhook.EVENT_TYPES.contains(e.asText())) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"events\" may hold only " + Webhook.EVENT_TYPES + ", got " + e);
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    /** 32 random bytes: what a receiver keys its HMAC with, as the string shown. */
    private static String newSecret() {
        return "whsec_" + io.nuscape.core.auth.SecretTokens.random(32);
    }
}
