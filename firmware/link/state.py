"""The link's state machines: every allowed transition of both sides, in one place.

Rules (docs/LINK.md §3 repeats them with the wire bytes):

1. The inspector (client) speaks first: HELLO. Until the terminal (server)
   has accepted a HELLO of the same protocol and version, it answers every
   request ERROR NOT_READY and serves nothing.
2. One request at a time, except READ_RECORDS in version 2: the client
   sends a request, then waits for the reply with the same id before
   sending another; in version 2 it may send READ_RECORDS while up to
   WINDOW - 1 other READ_RECORDS are outstanding (pipelining: the terminal
   works on one batch while the line carries another). The server delivers
   one request to its user and parses nothing more until the reply is
   sent, so replies leave in the order the requests arrived.
3. A timeout is the client's business (there is no clock in here): after
   one, the client *retries*, resending the very same bytes (same ids) of
   every outstanding request, oldest first. The server answers a request
   with the id and bytes of one it answered among the last it keeps (1 in
   version 1, WINDOW in version 2) by resending that answer, without asking
   its user again, so a retry never runs a request twice. The same id with
   other bytes is ERROR ID_REUSED.
4. A HELLO starts a new session in any server state but SERVING: it clears
   the answers kept for retries. A HELLO of a version the server speaks is
   answered with that version; of another, with the server's own (highest)
   version, and leaves the server IDLE.
5. An ERROR with id 0 (BAD_FRAME: a frame arrived damaged) changes no
   state: the client reports it and retries. ERROR NOT_READY to an
   outstanding request sends the client back to IDLE and forgets every
   outstanding request (the terminal lost the session, for instance it
   restarted): HELLO again, then the requests.
6. What the peer sends that the table does not allow is reported as a
   RemoteProtocolError event and changes nothing; what the local user asks
   that the table does not allow raises LocalProtocolError and changes
   nothing. A reply to a request already answered (a retry's second
   answer) is dropped silently.
7. The server never answers a message of a type only servers send (odd
   types): a line that echoes its bytes back cannot start a loop.

The tables map a state to the moves allowed in it and the state each one
leads to. Moves starting with SEND_ are the local user's; RECV_ the peer's.
"""

# States of both sides.
IDLE = "IDLE"  # no session
HELLO_SENT = "HELLO_SENT"  # client: HELLO sent, SERVER_HELLO awaited
READY = "READY"  # session open, no request outstanding
WAITING = "WAITING"  # client: requests sent (one, or up to WINDOW READ_RECORDS), replies awaited
SERVING = "SERVING"  # server: a request handed to the user, its reply awaited
FAILED = "FAILED"  # client: the terminal speaks another protocol or version; final

# Moves.
SEND_HELLO = "SEND_HELLO"
SEND_REQUEST = "SEND_REQUEST"
SEND_RETRY = "SEND_RETRY"  # resend the outstanding HELLO or request, byte for byte
SEND_REPLY = "SEND_REPLY"  # server: the reply (or ERROR) to the request being served
RECV_HELLO = "RECV_HELLO"  # HELLO or SERVER_HELLO of the same protocol and version
RECV_OTHER_VERSION = "RECV_OTHER_VERSION"  # HELLO or SERVER_HELLO of another one
RECV_REQUEST = "RECV_REQUEST"
RECV_RETRY = "RECV_RETRY"  # server: the last answered request again, same bytes
RECV_REPLY = "RECV_REPLY"  # client: the reply or ERROR to the last outstanding request
RECV_REPLY_MORE = "RECV_REPLY_MORE"  # client: a reply, other requests still outstanding
RECV_NOT_READY = "RECV_NOT_READY"  # client: ERROR NOT_READY to the outstanding request
RECV_BAD_FRAME = "RECV_BAD_FRAME"  # client: ERROR with id 0

CLIENT_TRANSITIONS = {
    IDLE: {SEND_HELLO: HELLO_SENT, RECV_BAD_FRAME: IDLE},
    HELLO_SENT: {
        SEND_HELLO: HELLO_SENT,
        SEND_RETRY: HELLO_SENT,
        RECV_HELLO: READY,
        RECV_OTHER_VERSION: FAILED,
        RECV_BAD_FRAME: HELLO_SENT,
    },
    READY: {SEND_HELLO: HELLO_SENT, SEND_REQUEST: WAITING, RECV_BAD_FRAME: READY},
    WAITING: {
        SEND_HELLO: HELLO_SENT,
        SEND_REQUEST: WAITING,  # version 2, READ_RECORDS within the window only (rule 2)
        SEND_RETRY: WAITING,
        RECV_REPLY: READY,
        RECV_REPLY_MORE: WAITING,
        RECV_NOT_READY: IDLE,
        RECV_BAD_FRAME: WAITING,
    },
    FAILED: {RECV_BAD_FRAME: FAILED},
}

SERVER_TRANSITIONS = {
    IDLE: {RECV_HELLO: READY, RECV_OTHER_VERSION: IDLE, RECV_REQUEST: IDLE},  # NOT_READY
    READY: {
        RECV_HELLO: READY,
        RECV_OTHER_VERSION: IDLE,
        RECV_REQUEST: SERVING,
        RECV_RETRY: READY,
    },
    SERVING: {SEND_REPLY: READY},
}


def next_state(table: "dict[str, dict[str, str]]", state: str, move: str) -> "str | None":
    """Return the state ``move`` leads to from ``state`` in ``table``, or None if not allowed."""
    return table[state].get(move)
