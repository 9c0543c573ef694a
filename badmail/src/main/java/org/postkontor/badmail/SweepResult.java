package org.postkontor.badmail;

/** What one retention pass removed. */
public record SweepResult(int evictedByAge, int evictedBySize, long octetsFreed) {

    public static final SweepResult NONE = new SweepResult(0, 0, 0);

    public int evicted() {
        return evictedByAge + evictedBySize;
    }

    SweepResult plus(SweepResult o) {
        return new SweepResult(evictedByAge + o.evictedByAge, evictedBySize + o.evictedBySize,
                octetsFreed + o.octetsFreed);
    }
}
