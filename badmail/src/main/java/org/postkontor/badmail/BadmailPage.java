package org.postkontor.badmail;

import java.util.List;
import org.postkontor.store.BadmailStore.BadmailItem;

/**
 * One page of {@link BadmailQueue#list}, oldest first.
 *
 * @param offset how many matching items come before this page
 * @param more   true if at least one more item matches after this page
 */
public record BadmailPage(List<BadmailItem> items, int offset, boolean more) {
    public BadmailPage {
        items = List.copyOf(items);
    }
}
