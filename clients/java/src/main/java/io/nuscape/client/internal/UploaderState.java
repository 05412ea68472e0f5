package io.nuscape.client.internal;

/** Names of the uploader's state in the meta table, shared by the uploader and the status report. */
public final class UploaderState {
    /** "revoked" while uploads are stopped for the device's credentials ("token_rejected" in databases of earlier versions). */
    public static final String HALTED = "halted";
    public static final String HALTED_MESSAGE = "halted_message";
    public static final String RETRYING = "retrying";
    public static final String LAST_UPLOAD_AT = "last_upload_at";
    public static final String LAST_UPLOAD_EVENTS = "last_upload_events";
    public static final String LAST_ERROR = "last_error";
    public static final String LAST_ERROR_AT = "last_error_at";
    /** The server's clock minus ours, as last seen in a {@code Date} header: token expiry is judged by the server's clock. */
    public static final String SERVER_OFFSET_MS = "server_offset_ms";
    /** When a renewal got no answer: the server may have replaced the token anyway. */
    public static final String RENEWAL_IN_DOUBT_AT = "renewal_in_doubt_at";

    /** Set while the server refuses the token (401, or 403 other than revoked): the status says so; probed again slowly. */
    public static final String TOKEN_REFUSED = "token_refused";

    public static final String REVOKED = "revoked";
    public static final String TOKEN_REJECTED = "token_rejected";

    private UploaderState() {
    }
}
