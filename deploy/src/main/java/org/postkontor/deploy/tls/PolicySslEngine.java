package org.postkontor.deploy.tls;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * An {@link SSLEngine} that delegates to the JDK's, keeps its protocols and suites within the
 * {@link TlsPolicy} whatever the caller enables, and reports each finished or failed handshake.
 */
final class PolicySslEngine extends SSLEngine {

    private final SSLEngine d;
    private final TlsPolicy policy;
    private final String service;
    private final TlsEvents events;
    private boolean failureReported;

    PolicySslEngine(SSLEngine delegate, TlsPolicy policy, String service, TlsEvents events) {
        super(delegate.getPeerHost(), delegate.getPeerPort());
        this.d = delegate;
        this.policy = policy;
        this.service = service;
        this.events = events;
        d.setSSLParameters(policy.apply(d.getSSLParameters()));
    }

    private SSLEngineResult observe(SSLEngineResult r) {
        if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED && !d.getUseClientMode()) {
            events.handshake(service, d.getSession().getProtocol());
        }
        return r;
    }

    private SSLException failed(SSLException e) {
        if (!failureReported && !d.getUseClientMode()
                && d.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
            failureReported = true;
            events.handshakeFailed(service);
        }
        return e;
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        try {
            return observe(d.wrap(srcs, offset, length, dst));
        } catch (SSLException e) {
            throw failed(e);
        }
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        try {
            return observe(d.unwrap(src, dsts, offset, length));
        } catch (SSLException e) {
            throw failed(e);
        }
    }

    @Override
    public Runnable getDelegatedTask() {
        return d.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
        d.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
        return d.isInboundDone();
    }

    @Override
    public void closeOutbound() {
        d.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
        return d.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return policy.restrictSuites(d.getSupportedCipherSuites());
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return d.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        d.setEnabledCipherSuites(policy.restrictSuites(suites));
    }

    @Override
    public String[] getSupportedProtocols() {
        return policy.restrictProtocols(d.getSupportedProtocols());
    }

    @Override
    public String[] getEnabledProtocols() {
        return d.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        d.setEnabledProtocols(policy.restrictProtocols(protocols));
    }

    @Override
    public SSLSession getSession() {
        return d.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
        return d.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
        d.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
        return d.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        d.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return d.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        d.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return d.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        d.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return d.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        d.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return d.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
        return d.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        d.setSSLParameters(policy.apply(params));
    }

    @Override
    public String getApplicationProtocol() {
        return d.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return d.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        d.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return d.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public String toString() {
        return "PolicySslEngine[" + service + ", " + d + "]";
    }
}
