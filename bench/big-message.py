#!/usr/bin/env python3
"""One very large message in over SMTP and out over POP3, streamed (neither side holds it).

    bench/big-message.py SMTP_PORT POP3_PORT SIZE PASSWORD

Sends SIZE octets of 78-octet lines from big@remote.test to alice@example.test over plain SMTP,
then RETRs message 1 as alice over plain POP3 and counts the octets. Start the appliance for it
with POSTKONTOR_SMTP_MAX_MESSAGE_SIZE=1200MiB POSTKONTOR_BADMAIL_MAX_TOTAL_BYTES=3GiB
POSTKONTOR_POP3_ALLOW_PLAINTEXT_AUTH_LOOPBACK=true and POSTKONTOR_JAVA_OPTS=-Xlog:gc:file=gc.log,
add the domain example.test and alice, and read the heap from gc.log and `jcmd PID GC.heap_info`.
"""
import socket
import sys
import time

HOST = "127.0.0.1"
smtp_port, pop3_port, size, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def reply(f):
    return f.readline().decode().strip()


s = socket.create_connection((HOST, smtp_port))
f = s.makefile("rb")
print(reply(f))
s.sendall(b"EHLO big.test\r\n")
while reply(f)[3] != " ":
    pass
for command in (b"MAIL FROM:<big@remote.test>\r\n", b"RCPT TO:<alice@example.test>\r\n", b"DATA\r\n"):
    s.sendall(command)
    print(reply(f))
started = time.time()
head = b"From: big@remote.test\r\nSubject: a large one\r\n\r\n"
s.sendall(head)
sent = len(head)
chunk = (b"x" * 76 + b"\r\n") * 840  # 64 KiB of lines that never start with a dot
while sent + len(chunk) <= size:
    s.sendall(chunk)
    sent += len(chunk)
s.sendall(b".\r\n")
print("DATA:", reply(f), "octets", sent, "seconds %.1f" % (time.time() - started), flush=True)
s.sendall(b"QUIT\r\n")
s.close()

p = socket.create_connection((HOST, pop3_port))
f = p.makefile("rb")
reply(f)
p.sendall(b"USER alice@example.test\r\n")
reply(f)
p.sendall(("PASS %s\r\n" % password).encode())
print(reply(f))
p.sendall(b"RETR 1\r\n")
print(reply(f))
started = time.time()
got = 0
while True:
    line = f.readline()
    if line == b".\r\n" or not line:
        break
    got += len(line)
print("RETR: octets", got, "seconds %.1f" % (time.time() - started))
p.sendall(b"QUIT\r\n")
print(reply(f))
