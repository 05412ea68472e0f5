package io.nuscape.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client for administering test servers (forming a cluster, moving slots). The
 * test kit has no Redis driver of its own, and the one the adapters use must not be what sets up the
 * servers it is tested on. Error replies become {@link RespError}.
 */
public final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespClient(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
        }
    }

    /** An error reply of the server. */
    public static final class RespError extends RuntimeException {
        public RespError(String message) {
            super(message);
        }
    }

    /** Sends one command and returns its reply: String, Long, List or null. */
    public Object call(Object... args) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object a : args) {
                byte[] v = String.valueOf(a).getBytes(StandardCharsets.UTF_8);
                b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(v);
                b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(b.toByteArray());
            out.flush();
            return read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reply as text (status or bulk string). */
    public String text(Object... args) {
        return String.valueOf(call(args));
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new RespError(line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                byte[] v = in.readNBytes(n);
                in.readNBytes(2);
                yield new String(v, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    try {
                        items.add(read());
                    } catch (RespError e) {
                        items.add(e);
                    }
                }
                yield items;
            }
            case -1 -> throw new IOException("connection closed");
            default -> throw new IOException("unexpected RESP type " + (char) type);
        };
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            if (c == -1) {
                throw new IOException("connection closed");
            }
            b.write(c);
        }
        in.read();
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing to do: the socket is gone either way.
        }
    }
}
