package io.nuscape.ingest;

import java.util.Map;

/**
 * One ingest call as the service sees it, whatever carried it (Lambda, the local runtime, a test).
 *
 * @param headers header names in lower case
 * @param body    the raw body bytes as sent (possibly gzip); the transport has already undone base64
 */
public record IngestRequest(String requestId, Map<String, String> headers, byte[] body) {
}
