// Go peer for bench/echo_compare.sh: an echo server with one goroutine per
// connection, read then write back, the way Go servers are written. Run with
// GOMAXPROCS=1 (one OS thread runs goroutines, as one gevent-cpp hub):
//
//	GOMAXPROCS=1 go run bench/go/echo_server.go --port=0
//	port=39321
//
// Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on
// stdout is `port=N`. Serves until SIGTERM or SIGINT, then exits 0. Go's TCP
// connections have TCP_NODELAY set by default. With --cert and --key (PEM
// files) it echoes over TLS (crypto/tls).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func echo(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 16*1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1; 0 lets the kernel pick")
	certFile := flag.String("cert", "", "PEM certificate chain: serve TLS")
	keyFile := flag.String("key", "", "PEM private key for --cert")
	flag.Parse()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo_server:", err)
		os.Exit(1)
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo_server:", err)
			os.Exit(1)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	fmt.Printf("port=%d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Exit(0)
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			fmt.Fprintln(os.Stderr, "echo_server: accept:", err)
			os.Exit(1)
		}
		go echo(conn)
	}
}
