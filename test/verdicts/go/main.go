// Go net/http as the verdict harness runs it (test/verdicts/goDriver.ts builds this file with
// Debian's Go into a temp dir; standard library only, no module, no network).
//
//	wlgo proxy  -upstream http://127.0.0.1:PORT
//	    httputil.NewSingleHostReverseProxy with default settings on 127.0.0.1 and a port the OS
//	    picks; prints "listening 127.0.0.1:PORT" on stdout, then the proxy's and the server's
//	    own log lines (ReverseProxy.ErrorLog, Server.ErrorLog) on stderr.
//	wlgo client -url URL [-method GET] [-host example.com]
//	    one request with a default http.Client (keep-alives off so the run ends cleanly); prints a
//	    JSON object: status, header lines, body, and the error if the request or the body failed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"sort"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wlgo proxy|client ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "proxy":
		proxy(os.Args[2:])
	case "client":
		client(os.Args[2:])
	case "version":
		fmt.Println(runtime.Version())
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func proxy(args []string) {
	flags := flag.NewFlagSet("proxy", flag.ExitOnError)
	upstream := flags.String("upstream", "", "origin URL")
	flags.Parse(args)
	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("bad -upstream %q", *upstream)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	logger := log.New(os.Stderr, "", 0)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = logger
	server := &http.Server{Handler: rp, ErrorLog: logger}
	fmt.Printf("listening %s\n", listener.Addr())
	if err := server.Serve(listener); err != nil {
		log.Fatalf("serve: %v", err)
	}
}

type result struct {
	Status  int      `json:"status,omitempty"`
	Proto   string   `json:"proto,omitempty"`
	Headers []string `json:"headers,omitempty"`
	// Transfer-Encoding is not in Header: net/http moves it to Response.TransferEncoding.
	TransferEncoding []string `json:"transferEncoding,omitempty"`
	ContentLength    int64    `json:"contentLength"`
	Body             string   `json:"body"`
	Error            string   `json:"error,omitempty"`
}

func client(args []string) {
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	rawURL := flags.String("url", "", "URL")
	method := flags.String("method", "GET", "method")
	host := flags.String("host", "", "Host header")
	flags.Parse(args)
	req, err := http.NewRequest(*method, *rawURL, nil)
	if err != nil {
		log.Fatalf("request: %v", err)
	}
	if *host != "" {
		req.Host = *host
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	var out result
	resp, err := c.Do(req)
	if err != nil {
		out.Error = err.Error()
	} else {
		out.Status = resp.StatusCode
		out.Proto = resp.Proto
		out.TransferEncoding = resp.TransferEncoding
		out.ContentLength = resp.ContentLength
		names := make([]string, 0, len(resp.Header))
		for name := range resp.Header {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, value := range resp.Header[name] {
				out.Headers = append(out.Headers, name+": "+value)
			}
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Latin-1: one rune per byte, so the JSON reader can get the bytes back.
		runes := make([]rune, len(body))
		for i, b := range body {
			runes[i] = rune(b)
		}
		out.Body = string(runes)
		if err != nil {
			out.Error = "body: " + err.Error()
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
