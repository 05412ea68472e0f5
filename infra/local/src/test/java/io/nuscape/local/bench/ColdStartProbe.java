package io.nuscape.local.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a fresh JVM on a function's Lambda jar: creates the handler as Lambda would (no-argument
 * constructor, configuration from the environment), answers one event, prints when it answered.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler =
                (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) Class.forName(args[0]).getConstructor().newInstance();
        APIGatewayV2HTTPEvent event = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(Files.readString(Path.of(args[1])), APIGatewayV2HTTPEvent.class);
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        System.out.println("ANSWER " + r.getStatusCode() + " " + System.currentTimeMillis());
        System.exit(0);
    }
}
