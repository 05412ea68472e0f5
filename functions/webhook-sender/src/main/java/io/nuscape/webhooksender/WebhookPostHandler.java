package io.nuscape.webhooksender;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.nuscape.core.Settings;
import io.nuscape.core.webhook.WebhookSender;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lambda entry point of WebhookSenderFunction: makes one webhook post for AlertsFunction and says how the
 * receiver answered. It runs outside the VPC, with no database and no secrets but the one signature it is
 * handed, so a receiver's URL can reach nothing of the service's own network however it resolves; the
 * {@link io.nuscape.core.webhook.ReceiverGuard} still refuses non-public addresses (the Lambda runtime's own
 * API listens on loopback). Input {@code {"url", "headers": {...}, "body_base64"}}; output {@code {"status",
 * "error"}} (status null when no answer came).
 */
public final class WebhookPostHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Bodies are alerts: a few hundred bytes. Anything far larger is not ours. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final WebhookSender sender;

    public WebhookPostHandler() {
        this(Settings.fromEnvironment());
    }

    public WebhookPostHandler(Settings settings) {
        this.sender = new HttpWebhookSender(settings.delivery().guard(), settings.delivery().receiverTimeout());
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        Map<String, Object> out = new LinkedHashMap<>();
        Object url = input == null ? null : input.get("url");
        Object headers = input == null ? null : input.get("headers");
        Object body = input == null ? null : input.get("body_base64");
        if (!(url instanceof String u) || !(headers instanceof Map<?, ?> h) || !(body instanceof String b)) {
            return answer(out, null, "bad input: url, headers and body_base64 are required");
        }
        Map<String, String> plain = new LinkedHashMap<>();
        for (var e : h.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                return answer(out, null, "bad input: headers must map strings to strings");
            }
            plain.put(k, v);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b);
        } catch (IllegalArgumentException e) {
            return answer(out, null, "bad input: body_base64 is not base64");
        }
        if (bytes.length > MAX_BODY_BYTES) {
            return answer(out, null, "bad input: body over " + MAX_BODY_BYTES + " bytes");
        }
        URI target;
        try {
            target = new URI(u);
        } catch (URISyntaxException e) {
            return answer(out, null, "bad input: url is not a URL");
        }
        WebhookSender.Answer a = sender.post(target, plain, bytes);
        return answer(out, a.status(), a.error());
    }

    private static Map<String, Object> answer(Map<String, Object> out, Integer status, String error) {
        out.put("status", status);
        out.put("error", error);
        return out;
    }
}
