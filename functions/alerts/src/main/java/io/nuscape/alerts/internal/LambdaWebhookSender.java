package io.nuscape.alerts.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.webhook.WebhookSender;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * {@link WebhookSender} that hands each post to WebhookSenderFunction ({@code WebhookPostHandler}), which runs
 * outside the VPC: the alerts function itself needs no way to the internet, and a receiver's URL never meets
 * the VPC's network. A failed invocation (throttled, the function erring) is an attempt without an answer: the
 * delivery is retried like any other.
 */
public final class LambdaWebhookSender implements WebhookSender, AutoCloseable {
    private final LambdaClient client;
    private final String function;

    public LambdaWebhookSender(LambdaClient client, String function) {
        this.client = client;
        this.function = function;
    }

    /** {@code receiverTimeout}: the sender function's own bound; the invocation may take a little longer. */
    public static LambdaWebhookSender create(String function, Duration receiverTimeout, Optional<URI> endpoint,
                                             AwsCredentialsProvider credentials, Region region) {
        var builder = LambdaClient.builder()
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(receiverTimeout.plusSeconds(10)).build())
                .credentialsProvider(credentials).region(region);
        endpoint.ifPresent(builder::endpointOverride);
        return new LambdaWebhookSender(builder.build(), function);
    }

    @Override
    public Answer post(URI url, Map<String, String> headers, byte[] body) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("url", url.toString());
        input.put("headers", headers);
        input.put("body_base64", Base64.getEncoder().encodeToString(body));
        InvokeResponse r;
        try {
            r = client.invoke(b -> b.functionName(function).invocationType(InvocationType.REQUEST_RESPONSE)
                    .payload(SdkBytes.fromUtf8String(Json.write(input))));
        } catch (SdkException e) {
            return new Answer(null, "sender function not invoked: " + e.getMessage());
        }
        String payload = r.payload() == null ? "" : r.payload().asString(StandardCharsets.UTF_8);
        if (r.functionError() != null) {
            return new Answer(null, "sender function failed (" + r.functionError() + ")");
        }
        try {
            JsonNode answer = Json.mapper().readTree(payload);
            JsonNode status = answer.get("status");
            JsonNode error = answer.get("error");
            return new Answer(status == null || status.isNull() ? null : status.asInt(),
                    error == null || error.isNull() ? null : error.asText());
        } catch (Exception e) {
            return new Answer(null, "sender function answered what is not JSON");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
