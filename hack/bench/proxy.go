package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// proxy is a loopback TCP proxy to the API server that can cut every
// connection it carries and refuse new ones, as a network outage would.
// TLS passes through it untouched.
type proxy struct {
	target string
	addr   string // 127.0.0.1:port, the same after every restore

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]struct{}
	// firstConn is when the first connection after the last restore was
	// forwarded; zero until one is.
	firstConn time.Time
	wg        sync.WaitGroup
}

// startProxy listens on a free loopback port and forwards to target
// (host:port).
func startProxy(target string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serveLocked(ln)
	return p, nil
}

// config returns a copy of cfg that reaches the API server through p. The
// server's certificate is still checked against cfg's host name.
func (p *proxy) config(cfg *rest.Config) (*rest.Config, error) {
	u, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	out := rest.CopyConfig(cfg)
	if out.TLSClientConfig.ServerName == "" {
		out.TLSClientConfig.ServerName = u.Hostname()
	}
	u.Host = p.addr
	out.Host = u.String()
	return out, nil
}

func (p *proxy) serveLocked(ln net.Listener) {
	p.ln = ln
	p.firstConn = time.Time{}
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by cut or Close
			}
			p.wg.Go(func() { p.forward(c) })
		}
	})
}

// forward copies between c and a new connection to the target until
// either side ends or cut closes both.
func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	if !p.track(c, up) {
		_, _ = c.Close(), up.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_, _ = c.Close(), up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// track registers a forwarded pair; false when the proxy was cut since c
// was accepted.
func (p *proxy) track(c, up net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	if p.firstConn.IsZero() {
		p.firstConn = time.Now()
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	return true
}

// cut closes every connection and stops listening, so that new ones are
// refused.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
}

// restore listens again on the same address and returns when it does.
func (p *proxy) restore() (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return time.Time{}, errors.New("proxy: not cut")
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return time.Time{}, fmt.Errorf("proxy: listen again on %s: %w", p.addr, err)
	}
	p.serveLocked(ln)
	return time.Now(), nil
}

// firstConnection is when the first connection after the last restore was
// forwarded; zero if none was.
func (p *proxy) firstConnection() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstConn
}

// Close cuts and waits until every goroutine of p has ended.
func (p *proxy) Close() {
	p.cut()
	p.wg.Wait()
}
