// Go peers for hub/sync_benchmark.cc: the same hand-offs between goroutines,
// GOMAXPROCS=1 (one OS thread, as a gevent-cpp hub). Run by bench/go_handoff.sh.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

func measure(name string, n int, perOp int, body func(n int)) {
	body(n / 10) // warm up
	start := time.Now()
	body(n)
	ns := float64(time.Since(start).Nanoseconds()) / float64(n*perOp)
	fmt.Printf("%-32s %8.1f ns\n", name, ns)
}

func main() {
	runtime.GOMAXPROCS(1)
	const n = 5000000
	measure("go_unbuffered_channel_handoff", n, 1, func(n int) {
		ch := make(chan int)
		done := make(chan bool)
		go func() {
			sum := 0
			for v := range ch {
				sum += v
			}
			done <- sum > 0
		}()
		for i := 0; i < n; i++ {
			ch <- i
		}
		close(ch)
		<-done
	})
	measure("go_buffered_channel_pingpong_hop", n, 2, func(n int) {
		ping, pong := make(chan int, 2), make(chan int, 2)
		go func() {
			for v := range ping {
				pong <- v
			}
		}()
		for i := 0; i < n; i++ {
			ping <- 1
			<-pong
		}
		close(ping)
	})
	measure("go_gosched_hop", n, 2, func(n int) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			for i := 0; i < n; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
		for i := 0; i < n; i++ {
			runtime.Gosched()
		}
		wg.Wait()
	})
	measure("go_spawn_join_per_goroutine", 100000, 1, func(n int) {
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	})
}
