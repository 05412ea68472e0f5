package io.nuscape.webhooksender.internal;

import io.nuscape.core.webhook.ReceiverGuard;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JVM's name resolver in WebhookSenderFunction ({@code NUSCAPE_WEBHOOK_GUARD_ALL_LOOKUPS=true}): every
 * lookup answers only public addresses, so the HTTP client connects to an address {@link ReceiverGuard}
 * would pass even when a receiver's name is re-pointed between the guard's check and the connection (DNS
 * rebinding). Unset (AlertsFunction, which must reach its database proxy, and the local stack), it changes
 * nothing.
 */
public final class GuardedResolver extends InetAddressResolverProvider {
    static final String SWITCH = "NUSCAPE_WEBHOOK_GUARD_ALL_LOOKUPS";

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver system = configuration.builtinResolver();
        return "true".equals(System.getenv(SWITCH)) ? publicOnly(system) : system;
    }

    /** {@code delegate}'s answers with every non-public address left out; none left is an unknown host. */
    static InetAddressResolver publicOnly(InetAddressResolver delegate) {
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                List<InetAddress> found = delegate.lookupByName(host, policy).toList();
                if (found.isEmpty() || !found.stream().allMatch(ReceiverGuard::isPublic)) {
                    throw new UnknownHostException(host + ": not only public addresses");
                }
                return found.stream();
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return delegate.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "nuscape-public-only";
    }
}
