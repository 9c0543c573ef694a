package org.postkontor.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.postkontor.admin.api.AdminError;
import org.postkontor.admin.imports.ImportException;
import org.postkontor.admin.imports.ImportMessage;
import org.postkontor.admin.imports.MaildirReader;
import org.postkontor.admin.imports.MboxReader;
import org.postkontor.admin.imports.UidlFormat;
import org.postkontor.store.Administration.ImportedUser;
import org.postkontor.store.password.DovecotPasswdFile;
import org.postkontor.store.password.PasswdFileException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code admin import passwd-file|maildir|mbox}: moving users and mail in from the old server. */
@Command(name = "import", description = "Move users and mail in from the server this one replaces.",
        mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.BAD_INPUT,
        subcommands = {ImportCommands.PasswdFile.class, ImportCommands.Maildir.class, ImportCommands.Mbox.class})
final class ImportCommands implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    @Command(name = "passwd-file", description = "Import a Dovecot passwd-file as it is "
            + "(user:{SCHEME}hash:uid:gid:gecos:home:shell:extra). Users log in with their old passwords and are "
            + "rehashed to Argon2id at that login. All or nothing: a line it cannot read is an error naming the line.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class PasswdFile implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--domain", paramLabel = "DOMAIN",
                description = "Domain of user names without @domain (per-domain passwd-files).")
        String domain;

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            List<ImportedUser> users;
            try {
                users = DovecotPasswdFile.read(file, domain == null ? null : AdminCommand.domainPath(domain));
            } catch (PasswdFileException e) {
                if (!a.json()) {
                    e.problems().forEach(p -> a.err().println(file + ": " + p));
                }
                return a.fail(AdminError.badInput(file + ": " + e.problems().size()
                        + " line(s) cannot be imported; nothing was imported"
                        + (a.json() ? ": " + e.getMessage() : "")));
            } catch (NoSuchFileException e) {
                return a.fail(AdminError.badInput("no such file: " + file));
            } catch (IOException e) {
                return a.fail(AdminError.badInput("cannot read " + file + ": " + e.getMessage()));
            } catch (IllegalArgumentException e) {
                return a.fail(AdminError.badInput(e.getMessage()));
            }
            return a.run(c -> {
                ObjectNode body = a.mapper().createObjectNode();
                ArrayNode list = body.putArray("users");
                for (ImportedUser u : users) {
                    list.addObject().put("address", u.address().toString()).put("hash", u.storedHash())
                            .put("line", u.sourceLine());
                }
                JsonNode n = a.call(c, "POST", "/api/v1/users/import", Map.of(), body);
                a.print(n, () -> a.out().println("imported " + n.path("imported").asInt() + " users from " + file));
                return ExitCodes.OK;
            });
        }
    }

    /** Options common to mail imports. */
    abstract static class MailImport implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--user", required = true, paramLabel = "ADDRESS", description = "The mailbox to import into.")
        String user;

        @Option(names = "--uidl-format", paramLabel = "FORMAT", defaultValue = UidlFormat.DOVECOT_DEFAULT,
                description = "The old Dovecot's pop3_uidl_format (default: ${DEFAULT-VALUE}); %%u, %%v, %%g, %%f.")
        String uidlFormat;

        @Option(names = "--progress", paramLabel = "STYLE", defaultValue = "auto",
                description = "auto (a bar on a terminal, else lines), bar, lines or none.")
        String progress;

        @Option(names = "--dry-run", description = "Check the source and show what would be imported; deliver nothing.")
        boolean dryRun;

        abstract List<ImportMessage> scan(AdminCommand a, UidlFormat format) throws IOException, ImportException;

        abstract String source();

        @Override
        public Integer call() {
            AdminCommand a = AdminCommand.of(spec);
            return a.run(c -> {
                String mailbox = AdminCommand.addressPath(user);
                Progress.Style style = Progress.style(progress);
                UidlFormat format = UidlFormat.parse(uidlFormat);
                a.call(c, "GET", "/api/v1/users/" + mailbox, Map.of(), null);
                List<ImportMessage> messages;
                try {
                    messages = scan(a, format);
                } catch (ImportException e) {
                    if (!a.json()) {
                        e.problems().forEach(p -> a.err().println(source() + ": " + p));
                    }
                    throw AdminError.badInput(source() + ": cannot be imported (" + e.problems().size()
                            + " problem(s)); nothing was imported" + (a.json() ? ": " + e.getMessage() : ""));
                }
                Set<String> existing = new HashSet<>();
                try {
                    a.call(c, "GET", "/api/v1/mailboxes/" + mailbox + "/uidls", Map.of(), null)
                            .forEach(u -> existing.add(u.asText()));
                } catch (AdminError e) {
                    if (!e.code().equals("in_use")) {
                        throw e;
                    }
                    // a POP3 session holds the maildrop: the store still refuses UIDLs it has, one by one
                    a.err().println("postkontor admin: " + mailbox + " is in use by a POP3 session; checking each "
                            + "UIDL as it is delivered");
                }
                long totalBytes = messages.stream().mapToLong(ImportMessage::octets).sum();
                Progress p = new Progress(a.err(), dryRun ? Progress.Style.NONE : style, messages.size(), totalBytes,
                        System::nanoTime);
                int delivered = 0;
                int skipped = 0;
                for (ImportMessage m : messages) {
                    if (existing.contains(m.uidl())) {
                        skipped++;
                        p.skipped(m.octets());
                        continue;
                    }
                    if (dryRun) {
                        delivered++;
                        continue;
                    }
                    try (InputStream in = m.open()) {
                        JsonNode reply = AdminCommand.expect(c.call("POST", "/api/v1/mailboxes/" + mailbox
                                + "/messages", Map.of("uidl", m.uidl()), in));
                        if (reply.path("skipped").asBoolean(false)) {
                            existing.add(m.uidl());
                            skipped++;
                            p.skipped(m.octets());
                            continue;
                        }
                    } catch (AdminError e) {
                        p.done();
                        throw new AdminError(e.status(), e.code(), m.origin() + ": " + e.getMessage() + "; "
                                + delivered + " of " + messages.size() + " messages were imported before it "
                                + "(each completely); run the import again to go on, nothing is imported twice");
                    } catch (IOException e) {
                        p.done();
                        throw AdminError.badInput(m.origin() + ": cannot read: " + e.getMessage() + "; " + delivered
                                + " messages were imported before it; run the import again to go on");
                    }
                    existing.add(m.uidl());
                    delivered++;
                    p.delivered(m.octets());
                }
                p.done();
                ObjectNode n = a.mapper().createObjectNode().put("mailbox", mailbox).put("source", source())
                        .put("found", messages.size()).put(dryRun ? "wouldImport" : "imported", delivered)
                        .put("skipped", skipped).put("octets", totalBytes);
                int d = delivered;
                int s = skipped;
                a.print(n, () -> a.out().println((dryRun ? "would import " : "imported ") + d + " messages into "
                        + mailbox + " from " + source() + (s > 0 ? " (" + s + " already there, skipped)" : "")));
                return ExitCodes.OK;
            });
        }
    }

    @Command(name = "maildir", description = "Import a Maildir's INBOX (cur/ and new/), keeping the UIDLs of "
            + "dovecot-uidlist (or X-UIDL headers). Safe to run again: messages already there are skipped.",
            exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Maildir extends MailImport {
        @Parameters(paramLabel = "DIR")
        Path dir;

        @Override
        List<ImportMessage> scan(AdminCommand a, UidlFormat format) throws IOException, ImportException {
            if (!Files.isDirectory(dir)) {
                throw new ImportException("no such directory");
            }
            return MaildirReader.scan(dir, format);
        }

        @Override
        String source() {
            return dir.toString();
        }
    }

    @Command(name = "mbox", description = "Import an mbox file, keeping X-UIDL (or Dovecot X-UID) UIDLs. Safe to "
            + "run again: messages already there are skipped.", exitCodeOnInvalidInput = ExitCodes.BAD_INPUT)
    static final class Mbox extends MailImport {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--mbox-format", paramLabel = "FORMAT", defaultValue = "mboxrd",
                description = "mboxrd (default: unquote any >…>From) or mboxo (only >From).")
        String mboxFormat;

        @Override
        List<ImportMessage> scan(AdminCommand a, UidlFormat format) throws IOException, ImportException {
            if (!Files.isRegularFile(file)) {
                throw new ImportException("no such file");
            }
            MboxReader.Quoting q = switch (mboxFormat) {
                case "mboxrd" -> MboxReader.Quoting.MBOXRD;
                case "mboxo" -> MboxReader.Quoting.MBOXO;
                default -> throw new IllegalArgumentException("--mbox-format must be mboxrd or mboxo");
            };
            MboxReader.Result r = MboxReader.scan(file, q, format);
            if (!a.json()) {
                r.warnings().forEach(w -> a.err().println(file + ": warning: " + w));
            }
            return r.messages();
        }

        @Override
        String source() {
            return file.toString();
        }
    }
}
