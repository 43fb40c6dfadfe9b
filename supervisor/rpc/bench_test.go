package rpc_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

// BenchmarkGetAllProcessInfo measures getAllProcessInfo over a unix
// socket with 100 programs: our handler (over the test backend) and
// Python's supervisord. "raw" posts the request and reads the whole
// answer (server cost); "client" also decodes it with our typed client
// (kolo/xmlrpc's decoder dominates there). Compare ours/raw with
// python/raw for the server speed-up (issue 5 asks for >= 20x).
func BenchmarkGetAllProcessInfo(b *testing.B) {
	const n = 100
	b.Run("ours", func(b *testing.B) {
		var progs []rpctest.Program
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("p%03d", i)
			progs = append(progs, rpctest.Program{Group: name, Name: name, Argv: []string{"true"}})
		}
		fake := rpctest.New(progs...)
		defer fake.Close()
		url := serveUnix(b, rpc.NewServer(fake, nil))
		b.Run("raw", func(b *testing.B) { runRaw(b, strings.TrimPrefix(url, "unix://")) })
		b.Run("client", func(b *testing.B) { runGetAll(b, url, n) })
	})
	b.Run("python", func(b *testing.B) {
		if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
			b.Skip("oracle not installed")
		}
		dir := b.TempDir()
		var conf strings.Builder
		fmt.Fprintf(&conf, oracleBenchHead, dir)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&conf, "[program:p%03d]\ncommand=true\nautostart=false\n\n", i)
		}
		o := startOracleConf(b, dir, conf.String())
		b.Run("raw", func(b *testing.B) { runRaw(b, o.sock) })
		b.Run("client", func(b *testing.B) { runGetAll(b, "unix://"+o.sock, n) })
	})
}

const oracleBenchHead = `[unix_http_server]
file=%[1]s/py.sock
[supervisord]
logfile=%[1]s/main.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

`

func runGetAll(b *testing.B, url string, n int) {
	c, err := rpc.NewClient(url, "", "")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, err := c.GetAllProcessInfo(ctx)
		if err != nil || len(ps) != n {
			b.Fatalf("%d processes, %v", len(ps), err)
		}
	}
}

func runRaw(b *testing.B, sock string) {
	o := newOracleClient(sock)
	body := []byte(rpcCall("supervisor.getAllProcessInfo"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		status, resp, err := o.post(body)
		if err != nil || status != 200 || len(resp) < 1000 {
			b.Fatalf("status %d, %d bytes, %v", status, len(resp), err)
		}
	}
}
