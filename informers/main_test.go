package informers

import (
	"testing"
	"time"

	"go.uber.org/goleak"
	"k8s.io/utils/clock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testOpts are valid Options for tests, changed by mut.
func testOpts(mut ...func(*Options)) Options {
	opts := Options{
		Linger:          10 * time.Second,
		PollInterval:    2 * time.Second,
		ListThreshold:   10,
		ReadConcurrency: 8,
		Clock:           clock.RealClock{},
	}
	for _, f := range mut {
		f(&opts)
	}
	return opts
}
