// Go peer for bench/http_compare.sh: net/http answering GET / with "hello\n",
// keep-alive, as the http_server example does. Run with GOMAXPROCS=1:
//
//	GOMAXPROCS=1 go run bench/go/http_server.go --port=0
//	port=39321
//
// Listens on 127.0.0.1; --port=0 lets the kernel pick. The first line on
// stdout is `port=N`. Serves until SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1; 0 lets the kernel pick")
	flag.Parse()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "http_server:", err)
		os.Exit(1)
	}
	fmt.Printf("port=%d\n", ln.Addr().(*net.TCPAddr).Port)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello\n"))
	})
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go http.Serve(ln, nil)
	<-stop
}
