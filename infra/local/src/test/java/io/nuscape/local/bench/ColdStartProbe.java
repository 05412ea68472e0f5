package io.nuscape.local.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs in a fresh JVM on a function's Lambda jar: creates the handler as Lambda would (no-argument
 * constructor, configuration from the environment), answers one event, prints when it answered.
 *
 * <p>The event is built with the events library's builder from the arguments ({@code handler method path
 * token [body-file]}), not read from JSON: Lambda's runtime reads the event with its own shaded Jackson,
 * outside the function's jar, so a probe reading it with the jar's Jackson would charge the function for
 * classes the function itself may never load.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler =
                (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) Class.forName(args[0]).getConstructor().newInstance();
        String method = args[1];
        String path = args[2];
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(method + " " + path)
                .withRawPath(path)
                .withRawQueryString("")
                .withHeaders(Map.of("authorization", "Bearer " + args[3], "content-type", "application/json"))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("cold")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .withBody(args.length > 4 ? Files.readString(Path.of(args[4])) : null)
                .withIsBase64Encoded(false)
                .build();
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        System.out.println("ANSWER " + r.getStatusCode() + " " + System.currentTimeMillis());
        System.exit(0);
    }
}
