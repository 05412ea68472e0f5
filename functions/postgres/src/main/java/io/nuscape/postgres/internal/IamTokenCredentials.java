package io.nuscape.postgres.internal;

import io.nuscape.postgres.CredentialSource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsUtilities;

/**
 * RDS IAM authentication: the password of every new connection is an auth token signed locally with the
 * function role's AWS credentials (SigV4, no network call). Nothing is cached: a token lives 15 minutes, and
 * a new one per connection can never be stale.
 */
public final class IamTokenCredentials implements CredentialSource {
    private final String host;
    private final int port;
    private final String user;
    private final RdsUtilities rds;

    public IamTokenCredentials(String host, int port, String user, Region region, AwsCredentialsProvider aws) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.rds = RdsUtilities.builder().region(region).credentialsProvider(aws).build();
    }

    @Override
    public Credentials current() {
        return new Credentials(user, rds.generateAuthenticationToken(b -> b.hostname(host).port(port).username(user)));
    }

    @Override
    public boolean reload(boolean force) {
        // Each connection gets a fresh token already; retrying a refused one would only repeat the refusal.
        return false;
    }
}
