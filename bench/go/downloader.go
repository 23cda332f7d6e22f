// Go peer for the photo downloader (examples/downloader): the same job as the
// C++ approaches, the way Go does it: a goroutine per user, all started at
// once, on one shared net/http client that keeps a connection alive per user.
// Per user: log in, list the photos, fetch each one and check its size and
// CRC-32 checksum, then save them to <out>/<user>/photo-<id>.jpg.
//
//	downloader --serve --port=18080 &     # the photo server (C++)
//	go build -o /tmp/dl-go bench/go/downloader.go
//	/tmp/dl-go -server=127.0.0.1:18080 -users=1000 -out=/dev/shm/dl-go
//
// The last line on stdout is the C++ child's report (examples/downloader
// main.cc, RunChild): `RESULT <users> <failed> <wall_seconds>\t<first error>`.
// Exits 0 even if users failed; 2 on bad flags.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

type photo struct {
	id    int
	bytes []byte
}

type downloader struct {
	client *http.Client
	base   string // "http://host:port"
	out    string
}

// get fetches path and returns the whole body of a 200 response.
func (d *downloader) get(path string) ([]byte, error) {
	resp, err := d.client.Get(d.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body) // read to the end: the connection is reused
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return body, nil
}

// checksum is photos.cc Checksum: CRC-32 (IEEE, as zlib), 8 hex digits.
func checksum(b []byte) string {
	return fmt.Sprintf("%08x", crc32.ChecksumIEEE(b))
}

func (d *downloader) getPhotos(token string) ([]photo, error) {
	list, err := d.get("/photos?token=" + token)
	if err != nil {
		return nil, err
	}
	var photos []photo
	lines := bufio.NewScanner(strings.NewReader(string(list)))
	for lines.Scan() {
		var id, size int
		var sum string
		if n, _ := fmt.Sscanf(lines.Text(), "%d %d %s", &id, &size, &sum); n != 3 || id < 0 || len(sum) != 8 {
			return nil, fmt.Errorf("malformed photo list")
		}
		body, err := d.get(fmt.Sprintf("/photo/%d?token=%s", id, token))
		if err != nil {
			return nil, err
		}
		if len(body) != size || checksum(body) != sum {
			return nil, fmt.Errorf("photo %d: checksum mismatch", id)
		}
		photos = append(photos, photo{id, body})
	}
	return photos, nil
}

func (d *downloader) savePhotos(user string, photos []photo) error {
	dir := filepath.Join(d.out, user)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range photos {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("photo-%d.jpg", p.id)), p.bytes, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (d *downloader) downloadPhotos(user string) error {
	token, err := d.get("/login?user=" + user)
	if err != nil {
		return err
	}
	photos, err := d.getPhotos(string(token))
	if err != nil {
		return err
	}
	return d.savePhotos(user, photos)
}

func main() {
	server := flag.String("server", "", "host:port of the photo server")
	users := flag.Int("users", 1000, "how many users' photos to download")
	out := flag.String("out", "", "where to save the photos")
	procs := flag.Int("gomaxprocs", 0, "GOMAXPROCS (0: Go's default)")
	flag.Parse()
	if *server == "" || *out == "" || *users < 1 || *procs < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: downloader -server=host:port -out=DIR [-users=N] [-gomaxprocs=N]")
		os.Exit(2)
	}
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	// One idle keep-alive connection per user may stay open, as in the C++
	// clients; Go's default of 2 per host would close the rest after each use.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.MaxIdleConns = *users
	transport.MaxIdleConnsPerHost = *users
	d := &downloader{
		client: &http.Client{Transport: transport, Timeout: 30 * time.Second},
		base:   "http://" + *server,
		out:    *out,
	}

	start := time.Now()
	errs := make([]error, *users)
	var wg sync.WaitGroup
	for i := 0; i < *users; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			user := fmt.Sprintf("user%04d", i) // photos.cc UserName
			if err := d.downloadPhotos(user); err != nil {
				errs[i] = fmt.Errorf("%s: %w", user, err)
			}
		}(i)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()

	failed, first := 0, ""
	for _, err := range errs {
		if err != nil {
			if failed == 0 {
				first = err.Error()
			}
			failed++
		}
	}
	fmt.Printf("RESULT %d %d %.6f\t%s\n", *users, failed, wall, first)
}
