package io.nuscape.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves the template's HttpApi routes over real HTTP, the way API Gateway (HTTP API, payload v2) does:
 * each request becomes an {@link APIGatewayV2HTTPEvent} for the route's function, the function's response
 * becomes the HTTP answer. Bodies over API Gateway's 10 MB are refused, as there. Routes answer at the root
 * (as a {@code $default} stage) and under the template's named stage ({@code /prod/...}), where, as on AWS,
 * the stage stays in {@code rawPath} and {@code requestContext.http.path}.
 */
final class HttpGateway {
    private static final int MAX_BODY = 10 * 1024 * 1024;
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)\\+?}");

    private record Target(String method, String template, Pattern pattern, List<String> params, FunctionHost host) {
    }

    private final List<Target> targets = new ArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final String stage;

    HttpGateway(String host, int port, List<FunctionHost> functions, String stage) throws IOException {
        this.stage = stage;
        for (FunctionHost f : functions) {
            for (SamTemplate.Route r : f.function().routes()) {
                List<String> names = new ArrayList<>();
                Matcher m = PARAM.matcher(r.path());
                StringBuilder regex = new StringBuilder();
                int last = 0;
                while (m.find()) {
                    regex.append(Pattern.quote(r.path().substring(last, m.start())));
                    regex.append(m.group().endsWith("+}") ? "(.+)" : "([^/]+)");
                    names.add(m.group(1));
                    last = m.end();
                }
                regex.append(Pattern.quote(r.path().substring(last)));
                targets.add(new Target(r.method(), r.path(), Pattern.compile(regex.toString()), names, f));
            }
        }
        // As API Gateway: the most specific route wins (POST /devices/self/token before /devices/{id}/token).
        targets.sort(java.util.Comparator.comparingInt(t -> t.template.contains("+}") ? Integer.MAX_VALUE : t.params.size()));
        server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<String> routes() {
        return targets.stream().map(t -> t.method + " " + t.template + "  ->  " + t.host.function().logicalId()).toList();
    }

    /** Stops accepting, lets requests in flight finish (up to the grace period). */
    void stop(int graceSeconds) {
        server.stop(graceSeconds);
        executor.shutdown();
        try {
            executor.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = ex.getRequestURI().getRawPath();
            String eventStage = "$default";
            String routed = path;
            if (!stage.equals("$default") && path.startsWith("/" + stage + "/")) {
                eventStage = stage;
                routed = path.substring(stage.length() + 1);
            }
            Target target = null;
            Matcher matcher = null;
            for (Target t : targets) {
                Matcher m = t.pattern.matcher(routed);
                if (m.matches() && (t.method.equals("ANY") || t.method.equals(method))) {
                    target = t;
                    matcher = m;
                    break;
                }
            }
            if (target == null) {
                send(ex, 404, Map.of("Content-Type", "application/json"), "{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body = readBody(ex.getRequestBody());
            if (body == null) {
                send(ex, 413, Map.of("Content-Type", "application/json"), "{\"message\":\"Request Entity Too Large\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            APIGatewayV2HTTPEvent event = event(ex, method, path, eventStage, target, matcher, body);
            APIGatewayV2HTTPResponse response;
            try {
                response = (APIGatewayV2HTTPResponse) target.host.invokeTyped(event, event.getRequestContext().getRequestId());
            } catch (RuntimeException e) {
                System.err.println("{\"level\":\"ERROR\",\"component\":\"local-gateway\",\"message\":\"function failed\",\"function\":\""
                        + target.host.function().logicalId() + "\",\"error\":\"" + e.getClass().getName() + "\"}");
                send(ex, 500, Map.of("Content-Type", "application/json"), "{\"message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] out = response.getBody() == null ? new byte[0]
                    : response.getIsBase64Encoded() ? Base64.getDecoder().decode(response.getBody())
                    : response.getBody().getBytes(StandardCharsets.UTF_8);
            if (response.getCookies() != null) {
                response.getCookies().forEach(c -> ex.getResponseHeaders().add("Set-Cookie", c));
            }
            send(ex, response.getStatusCode(), response.getHeaders() == null ? Map.of() : response.getHeaders(), out);
        }
    }

    private static APIGatewayV2HTTPEvent event(HttpExchange ex, String method, String path, String stage, Target t, Matcher m,
                                               byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        // As API Gateway (payload v2): cookies in their own list, and the scheme the client used in x-forwarded-proto.
        String cookieHeader = headers.remove("cookie");
        List<String> cookies = cookieHeader == null ? null
                : java.util.Arrays.stream(cookieHeader.split(";")).map(String::strip).filter(c -> !c.isEmpty()).toList();
        headers.put("x-forwarded-proto", "http");
        Map<String, String> pathParams = new HashMap<>();
        for (int i = 0; i < t.params.size(); i++) {
            pathParams.put(t.params.get(i), URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8));
        }
        String rawQuery = ex.getRequestURI().getRawQuery();
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.merge(k, v, (a, b) -> a + "," + b);
            }
        }
        // As API Gateway: text bodies pass as text; compressed or binary ones as base64.
        String contentType = headers.getOrDefault("content-type", "");
        boolean text = !headers.containsKey("content-encoding")
                && (contentType.isEmpty() || contentType.startsWith("text/") || contentType.contains("json"));
        String requestId = UUID.randomUUID().toString();
        String routeKey = t.method + " " + t.template;
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(routeKey)
                .withRawPath(path)
                .withRawQueryString(rawQuery == null ? "" : rawQuery)
                .withHeaders(headers)
                .withCookies(cookies)
                .withQueryStringParameters(query.isEmpty() ? null : query)
                .withPathParameters(pathParams.isEmpty() ? null : pathParams)
                .withBody(body.length == 0 ? null : text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(body.length > 0 && !text)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(requestId)
                        .withRouteKey(routeKey)
                        .withStage(stage)
                        .withApiId("local")
                        .withTimeEpoch(Instant.now().toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method)
                                .withPath(path)
                                .withProtocol(ex.getProtocol())
                                .withSourceIp(ex.getRemoteAddress().getAddress().getHostAddress())
                                .withUserAgent(headers.get("user-agent"))
                                .build())
                        .build())
                .build();
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] all = in.readNBytes(MAX_BODY + 1);
        return all.length > MAX_BODY ? null : all;
    }

    private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
