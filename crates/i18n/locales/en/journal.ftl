# The action journal on a shared store (close, open, actions, watch --block, unblock, top).

journal-needs-host-id = a shared journal needs this host's identity and there is no /etc/machine-id: give it one with --host-id ID (or PORTWARDEN_HOST_ID); nothing was changed
journal-host-header = { $mine ->
    [yes] Host { $host } ({ $id }, this host): { $count } actions
   *[no] Host { $host } ({ $id }): { $count } actions
}
