package io.nuscape.core.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a webhook may point. A customer chooses the URL, so in production a delivery must never reach the
 * service's own network: https only, and every address the host resolves to must be public (not loopback,
 * private, link-local such as the instance metadata address, carrier-grade NAT, multicast or reserved, nor
 * such an address inside IPv6). The check runs when the webhook is registered and again before every delivery,
 * since a name can be pointed elsewhere later. On AWS the posts are made outside the VPC (WebhookSenderFunction),
 * whose every name lookup goes through the alerts module's {@code GuardedResolver}, so the address connected to is one this guard
 * checked. The local stack allows http and loopback.
 */
public record ReceiverGuard(boolean allowPrivate) {
    public static final ReceiverGuard PRODUCTION = new ReceiverGuard(false);
    public static final ReceiverGuard LOCAL = new ReceiverGuard(true);

    /** What is wrong with the URL as written (no lookup); empty when nothing. */
    public Optional<String> checkUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            return Optional.of(allowPrivate ? "must be an http or https URL" : "must be an https URL");
        }
        if (url.getRawUserInfo() != null) {
            return Optional.of("must not carry a user name or password");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            return Optional.of("must name a host");
        }
        if (url.getRawFragment() != null) {
            return Optional.of("must not have a fragment");
        }
        return Optional.empty();
    }

    /** How long a name may take to resolve: a slow name server must not hold up a delivery round or an API call. */
    public static final java.time.Duration LOOKUP_TIMEOUT = java.time.Duration.ofSeconds(2);

    /**
     * The host's addresses, all allowed; throws {@link Refused} otherwise. The reason never names an address
     * and is the same whether the name does not resolve or resolves to a non-public address: a tenant must not
     * learn from it which names exist inside the service's network.
     */
    public List<InetAddress> resolve(URI url) throws Refused {
        Optional<String> wrong = checkUrl(url);
        if (wrong.isPresent()) {
            throw new Refused("the URL " + wrong.get());
        }
        InetAddress[] all = lookup(url.getHost());
        if (all == null || (!allowPrivate && !java.util.Arrays.stream(all).allMatch(ReceiverGuard::isPublic))) {
            throw new Refused(NOT_PUBLIC);
        }
        return List.of(all);
    }

    static final String NOT_PUBLIC = "the host must resolve, within " + LOOKUP_TIMEOUT.toSeconds() + " s, to public internet addresses only";

    /** The name's addresses, or null when it does not resolve in time. */
    private static InetAddress[] lookup(String host) {
        java.util.concurrent.CompletableFuture<InetAddress[]> f = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(InetAddress.getAllByName(host));
            } catch (UnknownHostException | RuntimeException e) {
                f.complete(null);
            }
        });
        try {
            return f.get(LOOKUP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A receiver the guard refuses. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** Whether the address is on the public internet. */
    public static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return publicV4(b, 0);
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // fc00::/7 unique local
            }
            if (first == 0 && allZero(b, 1, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return publicV4(b, 12); // ::ffff:a.b.c.d
            }
            if (allZero(b, 0, 12)) {
                return false; // ::/96 (IPv4-compatible, ::, ::1)
            }
            if (first == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return publicV4(b, 12); // 64:ff9b::/96 NAT64
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x02) {
                return publicV4(b, 2); // 2002::/16 6to4
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0) {
                return false; // 2001::/32 Teredo
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false; // 2001:db8::/32 documentation
            }
            return (first & 0xe0) == 0x20; // global unicast 2000::/3 only
        }
        return false;
    }

    private static boolean publicV4(byte[] b, int o) {
        int x = b[o] & 0xff;
        int y = b[o + 1] & 0xff;
        int z = b[o + 2] & 0xff;
        return !(x == 0 || x == 10 || x == 127 || x >= 224 // this network, private, loopback, multicast and reserved
                || (x == 100 && y >= 64 && y <= 127) // carrier-grade NAT
                || (x == 169 && y == 254) // link-local, instance metadata
                || (x == 172 && y >= 16 && y <= 31) || (x == 192 && y == 168) // private
                || (x == 192 && y == 0 && (z == 0 || z == 2)) // IETF protocol assignments, documentation
                || (x == 198 && (y == 18 || y == 19)) // benchmarking
                || (x == 198 && y == 51 && z == 100) || (x == 203 && y == 0 && z == 113)); // documentation
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
