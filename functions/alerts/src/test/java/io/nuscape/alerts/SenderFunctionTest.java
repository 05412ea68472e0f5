package io.nuscape.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;
import io.nuscape.alerts.internal.LambdaWebhookSender;
import io.nuscape.webhooksender.WebhookPostHandler;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.webhook.WebhookSender;
import io.nuscape.testkit.AwsEmulator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/**
 * The post outside the VPC: AlertsFunction's {@link LambdaWebhookSender} invokes WebhookSenderFunction through
 * the Lambda Invoke API, here answered by an endpoint on loopback that speaks that API
 * ({@code POST /2015-03-31/functions/{name}/invocations}, {@code X-Amz-Function-Error} on failure) and runs the
 * real {@link WebhookPostHandler}.
 */
class SenderFunctionTest {

    @Test
    void aPostGoesThroughTheSenderFunctionAndItsAnswerComesBack() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", ex -> {
            received.add(ex.getRequestHeaders().getFirst("NuScape-Signature") + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/gone") ? 410 : 202, -1);
            ex.close();
        });
        receiver.start();
        // The sender function as the local stack would configure it (loopback receivers allowed) and as production does.
        WebhookPostHandler local = new WebhookPostHandler(Settings.from(Map.of("NUSCAPE_WEBHOOK_ALLOW_PRIVATE", "true")));
        WebhookPostHandler production = new WebhookPostHandler(Settings.from(Map.of()));
        List<String> invoked = new CopyOnWriteArrayList<>();
        HttpServer lambda = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        lambda.createContext("/2015-03-31/functions/", ex -> {
            String path = ex.getRequestURI().getPath();
            String name = path.substring("/2015-03-31/functions/".length(), path.indexOf("/invocations"));
            invoked.add(name + " " + ex.getRequestHeaders().getFirst("X-Amz-Invocation-Type"));
            Map<String, Object> event = Json.mapper().readValue(ex.getRequestBody().readAllBytes(), new TypeReference<>() { });
            byte[] answer;
            if (name.equals("broken")) {
                ex.getResponseHeaders().add("X-Amz-Function-Error", "Unhandled");
                answer = "{\"errorMessage\":\"boom\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                answer = Json.write((name.equals("production") ? production : local).handleRequest(event, null)).getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        lambda.start();
        URI endpoint = URI.create("http://127.0.0.1:" + lambda.getAddress().getPort());
        Region region = Region.of(AwsEmulator.REGION);
        try (LambdaWebhookSender viaLocal = LambdaWebhookSender.create("local", Duration.ofSeconds(2), Optional.of(endpoint), AwsEmulator.credentials(), region);
             LambdaWebhookSender viaProduction = LambdaWebhookSender.create("production", Duration.ofSeconds(2), Optional.of(endpoint), AwsEmulator.credentials(), region);
             LambdaWebhookSender viaBroken = LambdaWebhookSender.create("broken", Duration.ofSeconds(2), Optional.of(endpoint), AwsEmulator.credentials(), region)) {
            String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
            byte[] body = "{\"alert_id\":\"a\"}".getBytes(StandardCharsets.UTF_8);
            WebhookSender.Answer ok = viaLocal.post(URI.create(base + "/hook"), Map.of("NuScape-Signature", "t=1,v1=ab"), body);
            assertEquals(202, ok.status());
            assertNull(ok.error());
            assertEquals(List.of("t=1,v1=ab {\"alert_id\":\"a\"}"), received, "the receiver got the headers and the body as given");
            assertEquals(410, viaLocal.post(URI.create(base + "/gone"), Map.of(), body).status());
            assertEquals(List.of("local RequestResponse", "local RequestResponse"), invoked, "synchronous invocations");

            WebhookSender.Answer refused = viaProduction.post(URI.create("https://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"), Map.of(), body);
            assertNull(refused.status());
            assertTrue(refused.error().startsWith("refused:"), refused.error());
            assertEquals(2, received.size(), "outside the VPC too, loopback (the Lambda runtime API) is refused");

            WebhookSender.Answer failed = viaBroken.post(URI.create(base + "/hook"), Map.of(), body);
            assertNull(failed.status());
            assertEquals("sender function failed (Unhandled)", failed.error());
        } finally {
            lambda.stop(0);
            receiver.stop(0);
        }
        assertEquals("bad input: url, headers and body_base64 are required", local.handleRequest(Map.of("url", "x"), null).get("error"));
    }
}
