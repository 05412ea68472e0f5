package io.nuscape.migrate.internal;

import io.nuscape.core.StructuredLog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PUTs the answer to CloudFormation's pre-signed S3 URL. It is the only way the stack learns the result,
 * so I/O errors and 5xx answers (S3 asks clients to retry those) are retried with backoff; a 4xx (an
 * expired or mis-signed URL) cannot get better and is not. The request carries no Content-Type, as the
 * URL was signed for none (AWS's own cfn-response module sends an empty one), and a Content-Length:
 * S3 refuses a PUT without it. The URL itself is never logged: its query string is a credential.
 */
public final class ResponseSender {
    /** How long to wait before each retry. */
    public static final Duration[] BACKOFF = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
            Duration.ofSeconds(8)};

    /** Waits between attempts; tests pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final HttpClient http;
    private final StructuredLog log;
    private final Sleeper sleeper;

    public ResponseSender(StructuredLog log) {
        this(log, d -> Thread.sleep(d.toMillis()));
    }

    public ResponseSender(StructuredLog log, Sleeper sleeper) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.log = log;
        this.sleeper = sleeper;
    }

    /** Sends the body; true when CloudFormation's URL accepted it (2xx). */
    public boolean send(String url, String body, Map<String, ?> context) {
        URI uri = URI.create(url);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(StandardCharsets.UTF_8))).build();
        String problem = null;
        for (int attempt = 0; attempt <= BACKOFF.length; attempt++) {
            if (attempt > 0) {
                try {
                    sleeper.sleep(BACKOFF[attempt - 1]);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) {
                    if (attempt > 0) {
                        log.info("custom resource answer sent after retries", with(context, "attempts", attempt + 1));
                    }
                    return true;
                }
                problem = "HTTP " + status;
                if (status / 100 != 5) {
                    break;
                }
            } catch (IOException e) {
                problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
                break;
            }
        }
        var fields = with(context, "reason", String.valueOf(problem));
        fields.put("response_host", String.valueOf(uri.getHost()));
        log.error("cannot answer CloudFormation: the stack waits until the custom resource times out", fields);
        return false;
    }

    private static LinkedHashMap<String, Object> with(Map<String, ?> context, String key, Object value) {
        var m = new LinkedHashMap<String, Object>(context);
        m.put(key, value);
        return m;
    }
}
