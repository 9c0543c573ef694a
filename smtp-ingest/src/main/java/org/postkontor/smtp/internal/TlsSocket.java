package org.postkontor.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The connection after STARTTLS: a server-mode TLS socket (TLS 1.3 and 1.2 only) layered on the
 * {@link PlainSocket}, whose input goes through its own {@link CommandInput} and output through its
 * own {@link ReplyWriter}. Every other call is passed to the real TLS socket.
 */
final class TlsSocket extends SSLSocket implements AdaptedSocket {

    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLSocket tls;
    private final PlainSocket plain;
    private final Connection connection;
    private OutputStream replies;
    private CommandInput commands;
    private volatile boolean handshakePending;

    private TlsSocket(SSLSocket tls, PlainSocket plain, Connection connection) {
        this.tls = tls;
        this.plain = plain;
        this.connection = connection;
    }

    /**
     * The connection's bytes before TLS, while an implicit-TLS handshake has not begun (a PROXY
     * header comes first); null once it has, or on a STARTTLS socket.
     */
    InputStream inputBeforeHandshake() throws IOException {
        return handshakePending ? plain.getInputStream() : null;
    }

    /**
     * TLS from the first byte (RFC 8314 implicit TLS) on an accepted socket; the handshake runs on
     * the session's thread ({@link #handshakeIfPending}), never on the accepting one.
     */
    static TlsSocket implicit(java.net.Socket socket, SSLContext context) throws IOException {
        TlsSocket s = (TlsSocket) over(socket, context);
        s.handshakePending = true;
        return s;
    }

    /** Runs the handshake of an implicit-TLS socket once; a failure closes the connection. */
    void handshakeIfPending() throws IOException {
        if (handshakePending) {
            handshakePending = false;
            startHandshake();
        }
    }

    /** Puts TLS on the accepted socket (SubEthaSMTP's {@code SSLSocketCreator}). */
    static SSLSocket over(java.net.Socket socket, SSLContext context) throws IOException {
        if (!(socket instanceof PlainSocket plain)) {
            throw new IOException("not a socket of this listener");
        }
        plain.rawForTls();
        SSLSocketFactory f = context.getSocketFactory();
        SSLSocket s = (SSLSocket) f.createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        s.setUseClientMode(false);
        s.setEnabledProtocols(PROTOCOLS);
        return new TlsSocket(s, plain, plain.connection());
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void startHandshake() throws IOException {
        try {
            tls.startHandshake();
        } catch (IOException e) {
            connection.metrics().tlsHandshakeFailed();
            connection.closeNow();
            throw e;
        }
        SSLSession s = tls.getSession();
        connection.tlsEstablished(s.getProtocol(), s.getCipherSuite());
        connection.metrics().tlsHandshake(s.getProtocol());
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (replies == null) {
            replies = new ReplyWriter(tls.getOutputStream(), connection, true);
        }
        return replies;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return input();
    }

    @Override
    public synchronized CommandInput input() throws IOException {
        if (commands == null) {
            commands = new CommandInput(tls.getInputStream(), getOutputStream(), connection, true);
        }
        return commands;
    }

    @Override public String[] getSupportedCipherSuites() { return tls.getSupportedCipherSuites(); }
    @Override public String[] getEnabledCipherSuites() { return tls.getEnabledCipherSuites(); }
    @Override public void setEnabledCipherSuites(String[] suites) { tls.setEnabledCipherSuites(suites); }
    @Override public String[] getSupportedProtocols() { return tls.getSupportedProtocols(); }
    @Override public String[] getEnabledProtocols() { return tls.getEnabledProtocols(); }
    @Override public void setEnabledProtocols(String[] protocols) { tls.setEnabledProtocols(protocols); }
    @Override public SSLSession getSession() { return tls.getSession(); }
    @Override public SSLSession getHandshakeSession() { return tls.getHandshakeSession(); }
    @Override public void addHandshakeCompletedListener(HandshakeCompletedListener l) { tls.addHandshakeCompletedListener(l); }
    @Override public void removeHandshakeCompletedListener(HandshakeCompletedListener l) { tls.removeHandshakeCompletedListener(l); }
    @Override public void setUseClientMode(boolean mode) { tls.setUseClientMode(mode); }
    @Override public boolean getUseClientMode() { return tls.getUseClientMode(); }
    @Override public void setNeedClientAuth(boolean need) { tls.setNeedClientAuth(need); }
    @Override public boolean getNeedClientAuth() { return tls.getNeedClientAuth(); }
    @Override public void setWantClientAuth(boolean want) { tls.setWantClientAuth(want); }
    @Override public boolean getWantClientAuth() { return tls.getWantClientAuth(); }
    @Override public void setEnableSessionCreation(boolean flag) { tls.setEnableSessionCreation(flag); }
    @Override public boolean getEnableSessionCreation() { return tls.getEnableSessionCreation(); }
    @Override public SSLParameters getSSLParameters() { return tls.getSSLParameters(); }
    @Override public void setSSLParameters(SSLParameters p) { tls.setSSLParameters(p); }
    @Override public String getApplicationProtocol() { return tls.getApplicationProtocol(); }
    @Override public String getHandshakeApplicationProtocol() { return tls.getHandshakeApplicationProtocol(); }

    @Override public InetAddress getInetAddress() { return tls.getInetAddress(); }
    @Override public InetAddress getLocalAddress() { return tls.getLocalAddress(); }
    @Override public int getPort() { return tls.getPort(); }
    @Override public int getLocalPort() { return tls.getLocalPort(); }
    @Override public SocketAddress getRemoteSocketAddress() { return tls.getRemoteSocketAddress(); }
    @Override public SocketAddress getLocalSocketAddress() { return tls.getLocalSocketAddress(); }
    @Override public void setSoTimeout(int timeout) throws SocketException { tls.setSoTimeout(timeout); }
    @Override public int getSoTimeout() throws SocketException { return tls.getSoTimeout(); }
    @Override public void setTcpNoDelay(boolean on) throws SocketException { tls.setTcpNoDelay(on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return tls.getTcpNoDelay(); }
    @Override public boolean isConnected() { return tls.isConnected(); }
    @Override public boolean isBound() { return tls.isBound(); }
    @Override public boolean isClosed() { return tls.isClosed(); }
    @Override public boolean isInputShutdown() { return tls.isInputShutdown(); }
    @Override public boolean isOutputShutdown() { return tls.isOutputShutdown(); }
    @Override public void shutdownInput() throws IOException { tls.shutdownInput(); }
    @Override public void shutdownOutput() throws IOException { tls.shutdownOutput(); }

    @Override
    public synchronized void close() throws IOException {
        tls.close();
    }

    @Override
    public String toString() {
        return "TlsSocket[" + tls + "]";
    }
}
