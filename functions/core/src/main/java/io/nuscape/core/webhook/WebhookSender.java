package io.nuscape.core.webhook;

import java.net.URI;
import java.util.Map;

/**
 * Posts one delivery and says how the receiver answered. An adapter bounds everything a receiver controls
 * (connection and answer time, redirects, answer size) and checks the address with {@link ReceiverGuard}.
 */
public interface WebhookSender {
    /** The answer: an HTTP status, or null with an error when none came (refused address, timeout, reset). */
    record Answer(Integer status, String error) {
        public boolean succeeded() {
            return status != null && status >= 200 && status < 300;
        }
    }

    Answer post(URI url, Map<String, String> headers, byte[] body);
}
