package io.nuscape.api;

import com.amazonaws.serverless.proxy.jersey.JerseyLambdaContainerHandler;
import com.amazonaws.serverless.proxy.model.AwsProxyResponse;
import com.amazonaws.serverless.proxy.model.HttpApiV2HttpContext;
import com.amazonaws.serverless.proxy.model.HttpApiV2ProxyRequest;
import com.amazonaws.serverless.proxy.model.HttpApiV2ProxyRequestContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.api.internal.SessionCookie;
import io.nuscape.core.Settings;
import io.nuscape.core.http.RoutePath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;

/**
 * Lambda entry point of ApiFunction (API Gateway HTTP API, payload v2): the Jersey application served
 * through aws-serverless-java-container. Thin: converts the event for the container and its answer
 * back. As a CRaC resource it primes Jersey's routing before the SnapStart snapshot (a request to an
 * unknown route: no token, no database) and reconnects to Redis after restore.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource, AutoCloseable {
    private final ApiFunction function;
    private final JerseyLambdaContainerHandler<HttpApiV2ProxyRequest, AwsProxyResponse> container;

    /** Used by the Lambda runtime: configuration from the environment. */
    public ApiHandler() {
        this(new ApiFunction(Settings.fromEnvironment()));
        Core.getGlobalContext().register(this);
    }

    /** Configured from the given settings (the local runtime's). */
    public ApiHandler(Settings settings) {
        this(new ApiFunction(settings));
    }

    public ApiHandler(ApiFunction function) {
        this.function = function;
        this.container = JerseyLambdaContainerHandler.getHttpApiV2ProxyHandler(function.application());
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        AwsProxyResponse r = container.proxy(request(event), context);
        Map<String, String> headers = new HashMap<>();
        List<String> cookies = new ArrayList<>();
        if (r.getMultiValueHeaders() != null) {
            r.getMultiValueHeaders().forEach((k, v) -> {
                if (k.equalsIgnoreCase("Set-Cookie")) {
                    cookies.addAll(v); // payload v2 answers cookies apart: commas are not a separator for them
                } else {
                    headers.put(k, String.join(",", v));
                }
            });
        }
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(r.getStatusCode())
                .withHeaders(headers)
                .withCookies(cookies.isEmpty() ? null : cookies)
                .withBody(r.getBody())
                .withIsBase64Encoded(r.isBase64Encoded())
                .build();
    }

    /**
     * The same request in the container's model (its field names differ from the events library's), on the
     * path the API routed: Jersey's routes know nothing of the stage or base path in front of it.
     */
    static HttpApiV2ProxyRequest request(APIGatewayV2HTTPEvent e) {
        HttpApiV2ProxyRequest r = new HttpApiV2ProxyRequest();
        var source = e.getRequestContext();
        String path = RoutePath.of(e.getRawPath() != null ? e.getRawPath() : source != null && source.getHttp() != null ? source.getHttp().getPath() : null,
                source == null ? null : source.getStage(), e.getRouteKey() != null ? e.getRouteKey() : source == null ? null : source.getRouteKey());
        r.setVersion("2.0");
        r.setRouteKey(e.getRouteKey());
        r.setRawPath(path);
        r.setRawQueryString(e.getRawQueryString() == null ? "" : e.getRawQueryString());
        r.setCookies(e.getCookies());
        Map<String, String> headers = new HashMap<>();
        if (e.getHeaders() != null) {
            e.getHeaders().forEach((k, v) -> {
                if (!k.equalsIgnoreCase(SessionCookie.BASE_PATH_HEADER)) { // only this handler says what the base path is
                    headers.put(k, v);
                }
            });
        }
        String sent = e.getRawPath() != null ? e.getRawPath() : path;
        // The stage or custom-domain base path in front of the route: cookie paths and links must carry it. The
        // root route is also reached without its slash (/prod).
        String base = sent.length() > path.length() && sent.endsWith(path) ? sent.substring(0, sent.length() - path.length())
                : path.equals("/") && !sent.equals("/") ? sent : "";
        if (!base.isEmpty()) {
            headers.put(SessionCookie.BASE_PATH_HEADER, base);
        }
        if (e.getCookies() != null && !e.getCookies().isEmpty()) {
            // Payload v2 moves the Cookie header into "cookies"; Jersey reads cookies from the header.
            headers.put("cookie", String.join("; ", e.getCookies()));
        }
        r.setHeaders(headers);
        r.setQueryStringParameters(e.getQueryStringParameters());
        r.setPathParameters(e.getPathParameters());
        r.setStageVariables(e.getStageVariables());
        r.setBody(e.getBody());
        r.setBase64Encoded(e.getIsBase64Encoded());
        HttpApiV2ProxyRequestContext ctx = new HttpApiV2ProxyRequestContext();
        HttpApiV2HttpContext http = new HttpApiV2HttpContext();
        if (source != null) {
            ctx.setRequestId(source.getRequestId());
            ctx.setRouteKey(source.getRouteKey());
            ctx.setStage(source.getStage() == null ? "$default" : source.getStage());
            ctx.setApiId(source.getApiId());
            ctx.setTimeEpoch(source.getTimeEpoch());
            if (source.getHttp() != null) {
                http.setMethod(source.getHttp().getMethod());
                http.setPath(path);
                http.setProtocol(source.getHttp().getProtocol());
                http.setSourceIp(source.getHttp().getSourceIp());
                http.setUserAgent(source.getHttp().getUserAgent());
            }
        }
        ctx.setHttp(http);
        r.setRequestContext(ctx);
        return r;
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        APIGatewayV2HTTPEvent warm = APIGatewayV2HTTPEvent.builder().withRawPath("/api/v1/priming").withHeaders(Map.of())
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("priming")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath("/api/v1/priming").build())
                        .build())
                .build();
        for (int i = 0; i < 50; i++) {
            handleRequest(warm, null);
        }
        function.redis().suspend();
        function.releaseDatabaseConnections();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        function.redis().resume();
        function.redis().reconnectQuietly();
        function.renewDatabaseAccess();
    }

    @Override
    public void close() {
        function.close();
    }
}
