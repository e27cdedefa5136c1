package informers

import "sync"

// fanout routes observations to the subscriptions of their key, and health
// to every subscription once. Its mutex also orders deliveries against
// Subscribe and cancel, so a handler never runs after its cancel has
// returned.
type fanout struct {
	mu    sync.Mutex
	byKey map[Key][]*subscription
	subs  map[*subscription]struct{}
}

type subscription struct {
	keys   []Key
	h      Handler
	health HealthHandler
	// seenAll is set by an informer when the subscription predates its
	// first event: it has seen every change of its keys.
	seenAll bool
}

// addLocked registers h and health for keys.
func (f *fanout) addLocked(keys []Key, h Handler, health HealthHandler) *subscription {
	if f.byKey == nil {
		f.byKey = make(map[Key][]*subscription)
		f.subs = make(map[*subscription]struct{})
	}
	s := &subscription{keys: keys, h: h, health: health}
	for _, k := range keys {
		f.byKey[k] = append(f.byKey[k], s)
	}
	f.subs[s] = struct{}{}
	return s
}

// cancelFunc returns an idempotent func removing s.
func (f *fanout) cancelFunc(s *subscription) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			delete(f.subs, s)
			for _, k := range s.keys {
				subs := f.byKey[k]
				for i, other := range subs {
					if other == s {
						subs = append(subs[:i], subs[i+1:]...)
						break
					}
				}
				if len(subs) == 0 {
					delete(f.byKey, k)
				} else {
					f.byKey[k] = subs
				}
			}
		})
	}
}

// deliverLocked hands obs to every subscription of its key.
func (f *fanout) deliverLocked(obs Observation) {
	for _, s := range f.byKey[obs.Key] {
		s.h(obs)
	}
}

// tell hands h to s's health handler, if it has one.
func (s *subscription) tell(h Health) {
	if s.health != nil {
		s.health(h)
	}
}

// healthLocked hands h to every subscription, once each.
func (f *fanout) healthLocked(h Health) {
	for s := range f.subs {
		s.tell(h)
	}
}

// keysLocked returns every subscribed key.
func (f *fanout) keysLocked() []Key {
	keys := make([]Key, 0, len(f.byKey))
	for k := range f.byKey {
		keys = append(keys, k)
	}
	return keys
}
