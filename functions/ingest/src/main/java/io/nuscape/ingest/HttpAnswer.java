package io.nuscape.ingest;

import java.util.Map;

/** A transport-neutral HTTP answer: status, headers and a JSON body. */
public record HttpAnswer(int status, Map<String, String> headers, String body) {
    public static final String JSON = "application/json; charset=utf-8";

    public HttpAnswer {
        headers = Map.copyOf(headers);
    }
}
