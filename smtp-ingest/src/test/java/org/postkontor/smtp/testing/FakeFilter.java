package org.postkontor.smtp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.postkontor.smtp.filter.Envelope;
import org.postkontor.smtp.filter.FilterException;
import org.postkontor.smtp.filter.MessageFilter;
import org.postkontor.smtp.filter.Verdict;

/** A filter that answers what the test says and remembers what it was asked (envelope and bytes). */
public final class FakeFilter implements MessageFilter {

    /** What the next scans answer. */
    @FunctionalInterface
    public interface Answer {
        Verdict answer(Envelope envelope, byte[] message) throws FilterException;
    }

    private volatile Answer answer = (e, m) -> Verdict.clean(0);
    private final List<Envelope> envelopes = Collections.synchronizedList(new ArrayList<>());
    private final List<byte[]> messages = Collections.synchronizedList(new ArrayList<>());

    public FakeFilter answer(Answer a) {
        this.answer = a;
        return this;
    }

    public FakeFilter answer(Verdict v) {
        return answer((e, m) -> v);
    }

    public FakeFilter fail(FilterException.Kind kind) {
        return answer((e, m) -> {
            throw new FilterException(kind, "fake " + kind);
        });
    }

    @Override
    public Verdict scan(Envelope envelope, Content content) throws FilterException {
        byte[] b;
        try (InputStream in = content.open()) {
            b = in.readAllBytes();
        } catch (IOException e) {
            throw new FilterException(FilterException.Kind.UNAVAILABLE, "fake could not read", e);
        }
        if (b.length != content.size()) {
            throw new AssertionError("content size " + content.size() + " but " + b.length + " bytes");
        }
        envelopes.add(envelope);
        messages.add(b);
        return answer.answer(envelope, b);
    }

    public List<Envelope> envelopes() {
        return List.copyOf(envelopes);
    }

    public List<byte[]> messages() {
        return List.copyOf(messages);
    }
}
