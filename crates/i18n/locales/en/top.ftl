# portwarden top: the live socket table.

top-tab-sockets = Sockets
top-tab-processes = Processes
top-tab-listeners = Listeners
top-head-counts = { $shown }/{ $all } sockets · { $listening } listening
top-head-paused = PAUSED
top-bar-filter-hint = / filter
top-toggle-tcp = TCP
top-toggle-udp = UDP
top-toggle-listening = listening
top-toggle-time-wait = no TIME-WAIT
top-toggle-loopback = no loopback

top-col-proto = Pr
top-col-local = Local
top-col-remote = Remote
top-col-state = State
top-col-owner = PID/Program
top-col-user = User
top-col-service = Service
top-col-risk = Risk
top-col-exposure = Exposure
top-col-rate-in = Rx/s
top-col-rate-out = Tx/s
top-col-bytes-in = Rx
top-col-bytes-out = Tx
top-col-pid = PID
top-col-program = Program
top-col-sockets = Socks
top-col-listeners = Listen
top-col-port = Port
top-col-why = Why


top-empty = nothing matches (change the filter or the toggles)
top-empty-reading = reading the sockets…

top-detail-title = Details
top-detail-process = Process
top-detail-cmdline = Command line
top-detail-exe = Executable
top-detail-user = User
top-detail-unit = Unit
top-detail-container = Container
top-detail-started = Started
top-detail-owner-hidden = Owner hidden: run as root to see who holds this socket.
top-detail-owner-none = No process holds this socket (TIME-WAIT, a request, or the kernel).
top-detail-why = Why
top-detail-action = What to do
top-detail-note = Note
top-detail-command = Command
top-detail-malware = Known malware

top-foot-keys = ? help · / filter · space pause · Tab views · Enter details · c close · x drop · K kill · O undo · q quit

top-dialog-close = Close this port
top-dialog-drop = Drop this connection
top-dialog-kill = Kill this process
top-dialog-keys-close = y: do it · f/k/s: by firewall / kill / service · n, Esc: cancel
top-dialog-keys = y: do it · n, Esc: cancel
top-dialog-keys-refused-close = f/k/s: try by firewall / kill / service · Esc: back
top-dialog-keys-refused = Esc: back
top-dialog-keys-ok = Enter, Esc: close
top-dialog-refused = Refused: nothing will be changed.

top-help-title = Keys
top-help-move = move the selection
top-help-tabs = switch view: sockets, processes, listeners
top-help-filter = filter as you type (port, program, address, service, state); Enter keeps it, Esc clears it
top-help-pause = pause or resume refreshing
top-help-sort = sort by the next / previous column; r reverses
top-help-toggles = toggle TCP, UDP, listening only, hide TIME-WAIT, hide loopback
top-help-detail = show or hide the detail pane
top-help-close = close the selected port (the plan first; firewall by default)
top-help-drop = drop the selected connection
top-help-kill = kill the selected row's process
top-help-undo = undo what portwarden did to the selected port (open)
top-help-help = this help
top-help-quit = quit
top-help-colours = Green: new · red: gone (for a few seconds) · yellow: state changed.

top-note-not-root = { $count } processes could not be inspected: run as root to see every owner, the firewall's reach and to act on ports.
top-status-paused = paused (space resumes)
top-status-resumed = refreshing again
top-status-sorted = sorted by { $column }
top-status-nothing-changed = nothing was changed
top-status-no-target = select a socket or a listener first
top-status-read-failed = could not read the sockets: { $error }

top-refuse-not-a-door = nothing listens on port { $port }/{ $proto }: this row is a connection out; drop it (x) or kill its process (K) instead
top-refuse-ssh-session = this connection is the SSH session portwarden runs in; dropping it would cut you off
top-refuse-not-a-connection = only an established TCP connection can be dropped
top-refuse-pid1 = the process is PID 1 ({ $name }); portwarden never stops the init process
top-refuse-self = the process is portwarden itself
top-refuse-hidden-owner = no visible process holds this socket; run as root to see its owner

top-done = Done (journal action #{ $id }; O undoes it)
top-failed = Failed
top-undo-title = Undo on { $port }/{ $proto }
top-undo-nothing = portwarden has nothing to undo on this port.
top-needs-terminal = top needs a terminal (standard input and output); for a listing in a pipe use `portwarden ls`
