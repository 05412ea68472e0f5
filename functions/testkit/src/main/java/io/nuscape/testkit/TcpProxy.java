package io.nuscape.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of a real server, which a test can cut (every open connection dropped,
 * new ones refused) and restore: a server outage without stopping a server other tests share.
 */
public final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        this.port = FreePort.pick();
        restore();
    }

    public int port() {
        return port;
    }

    /** Drops every connection and refuses new ones. */
    public synchronized void cut() {
        try {
            if (server != null) {
                server.close();
                server = null;
            }
        } catch (IOException ignored) {
            // Already closed.
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
        sockets.clear();
    }

    /** Accepts connections again. */
    public synchronized void restore() {
        if (server != null) {
            return;
        }
        // Reuse must be set before binding: connections just cut leave the port in TIME_WAIT. A connection the
        // kernel was still closing can hold the port a moment longer: try again for a few seconds.
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
                server = s;
                Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-" + port);
                acceptor.setDaemon(true);
                acceptor.start();
                return;
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("cannot listen on " + port, last);
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                sockets.add(client); // at once: a cut racing this accept must close it too
                if (s.isClosed()) {
                    client.close();
                    return;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[65536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException ignored) {
                // A cut or a closed peer ends the pipe.
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // Already closed.
                }
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        cut();
    }
}
