// Go peers for the C++ micro-benchmarks: switch cost, spawn+join cost, idle
// memory per goroutine and skynet, all with GOMAXPROCS=1 (one OS thread, as a
// gevent-cpp hub). Prints `MICRO<TAB>bench<TAB>system<TAB>value<TAB>unit` lines:
//
//	GOCACHE=$(mktemp -d) GO111MODULE=off go run bench/go/micro.go [--max-tasks=N]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func report(bench, system string, value float64, unit string) {
	fmt.Printf("MICRO\t%s\t%s\t%.1f\t%s\n", bench, system, value, unit)
}

// best runs body(n) once as a warm-up (n/10), then 3 times, and returns the
// fastest run in ns per op (n*perOp ops per run).
func best(n, perOp int, body func(n int)) float64 {
	body(n / 10)
	min := time.Duration(1 << 62)
	for r := 0; r < 3; r++ {
		start := time.Now()
		body(n)
		if d := time.Since(start); d < min {
			min = d
		}
	}
	return float64(min.Nanoseconds()) / float64(n*perOp)
}

func gosched(n int) {
	done := make(chan bool)
	go func() {
		for i := 0; i < n; i++ {
			runtime.Gosched()
		}
		done <- true
	}()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	<-done
}

func channelPingPong(n int) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

func spawnJoin(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		panic(err)
	}
	pages, _ := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// idleMemory parks n goroutines on one channel and returns RSS growth per
// goroutine. Runs in a fresh process (see main) so that stacks and g structs
// left over from earlier benchmarks cannot be reused and hide the cost.
func idleMemory(n int) float64 {
	runtime.GC()
	before := rssBytes()
	release := make(chan struct{})
	var started int64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			atomic.AddInt64(&started, 1)
			<-release
			wg.Done()
		}()
	}
	for atomic.LoadInt64(&started) < int64(n) {
		runtime.Gosched()
	}
	runtime.GC()
	after := rssBytes()
	close(release)
	wg.Wait()
	return float64(after-before) / float64(n)
}

func skynet(c chan<- int, num, size, div int) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int)
	for i := 0; i < div; i++ {
		go skynet(rc, num+i*(size/div), size/div, div)
	}
	sum := 0
	for i := 0; i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	maxTasks := flag.Int("max-tasks", 1000000, "largest idle_memory task count to run")
	idleChild := flag.Int("idle-child", 0, "internal: measure idle memory for N goroutines")
	flag.Parse()
	runtime.GOMAXPROCS(1)

	if *idleChild > 0 {
		fmt.Println(idleMemory(*idleChild))
		return
	}

	report("switch", "go_gosched", best(2000000, 2, gosched), "ns")
	report("switch", "go_channel", best(2000000, 2, channelPingPong), "ns")
	report("spawn_join", "go", best(100000, 1, spawnJoin), "ns")

	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	for _, n := range []int{100000, 1000000} {
		if n > *maxTasks {
			continue
		}
		out, err := exec.Command(self, "--idle-child="+strconv.Itoa(n)).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "idle_memory child:", err)
			os.Exit(1)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			panic(err)
		}
		report(fmt.Sprintf("idle_memory_%d", n), "go", v, "bytes")
	}

	min := time.Duration(1 << 62)
	for r := 0; r < 3; r++ {
		start := time.Now()
		c := make(chan int)
		go skynet(c, 0, 1000000, 10)
		sum := <-c
		d := time.Since(start)
		if sum != 499999500000 {
			fmt.Fprintf(os.Stderr, "skynet: sum %d, want 499999500000\n", sum)
			os.Exit(1)
		}
		if d < min {
			min = d
		}
	}
	report("skynet", "go", float64(min.Nanoseconds())/1e6, "ms")
}
