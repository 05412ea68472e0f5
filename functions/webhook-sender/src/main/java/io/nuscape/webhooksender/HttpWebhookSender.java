package io.nuscape.webhooksender;

import io.nuscape.core.webhook.ReceiverGuard;
import io.nuscape.core.webhook.WebhookSender;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link WebhookSender} over the JDK's HTTP client. Everything the receiver controls is bounded: the address
 * must pass the {@link ReceiverGuard} (checked before every delivery), the whole exchange must end within the
 * timeout (connection, answer, all of it), redirects are not followed (a 3xx is an answer, not a 2xx: the
 * delivery is tried again later), and the answer's body is never read, whatever its size.
 */
public final class HttpWebhookSender implements WebhookSender {
    private final ReceiverGuard guard;
    private final Duration timeout;
    private final HttpClient client;

    public HttpWebhookSender(ReceiverGuard guard, Duration timeout) {
        this.guard = guard;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .proxy(HttpClient.Builder.NO_PROXY) // a proxy from the environment would take the address checks out of our hands
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public Answer post(URI url, Map<String, String> headers, byte[] body) {
        try {
            guard.resolve(url);
        } catch (ReceiverGuard.Refused e) {
            return new Answer(null, "refused: " + e.getMessage()); // fixed texts, never an address
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        request.header("User-Agent", "NuScape-Webhooks/1");
        CompletableFuture<HttpResponse<InputStream>> sent = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try {
            HttpResponse<InputStream> response = sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            response.body().close(); // the status is the answer; closing drops the rest unread
            return new Answer(response.statusCode(), null);
        } catch (TimeoutException e) {
            sent.cancel(true);
            return new Answer(null, "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return new Answer(null, category(e.getCause() == null ? e : e.getCause()));
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            return new Answer(null, "interrupted");
        } catch (java.io.IOException e) {
            return new Answer(null, "exchange failed");
        }
    }

    /**
     * What went wrong, in a few fixed words: the delivery log is shown to the tenant, and the details of a
     * failure (which refusal, which TLS alert) would tell them about the network the post went through.
     */
    private String category(Throwable cause) {
        if (cause instanceof java.net.http.HttpConnectTimeoutException || cause instanceof java.net.ConnectException
                || cause instanceof java.net.UnknownHostException) {
            return "connection failed";
        }
        if (cause instanceof java.net.http.HttpTimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (cause instanceof javax.net.ssl.SSLException) {
            return "TLS handshake failed";
        }
        return "exchange failed";
    }
}
