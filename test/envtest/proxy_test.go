package envtest_test

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
)

// tcpProxy forwards TCP connections from a loopback port to the API
// server. TLS passes through it untouched, so a client pointed at it works
// as if it spoke to the API server, and the spec can take the network away
// from that client alone: Cut ends the connections it holds open (the API
// server keeps serving a watch that is already open after RBAC changed;
// only a new list or watch is authorized again), and Refuse makes the API
// server unreachable for new connections.
//
// Refusing closes the listener, so that a dial gets "connection refused"
// as from a server that is down; accepting again listens on the same
// address (Go sets SO_REUSEADDR, so connections of the port left in
// TIME_WAIT do not stand in the way).
type tcpProxy struct {
	target string // host:port of the API server
	addr   string // host:port the proxy listens on

	mu     sync.Mutex
	ln     net.Listener // nil while refusing
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup // the accept loop and the pipes
}

// newTCPProxy starts a proxy to the API server of base on 127.0.0.1 and
// closes it when the spec ends.
func newTCPProxy(base *rest.Config) *tcpProxy {
	GinkgoHelper()
	u, err := url.Parse(base.Host)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.Host).NotTo(BeEmpty(), "the API server's address in %q", base.Host)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	p := &tcpProxy{target: u.Host, addr: ln.Addr().String(), conns: make(map[net.Conn]struct{})}
	p.serveLocked(ln)
	DeferCleanup(p.Close)
	return p
}

// config returns a copy of base that reaches the API server through p.
// The API server's certificate names 127.0.0.1, as the proxy's address
// does.
func (p *tcpProxy) config(base *rest.Config) *rest.Config {
	out := rest.CopyConfig(base)
	out.Host = "https://" + p.addr
	return out
}

// serveLocked accepts connections on ln until it is closed.
func (p *tcpProxy) serveLocked(ln net.Listener) {
	p.ln = ln
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by Refuse or Close
			}
			p.pipe(c)
		}
	})
}

// pipe connects the client connection c to the API server.
func (p *tcpProxy) pipe(c net.Conn) {
	if !p.track(c) {
		return
	}
	p.wg.Go(func() {
		defer p.drop(c)
		d := net.Dialer{Timeout: 5 * time.Second}
		up, err := d.Dial("tcp", p.target)
		if err != nil {
			return
		}
		if !p.track(up) {
			return
		}
		defer p.drop(up)
		var copying sync.WaitGroup
		// Either side ending ends both: a cut or a closed client is seen
		// at once on the other side.
		copying.Go(func() {
			_, _ = io.Copy(up, c)
			_ = up.Close()
			_ = c.Close()
		})
		_, _ = io.Copy(c, up)
		_ = c.Close()
		_ = up.Close()
		copying.Wait()
	})
}

// track registers c as open; false (and c closed) once p is closed.
func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *tcpProxy) drop(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// Cut closes every connection open through p, both ways, and returns how
// many client and server connections it closed. New connections are still
// accepted (unless p refuses them).
func (p *tcpProxy) Cut() int {
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

// Refuse stops accepting new connections (refuse) or accepts them again.
// Connections already open stay open: Cut ends them.
func (p *tcpProxy) Refuse(refuse bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("proxy closed")
	}
	switch {
	case refuse && p.ln != nil:
		err := p.ln.Close()
		p.ln = nil
		return err
	case !refuse && p.ln == nil:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return err
		}
		p.serveLocked(ln)
	}
	return nil
}

// Close stops p, closes every connection through it and waits until its
// goroutines have ended. It is idempotent.
func (p *tcpProxy) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		if p.ln != nil {
			_ = p.ln.Close()
			p.ln = nil
		}
	}
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}
