// Package rpc owns Supervisor 4.2.5's XML-RPC interface: the /RPC2 HTTP
// handler with its own request decoder and response encoder, the system.*
// and supervisor.* namespaces (41 methods), the fault codes and strings,
// and a typed client (requests encoded with github.com/kolo/xmlrpc; large
// answers such as getAllProcessInfo decoded with our faster decoder).
//
// supervisord plugs in through Backend (backend.go): plain Go types, one
// process or group at a time, faults as *Fault. Everything else that
// rpcinterface.py does — namespec splitting, the SHUTDOWN_STATE guard,
// group fan-out and result arrays, readLog/tailLog offsets, descriptions —
// lives here so the wire behaviour is defined in one place.
package rpc
