package io.nuscape.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.http.RoutePath;
import io.nuscape.ingest.internal.BodyDecoder;
import io.nuscape.ingest.internal.Priming;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/**
 * Lambda entry point of IngestFunction (API Gateway HTTP API, payload v2). Thin: turns the event into an
 * {@link IngestRequest}, calls {@link IngestService}, turns the answer back. As a CRaC {@link Resource} it
 * primes the hot path before the SnapStart snapshot and reconnects to Redis after restore.
 */
public final class IngestHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource,
        AutoCloseable {
    public static final String ROUTE = "/api/v1/events/batch";

    private final IngestFunction function;

    /** Used by the Lambda runtime: configuration from the environment. */
    public IngestHandler() {
        this(new IngestFunction(Settings.fromEnvironment()).connectInBackground());
        Core.getGlobalContext().register(this);
    }

    /** Configured from the given settings (the local runtime's); no CRaC registration outside Lambda. */
    public IngestHandler(Settings settings) {
        this(new IngestFunction(settings));
    }

    public IngestHandler(IngestFunction function) {
        this.function = function;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String requestId = context != null ? context.getAwsRequestId()
                : event.getRequestContext() != null ? event.getRequestContext().getRequestId() : null;
        var http = event.getRequestContext() == null ? null : event.getRequestContext().getHttp();
        String method = http == null ? "" : http.getMethod();
        var ctx = event.getRequestContext();
        String path = RoutePath.of(event.getRawPath() != null ? event.getRawPath() : http == null ? "" : http.getPath(),
                ctx == null ? null : ctx.getStage(), event.getRouteKey() != null ? event.getRouteKey() : ctx == null ? null : ctx.getRouteKey());
        if (!ROUTE.equals(path)) {
            return answer(new HttpAnswer(404, Map.of("Content-Type", HttpAnswer.JSON),
                    Json.error(ErrorCode.NOT_FOUND, "no route " + path + "; ingest is POST " + ROUTE)));
        }
        if (!"POST".equalsIgnoreCase(method)) {
            return answer(new HttpAnswer(405, Map.of("Content-Type", HttpAnswer.JSON, "Allow", "POST"),
                    Json.error(ErrorCode.METHOD_NOT_ALLOWED, ROUTE + " accepts POST only")));
        }
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        byte[] body;
        try {
            body = body(event);
        } catch (io.nuscape.core.ApiException e) {
            return answer(new HttpAnswer(e.error().status(), Map.of("Content-Type", HttpAnswer.JSON),
                    Json.error(e.error(), e.getMessage())));
        }
        return answer(function.service().handle(new IngestRequest(requestId, headers, body)));
    }

    private byte[] body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null) {
            return new byte[0];
        }
        int limit = function.settings().maxBodyBytes();
        if (event.getIsBase64Encoded()) {
            if ((long) body.length() * 3 / 4 > limit + 3L) {
                throw BodyDecoder.tooLarge(limit);
            }
            try {
                return Base64.getDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new io.nuscape.core.ApiException(ErrorCode.INVALID_REQUEST, "body is not valid base64");
            }
        }
        if (body.length() > limit) {
            throw BodyDecoder.tooLarge(limit);
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static APIGatewayV2HTTPResponse answer(HttpAnswer a) {
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(a.status())
                .withHeaders(a.headers())
                .withBody(a.body())
                .withIsBase64Encoded(false)
                .build();
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        Priming.prime(function);
        function.redis().suspend();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        function.redis().resume();
        function.redis().reconnectQuietly();
    }

    public IngestFunction function() {
        return function;
    }

    @Override
    public void close() {
        function.close();
    }
}
