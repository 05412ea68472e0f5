package io.nuscape.core.people;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Configuration of sign-in, sessions, invitations and enrollment codes.
 *
 * @param publicUrl      the dashboard's address for invitation links; when absent, the address the request came to
 * @param allowedOrigins origins besides the API's own that may use the session routes (a dashboard on another
 *                       host of the same site, such as a CloudFront domain)
 */
public record PeopleSettings(Duration accessToken, Duration session, Duration invitation, Duration enrollmentCode,
                             Optional<URI> publicUrl, List<String> allowedOrigins, int failuresPerEmail, int failuresPerAddress,
                             Duration failureWindow, PasswordHasher.Parameters argon2) {
    public PeopleSettings {
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    public Sessions.Lifetimes lifetimes() {
        return new Sessions.Lifetimes(accessToken, session);
    }
}
