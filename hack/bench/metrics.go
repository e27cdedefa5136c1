package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// readVerbs are the verbs of the waiting side; the writers only create and
// patch, so these counts are the waiters' own.
var readVerbs = map[string]bool{"GET": true, "LIST": true, "WATCH": true}

var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// serverReads sums apiserver_request_total for reads of the benchmark's
// API group, as the API server counts them. A watch is counted when it
// ends.
func (c *cluster) serverReads(ctx context.Context) (int64, error) {
	raw, err := c.core.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("read /metrics: %w", err)
	}
	var total float64
	for l := range strings.SplitSeq(string(raw), "\n") {
		rest, ok := strings.CutPrefix(l, "apiserver_request_total{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		var grp, verb string
		for _, m := range labelRE.FindAllStringSubmatch(labels, -1) {
			switch m[1] {
			case "group":
				grp = m[2]
			case "verb":
				verb = m[2]
			}
		}
		if grp != group || !readVerbs[verb] {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", l, err)
		}
		total += v
	}
	return int64(total), nil
}

// settledServerReads reads serverReads until two reads 250ms apart agree,
// so that watches the waiter just closed are counted; at most 5s.
func (c *cluster) settledServerReads(ctx context.Context) (int64, error) {
	prev, err := c.serverReads(ctx)
	if err != nil {
		return 0, err
	}
	for range 20 {
		time.Sleep(250 * time.Millisecond)
		cur, err := c.serverReads(ctx)
		if err != nil {
			return 0, err
		}
		if cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}
