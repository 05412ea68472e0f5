package io.nuscape.webhooksender.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The sender function's resolver: a name answers only when all its addresses are public (no DNS rebinding past the guard). */
class GuardedResolverTest {
    /** A name server whose answers the test chooses, as a rebinding attacker's would. */
    static InetAddressResolver answering(Map<String, List<String>> records) {
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                List<String> found = records.get(host);
                if (found == null) {
                    throw new UnknownHostException(host);
                }
                return found.stream().map(a -> {
                    try {
                        return InetAddress.getByAddress(host, InetAddress.getByName(a).getAddress());
                    } catch (UnknownHostException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }

            @Override
            public String lookupByAddress(byte[] addr) {
                return "x";
            }
        };
    }

    @Test
    void onlyPublicAnswersPass() throws Exception {
        InetAddressResolver guarded = GuardedResolver.publicOnly(answering(Map.of(
                "public.example", List.of("93.184.215.14", "2606:4700:4700::1111"),
                "rebound.example", List.of("169.254.169.254"),
                "mixed.example", List.of("93.184.215.14", "10.0.0.5"),
                "loopback.example", List.of("127.0.0.1"))));
        InetAddressResolver.LookupPolicy any = InetAddressResolver.LookupPolicy.of(InetAddressResolver.LookupPolicy.IPV4
                | InetAddressResolver.LookupPolicy.IPV6);
        assertEquals(2, guarded.lookupByName("public.example", any).count());
        for (String refused : List.of("rebound.example", "mixed.example", "loopback.example", "unknown.example")) {
            assertThrows(UnknownHostException.class, () -> guarded.lookupByName(refused, any).toList(), refused);
        }
    }
}
