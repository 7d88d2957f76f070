"""FM Mail: read a customer's IMAP mailbox safely (no HTTP knowledge in this package).

Modules: ``request`` (validation), ``guard`` (address rules), ``connection`` (guarded IMAP
client), ``mime`` (parsing and charset decoding), ``cursor`` (pagination), ``service``
(the three operations), ``errors`` (machine-readable failures).
"""
