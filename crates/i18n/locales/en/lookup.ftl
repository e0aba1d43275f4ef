# Queries (lookup, ls --port, close/open targets): why one was refused.

query-empty = empty query: give a port, a range, a name or words
query-too-long = query is longer than 200 characters
query-control-characters = query contains control characters
query-negative = { $query }: ports cannot be negative (ports are 0-65535)
query-unknown-protocol = { $query }: unknown protocol { $protocol } (use tcp, udp, sctp or dccp)
query-range-backwards = { $query }: range ends before it starts (write { $range })
query-nothing-searchable = { $query } is not a port, range, service, malware name or words
query-port-missing = { $query }: a port number is missing
query-not-a-port-number = { $query }: { $value } is not a port number
query-port-out-of-range = { $query }: port { $port } is out of range (ports are 0-65535)
