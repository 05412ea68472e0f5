package io.nuscape.client;

/**
 * A request the client had to make now failed: enrollment, or opening a database that others could read.
 * Carries the server's answer when there was one ({@link #status()} 0 when the server was not reached).
 */
public final class ClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String error;

    public ClientException(int status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    public ClientException(String error, String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.error = error;
    }

    /** The HTTP status of the server's answer, 0 when there was none (network, local file). */
    public int status() {
        return status;
    }

    /** The contract's error code ({@code invalid_request}, {@code rate_limited}, …) or the client's own ({@code network}, {@code permissions}). */
    public String error() {
        return error;
    }
}
