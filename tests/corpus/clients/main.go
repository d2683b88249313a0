// Go clients of the corpus: go_client MODE HOST PORT [post]. Prints the error as log.Print does.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	mode, host, port := os.Args[1], os.Args[2], os.Args[3]
	post := len(os.Args) > 4
	var body []byte
	if post {
		body = bytes.Repeat([]byte("x"), 8<<20)
	}
	addr := net.JoinHostPort(host, port)
	_, _ = strconv.Atoi(port)
	var err error
	switch mode {
	case "http":
		c := &http.Client{Timeout: 2 * time.Second}
		var r *http.Response
		if post {
			r, err = c.Post("http://"+addr+"/", "application/octet-stream", bytes.NewReader(body))
		} else {
			r, err = c.Get("http://" + addr + "/")
		}
		if err == nil {
			_, err = io.ReadAll(r.Body)
		}
	case "net":
		var conn net.Conn
		conn, err = net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			if post {
				_, err = conn.Write(body)
			}
			if err == nil {
				_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			}
			if err == nil {
				_, err = conn.Read(make([]byte, 4096))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
