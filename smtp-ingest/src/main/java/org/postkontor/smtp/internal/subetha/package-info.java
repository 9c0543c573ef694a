/**
 * The one package of main code that uses types from SubEthaSMTP's {@code internal} packages
 * (7.2.2): MAIL, DATA and BDAT in place of the library's own commands, and its PROXY parser
 * guarded, none of which its public builder can configure; and {@code SessionExecutor}, which has
 * each session rebuild its streams on its own thread. {@code AdapterContractTest}, beside them in
 * the tests, checks what each relies on against the bare library and fails when an upgrade
 * changes it (then re-check these classes, and drop what the library now does itself); it also
 * fails when a main class outside this package imports {@code org.subethamail.smtp.internal}.
 */
package org.postkontor.smtp.internal.subetha;
